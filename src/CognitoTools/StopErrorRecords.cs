using System.Management.Automation;
using CognitoTools.Bulk;

namespace CognitoTools
{
    /// <summary>The one error record of a scope Cognito said stop for (issue 13), with the cause's stable id and category.</summary>
    internal static class StopErrorRecords
    {
        /// <summary>
        /// Target: the <see cref="ScopeStop"/> (its ClientId, Endpoint, TriggerUsername, NotSentCount), since the stop
        /// concerns a whole app client or account, not one row.
        /// </summary>
        public static ErrorRecord ForStop(ScopeStop stop, string journalPath)
        {
            var message = stop.Report(journalPath);
            var record = new ErrorRecord(new ScopeStopReportException(stop, message), stop.ErrorId, ErrorRecords.ToCategory(stop.Category), stop);
            record.ErrorDetails = new ErrorDetails(message)
            {
                RecommendedAction = Protocol.StopCauses.Fix(stop.Cause) + " " + stop.ResumeText(journalPath),
            };
            return record;
        }
    }
}
