using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CognitoTools.Auth
{
    /// <summary>
    /// Container credentials (ECS task roles, EKS Pod Identity, Greengrass): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
    /// (on http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere, http only to a loopback or the
    /// ECS/EKS link-local hosts), with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every fetch: it rotates) or
    /// AWS_CONTAINER_AUTHORIZATION_TOKEN as the Authorization header. Never through a proxy.
    /// </summary>
    public sealed class ContainerCredentialsProvider : RefreshingCredentialsProvider
    {
        internal const string EcsHost = "169.254.170.2";
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
        private const int Attempts = 3;

        private readonly Uri _uri;
        private readonly string _token;
        private readonly string _tokenFile;
        private readonly Func<HttpMessageHandler> _handlerFactory;

        internal ContainerCredentialsProvider(Uri uri, string token, string tokenFile, string variable, Func<HttpMessageHandler> handlerFactory, Func<DateTimeOffset> utcNow)
            : base(utcNow)
        {
            _uri = uri;
            _token = token;
            _tokenFile = tokenFile;
            _handlerFactory = handlerFactory ?? NoProxyHandler;
            Source = "container credentials ($env:" + variable + ", " + uri.GetLeftPart(UriPartial.Path) + ")";
        }

        public override string Source { get; }

        /// <summary>The provider the environment asks for, null when neither container variable is set.</summary>
        internal static ContainerCredentialsProvider FromEnvironment(Func<string, string> variable, Func<HttpMessageHandler> handlerFactory, Func<DateTimeOffset> utcNow)
        {
            var relative = variable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
            var full = variable("AWS_CONTAINER_CREDENTIALS_FULL_URI");
            if (relative == null && full == null) return null;
            Uri uri;
            string name;
            if (relative != null)
            {
                name = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
                if (!Uri.TryCreate("http://" + EcsHost + (relative.StartsWith("/", StringComparison.Ordinal) ? "" : "/") + relative, UriKind.Absolute, out uri))
                {
                    throw new AwsCredentialsException(CredentialErrorIds.ContainerCredentialsFailed, "$env:" + name + " is not a valid path: '" + relative + "'.", "$env:" + name);
                }
            }
            else
            {
                name = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
                if (!Uri.TryCreate(full, UriKind.Absolute, out uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new AwsCredentialsException(CredentialErrorIds.ContainerCredentialsFailed, "$env:" + name + " is not an http(s) URL: '" + full + "'.", "$env:" + name);
                }
                if (uri.Scheme == Uri.UriSchemeHttp && !IsAllowedHttpHost(uri))
                {
                    throw new AwsCredentialsException(CredentialErrorIds.ContainerCredentialsFailed,
                        "$env:" + name + " uses http to " + uri.Host + "; credentials travel over plain http only to a loopback address or the ECS/EKS hosts (169.254.170.2, 169.254.170.23, fd00:ec2::23). Use https.",
                        "$env:" + name);
                }
            }
            return new ContainerCredentialsProvider(uri, variable("AWS_CONTAINER_AUTHORIZATION_TOKEN"), variable("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), name, handlerFactory, utcNow);
        }

        private static bool IsAllowedHttpHost(Uri uri)
        {
            if (uri.IsLoopback) return true;
            var host = uri.Host.Trim('[', ']');
            if (host == EcsHost || host == "169.254.170.23") return true;
            return IPAddress.TryParse(host, out var address) && address.Equals(IPAddress.Parse("fd00:ec2::23"));
        }

        internal static HttpMessageHandler NoProxyHandler() => new HttpClientHandler { UseProxy = false, AllowAutoRedirect = false };

        protected override async Task<AwsCredentials> FetchAsync(CancellationToken cancellationToken)
        {
            var token = _token;
            if (_tokenFile != null)
            {
                try
                {
                    token = File.ReadAllText(_tokenFile).Trim();
                }
                catch (Exception error) when (error is IOException || error is UnauthorizedAccessException)
                {
                    throw new AwsCredentialsException(CredentialErrorIds.ContainerCredentialsFailed,
                        "The token file '" + _tokenFile + "' ($env:AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) could not be read: " + error.Message, Source, error);
                }
            }
            if (token != null && (token.IndexOf('\r') >= 0 || token.IndexOf('\n') >= 0))
            {
                throw new AwsCredentialsException(CredentialErrorIds.ContainerCredentialsFailed, "The container authorization token contains a line break; it cannot be sent as a header.", Source);
            }

            Exception last = null;
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                using (var client = new HttpClient(_handlerFactory()) { Timeout = Timeout })
                using (var request = new HttpRequestMessage(HttpMethod.Get, _uri))
                {
                    request.Headers.TryAddWithoutValidation("Accept", "application/json");
                    if (!string.IsNullOrEmpty(token)) request.Headers.TryAddWithoutValidation("Authorization", token);
                    try
                    {
                        using (var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false))
                        {
                            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                            if (response.IsSuccessStatusCode) return CredentialsJson.Parse(body, Source, CredentialErrorIds.ContainerCredentialsFailed, isCredentialProcess: false);
                            var status = (int)response.StatusCode;
                            // 4xx: the request itself is wrong (token, path); asking again will not help.
                            var message = Source + " answered HTTP " + status.ToString(CultureInfo.InvariantCulture) + " " + response.ReasonPhrase
                                          + (status == 401 || status == 403 ? " (check $env:AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE)." : ".");
                            if (status < 500) throw new AwsCredentialsException(CredentialErrorIds.ContainerCredentialsFailed, message, Source);
                            last = new AwsCredentialsException(CredentialErrorIds.ContainerCredentialsFailed, message, Source);
                        }
                    }
                    catch (Exception error) when (error is HttpRequestException || (error is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        last = error;
                    }
                }
            }
            if (last is AwsCredentialsException answered) throw answered;
            throw new AwsCredentialsException(CredentialErrorIds.ContainerCredentialsFailed,
                Source + " could not be reached after " + Attempts + " attempts: " + Describe(last), Source, last);
        }

        internal static string Describe(Exception error)
            => error is TaskCanceledException ? "no answer within the timeout." : (error?.GetBaseException().Message ?? "unknown error");
    }

    /// <summary>
    /// EC2 instance metadata, IMDSv2 only: a session token from PUT /latest/api/token, then the role name and its
    /// credentials. Never through a proxy, 1-second timeouts, 2 attempts, so a machine that is not on EC2 finds out
    /// fast. AWS_EC2_METADATA_DISABLED=true turns it off; AWS_EC2_METADATA_SERVICE_ENDPOINT points it elsewhere.
    /// </summary>
    public sealed class InstanceMetadataCredentialsProvider : RefreshingCredentialsProvider
    {
        internal const string DefaultEndpoint = "http://169.254.169.254";
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
        private const int Attempts = 2;
        private const string CredentialsPath = "/latest/meta-data/iam/security-credentials/";

        private readonly Uri _endpoint;
        private readonly Func<HttpMessageHandler> _handlerFactory;
        private string _roleName;

        internal InstanceMetadataCredentialsProvider(Uri endpoint, Func<HttpMessageHandler> handlerFactory, Func<DateTimeOffset> utcNow) : base(utcNow)
        {
            _endpoint = endpoint;
            _handlerFactory = handlerFactory ?? ContainerCredentialsProvider.NoProxyHandler;
        }

        /// <summary>Names the instance profile role once IMDS has said which it is.</summary>
        public override string Source => _roleName == null
            ? "EC2 instance metadata (IMDSv2 at " + _endpoint.GetLeftPart(UriPartial.Authority) + ")"
            : "EC2 instance profile role '" + _roleName + "' (IMDSv2 at " + _endpoint.GetLeftPart(UriPartial.Authority) + ")";

        /// <summary>Thrown (internally) when IMDS does not answer at all: the chain then says "no credentials".</summary>
        internal sealed class UnreachableException : Exception
        {
            public UnreachableException(string message, Exception inner) : base(message, inner) { }
        }

        internal static Uri EndpointFrom(Func<string, string> variable)
        {
            var configured = variable("AWS_EC2_METADATA_SERVICE_ENDPOINT");
            if (configured == null) return new Uri(DefaultEndpoint);
            if (!Uri.TryCreate(configured, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new AwsCredentialsException(CredentialErrorIds.InstanceMetadataFailed, "$env:AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http(s) URL: '" + configured + "'.", "$env:AWS_EC2_METADATA_SERVICE_ENDPOINT");
            }
            return uri;
        }

        protected override async Task<AwsCredentials> FetchAsync(CancellationToken cancellationToken)
        {
            using (var client = new HttpClient(_handlerFactory()) { Timeout = Timeout })
            {
                var token = await SendAsync(client, HttpMethod.Put, "/latest/api/token", null, cancellationToken, isTokenRequest: true).ConfigureAwait(false);
                if (_roleName == null)
                {
                    var names = await SendAsync(client, HttpMethod.Get, CredentialsPath, token, cancellationToken, false).ConfigureAwait(false);
                    var first = names.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries);
                    if (first.Length == 0 || first[0].Trim().Length == 0)
                    {
                        throw new AwsCredentialsException(CredentialErrorIds.InstanceMetadataFailed, Source + " lists no IAM role: attach an instance profile to the instance.", Source);
                    }
                    _roleName = first[0].Trim();
                }
                var json = await SendAsync(client, HttpMethod.Get, CredentialsPath + Uri.EscapeDataString(_roleName), token, cancellationToken, false).ConfigureAwait(false);
                return CredentialsJson.Parse(json, Source, CredentialErrorIds.InstanceMetadataFailed, isCredentialProcess: false);
            }
        }

        private async Task<string> SendAsync(HttpClient client, HttpMethod method, string path, string token, CancellationToken cancellationToken, bool isTokenRequest)
        {
            Exception last = null;
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                using (var request = new HttpRequestMessage(method, new Uri(_endpoint, path)))
                {
                    if (isTokenRequest)
                    {
                        request.Headers.TryAddWithoutValidation("x-aws-ec2-metadata-token-ttl-seconds", "21600");
                        request.Content = new ByteArrayContent(new byte[0]);
                    }
                    else
                    {
                        request.Headers.TryAddWithoutValidation("x-aws-ec2-metadata-token", token);
                    }
                    try
                    {
                        using (var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false))
                        {
                            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                            if (response.IsSuccessStatusCode) return body;
                            var status = (int)response.StatusCode;
                            var message = Source + " answered HTTP " + status.ToString(CultureInfo.InvariantCulture) + " to " + method.Method + " " + path
                                          + (isTokenRequest && status == 403 ? " (IMDS is disabled on this instance)." : ".");
                            if (status < 500) throw new AwsCredentialsException(CredentialErrorIds.InstanceMetadataFailed, message, Source);
                            last = new AwsCredentialsException(CredentialErrorIds.InstanceMetadataFailed, message, Source);
                        }
                    }
                    catch (Exception error) when (error is HttpRequestException || (error is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        last = error;
                    }
                }
            }
            if (last is AwsCredentialsException answered) throw answered;
            // No answer to the very first request: not on EC2 (or IMDS blocked). Not an error of this source.
            if (isTokenRequest && _roleName == null) throw new UnreachableException(Source + " did not answer: " + ContainerCredentialsProvider.Describe(last), last);
            throw new AwsCredentialsException(CredentialErrorIds.InstanceMetadataFailed, Source + " stopped answering: " + ContainerCredentialsProvider.Describe(last), Source, last);
        }
    }
}
