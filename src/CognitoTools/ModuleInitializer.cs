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
            // Runspace.DefaultRunspace.SessionStateProxy would throw (NoSessionStateProxyWhenPipelineInProgress).
            // A script block invoked in place runs on this thread in the importing session without a new pipeline.
            try
            {
                ScriptBlock.Create("$global:" + SessionHistoryVariable.Name + " = $args[0]").Invoke(CommandHistory.Session);
            }
            catch (RuntimeException)
            {
                // Not fatal: every command sets the variable again in BeginProcessing when it is missing.
            }
            catch (System.InvalidOperationException)
            {
                // No runspace on this thread (e.g. loaded by a host without one); same fallback.
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
            if (!ReferenceEquals(Unwrap(intrinsics.GetValue("global:" + Name)), CommandHistory.Session))
            {
                intrinsics.Set("global:" + Name, CommandHistory.Session);
            }
        }

        private static object Unwrap(object value) => value is PSObject wrapped ? wrapped.BaseObject : value;
    }
}
