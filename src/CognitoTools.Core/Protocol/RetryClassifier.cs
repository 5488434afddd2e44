using System;
using System.Collections.Generic;
using System.Globalization;

namespace CognitoTools.Protocol
{
    /// <summary>Whether an attempt's outcome is worth another attempt, and with which backoff base.</summary>
    public enum RetryDecision
    {
        /// <summary>Final: retrying would give the same answer (client errors, LimitExceededException, success).</summary>
        None,
        /// <summary>Server or network hiccup: retry with the 50 ms backoff base.</summary>
        Transient,
        /// <summary>The service asked us to slow down: retry with the 1 s backoff base and tell the rate limiter.</summary>
        Throttling,
    }

    /// <summary>
    /// The SDKs' standard retry mode decisions (the AWS JS SDK's classification) with deliberate differences:
    /// <list type="bullet">
    /// <item>LimitExceededException is Cognito's "5 codes per user per hour" limit, so retrying only delays the error
    /// (the JS SDK counts it as throttling).</item>
    /// <item>InternalErrorException is retried whatever the status: issue 3 names it among the retried errors and the
    /// model marks it a server fault. Cognito sends it as 500, where the JS SDK retries it too; only a 4xx carrying it
    /// (which Cognito does not send) is decided differently.</item>
    /// <item>Retry-After: see <see cref="ComputeDelay"/>.</item>
    /// </list>
    /// The retry quota that stops retries during a storm of failures is <see cref="RetryQuota"/>, per client.
    /// </summary>
    public static class RetryClassifier
    {
        public static readonly TimeSpan TransientBaseDelay = TimeSpan.FromMilliseconds(50);
        public static readonly TimeSpan ThrottlingBaseDelay = TimeSpan.FromSeconds(1);
        public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(20);

        /// <summary>Throttling codes of the SDKs' standard mode (minus LimitExceededException).</summary>
        public static IReadOnlyCollection<string> ThrottlingErrorCodes => ThrottlingSet;

        /// <summary>True for an error code the SDKs treat as throttling.</summary>
        public static bool IsThrottlingErrorCode(string errorCode) => errorCode != null && ThrottlingSet.Contains(errorCode);
        private static readonly HashSet<string> ThrottlingSet = new HashSet<string>(StringComparer.Ordinal)
        {
            "TooManyRequestsException", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
            "RequestThrottled", "RequestLimitExceeded", "BandwidthLimitExceeded", "ProvisionedThroughputExceededException",
            "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", "TransactionInProgressException",
        };

        /// <summary>Codes retried as transient whatever the status.</summary>
        public static IReadOnlyCollection<string> TransientErrorCodes => TransientSet;
        private static readonly HashSet<string> TransientSet = new HashSet<string>(StringComparer.Ordinal)
        {
            "InternalErrorException", "RequestTimeout", "RequestTimeoutException", "TimeoutError", CognitoErrors.ConnectionFailure,
        };

        /// <summary>Codes never retried, even when the status would suggest it.</summary>
        public static IReadOnlyCollection<string> NeverRetriedErrorCodes => NeverRetriedSet;
        private static readonly HashSet<string> NeverRetriedSet = new HashSet<string>(StringComparer.Ordinal)
        {
            "LimitExceededException",
        };

        /// <param name="httpStatus">The answer's status, or null when there was no answer.</param>
        /// <param name="errorCode">Sanitised error code, or null.</param>
        /// <param name="transportFailure">No complete answer: connection refused/reset/dropped, timeout, truncated body.</param>
        public static RetryDecision Classify(int? httpStatus, string errorCode, bool transportFailure)
        {
            if (errorCode != null && NeverRetriedSet.Contains(errorCode)) return RetryDecision.None;
            if (httpStatus == 429 || IsThrottlingErrorCode(errorCode)) return RetryDecision.Throttling;
            if (transportFailure) return RetryDecision.Transient;
            if (errorCode != null && TransientSet.Contains(errorCode)) return RetryDecision.Transient;
            if (httpStatus.HasValue && httpStatus.Value >= 500 && httpStatus.Value <= 599) return RetryDecision.Transient;
            return RetryDecision.None;
        }

        /// <summary>
        /// Full-jitter exponential backoff before the retry that follows attempt number <paramref name="attempt"/> (1-based):
        /// random(0, min(20 s, base * 2^(attempt-1))). A Retry-After hint replaces it, capped at 20 s.
        /// </summary>
        /// <remarks>
        /// Deliberately not the JS SDK's rule, which waits max(backoff, min(hint, backoff + 5 s)) and so mostly ignores
        /// a hint longer than 5 s: issue 3 asks for Retry-After to be honoured, so we wait what the server asked for
        /// (also when that is shorter than the backoff), within the 20 s backoff cap so one answer cannot stall a batch.
        /// Cognito itself does not send Retry-After; proxies and gateways in front of a custom endpoint may.
        /// </remarks>
        /// <param name="random">A uniform sample in [0, 1).</param>
        public static TimeSpan ComputeDelay(RetryDecision decision, int attempt, double random, TimeSpan? retryAfter = null)
        {
            if (decision == RetryDecision.None) return TimeSpan.Zero;
            if (retryAfter.HasValue)
            {
                var hint = retryAfter.Value < TimeSpan.Zero ? TimeSpan.Zero : retryAfter.Value;
                return hint > MaxBackoff ? MaxBackoff : hint;
            }
            var baseDelay = decision == RetryDecision.Throttling ? ThrottlingBaseDelay : TransientBaseDelay;
            var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
            var ceilingMs = Math.Min(MaxBackoff.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
            if (random < 0) random = 0;
            if (random >= 1) random = 0.999999;
            return TimeSpan.FromMilliseconds(ceilingMs * random);
        }

        /// <summary>
        /// x-amz-retry-after: the wait in milliseconds, which the AWS SDKs read when there is no Retry-After (the JS SDK
        /// takes whichever of the two comes first; we prefer the standard header). Null when absent or unreadable.
        /// </summary>
        public static TimeSpan? ParseAmzRetryAfter(string headerValue)
        {
            if (string.IsNullOrWhiteSpace(headerValue)) return null;
            if (!double.TryParse(headerValue.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var milliseconds)) return null;
            if (double.IsNaN(milliseconds) || double.IsInfinity(milliseconds) || milliseconds < 0) return null;
            return TimeSpan.FromMilliseconds(Math.Min(milliseconds, 86400000));
        }

        /// <summary>Retry-After as seconds ("2", "1.5") or an HTTP date; null when absent or unreadable.</summary>
        public static TimeSpan? ParseRetryAfter(string headerValue, DateTimeOffset now)
        {
            if (string.IsNullOrWhiteSpace(headerValue)) return null;
            var text = headerValue.Trim();
            if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
            {
                if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds < 0) return null;
                return TimeSpan.FromSeconds(Math.Min(seconds, 86400));
            }
            if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
                || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
            {
                var wait = date - now;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }
    }
}
