using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using System.Xml.Linq;
using CognitoTools.Endpoints;
using CognitoTools.Protocol;

namespace CognitoTools.Auth
{
    /// <summary>
    /// role_arn + source_profile (or credential_source): STS AssumeRole (query protocol, XML answer), signed with the
    /// source credentials, at the Region's STS endpoint in its partition (sts.REGION.amazonaws.com,
    /// sts.cn-north-1.amazonaws.com.cn, ...) or $env:AWS_ENDPOINT_URL_STS / $env:AWS_ENDPOINT_URL. Refreshed before
    /// the role's credentials expire.
    /// </summary>
    public sealed class AssumeRoleProvider : RefreshingCredentialsProvider
    {
        private const string StsVersion = "2011-06-15";
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

        private readonly IAwsCredentialsProvider _sourceCredentials;
        private readonly string _roleArn;
        private readonly string _sessionName;
        private readonly string _externalId;
        private readonly int? _durationSeconds;
        private readonly Func<HttpMessageHandler> _handlerFactory;

        internal AssumeRoleProvider(IAwsCredentialsProvider sourceCredentials, string roleArn, string sessionName, string externalId, int? durationSeconds,
            string region, Uri endpoint, string profileDescription, Func<HttpMessageHandler> handlerFactory, Func<DateTimeOffset> utcNow)
            : base(utcNow)
        {
            _sourceCredentials = sourceCredentials;
            _roleArn = roleArn;
            _sessionName = sessionName;
            _externalId = externalId;
            _durationSeconds = durationSeconds;
            Region = region;
            Endpoint = endpoint;
            _handlerFactory = handlerFactory ?? (() => new HttpClientHandler());
            Source = "role " + roleArn + " of " + profileDescription + " (STS AssumeRole with " + sourceCredentials.Source + ")";
        }

        public override string Source { get; }
        /// <summary>The Region the request is signed for.</summary>
        public string Region { get; }
        /// <summary>Where AssumeRole is sent.</summary>
        public Uri Endpoint { get; }

        /// <summary>
        /// STS's endpoint for a Region: $env:AWS_ENDPOINT_URL_STS, else $env:AWS_ENDPOINT_URL, else https://sts.REGION.DNSSUFFIX
        /// of the Region's partition (aws-global and no Region: the global sts.amazonaws.com, signed for us-east-1).
        /// </summary>
        internal static Uri ResolveEndpoint(string region, Func<string, string> variable, out string signingRegion)
        {
            signingRegion = string.IsNullOrEmpty(region) || region == "aws-global" ? "us-east-1" : region;
            foreach (var name in new[] { "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL" })
            {
                var configured = variable(name);
                if (configured == null) continue;
                if (!Uri.TryCreate(configured, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new AwsCredentialsException(CredentialErrorIds.AssumeRoleFailed, "$env:" + name + " is not an http(s) URL: '" + configured + "'.", "$env:" + name);
                }
                return uri;
            }
            if (string.IsNullOrEmpty(region) || region == "aws-global") return new Uri("https://sts.amazonaws.com/");
            var partition = AwsPartitions.ForRegion(region);
            return new Uri("https://sts." + region + "." + partition.DnsSuffix + "/");
        }

        protected override async Task<AwsCredentials> FetchAsync(CancellationToken cancellationToken)
        {
            AwsCredentials source;
            try
            {
                source = await _sourceCredentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (AwsCredentialsException error)
            {
                throw new AwsCredentialsException(CredentialErrorIds.AssumeRoleFailed,
                    "Could not assume " + _roleArn + ": its source credentials failed: " + error.Message, Source, error);
            }

            var form = new StringBuilder("Action=AssumeRole&Version=" + StsVersion);
            Append(form, "RoleArn", _roleArn);
            Append(form, "RoleSessionName", _sessionName);
            if (_externalId != null) Append(form, "ExternalId", _externalId);
            if (_durationSeconds.HasValue) Append(form, "DurationSeconds", _durationSeconds.Value.ToString(CultureInfo.InvariantCulture));
            var body = Encoding.UTF8.GetBytes(form.ToString());

            using (var client = new HttpClient(_handlerFactory()) { Timeout = Timeout })
            using (var request = new HttpRequestMessage(HttpMethod.Post, Endpoint))
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
                SigV4Signer.Sign(request, body, source, Region, "sts", UtcNow);
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (error is HttpRequestException || (error is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // .NET's messages quote the proxy's URL as configured (HTTPS_PROXY's user name and password): neither
                    // the text nor the inner exception may carry it.
                    var described = ProxyRedaction.Redact(ContainerCredentialsProvider.Describe(error));
                    throw new AwsCredentialsException(CredentialErrorIds.AssumeRoleFailed,
                        "Could not assume " + _roleArn + ": STS at " + Endpoint.GetLeftPart(UriPartial.Authority) + " could not be reached: " + described,
                        Source, ProxyRedaction.NeedsRedaction(error) ? new HttpRequestException(described) : error);
                }
                using (response)
                {
                    var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode) throw Refused((int)response.StatusCode, text, source);
                    return ParseCredentials(text);
                }
            }
        }

        private AwsCredentialsException Refused(int status, string text, AwsCredentials source)
        {
            string code = null, message = null;
            try
            {
                var root = XDocument.Parse(text).Root;
                var error = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
                message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
            }
            catch (XmlException) { }
            var described = SignedRequestErrors.Describe(code, message, status, source, "sts:AssumeRole on " + _roleArn + " (and have the role's trust policy name it)");
            // 407 comes from a proxy on the way (an http:// endpoint: a tunnel's refusal is an exception), not from STS;
            // described as the clients describe it (the proxy of the variables, as the cmdlets' transport uses).
            var detail = status == 407
                ? CognitoIdpClient.ProxyRefusedText(Endpoint, EnvironmentProxy.FromEnvironment())
                : described != null
                ? described.Message
                : "STS answered HTTP " + status.ToString(CultureInfo.InvariantCulture) + (code != null ? " " + code : "") + (message != null ? ": " + message : ".");
            return new AwsCredentialsException(CredentialErrorIds.AssumeRoleFailed, "Could not assume " + _roleArn + ": " + detail, Source);
        }

        private AwsCredentials ParseCredentials(string text)
        {
            XElement credentials;
            try
            {
                credentials = XDocument.Parse(text).Root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Credentials");
            }
            catch (XmlException error)
            {
                throw new AwsCredentialsException(CredentialErrorIds.AssumeRoleFailed, "Could not assume " + _roleArn + ": STS answered with XML that does not parse (" + error.Message + ").", Source);
            }
            string Value(string name) => credentials?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim();
            var accessKeyId = Value("AccessKeyId");
            var secret = Value("SecretAccessKey");
            var token = Value("SessionToken");
            var expirationText = Value("Expiration");
            if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(token)
                || !DateTimeOffset.TryParse(expirationText, CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var expiration))
            {
                throw new AwsCredentialsException(CredentialErrorIds.AssumeRoleFailed, "Could not assume " + _roleArn + ": STS answered without complete Credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration).", Source);
            }
            return new AwsCredentials(accessKeyId, secret, token, expiration, Source);
        }

        private static void Append(StringBuilder form, string name, string value)
            => form.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }
}
