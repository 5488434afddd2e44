namespace CognitoTools.Auth
{
    /// <summary>
    /// The kinds of credential failure, named after PowerShell's ErrorCategory members so the module maps them by name
    /// (the core does not reference PowerShell).
    /// </summary>
    public enum CredentialErrorCategory
    {
        /// <summary>No credentials, bad parameters: what the user must give.</summary>
        InvalidArgument,
        /// <summary>A named profile or file that does not exist.</summary>
        ObjectNotFound,
        /// <summary>A source that answered with something unusable (bad JSON, a profile without keys).</summary>
        InvalidData,
        /// <summary>A source that could not be reached (container endpoint, IMDS, STS).</summary>
        ResourceUnavailable,
        /// <summary>AWS refused who we are (unknown key, expired token, bad signature).</summary>
        AuthenticationError,
        /// <summary>AWS knows who we are and refuses the action.</summary>
        PermissionDenied,
        /// <summary>A source that took too long.</summary>
        OperationTimeout,
        /// <summary>A setting we do not support (native SSO, MFA prompts).</summary>
        NotImplemented,
    }

    /// <summary>The stable error ids of <see cref="AwsCredentialsException"/>.</summary>
    public static class CredentialErrorIds
    {
        /// <summary>No source in the chain had credentials.</summary>
        public const string NoCredentials = "NoCredentials";
        /// <summary>An access key without its secret key (or the reverse), in parameters or environment variables.</summary>
        public const string IncompleteCredentials = "IncompleteCredentials";
        /// <summary>-ProfileName, -ProfileLocation, $env:AWS_PROFILE or a source_profile names a profile that does not exist.</summary>
        public const string ProfileNotFound = "ProfileNotFound";
        /// <summary>-ProfileLocation names a file that does not exist.</summary>
        public const string ProfileFileNotFound = "ProfileFileNotFound";
        /// <summary>A credentials or config file exists but cannot be read.</summary>
        public const string ProfileFileUnreadable = "ProfileFileUnreadable";
        /// <summary>The profile exists and has no usable credentials setting.</summary>
        public const string ProfileHasNoCredentials = "ProfileHasNoCredentials";
        /// <summary>The profile uses a setting we do not support (native SSO, mfa_serial, web identity).</summary>
        public const string ProfileNotSupported = "ProfileNotSupported";
        /// <summary>source_profile links that loop.</summary>
        public const string ProfileLoop = "ProfileLoop";
        /// <summary>STS AssumeRole failed for role_arn.</summary>
        public const string AssumeRoleFailed = "AssumeRoleFailed";
        /// <summary>credential_process failed, timed out or printed something unusable.</summary>
        public const string CredentialProcessFailed = "CredentialProcessFailed";
        /// <summary>The container credentials endpoint failed or answered something unusable.</summary>
        public const string ContainerCredentialsFailed = "ContainerCredentialsFailed";
        /// <summary>EC2 instance metadata answered but gave no usable credentials.</summary>
        public const string InstanceMetadataFailed = "InstanceMetadataFailed";
        /// <summary>A credentials object (-Credential, $StoredAWSCredentials) gave no usable keys.</summary>
        public const string CredentialObjectFailed = "CredentialObjectFailed";
        /// <summary>Temporary credentials that have expired and could not be refreshed.</summary>
        public const string CredentialsExpired = "CredentialsExpired";

        /// <summary>The category an id belongs to.</summary>
        public static CredentialErrorCategory CategoryOf(string errorId)
        {
            switch (errorId)
            {
                case ProfileNotFound:
                case ProfileFileNotFound:
                    return CredentialErrorCategory.ObjectNotFound;
                case ProfileFileUnreadable:
                case ProfileHasNoCredentials:
                case ProfileLoop:
                case CredentialProcessFailed:
                case CredentialObjectFailed:
                    return CredentialErrorCategory.InvalidData;
                case ProfileNotSupported:
                    return CredentialErrorCategory.NotImplemented;
                case AssumeRoleFailed:
                case CredentialsExpired:
                    return CredentialErrorCategory.AuthenticationError;
                case ContainerCredentialsFailed:
                case InstanceMetadataFailed:
                    return CredentialErrorCategory.ResourceUnavailable;
                default:
                    return CredentialErrorCategory.InvalidArgument;
            }
        }
    }
}
