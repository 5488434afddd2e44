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
            var errorId = string.IsNullOrEmpty(error.ErrorId) ? CredentialErrorIds.NoCredentials : error.ErrorId;
            var category = errorId == CredentialErrorIds.NoCredentials ? ErrorCategory.AuthenticationError : ToCategory(CredentialErrorIds.CategoryOf(errorId));
            var record = new ErrorRecord(error, errorId, category, error.Source);
            record.ErrorDetails = new ErrorDetails(error.Message)
            {
                RecommendedAction = "Give credentials with -AccessKey/-SecretKey, -ProfileName, -Credential, AWS.Tools' Set-AWSCredential, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile (AWS_PROFILE or [default]); see Get-Help about_CognitoTools (Credentials).",
            };
            return record;
        }

        /// <summary>CredentialErrorCategory's member names are ErrorCategory's names, so the map is by name.</summary>
        public static ErrorCategory ToCategory(CredentialErrorCategory category)
            => Enum.TryParse(category.ToString(), out ErrorCategory mapped) ? mapped : ErrorCategory.NotSpecified;

        /// <summary>
        /// A page that failed. Refused credentials (signature, unknown key, expired token) are authentication errors,
        /// refused rights (IAM) are permission errors; both messages name where the credentials came from.
        /// </summary>
        public static ErrorRecord ForListFailure(CognitoException error, string userPoolId, int pagesBefore, long usersBefore)
        {
            if (error is CredentialsRefusedException refused)
            {
                // The message already says where the credentials came from and the fix.
                return new ErrorRecord(refused, refused.ErrorId, ToCategory(refused.Category), userPoolId);
            }
            var code = string.IsNullOrEmpty(error.ErrorCode) ? ListUsersFailed : error.ErrorCode;
            ErrorCategory category;
            string action = null;
            switch (code)
            {
                case "NotAuthorizedException":
                    category = ErrorCategory.PermissionDenied;
                    action = "Grant these credentials cognito-idp:ListUsers on the user pool (an IAM policy), or use credentials that have it.";
                    break;
                case "ResourceNotFoundException":
                    category = ErrorCategory.ObjectNotFound;
                    action = "Check the user pool ID and the Region (-Region): a pool exists in one Region only.";
                    break;
                case CognitoErrors.ProxyAuthenticationRequired:
                    category = ErrorCategory.PermissionDenied;
                    action = StopCauses.Fix(StopCause.ProxyCredentialsRefused);
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
