using System;
using System.Globalization;
using CognitoTools.Protocol;

namespace CognitoTools.Auth
{
    /// <summary>
    /// The JSON that credential_process, the container endpoint and IMDS answer with: AccessKeyId, SecretAccessKey,
    /// SessionToken (credential_process) or Token (container, IMDS), Expiration (ISO 8601). Errors describe what is
    /// wrong, never the text itself (it holds the secret).
    /// </summary>
    internal static class CredentialsJson
    {
        public static AwsCredentials Parse(string text, string source, string errorId, bool isCredentialProcess)
        {
            JsonValue root;
            try
            {
                root = JsonReader.Parse(text ?? string.Empty);
            }
            catch (JsonFormatException error)
            {
                throw new AwsCredentialsException(errorId, source + " did not answer with JSON (" + error.Message + " at character " + error.Position + ").", source);
            }
            if (root.Kind != JsonKind.Object) throw new AwsCredentialsException(errorId, source + " answered with JSON that is not an object.", source);

            if (isCredentialProcess)
            {
                var version = root.GetText("Version");
                if (version != "1")
                {
                    throw new AwsCredentialsException(errorId, source + " printed JSON with Version " + (version ?? "missing")
                        + "; credential_process output must have \"Version\": 1.", source);
                }
            }
            else
            {
                // IMDS adds Code: "Success"; anything else is its way of saying no.
                var code = root.GetText("Code");
                if (code != null && !string.Equals(code, "Success", StringComparison.OrdinalIgnoreCase))
                {
                    throw new AwsCredentialsException(errorId, source + " answered with Code '" + code + "' instead of Success: " + (root.GetText("Message") ?? "no message") + ".", source);
                }
            }

            var accessKeyId = root.GetText("AccessKeyId");
            var secret = root.GetText("SecretAccessKey");
            var token = root.GetText(isCredentialProcess ? "SessionToken" : "Token");
            if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret))
            {
                throw new AwsCredentialsException(errorId, source + " answered without " + (string.IsNullOrEmpty(accessKeyId) ? "AccessKeyId" : "SecretAccessKey") + ".", source);
            }
            DateTimeOffset? expiration = null;
            var expirationText = root.GetText("Expiration");
            if (!string.IsNullOrEmpty(expirationText))
            {
                if (!DateTimeOffset.TryParse(expirationText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    throw new AwsCredentialsException(errorId, source + " answered with an Expiration that is not an ISO 8601 time: '" + expirationText + "'.", source);
                }
                expiration = parsed;
            }
            else if (!isCredentialProcess)
            {
                throw new AwsCredentialsException(errorId, source + " answered without Expiration.", source);
            }
            return new AwsCredentials(accessKeyId, secret, token, expiration, source);
        }
    }
}
