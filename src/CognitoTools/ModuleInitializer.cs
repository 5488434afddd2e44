using System;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using CognitoTools.History;

namespace CognitoTools
{
    /// <summary>Sets $CGIPHistory when the module is imported, so it exists before the first command runs.</summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        public void OnImport()
        {
            // Import-Module runs on the pipeline thread while a pipeline is running, so
            // Runspace.DefaultRunspace.SessionStateProxy cannot be used (NoSessionStateProxyWhenPipelineInProgress).
            // A PSModuleInfo linked to the global scope gives a session state on this thread's runspace whose "global:"
            // is the session's global scope: a direct variable write, no script to parse or compile (a first script
            // block would cost more than the rest of the import).
            try
            {
                SessionHistory.Of(new PSModuleInfo(true).SessionState.PSVariable);
            }
            catch (InvalidOperationException)
            {
                // No runspace on this thread (e.g. the assembly was loaded outside Import-Module). Not fatal: every
                // command finds or creates its session's history when it starts.
            }
        }
    }

    /// <summary>
    /// Each session's own history, exposed as its $global:CGIPHistory. A process can hold many sessions (runspaces of
    /// [powershell]::Create(), ForEach-Object -Parallel, runspace pools, hosting applications), and the history of
    /// one, with its settings (-IncludeSecrets), must never see another's calls. So the history is tied to the
    /// session's own $global:CGIPHistory variable object: a new runspace, or one whose state was reset (a reused
    /// ForEach-Object -Parallel runspace), has no such variable and starts an empty history; assigning another value
    /// to $CGIPHistory keeps the history (the next command puts it back); Remove-Variable CGIPHistory discards it.
    /// </summary>
    internal static class SessionHistory
    {
        public const string VariableName = "CGIPHistory";
        private const string GlobalName = "global:" + VariableName;

        // Keyed by the variable object, held weakly: a closed runspace's history goes with its session state.
        private static readonly ConditionalWeakTable<PSVariable, CommandHistory> Histories = new ConditionalWeakTable<PSVariable, CommandHistory>();
        private static readonly object Gate = new object();

        /// <summary>The history of the session the cmdlet runs in, created with $global:CGIPHistory on first use.</summary>
        public static CommandHistory Of(PSCmdlet cmdlet) => Of(cmdlet.SessionState.PSVariable);

        /// <summary>
        /// PSVariableIntrinsics accepts scope-qualified names, so "global:" reaches the session's global scope whatever
        /// scope (or module) the command runs in.
        /// </summary>
        public static CommandHistory Of(PSVariableIntrinsics variables)
        {
            lock (Gate)
            {
                var variable = variables.Get(GlobalName);
                if (variable != null && Histories.TryGetValue(variable, out var history))
                {
                    if (!ReferenceEquals(CmdletExtensions.Unwrap(variable.Value), history))
                    {
                        try
                        {
                            variable.Value = history;
                        }
                        catch (SessionStateException)
                        {
                            // Made read-only by the user after assigning something else: the history still works.
                        }
                    }
                    return history;
                }

                history = new CommandHistory();
                variables.Set(GlobalName, history);
                variable = variables.Get(GlobalName);
                if (variable != null)
                {
                    Histories.Remove(variable);
                    Histories.Add(variable, history);
                }
                return history;
            }
        }
    }
}
