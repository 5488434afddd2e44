using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Endpoints;
using CognitoTools.Protocol;

namespace CognitoTools.Auth
{
    /// <summary>What the chain's network sources use; the defaults suit the cmdlets, tests replace them.</summary>
    public sealed class CredentialChainOptions
    {
        /// <summary>The handler for STS AssumeRole (the cmdlets': <see cref="SharingTransportWith"/>). Null: a plain HttpClientHandler.</summary>
        public Func<HttpMessageHandler> StsHandlerFactory { get; set; }
        /// <summary>The handler for the container endpoint and IMDS. Null: no proxy, no redirects.</summary>
        public Func<HttpMessageHandler> MetadataHandlerFactory { get; set; }
        /// <summary>How long credential_process may run. Null: <see cref="CredentialProcessProvider.DefaultTimeout"/>.</summary>
        public TimeSpan? CredentialProcessTimeout { get; set; }
        /// <summary>The clock (expiry checks, signing STS requests). Null: the system clock.</summary>
        public Func<DateTimeOffset> UtcNow { get; set; }

        /// <summary>
        /// STS is called the way the command's own requests go: its proxy (HTTPS_PROXY/HTTP_PROXY, else the system proxy
        /// with the signed-in user's credentials), its CA bundle, its connect timeout, and TLS 1.2 on .NET Framework. A
        /// plain handler takes .NET's defaults instead: on Windows PowerShell 5.1 the system proxy without credentials
        /// and often no TLS 1.2, so AssumeRole failed where the command's own requests went through.
        /// </summary>
        public static CredentialChainOptions SharingTransportWith(CognitoClientConfig config)
        {
            if (config == null) throw new ArgumentNullException(nameof(config));
            var sts = new CognitoClientConfig
            {
                Proxy = config.Proxy,
                CaBundlePath = config.CaBundlePath,
                CaBundleOrigin = config.CaBundleOrigin,
                ConnectTimeout = config.ConnectTimeout,
                MaxConnectionsPerServer = 1,
            };
            return new CredentialChainOptions { StsHandlerFactory = () => HttpHandlerFactory.Create(sts) };
        }
    }

    /// <summary>What the providers of one chain share: the environment, the Region and the options.</summary>
    internal sealed class CredentialChainContext
    {
        public CredentialChainContext(IEnvironmentReader environment, string region, CredentialChainOptions options)
        {
            Environment = environment;
            Options = new CredentialChainOptions
            {
                StsHandlerFactory = options?.StsHandlerFactory,
                MetadataHandlerFactory = options?.MetadataHandlerFactory,
                CredentialProcessTimeout = options?.CredentialProcessTimeout,
                UtcNow = options?.UtcNow ?? (() => DateTimeOffset.UtcNow),
            };
            Region = string.IsNullOrWhiteSpace(region) ? Variable("AWS_REGION") ?? Variable("AWS_DEFAULT_REGION") : region.Trim();
        }

        public IEnvironmentReader Environment { get; }
        public CredentialChainOptions Options { get; }
        /// <summary>The command's Region, else $env:AWS_REGION / AWS_DEFAULT_REGION; null when none (a profile's region may still apply).</summary>
        public string Region { get; }

        /// <summary>An environment variable, trimmed; empty counts as unset, as in the SDKs.</summary>
        public string Variable(string name)
        {
            var value = Environment.GetVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
    }

