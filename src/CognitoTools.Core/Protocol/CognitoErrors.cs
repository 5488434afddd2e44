using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// What kind of failure an error code is, named after PowerShell's ErrorCategory members so the module maps it
    /// by name (the core does not reference PowerShell).
    /// </summary>
    public enum ErrorClassification
    {
        NotSpecified,
        ObjectNotFound,
        InvalidArgument,
        PermissionDenied,
        LimitsExceeded,
        InvalidOperation,
        SecurityError,
        ResourceUnavailable,
        ConnectionError,
        OperationTimeout,
        InvalidResult,
        NotEnabled,
        NotImplemented,
        ProtocolError,
        OperationStopped,
        InvalidData,
        // The journal's (-JournalPath) terminating errors.
        ResourceBusy,
        OpenError,
        WriteError,
    }

    /// <summary>One error shape of the operation's model.</summary>
    public sealed class ModelledError
    {
        internal ModelledError(string code, bool isFault, ErrorClassification classification)
        {
            Code = code;
            IsFault = isFault;
            Classification = classification;
        }

        /// <summary>e.g. UserNotFoundException.</summary>
        public string Code { get; }
        /// <summary>The model marks it as the service's fault (fault: true) rather than the caller's.</summary>
        public bool IsFault { get; }
        public ErrorClassification Classification { get; }
    }

    /// <summary>Cognito's modelled errors for ResendConfirmationCode, our transport codes, and how each is classified.</summary>
    public static class CognitoErrors
    {
        // Codes of our own for failures that are not a Cognito error shape.
        public const string ConnectionFailure = "ConnectionFailure";
        public const string RequestTimeout = "RequestTimeout";
        public const string MalformedResponse = "MalformedResponse";
        public const string UnknownError = "UnknownError";
        /// <summary>A proxy answered 407: it wants credentials it did not get or refused the ones given. Not retried.</summary>
        public const string ProxyAuthenticationRequired = "ProxyAuthenticationRequired";
        /// <summary>Input that breaks the service model's rules; nothing was sent (a <see cref="RequestValidationException"/>).</summary>
        public const string RequestValidationFailed = "RequestValidationFailed";

        private static readonly ModelledError[] Modelled =
        {
            // Same order as the model's "errors" list.
            new ModelledError("ResourceNotFoundException", false, ErrorClassification.ObjectNotFound),
            new ModelledError("InvalidParameterException", false, ErrorClassification.InvalidArgument),
            new ModelledError("UnexpectedLambdaException", false, ErrorClassification.InvalidOperation),
            new ModelledError("UserLambdaValidationException", false, ErrorClassification.InvalidOperation),
            new ModelledError("NotAuthorizedException", false, ErrorClassification.PermissionDenied),
            new ModelledError("InvalidLambdaResponseException", false, ErrorClassification.InvalidResult),
            new ModelledError("TooManyRequestsException", false, ErrorClassification.LimitsExceeded),
            new ModelledError("LimitExceededException", false, ErrorClassification.LimitsExceeded),
            new ModelledError("InvalidSmsRoleAccessPolicyException", false, ErrorClassification.SecurityError),
            new ModelledError("InvalidSmsRoleTrustRelationshipException", false, ErrorClassification.SecurityError),
            new ModelledError("InvalidEmailRoleAccessPolicyException", false, ErrorClassification.SecurityError),
            new ModelledError("CodeDeliveryFailureException", false, ErrorClassification.ResourceUnavailable),
            new ModelledError("UserNotFoundException", false, ErrorClassification.ObjectNotFound),
            new ModelledError("OperationNotEnabledException", false, ErrorClassification.NotEnabled),
            new ModelledError("InternalErrorException", true, ErrorClassification.ResourceUnavailable),
            new ModelledError("ForbiddenException", false, ErrorClassification.PermissionDenied),
        };

        private static readonly Dictionary<string, ModelledError> ByCode = BuildIndex();

        private static Dictionary<string, ModelledError> BuildIndex()
        {
            var index = new Dictionary<string, ModelledError>(StringComparer.Ordinal);
            foreach (var e in Modelled) index[e.Code] = e;
            return index;
        }

        /// <summary>The 16 error shapes of the operation, in model order.</summary>
        public static IReadOnlyList<ModelledError> ModelledErrors { get; } = new ReadOnlyCollection<ModelledError>(Modelled);

        /// <summary>The 16 modelled error codes, in model order.</summary>
        public static IReadOnlyList<string> ModelledErrorCodes { get; } = new ReadOnlyCollection<string>(Array.ConvertAll(Modelled, e => e.Code));

        public static bool IsModelled(string errorCode) => errorCode != null && ByCode.ContainsKey(errorCode);

        /// <summary>True for error shapes the model marks fault: true (the service's fault): InternalErrorException.</summary>
        public static bool IsFault(string errorCode) => errorCode != null && ByCode.TryGetValue(errorCode, out var e) && e.IsFault;

        public static ErrorClassification Classify(string errorCode)
        {
            if (string.IsNullOrEmpty(errorCode)) return ErrorClassification.NotSpecified;
            if (ByCode.TryGetValue(errorCode, out var modelled)) return modelled.Classification;
            switch (errorCode)
            {
                case ConnectionFailure: return ErrorClassification.ConnectionError;
                case RequestTimeout: return ErrorClassification.OperationTimeout;
                case MalformedResponse: return ErrorClassification.ProtocolError;
                case RequestValidationFailed: return ErrorClassification.InvalidArgument;
                case ProxyAuthenticationRequired: return ErrorClassification.PermissionDenied;
                default:
                    // Other SDKs' throttling codes, should a proxy or gateway answer with one: the retry rule's list.
                    return RetryClassifier.IsThrottlingErrorCode(errorCode) ? ErrorClassification.LimitsExceeded : ErrorClassification.NotSpecified;
            }
        }

        /// <summary>
        /// Smithy's awsJson1_1 error-code sanitising: drop anything after a comma (repeated headers) or the first ':'
        /// (e.g. ":http://internal.amazon.com/..."), and keep only what follows the last '#' (the shape's namespace).
        /// </summary>
        public static string SanitizeErrorCode(string rawCode)
        {
            if (rawCode == null) return null;
            var code = rawCode;
            var comma = code.IndexOf(',');
            if (comma >= 0) code = code.Substring(0, comma);
            var colon = code.IndexOf(':');
            if (colon >= 0) code = code.Substring(0, colon);
            var hash = code.LastIndexOf('#');
            if (hash >= 0) code = code.Substring(hash + 1);
            return code.Trim();
        }
    }
}
