using System.Globalization;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// The one place a request rate becomes text (the progress line, the end summary), so every message shows a rate
    /// the same way, in any culture.
    /// </summary>
    public static class RateText
    {
        /// <summary>"12.5/s", "0.25/s": two decimals below 10/s, where a cap of 0.25 or 0.05 must not read as 0.3 or 0.</summary>
        public static string PerSecond(double rate)
            => rate.ToString(rate < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + "/s";

        /// <summary>A rate the limiter sets or measures, for its log: as <see cref="PerSecond"/>, or "unlimited" while nothing limits the batch (no cap, nothing throttled yet).</summary>
        public static string Pace(double rate) => double.IsPositiveInfinity(rate) ? "unlimited" : PerSecond(rate);

        /// <summary>A share of answers (the throttled share): "25%".</summary>
        public static string Share(double share) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

        /// <summary>A cap as the user gave it (12.75 stays 12.75/s): it is their number, not a measurement.</summary>
        public static string Cap(double cap) => cap.ToString(CultureInfo.InvariantCulture) + "/s";

        /// <summary>The limit in force for the progress line: "12.5/s", or "none" when nothing limits the batch.</summary>
        public static string Limit(double? rate) => rate.HasValue ? PerSecond(rate.Value) : "none";

        /// <summary>The final rate with its cap for the end summary: "12.5/s (cap 20/s)", "unlimited (nothing throttled) (no cap)".</summary>
        public static string WithCap(double? rate, double? cap)
        {
            var text = rate.HasValue ? PerSecond(rate.Value) : "unlimited (nothing throttled)";
            return text + (cap.HasValue ? " (cap " + Cap(cap.Value) + ")" : " (no cap)");
        }
    }
}