    /// <summary>
    /// AWS.Tools' order of credential sources, resolved lazily (nothing is read, run or asked until the first signed
    /// request needs credentials):
    /// 1. -AccessKey/-SecretKey/-SessionToken;
    /// 2. -ProfileName and/or -ProfileLocation (no name: the default profile of that file); a profile that is missing is
    ///    an error, never a fall-through to another account;
    /// 3. the credentials object (-Credential, or $StoredAWSCredentials, adapted by the cmdlet);
    /// 4. $env:AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN;
    /// 5. $env:AWS_PROFILE (missing: an error) or the default profile (missing: next source): static keys,
    ///    role_arn + source_profile/credential_source through STS AssumeRole, credential_process;
    /// 6. container credentials ($env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI);
    /// 7. EC2 instance metadata (IMDSv2), unless $env:AWS_EC2_METADATA_DISABLED is true.
    /// The chosen source is kept for the command's life; temporary credentials refresh before they expire.
    /// </summary>
    public static class CredentialChain
    {
        /// <summary>
        /// The provider for what the cmdlet was given. Checks the parameters now (a key without its secret is an error
        /// before anything is sent); reads nothing else until asked for credentials.
        /// </summary>
        public static IAwsCredentialsProvider Create(CredentialsInput input, IEnvironmentReader environment)
            => Create(input, environment, null);

        public static IAwsCredentialsProvider Create(CredentialsInput input, IEnvironmentReader environment, CredentialChainOptions options)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            var hasAccessKey = !string.IsNullOrWhiteSpace(input.AccessKey);
            var hasSecretKey = !string.IsNullOrEmpty(input.SecretKey);
            if (hasAccessKey != hasSecretKey)
            {
                throw new AwsCredentialsException(CredentialErrorIds.IncompleteCredentials,
                    hasAccessKey ? "-AccessKey was given without -SecretKey: give both (and -SessionToken for temporary credentials)."
                                 : "-SecretKey was given without -AccessKey: give both (and -SessionToken for temporary credentials).",
                    "the -AccessKey/-SecretKey parameters");
            }
            if (!hasAccessKey && !string.IsNullOrEmpty(input.SessionToken))
            {
                throw new AwsCredentialsException(CredentialErrorIds.IncompleteCredentials,
                    "-SessionToken was given without -AccessKey and -SecretKey: a session token belongs to the keys it was issued with.", "the -SessionToken parameter");
            }
            if (hasAccessKey)
            {
                // Nothing to look up: no need for laziness.
                return new StaticCredentialsProvider(new AwsCredentials(input.AccessKey.Trim(), input.SecretKey, input.SessionToken, null,
                    "the -AccessKey/-SecretKey parameters"));
            }
            return new ChainProvider(input, new CredentialChainContext(environment, input.Region, options));
        }

        /// <summary>$env:AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); null when neither is set.</summary>
        internal static IAwsCredentialsProvider EnvironmentKeys(CredentialChainContext context)
        {
            var accessKey = context.Variable("AWS_ACCESS_KEY_ID");
            var secretKey = context.Variable("AWS_SECRET_ACCESS_KEY");
            if (accessKey == null && secretKey == null) return null;
            const string source = "environment variables $env:AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";
            if (accessKey == null || secretKey == null)
            {
                throw new AwsCredentialsException(CredentialErrorIds.IncompleteCredentials,
                    (accessKey == null ? "$env:AWS_SECRET_ACCESS_KEY is set without $env:AWS_ACCESS_KEY_ID" : "$env:AWS_ACCESS_KEY_ID is set without $env:AWS_SECRET_ACCESS_KEY")
                    + ": set both, or remove the one that is left.", source);
            }
            return new StaticCredentialsProvider(new AwsCredentials(accessKey, secretKey, context.Variable("AWS_SESSION_TOKEN"), null, source));
        }

