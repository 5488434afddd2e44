using System;

namespace CognitoTools.Auth
{
    /// <summary>
    /// One set of AWS credentials and where it came from. ToString never shows the secret key or the session token,
    /// so a credentials object that reaches verbose output, an error or the history cannot leak them.
    /// </summary>
    public sealed class AwsCredentials
    {
        public AwsCredentials(string accessKeyId, string secretAccessKey, string sessionToken, DateTimeOffset? expiration, string source)
        {
            if (string.IsNullOrEmpty(accessKeyId)) throw new ArgumentException("An access key ID is required.", nameof(accessKeyId));
            if (string.IsNullOrEmpty(secretAccessKey)) throw new ArgumentException("A secret access key is required.", nameof(secretAccessKey));
            AccessKeyId = accessKeyId;
            SecretAccessKey = secretAccessKey;
            SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
            Expiration = expiration;
            Source = source ?? "unknown source";
        }

        public string AccessKeyId { get; }
        public string SecretAccessKey { get; }
        /// <summary>Null for long-term keys.</summary>
        public string SessionToken { get; }
        /// <summary>Null: does not expire (long-term keys).</summary>
        public DateTimeOffset? Expiration { get; }
        /// <summary>Where these came from, in words an error can name, e.g. "profile 'dev' in ~/.aws/credentials".</summary>
        public string Source { get; }

        public override string ToString() => "AWS credentials " + AccessKeyId + " from " + Source;
    }
}
