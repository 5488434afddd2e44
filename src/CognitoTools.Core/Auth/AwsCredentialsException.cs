using System;

namespace CognitoTools.Auth
{
    /// <summary>No usable credentials, or a source that failed; the message names the source and never a secret.</summary>
    public sealed class AwsCredentialsException : Exception
    {
        public AwsCredentialsException(string errorId, string message, string source, Exception inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Source = source;
        }

        /// <summary>Stable PascalCase id for the error record, e.g. NoCredentials, ProfileNotFound, AssumeRoleFailed.</summary>
        public string ErrorId { get; }
        /// <summary>The source that failed, as in <see cref="IAwsCredentialsProvider.Source"/>.</summary>
        public new string Source { get; }

        /// <summary>The ErrorCategory (by name) this failure belongs to; see <see cref="CredentialErrorIds.CategoryOf"/>.</summary>
        public CredentialErrorCategory Category => CredentialErrorIds.CategoryOf(ErrorId);
    }
}
