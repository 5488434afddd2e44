using System;
using System.Net;

namespace CognitoTools.Protocol
{
    /// <summary>How a client retries (see <see cref="CognitoClientConfig.RetryMode"/>).</summary>
    public enum RetryMode
    {
        /// <summary>The AWS SDKs' standard retry mode: every attempt counts, an empty retry quota ends the call.</summary>
        Standard,
        /// <summary>For bulk runs: throttles do not use up a call's attempts, an empty retry quota pauses instead of failing.</summary>
        Batch,
    }

    public sealed class CognitoClientConfig
    {
        /// <summary>Resolved endpoint, e.g. https://cognito-idp.us-east-1.amazonaws.com or http://127.0.0.1:5000.</summary>
        public Uri ServiceUrl { get; set; }
        /// <summary>The Region ServiceUrl serves (recorded with each history entry); informational.</summary>
        public string Region { get; set; }
        /// <summary>Total attempts including the first (standard retry mode default 3).</summary>
        public int MaxAttempts { get; set; } = 3;
        /// <summary>Timeout.InfiniteTimeSpan: none; zero or another negative value: the default 60 s.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Per attempt. Timeout.InfiniteTimeSpan: none; zero or another negative value: the default 60 s.</summary>
        public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The timeout in force for a configured value (see ConnectTimeout and ReadTimeout).</summary>
        internal static TimeSpan EffectiveTimeout(TimeSpan configured)
            => configured > TimeSpan.Zero || configured == System.Threading.Timeout.InfiniteTimeSpan ? configured : TimeSpan.FromSeconds(60);
        /// <summary>Appended to the User-Agent, e.g. "ps/7.4.1 (Core)". The client adds CognitoTools/version and the .NET runtime; read once, when the client is created.</summary>
        public string UserAgentSuffix { get; set; }
        /// <summary>Null: no rate limit.</summary>
        public IRequestRateLimiter RateLimiter { get; set; }
        /// <summary>
        /// PEM bundle of the CAs to trust (AWS_CA_BUNDLE or the profile's ca_bundle): when set, server certificates
        /// must chain to one of its certificates, as in the AWS CLI; the system's roots are not consulted.
        /// </summary>
        public string CaBundlePath { get; set; }
        /// <summary>Where CaBundlePath came from, named in a <see cref="CaBundleException"/> (e.g. "$env:AWS_CA_BUNDLE").</summary>
        public string CaBundleOrigin { get; set; }
        /// <summary>Null: proxies from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and the system.</summary>
        public IWebProxy Proxy { get; set; }
        /// <summary>Connections kept to the endpoint; at least the bulk sender's concurrency.</summary>
        public int MaxConnectionsPerServer { get; set; } = 64;
        /// <summary>
        /// Tokens of the standard retry mode's quota shared by all calls of one client (the SDKs' 500): retries spend
        /// them, successes earn them back, and retries stop while the quota is empty. 0 or less: no quota.
        /// </summary>
        public int RetryQuotaCapacity { get; set; } = 500;
        /// <summary>
        /// <see cref="Protocol.RetryMode.Standard"/> (default): the SDKs' standard retry mode, for single calls.
        /// <see cref="Protocol.RetryMode.Batch"/>: what a bulk run needs (<see cref="Bulk.BatchClientFactory"/> sets it): throttled
        /// attempts do not use up <see cref="MaxAttempts"/> (they have <see cref="MaxThrottledAttempts"/>), and a retry
        /// that finds the retry quota empty pauses and slows the rate limiter down instead of failing the call. It needs
        /// a <see cref="RateLimiter"/>: without one nothing would slow down, and the client refuses the combination.
        /// </summary>
        public RetryMode RetryMode { get; set; } = RetryMode.Standard;
        /// <summary>Batch mode: throttled attempts one call may make, apart from <see cref="MaxAttempts"/>.</summary>
        public int MaxThrottledAttempts { get; set; } = DefaultMaxThrottledAttempts;
        /// <summary>Default of <see cref="MaxThrottledAttempts"/>: far more than a rate limiter that keeps throttles near 5% ever needs.</summary>
        public const int DefaultMaxThrottledAttempts = 30;
        /// <summary>Verbose log sink. Messages never contain secrets.</summary>
        public Action<string> Log { get; set; }

        /// <summary>A shallow copy: the limiter, proxy and log are shared, as one batch's clients must share them.</summary>
        internal CognitoClientConfig Clone() => (CognitoClientConfig)MemberwiseClone();
    }
}
