using System;
using System.Globalization;

namespace CognitoTools.Auth
{
    /// <summary>A service error of a signed request, explained in terms of the credentials that signed it.</summary>
    public sealed class SignedRequestError
    {
        internal SignedRequestError(string errorId, CredentialErrorCategory category, string message)
        {
            ErrorId = errorId;
            Category = category;
            Message = message;
        }

        /// <summary>AccessDenied, UnrecognizedClient, InvalidSignature, ExpiredToken or MissingCredentials.</summary>
        public string ErrorId { get; }
        public CredentialErrorCategory Category { get; }
        /// <summary>What happened, where the credentials came from, and the fix. Never a secret.</summary>
        public string Message { get; }

        public override string ToString() => ErrorId + ": " + Message;
    }

    /// <summary>
    /// Turns the errors AWS answers a signed request with when the credentials are the problem into messages that name
    /// where the credentials came from (the part the service's own message never says) and what to do.
    /// </summary>
    public static class SignedRequestErrors
    {
        public const string AccessDenied = "AccessDenied";
        public const string UnrecognizedClient = "UnrecognizedClient";
        public const string InvalidSignature = "InvalidSignature";
        public const string ExpiredToken = "ExpiredToken";
        public const string MissingCredentials = "MissingCredentials";

        private const string ChooseOther = "Choose other credentials with -ProfileName, -AccessKey/-SecretKey, -Credential or $env:AWS_PROFILE.";

        /// <summary>True for the codes <see cref="Describe"/> explains.</summary>
        public static bool IsCredentialsError(string errorCode) => IdFor(Normalize(errorCode)) != null;

        /// <summary>
        /// The explanation of a credentials error, or null when the code is not one (the caller reports it as usual).
        /// </summary>
        /// <param name="errorCode">The service's code, e.g. AccessDeniedException, "com.amazonaws...#UnrecognizedClientException".</param>
        /// <param name="serviceMessage">The service's own message (kept: it names the action and resource).</param>
        /// <param name="httpStatus">The answer's status.</param>
        /// <param name="credentials">The credentials that signed the request (their Source is named; the secret never).</param>
        /// <param name="requiredPermission">What to grant on AccessDenied, e.g. "cognito-idp:ListUsers on the user pool" (the default).</param>
        public static SignedRequestError Describe(string errorCode, string serviceMessage, int httpStatus, AwsCredentials credentials,
            string requiredPermission = "cognito-idp:ListUsers on the user pool")
        {
            var code = Normalize(errorCode);
            var id = IdFor(code);
            if (id == null) return null;
            var who = credentials == null
                ? "the credentials used"
                : "the credentials from " + credentials.Source + " (access key " + credentials.AccessKeyId + ")";
            var said = string.IsNullOrEmpty(serviceMessage) ? "" : " AWS said: " + Scrub(serviceMessage, credentials);
            var answer = code + " (HTTP " + httpStatus.ToString(CultureInfo.InvariantCulture) + ")";
            switch (id)
            {
                case AccessDenied:
                    return new SignedRequestError(id, CredentialErrorCategory.PermissionDenied,
                        "AWS refused the request made with " + who + ": " + answer + "." + said
                        + " Grant that identity " + (requiredPermission ?? "the permission the request needs") + ", or " + Lower(ChooseOther));
                case UnrecognizedClient:
                    return new SignedRequestError(id, CredentialErrorCategory.AuthenticationError,
                        "AWS does not know the access key of " + who + ": " + answer + "." + said
                        + " The key was deleted or deactivated, belongs to another partition (China, GovCloud), or its session token is missing. " + ChooseOther);
                case InvalidSignature:
                    return new SignedRequestError(id, CredentialErrorCategory.AuthenticationError,
                        "AWS refused the signature made with " + who + ": " + answer + "." + said
                        + " The secret key does not belong to that access key, or this computer's clock is more than 5 minutes off (a skewed clock is corrected from AWS's answer once). "
                        + ChooseOther);
                case ExpiredToken:
                    var expired = credentials?.Expiration != null
                        ? " They expired at " + credentials.Expiration.Value.UtcDateTime.ToString("u", CultureInfo.InvariantCulture) + "."
                        : "";
                    return new SignedRequestError(id, CredentialErrorCategory.AuthenticationError,
                        "The session token of " + who + " has expired: " + answer + "." + expired + said
                        + " Get new temporary credentials (aws sso login, a new session token, or a profile with role_arn or credential_process, which refresh themselves). "
                        + ChooseOther);
                default:
                    return new SignedRequestError(id, CredentialErrorCategory.AuthenticationError,
                        "AWS found no usable signature on the request made with " + who + ": " + answer + "." + said + " " + ChooseOther);
            }
        }

        private static string IdFor(string code)
        {
            switch (code)
            {
                case "AccessDenied":
                case "AccessDeniedException":
                    return AccessDenied;
                case "UnrecognizedClient":
                case "UnrecognizedClientException":
                case "InvalidClientTokenId":
                case "InvalidAccessKeyId":
                    return UnrecognizedClient;
                case "InvalidSignature":
                case "InvalidSignatureException":
                case "SignatureDoesNotMatch":
                case "IncompleteSignature":
                case "IncompleteSignatureException":
                    return InvalidSignature;
                case "ExpiredToken":
                case "ExpiredTokenException":
                case "RequestExpired":
                    return ExpiredToken;
                case "MissingAuthenticationToken":
                case "MissingAuthenticationTokenException":
                    return MissingCredentials;
                default:
                    return null;
            }
        }

        /// <summary>"com.amazonaws...#Code" and "Code:http://..." to the bare code.</summary>
        private static string Normalize(string code)
        {
            if (string.IsNullOrEmpty(code)) return null;
            var hash = code.LastIndexOf('#');
            if (hash >= 0) code = code.Substring(hash + 1);
            var colon = code.IndexOf(':');
            if (colon >= 0) code = code.Substring(0, colon);
            return code.Trim();
        }

        /// <summary>A service message never echoes a secret, but a stand-in or proxy might: remove it if it does.</summary>
        private static string Scrub(string text, AwsCredentials credentials)
        {
            if (credentials == null) return text;
            if (!string.IsNullOrEmpty(credentials.SecretAccessKey)) text = text.Replace(credentials.SecretAccessKey, "<secret key>");
            if (!string.IsNullOrEmpty(credentials.SessionToken)) text = text.Replace(credentials.SessionToken, "<session token>");
            return text;
        }

        private static string Lower(string sentence) => sentence.Length == 0 ? sentence : char.ToLowerInvariant(sentence[0]) + sentence.Substring(1);
    }
}
