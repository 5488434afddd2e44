using System;
using System.Management.Automation;
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
                SessionHistoryVariable.Set(new PSModuleInfo(true).SessionState.PSVariable);
            }
            catch (InvalidOperationException)
            {
                // No runspace on this thread (e.g. the assembly was loaded outside Import-Module). Not fatal: every
                // command sets the variable in BeginProcessing when it is missing.
            }
        }
    }

    /// <summary>The $CGIPHistory session variable.</summary>
    internal static class SessionHistoryVariable
    {
        public const string Name = "CGIPHistory";

        /// <summary>
        /// Sets $global:CGIPHistory when it is missing or was overwritten. PSVariableIntrinsics accepts scope-qualified
        /// names, so "global:" reaches the global scope whatever scope the command runs in.
        /// </summary>
        public static void Ensure(PSCmdlet cmdlet)
        {
            var intrinsics = cmdlet.SessionState.PSVariable;
            if (!ReferenceEquals(CmdletExtensions.Unwrap(intrinsics.GetValue("global:" + Name)), CommandHistory.Session))
            {
                Set(intrinsics);
            }
        }

        public static void Set(PSVariableIntrinsics intrinsics) => intrinsics.Set("global:" + Name, CommandHistory.Session);
    }
}
