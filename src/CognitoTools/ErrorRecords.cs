using System;
using System.Management.Automation;
using CognitoTools.Endpoints;
using CognitoTools.Protocol;

namespace CognitoTools
{
    /// <summary>Turns the core's exceptions into error records: stable ids, fitting categories, recommended actions.</summary>
    internal static class ErrorRecords
    {
        public const string RequestValidationFailed = CognitoErrors.RequestValidationFailed;
        public const string SecretHashAndClientSecret = RequestRejectedException.SecretHashAndClientSecret;
        public const string EndpointMismatch = RequestRejectedException.EndpointMismatch;
        public const string InvalidCaBundle = CaBundleException.ErrorId;
        public const string NotSent = "NotSent";
        public const string UnexpectedError = "UnexpectedError";
        public const string InvalidSelectValue = "InvalidSelectValue";
        public const string EmptyClientSecret = "EmptyClientSecret";
        public const string InDoubtNotResent = "InDoubtNotResent";
        public const string JournalLocked = Journal.JournalException.Locked;
        public const string JournalNotRecognized = Journal.JournalException.NotRecognized;
        public const string JournalUnusable = Journal.JournalException.Unusable;
        public const string JournalWriteFailed = Journal.JournalException.WriteFailed;

        /// <summary>-ClientSecret given but empty: no SecretHash can be computed for any row.</summary>
        public static ErrorRecord ForEmptyClientSecret()
            => new ErrorRecord(new ArgumentException("-ClientSecret is empty; give the app client's secret.", "ClientSecret"),
                EmptyClientSecret, ErrorCategory.InvalidArgument, null);

        /// <summary>A call that failed (service, transport or validation), targeting the user it was for.</summary>
        public static ErrorRecord ForFailure(Exception error, object targetObject)
        {
            string errorId;
            ErrorCategory category;
            switch (error)
            {
                case CognitoException cognito:
                    errorId = string.IsNullOrEmpty(cognito.ErrorCode) ? UnexpectedError : cognito.ErrorCode;
                    category = ToCategory(CognitoErrors.Classify(cognito.ErrorCode));
                    break;
                case RequestValidationException _:
                    errorId = RequestValidationFailed;
                    category = ToCategory(CognitoErrors.Classify(RequestValidationFailed));
                    break;
                default:
                    errorId = UnexpectedError;
                    category = ErrorCategory.NotSpecified;
                    break;
            }
            var record = new ErrorRecord(error, errorId, category, targetObject);
            // A scope-wide answer (the daily e-mail limit, a pool setting, a proxy's refusal) gets its stop cause's fix, not
            // the advice for its error code's per-row meaning (LimitExceededException is also the per-user attempt limit).
            var action = StopCauses.RowAction(error) ?? RecommendedAction(errorId);
            if (action != null)
            {
                record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = action };
            }
            return record;
        }

