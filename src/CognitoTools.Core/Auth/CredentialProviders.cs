using System;
using System.Threading;
using System.Threading.Tasks;

namespace CognitoTools.Auth
{
    /// <summary>Long-term or given keys that never change: parameters, environment variables, a profile's static keys.</summary>
    public sealed class StaticCredentialsProvider : IAwsCredentialsProvider
    {
        private readonly AwsCredentials _credentials;

        public StaticCredentialsProvider(AwsCredentials credentials)
        {
            _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        }

        public string Source => _credentials.Source;

        public Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => Task.FromResult(_credentials);

        public override string ToString() => "credentials from " + Source;
    }

    /// <summary>
    /// Temporary credentials (STS, credential_process, container, IMDS), fetched on first use and fetched again once
    /// they are within <see cref="RefreshWindow"/> of expiring, so every signed request (and every retry) gets keys
    /// that are still valid. When a refresh fails while the cached keys have not expired yet, the cached keys are used
    /// (as the SDKs do); once expired, the failure is the error. One fetch at a time.
    /// </summary>
    public abstract class RefreshingCredentialsProvider : IAwsCredentialsProvider
    {
        /// <summary>Refresh this long before expiry: signed requests in flight, retries and clock drift need the margin.</summary>
        public static readonly TimeSpan RefreshWindow = TimeSpan.FromMinutes(5);

        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private readonly Func<DateTimeOffset> _utcNow;
        private AwsCredentials _cached;

        protected RefreshingCredentialsProvider(Func<DateTimeOffset> utcNow)
        {
            _utcNow = utcNow ?? (() => DateTimeOffset.UtcNow);
        }

        public abstract string Source { get; }

        /// <summary>How many times the source was asked (tests check refresh).</summary>
        public int FetchCount { get; private set; }

        protected DateTimeOffset UtcNow => _utcNow();

        public async Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
        {
            var cached = _cached;
            if (cached != null && !NeedsRefresh(cached)) return cached;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                cached = _cached;
                if (cached != null && !NeedsRefresh(cached)) return cached;
                try
                {
                    FetchCount++;
                    var fresh = await FetchAsync(cancellationToken).ConfigureAwait(false);
                    _cached = fresh;
                    return fresh;
                }
                catch (AwsCredentialsException) when (cached != null && cached.Expiration > UtcNow)
                {
                    return cached;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Fetches new credentials; throws <see cref="AwsCredentialsException"/> naming the source on failure.</summary>
        protected abstract Task<AwsCredentials> FetchAsync(CancellationToken cancellationToken);

        private bool NeedsRefresh(AwsCredentials credentials)
            => credentials.Expiration.HasValue && credentials.Expiration.Value - UtcNow <= RefreshWindow;

        public override string ToString() => "credentials from " + Source;
    }
}

namespace CognitoTools.Auth
{
    /// <summary>
    /// Credentials from a callback, asked on every use: for -Credential / $StoredAWSCredentials, where the cmdlet calls
    /// the AWS.Tools object's GetCredentials() by reflection (the object refreshes itself, e.g. an assumed role), so no
    /// AWSSDK type is referenced. A callback that throws or returns nothing is <see cref="CredentialErrorIds.CredentialObjectFailed"/>.
    /// </summary>
    public sealed class CallbackCredentialsProvider : IAwsCredentialsProvider
    {
        private readonly Func<AwsCredentials> _fetch;

        /// <param name="source">Where the object came from, e.g. "-Credential (Amazon.Runtime.BasicAWSCredentials)".</param>
        public CallbackCredentialsProvider(string source, Func<AwsCredentials> fetch)
        {
            Source = source ?? "a credentials object";
            _fetch = fetch ?? throw new ArgumentNullException(nameof(fetch));
        }

        public string Source { get; }

        public Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
        {
            AwsCredentials credentials;
            try
            {
                credentials = _fetch();
            }
            catch (Exception error) when (!(error is AwsCredentialsException) && !(error is OperationCanceledException))
            {
                var inner = error is System.Reflection.TargetInvocationException && error.InnerException != null ? error.InnerException : error;
                throw new AwsCredentialsException(CredentialErrorIds.CredentialObjectFailed,
                    Source + " could not give credentials: " + inner.GetType().Name + ": " + inner.Message, Source, inner);
            }
            if (credentials == null)
            {
                throw new AwsCredentialsException(CredentialErrorIds.CredentialObjectFailed, Source + " gave no credentials.", Source);
            }
            return Task.FromResult(credentials);
        }

        public override string ToString() => "credentials from " + Source;
    }
}
