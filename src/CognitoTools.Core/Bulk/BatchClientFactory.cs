using System;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// The one place that wires a client for a <see cref="BulkSender"/>: the rate limiter, the retry mode and the
    /// connection count. The cmdlet, the tests and the benchmark all build their batch clients here.
    /// </summary>
    public static class BatchClientFactory
    {
        /// <summary>Connections kept at the least: as many as one attempt in flight and one more.</summary>
        public const int MinimumConnections = 2;

        /// <summary>
        /// A client for <paramref name="options"/>: a copy of <paramref name="baseConfig"/> (endpoint, timeouts, proxy,
        /// log) with the rate limiter (<paramref name="limiter"/>, or <see cref="BulkSendOptions.CreateRateLimiter"/>
        /// logging to <c>baseConfig.Log</c>), <paramref name="retryMode"/> and enough connections for
        /// <see cref="BulkSendOptions.ThrottleLimit"/> calls in flight. <paramref name="baseConfig"/> is not changed.
        /// </summary>
        /// <param name="limiter">Null: a new limiter from the options. Tests and the benchmark pass their own.</param>
        /// <param name="retryMode">Batch (default): throttles and an empty retry quota slow the batch instead of failing
        /// rows. A single call keeps the SDKs' standard mode, still gated by the limiter.</param>
        public static CognitoIdpClient Create(CognitoClientConfig baseConfig, BulkSendOptions options, IRequestRateLimiter limiter = null, RetryMode retryMode = RetryMode.Batch)
            => new CognitoIdpClient(CreateConfig(baseConfig, options, limiter, retryMode));

        /// <summary>The configuration <see cref="Create"/> gives its client.</summary>
        public static CognitoClientConfig CreateConfig(CognitoClientConfig baseConfig, BulkSendOptions options, IRequestRateLimiter limiter = null, RetryMode retryMode = RetryMode.Batch)
        {
            if (baseConfig == null) throw new ArgumentNullException(nameof(baseConfig));
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (limiter == null)
            {
                // One limiter for every attempt of the batch, retries included, so throttling slows the whole batch.
                var created = options.CreateRateLimiter();
                created.Log = baseConfig.Log;
                limiter = created;
            }
            var config = baseConfig.Clone();
            config.RateLimiter = limiter;
            config.RetryMode = retryMode;
            // Fewer connections than calls in flight would queue calls behind each other outside the limiter's view.
            config.MaxConnectionsPerServer = Math.Max(MinimumConnections, options.ThrottleLimit);
            return config;
        }
    }
}
