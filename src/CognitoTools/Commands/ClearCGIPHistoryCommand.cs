using System.Management.Automation;
using CognitoTools.History;

namespace CognitoTools.Commands
{
    /// <summary>Empties the session history ($CGIPHistory).</summary>
    [Cmdlet(VerbsCommon.Clear, "CGIPHistory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    public sealed class ClearCGIPHistoryCommand : PSCmdlet
    {
        protected override void EndProcessing()
        {
            var history = SessionHistory.Of(this);
            if (ShouldProcess($"$CGIPHistory ({history.Count} entries)", "Clear"))
            {
                history.Clear();
            }
        }
    }
}
