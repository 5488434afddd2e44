using System;
using System.Management.Automation;
using CognitoTools.Auth;
using CognitoTools.Listing;
using CognitoTools.Protocol;

namespace CognitoTools
{
    /// <summary>Error records of Get-CGIPUserList: credentials, signing and IAM refusals, pagination tokens, listing failures.</summary>
    internal static class ListErrorRecords
    {
        public const string InvalidClientFilter = "InvalidClientFilter";
        public const string StoredRegionUnusable = "StoredRegionUnusable";
        public const string ListUsersFailed = "ListUsersFailed";

        /// <summary>No usable credentials, or a source that failed: authentication (a profile that is not there: not found).</summary>
        public static ErrorRecord ForCredentials(AwsCredentialsException error)
        {
            var category = error.ErrorId != null && error.ErrorId.EndsWith("NotFound", StringComparison.Ordinal) ? ErrorCategory.ObjectNotFound : ErrorCategory.AuthenticationError;
            var record = new ErrorRecord(error, string.IsNullOrEmpty(error.ErrorId) ? "NoCredentials" : error.ErrorId, category, error.Source);
            record.ErrorDetails = new ErrorDetails(error.Message)
            {
                RecommendedAction = "Give credentials with -AccessKey/-SecretKey, -ProfileName, -Credential, AWS.Tools' Set-AWSCredential, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile (AWS_PROFILE or [default]); see Get-Help about_CognitoTools (Credentials).",
            };
            return record;
        }

        public static bool IsCredentialError(string errorCode)
            => errorCode != null && Array.IndexOf((string[])CognitoUserListClient.CredentialErrorCodes, errorCode) >= 0;

        /// <summary>
        /// A page that failed. Refused credentials (signature, unknown key, expired token) are authentication errors,
        /// refused rights (IAM) are permission errors; both messages name where the credentials came from.
        /// </summary>
        public static ErrorRecord ForListFailure(CognitoException error, string userPoolId, int pagesBefore, long usersBefore)
        {
            var code = string.IsNullOrEmpty(error.ErrorCode) ? ListUsersFailed : error.ErrorCode;
            ErrorCategory category;
            string action = null;
            switch (code)
            {
                case "AccessDenied":
                case "AccessDeniedException":
                case "NotAuthorizedException":
                    category = ErrorCategory.PermissionDenied;
                    action = "Grant these credentials cognito-idp:ListUsers on the user pool (an IAM policy), or use credentials that have it.";
                    break;
                case "UnrecognizedClientException":
                case "InvalidClientTokenId":
                    category = ErrorCategory.AuthenticationError;
                    action = "The access key is not known to AWS (deleted, mistyped, or from another partition): check the credentials' source.";
                    break;
                case "InvalidSignatureException":
                case "SignatureDoesNotMatch":
                case "IncompleteSignature":
                    category = ErrorCategory.AuthenticationError;
                    action = "The secret key does not belong to the access key (or the clock is far off): check the credentials' source.";
                    break;
                case "ExpiredToken":
                case "ExpiredTokenException":
                    category = ErrorCategory.AuthenticationError;
                    action = "The session token has expired: get new temporary credentials (aws sso login, a new role session) and run again.";
                    break;
                case "ResourceNotFoundException":
                    category = ErrorCategory.ObjectNotFound;
                    action = "Check the user pool ID and the Region (-Region): a pool exists in one Region only.";
                    break;
                default:
                    category = ErrorRecords.ToCategory(CognitoErrors.Classify(code));
                    break;
            }
            var message = error.Message;
            if (pagesBefore > 0)
            {
                message += $" ({pagesBefore} page(s), {usersBefore} user(s) of pool {userPoolId} were listed before this.)";
            }
            var record = new ErrorRecord(error, code, category, userPoolId);
            record.ErrorDetails = new ErrorDetails(message);
            if (action != null)
            {
                record.ErrorDetails.RecommendedAction = action;
            }
            return record;
        }

        public static ErrorRecord ForPaginationToken(PaginationTokenException error, string userPoolId)
        {
            var record = new ErrorRecord(error, PaginationTokenException.ErrorId,
                error.TokenFromCaller ? ErrorCategory.InvalidArgument : ErrorCategory.OperationTimeout, userPoolId);
            record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = "List again without -PaginationToken." };
            return record;
        }
    }
}
