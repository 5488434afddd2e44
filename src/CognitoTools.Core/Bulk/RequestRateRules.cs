using System;
using System.Globalization;

namespace CognitoTools.Bulk
{
    /// <summary>The values -MaxRequestsPerSecond takes: 0 (no cap), or a cap from <see cref="MinimumCap"/> to <see cref="MaximumCap"/>.</summary>
    public static class RequestRateRules
    {
        /// <summary>
        /// Lowest cap: one request every 100 s. Below it a cap stops being a rate (1e-7 would be one request in four
        /// months) and the limiter's spacing leaves the range of its clock and timers.
        /// </summary>
        public const double MinimumCap = 0.01;

        /// <summary>Highest cap, far above any Cognito quota.</summary>
        public const double MaximumCap = 1000;

        /// <summary>Null when <paramref name="value"/> is allowed; else the rule it breaks, in one sentence.</summary>
        public static string Check(double value)
        {
            if (value == 0) return null;
            if (double.IsNaN(value) || double.IsInfinity(value) || value < MinimumCap || value > MaximumCap)
            {
                return string.Format(CultureInfo.InvariantCulture,
                    "-MaxRequestsPerSecond must be 0 (no cap) or from {0} to {1} requests per second; {2} is not.", MinimumCap, MaximumCap, value);
            }
            return null;
        }

        /// <summary>The limiter for <see cref="BulkSendOptions.MaxRequestsPerSecond"/>: null means the default, 0 or less no cap (the limiter still adapts).</summary>
        public static AdaptiveRateLimiter CreateLimiter(double? maxRequestsPerSecond) => new AdaptiveRateLimiter(EffectiveCap(maxRequestsPerSecond) ?? double.PositiveInfinity);

        /// <summary>The cap a requested value means: the default when null, null (no cap) when 0, negative or not finite.</summary>
        private static double? EffectiveCap(double? maxRequestsPerSecond)
        {
            var rate = maxRequestsPerSecond ?? BulkSendOptions.DefaultMaxRequestsPerSecond;
            return rate > 0 && !double.IsNaN(rate) && !double.IsInfinity(rate) ? rate : (double?)null;
        }
    }
}