        /// <summary>A row refused before sending: both SecretHash and -ClientSecret, or a resend to another endpoint.</summary>
        public static ErrorRecord ForRejectedRow(RequestRejectedException error, object targetObject)
        {
            var category = error.ErrorId == EndpointMismatch ? ErrorCategory.InvalidOperation : ErrorCategory.InvalidArgument;
            var record = new ErrorRecord(error, error.ErrorId, category, targetObject);
            var action = RecommendedAction(error.ErrorId);
            if (action != null)
            {
                record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = action };
            }
            return record;
        }

        /// <summary>
        /// The configured CA bundle cannot be used, so nothing can be sent: ReadError when the file exists but cannot be
        /// read, InvalidArgument when the setting names no file or a file without a usable certificate.
        /// </summary>
        public static ErrorRecord ForCaBundle(CaBundleException error)
        {
            var category = error.Problem == CaBundleProblem.Unreadable ? ErrorCategory.ReadError : ErrorCategory.InvalidArgument;
            return new ErrorRecord(error, InvalidCaBundle, category, error.Path)
            {
                ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = RecommendedAction(InvalidCaBundle) },
            };
        }

        /// <summary>A row the stopped batch did not send (or sent without an answer); with a journal, resuming means running the command again with it.</summary>
        public static ErrorRecord ForNotSent(Exception error, object targetObject, string journalPath = null)
        {
            var exception = error as OperationCanceledException
                ?? new OperationCanceledException("The request was not sent because the command was stopped.", error);
            var action = journalPath == null
                ? RecommendedAction(NotSent)
                : $"Resume by running the same command again with -JournalPath '{journalPath}': rows already answered are skipped, the rest are sent.";
            return new ErrorRecord(exception, NotSent, ErrorCategory.OperationStopped, targetObject)
            {
                ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action },
            };
        }

        /// <summary>The journal cannot be used (locked, not a journal, unwritable): nothing is sent.</summary>
        public static ErrorRecord ForJournal(Journal.JournalException error)
        {
            ErrorCategory category;
            switch (error.ErrorId)
            {
                case JournalLocked:
                    category = ErrorCategory.ResourceBusy;
                    break;
                case JournalNotRecognized:
                    category = ErrorCategory.InvalidData;
                    break;
                case JournalWriteFailed:
                    category = ErrorCategory.WriteError;
                    break;
                default:
                    category = ErrorCategory.OpenError;
                    break;
            }
            return new ErrorRecord(error, error.ErrorId, category, error.Path);
        }

        /// <summary>-SkipInDoubt: a row whose earlier request may or may not have reached Cognito was not sent again.</summary>
        public static ErrorRecord ForInDoubtSkipped(string message, object targetObject)
            => new ErrorRecord(new InvalidOperationException(message), InDoubtNotResent, ErrorCategory.OperationStopped, targetObject)
            {
                ErrorDetails = new ErrorDetails(message)
                {
                    RecommendedAction = "Check whether the user received a code; to send one anyway, run the same command again without -SkipInDoubt.",
                },
            };

        /// <summary>Nothing can proceed: no region, a bad endpoint URL, or endpoint rules that fail.</summary>
        public static ErrorRecord ForSettings(ClientSettingsException error)
        {
            var category = error.ErrorId == "ProfileNotFound" ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidArgument;
            var record = new ErrorRecord(error, error.ErrorId, category, null);
            var action = RecommendedAction(error.ErrorId);
            if (action != null)
            {
                record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = action };
            }
            return record;
        }

        /// <summary>ErrorClassification's member names are ErrorCategory's names, so the map is by name.</summary>
        public static ErrorCategory ToCategory(ErrorClassification classification)
        {
            return Enum.TryParse(classification.ToString(), out ErrorCategory category) ? category : ErrorCategory.NotSpecified;
        }

        private static string RecommendedAction(string errorId)
        {
            switch (errorId)
            {
                case "UserNotFoundException":
                    return "Check the user name and that the app client belongs to the user's pool.";
                case "LimitExceededException":
                    // The per-user "Attempt limit exceeded"; the daily e-mail limit gets ScopeWideAction's advice.
                    return "Cognito limits how often a user can be sent a code; wait (up to an hour) and retry with: Get-CGIPHistory -Failed | Send-CGIPConfirmationCode";
                case "TooManyRequestsException":
                    return "Lower -MaxRequestsPerSecond or -ThrottleLimit, then retry with: Get-CGIPHistory -Failed | Send-CGIPConfirmationCode";
                case "NotAuthorizedException":
                    return "If the app client has a secret, pass -ClientSecret (or a correct SecretHash); check that the client id is right.";
                case "InvalidParameterException":
                    return "Read the message: a user who is already confirmed, or a pool without a verified email or phone, cannot be sent a code.";
                case "CodeDeliveryFailureException":
                    return "Check the user pool's email/SMS configuration, then retry with: Get-CGIPHistory -Failed | Send-CGIPConfirmationCode";
                case "ConnectionFailure":
                case "RequestTimeout":
                    return "Check the network, proxy and -EndpointUrl, then retry with: Get-CGIPHistory -Failed | Send-CGIPConfirmationCode";
                case RequestValidationFailed:
                    return "Correct the named parameter's value; nothing was sent for this record.";
                case NotSent:
                    return "Resume with: Get-CGIPHistory -NotSent | Send-CGIPConfirmationCode";
                case EndpointMismatch:
                    return "Resend where the record went (its -EndpointUrl or -Region), or add -AllowEndpointChange to send it to this command's endpoint.";
                case InvalidCaBundle:
                    return "Point $env:AWS_CA_BUNDLE (or the profile's ca_bundle) at a readable PEM file of the CA certificates to trust, or unset it.";
                case "NoRegion":
                    return "Pass -Region, set $env:AWS_REGION, or set a region in the profile of your AWS config file.";
                case "ProfileNotFound":
                    return "Check -ProfileName / $env:AWS_PROFILE and -ProfileLocation / $env:AWS_CONFIG_FILE.";
                default:
                    return null;
            }
        }
    }
}
