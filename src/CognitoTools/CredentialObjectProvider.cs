using System;
using System.Management.Automation;
using CognitoTools.Auth;

namespace CognitoTools
{
    /// <summary>
    /// Credentials from an object with a GetCredentials() method: AWS.Tools' Amazon.Runtime.AWSCredentials (-Credential,
    /// $StoredAWSCredentials), whose answer is an ImmutableCredentials with AccessKey, SecretKey, Token and UseToken.
    /// It is called through PowerShell's adapter, so no AWSSDK type is ever named or loaded here. A .NET method is asked
    /// on every request (AWS.Tools' refreshing credentials renew themselves); a script method (a PSCustomObject stand-in)
    /// can only run on the pipeline thread, so it is asked once, when the command starts.
    /// </summary>
    internal static class CredentialObjectProvider
    {
        /// <summary>Adapts <paramref name="value"/>; throws AwsCredentialsException (naming <paramref name="source"/>) when it cannot give credentials.</summary>
        public static IAwsCredentialsProvider Create(object value, string source)
        {
            if (value == null) throw Unusable(source, "it is empty ($null).", null);
            var wrapped = PSObject.AsPSObject(value);
            var method = wrapped.Methods["GetCredentials"];
            if (method == null)
            {
                throw Unusable(source, $"it is a {wrapped.BaseObject.GetType().FullName}, which has no GetCredentials() method (expected AWS.Tools' AWSCredentials, e.g. from New-AWSCredential or Set-AWSCredential).", null);
            }
            // Asked once now, on the pipeline thread, so a broken object fails before any request, with the source named.
            var first = Read(method, source);
            if (method is PSMethod)
            {
                return new CallbackCredentialsProvider(source, () => Read(method, source));
            }
            return new CallbackCredentialsProvider(source, () => first);
        }

        private static AwsCredentials Read(PSMethodInfo method, string source)
        {
            object answer;
            try
            {
                answer = method.Invoke();
            }
            catch (Exception error) when (!(error is OutOfMemoryException))
            {
                var inner = error is MethodInvocationException invocation && invocation.InnerException != null ? invocation.InnerException : error;
                throw Unusable(source, $"its GetCredentials() failed: {inner.Message}", inner);
            }
            var credentials = answer == null ? null : PSObject.AsPSObject(answer);
            var accessKey = Text(credentials, "AccessKey") ?? Text(credentials, "AccessKeyId");
            var secretKey = Text(credentials, "SecretKey") ?? Text(credentials, "SecretAccessKey");
            var useToken = credentials?.Properties["UseToken"]?.Value;
            var token = useToken == null || LanguagePrimitives.IsTrue(useToken) ? Text(credentials, "Token") ?? Text(credentials, "SessionToken") : null;
            if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
            {
                throw Unusable(source, "its GetCredentials() gave no access key and secret key (AccessKey and SecretKey).", null);
            }
            return new AwsCredentials(accessKey, secretKey, token, null, source);
        }

        private static string Text(PSObject value, string name)
        {
            var member = value?.Properties[name]?.Value;
            if (member is PSObject wrapped) member = wrapped.BaseObject;
            return member == null ? null : Strings.NullIfEmpty(member.ToString());
        }

        private static AwsCredentialsException Unusable(string source, string why, Exception inner)
            => new AwsCredentialsException(CredentialErrorIds.CredentialObjectFailed,
                $"The credentials in {source} cannot be used: {why} Nothing was sent; no other credentials were tried.", source, inner);
    }
}
