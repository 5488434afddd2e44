using System;
using CognitoTools.Bulk;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.History
{
    /// <summary>
    /// Turns one bulk outcome into its history entry. The journal writes its outcome line from the same entry, so the
    /// history and the journal always say the same thing about a row.
    /// </summary>
    public static class HistoryEntryMapper
    {
        public const string NotSentMessage = "Not sent: the batch was stopped before this request was made.";
        public const string InDoubtMessage = "No answer: the batch was stopped while this request was in flight; it may have reached Cognito.";

        /// <param name="outcome">The row's outcome (Succeeded, Failed or NotSent).</param>
        /// <param name="endpoint">The endpoint the batch sends to.</param>
        /// <param name="region">The Region of that endpoint, or null.</param>
        /// <param name="commandName">The command that made the call, or null.</param>
        /// <param name="startedAt">When the request was started, or null when it was never started.</param>
        /// <param name="measured">How long the call took as the sender measured it (used when the response has no duration).</param>
        public static HistoryEntry FromOutcome(SendOutcome outcome, string endpoint, string region, string commandName, DateTimeOffset? startedAt, TimeSpan measured)
        {
            if (outcome == null) throw new ArgumentNullException(nameof(outcome));
            var request = outcome.Request;
            var entry = new HistoryEntry
            {
                Time = startedAt ?? DateTimeOffset.Now,
                Username = request?.Username,
                ClientId = request?.ClientId,
                Endpoint = endpoint,
                Region = region,
                Command = commandName,
                IsDuplicate = outcome.IsDuplicate,
            };
            switch (outcome.Kind)
            {
                case SendOutcomeKind.Succeeded:
                    var response = outcome.Response;
                    entry.Outcome = HistoryOutcome.Succeeded;
                    entry.CodeDeliveryDetails = response?.CodeDeliveryDetails;
                    entry.HttpStatusCode = response == null || response.HttpStatusCode == 0 ? (int?)null : response.HttpStatusCode;
                    entry.RequestId = response?.ResponseMetadata?.RequestId;
                    entry.Attempts = outcome.IsDuplicate || response == null ? 0 : response.Attempts;
                    entry.Duration = outcome.IsDuplicate ? TimeSpan.Zero : response != null && response.Duration > TimeSpan.Zero ? response.Duration : measured;
                    break;
                case SendOutcomeKind.Failed:
                    entry.Outcome = HistoryOutcome.Failed;
                    DescribeError(entry, outcome.Error);
                    if (outcome.IsDuplicate) entry.Attempts = 0;
                    entry.Duration = outcome.IsDuplicate ? TimeSpan.Zero : measured;
                    break;
                default:
                    entry.Outcome = HistoryOutcome.NotSent;
                    // A stopped batch's own reason (for example a stall: Cognito kept failing) comes first.
                    entry.ErrorMessage = outcome.Error?.Message ?? (outcome.InDoubt ? InDoubtMessage : NotSentMessage);
                    entry.Duration = measured;
                    break;
            }
            return entry;
        }

        /// <summary>Copies what a failure says (error code, message, status, request id, attempts) into the entry.</summary>
        public static void DescribeError(HistoryEntry entry, Exception error)
        {
            if (entry == null) throw new ArgumentNullException(nameof(entry));
            switch (error)
            {
                case CognitoException cognito:
                    entry.ErrorCode = cognito.ErrorCode;
                    entry.ErrorMessage = cognito.Message;
                    entry.HttpStatusCode = cognito.HttpStatusCode;
                    entry.RequestId = cognito.RequestId;
                    entry.Attempts = cognito.Attempts;
                    break;
                case RequestValidationException validation:
                    entry.ErrorCode = CognitoErrors.RequestValidationFailed;
                    entry.ErrorMessage = validation.Message;
                    break;
                case null:
                    break;
                default:
                    entry.ErrorCode = error.GetType().Name;
                    entry.ErrorMessage = error.Message;
                    break;
            }
        }
    }
}