        private static bool IsTrue(string value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

        /// <summary>Picks the source on first use and keeps it.</summary>
        private sealed class ChainProvider : IAwsCredentialsProvider
        {
            private readonly CredentialsInput _input;
            private readonly CredentialChainContext _context;
            private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
            private IAwsCredentialsProvider _selected;

            public ChainProvider(CredentialsInput input, CredentialChainContext context)
            {
                _input = input;
                _context = context;
            }

            public string Source => _selected?.Source ?? "the AWS credential chain (not resolved yet)";

            public async Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
            {
                var selected = _selected;
                if (selected != null) return await selected.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (_selected == null)
                    {
                        var (provider, first) = await SelectAsync(cancellationToken).ConfigureAwait(false);
                        _selected = provider;
                        if (first != null) return first;
                    }
                }
                finally
                {
                    _gate.Release();
                }
                return await _selected.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
            }

            /// <summary>The first source that applies; for IMDS also its first credentials (asking is how we learn it is there).</summary>
            private async Task<(IAwsCredentialsProvider Provider, AwsCredentials First)> SelectAsync(CancellationToken cancellationToken)
            {
                var tried = new List<string> { "-AccessKey/-SecretKey" };
                var userProfile = !string.IsNullOrWhiteSpace(_input.ProfileName) || !string.IsNullOrWhiteSpace(_input.ProfileLocation);
                if (userProfile)
                {
                    var files = ProfileFiles.Load(_input.ProfileLocation, _context.Environment);
                    var name = string.IsNullOrWhiteSpace(_input.ProfileName) ? "default" : _input.ProfileName.Trim();
                    var origin = string.IsNullOrWhiteSpace(_input.ProfileName) ? "the default profile of -ProfileLocation" : "-ProfileName";
                    return (new ProfileCredentialsResolver(files, _context).Resolve(name, origin), null);
                }
                tried.Add("-ProfileName");

                if (_input.CredentialObject != null) return (_input.CredentialObject, null);
                tried.Add("-Credential/$StoredAWSCredentials");

                var environmentKeys = EnvironmentKeys(_context);
                if (environmentKeys != null) return (environmentKeys, null);
                tried.Add("$env:AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");

                var awsProfile = _context.Variable("AWS_PROFILE");
                var profileFiles = ProfileFiles.Load(null, _context.Environment);
                if (awsProfile != null) return (new ProfileCredentialsResolver(profileFiles, _context).Resolve(awsProfile, "$env:AWS_PROFILE"), null);
                if (profileFiles.Exists("default")) return (new ProfileCredentialsResolver(profileFiles, _context).Resolve("default", "the default profile"), null);
                tried.Add("$env:AWS_PROFILE / the default profile in " + profileFiles.Description);

                var container = ContainerCredentialsProvider.FromEnvironment(_context.Variable, _context.Options.MetadataHandlerFactory, _context.Options.UtcNow);
                if (container != null) return (container, null);
                tried.Add("container credentials ($env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI)");

                string imdsNote;
                if (IsTrue(_context.Variable("AWS_EC2_METADATA_DISABLED")))
                {
                    imdsNote = "EC2 instance metadata (disabled by $env:AWS_EC2_METADATA_DISABLED)";
                }
                else
                {
                    var imds = new InstanceMetadataCredentialsProvider(InstanceMetadataCredentialsProvider.EndpointFrom(_context.Variable),
                        _context.Options.MetadataHandlerFactory, _context.Options.UtcNow);
                    try
                    {
                        var first = await imds.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
                        return (imds, first);
                    }
                    catch (InstanceMetadataCredentialsProvider.UnreachableException unreachable)
                    {
                        imdsNote = unreachable.Message;
                    }
                }
                tried.Add(imdsNote);

                throw new AwsCredentialsException(CredentialErrorIds.NoCredentials,
                    "No AWS credentials were found. Looked at, in order: " + string.Join("; ", tried) + ". "
                    + "Give -ProfileName (a profile of ~/.aws/credentials or ~/.aws/config), or -AccessKey and -SecretKey, or set $env:AWS_PROFILE "
                    + "or $env:AWS_ACCESS_KEY_ID and $env:AWS_SECRET_ACCESS_KEY. For IAM Identity Center (SSO), add credential_process = aws configure export-credentials --profile NAME --format process to a profile.",
                    "the AWS credential chain");
            }

            public override string ToString() => "credentials from " + Source;
        }
    }
}
