namespace CognitoTools.Auth
{
    /// <summary>
    /// What a cmdlet was given, in AWS.Tools' order of precedence: -AccessKey/-SecretKey/-SessionToken, then
    /// -ProfileName (a missing profile is an error, never a fall-through), then a credentials object (-Credential, or
    /// AWS.Tools' $StoredAWSCredentials, adapted by the cmdlet into <see cref="CredentialObject"/>), then the default
    /// chain: environment variables, AWS_PROFILE or the default profile (static keys, role_arn + source_profile through
    /// STS, credential_process), container credentials, EC2 IMDSv2.
    /// </summary>
    public sealed class CredentialsInput
    {
        public string AccessKey { get; set; }
        public string SecretKey { get; set; }
        public string SessionToken { get; set; }
        public string ProfileName { get; set; }
        /// <summary>A credentials file to read instead of ~/.aws/credentials (AWS.Tools' -ProfileLocation).</summary>
        public string ProfileLocation { get; set; }
        /// <summary>Credentials from an object the cmdlet adapted (e.g. AWS.Tools' AWSCredentials via GetCredentials()).</summary>
        public IAwsCredentialsProvider CredentialObject { get; set; }
        /// <summary>The Region signing uses; STS AssumeRole uses it for its regional endpoint.</summary>
        public string Region { get; set; }
    }
}
