using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;

namespace CognitoTools.Auth
{
    /// <summary>
    /// The offset between this machine's clock and AWS's, learnt from answers' Date header, so a machine whose clock is
    /// off by more than the 5 minutes SigV4 allows still signs valid requests. As the SDKs do: every answer with a
    /// Date header that differs from the corrected time by 5 minutes or more resets the offset, and an error that
    /// means "your clock is off" (RequestTimeTooSkewed, InvalidSignatureException, SignatureDoesNotMatch, ...) is worth
    /// one more attempt when it changed the offset. Thread-safe: one instance per client.
    /// </summary>
    public sealed class ClockSkew
    {
        /// <summary>The SDKs' threshold: AWS refuses a signature more than 5 minutes away from its own time.</summary>
        public static readonly TimeSpan Threshold = TimeSpan.FromMinutes(5);

        // The codes the JS SDK (CLOCK_SKEW_ERROR_CODES) and botocore treat as clock skew.
        private static readonly HashSet<string> SkewErrorCodes = new HashSet<string>(StringComparer.Ordinal)
        {
            "AuthFailure", "InvalidSignatureException", "RequestExpired", "RequestInTheFuture", "RequestTimeTooSkewed", "SignatureDoesNotMatch",
        };

        private readonly Func<DateTimeOffset> _utcNow;
        private long _offsetTicks;

        /// <param name="utcNow">The local clock (tests pass a fake); null: the system clock.</param>
        public ClockSkew(Func<DateTimeOffset> utcNow = null)
        {
            _utcNow = utcNow ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>AWS's time minus ours, as last learnt (zero until an answer said otherwise).</summary>
        public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

        /// <summary>The time to sign with: the local clock corrected by the offset.</summary>
        public DateTimeOffset SigningTime() => _utcNow() + Offset;

        /// <summary>True for the error codes that mean the signing time was refused as too far from AWS's time.</summary>
        public static bool IsClockSkewError(string errorCode)
            => errorCode != null && SkewErrorCodes.Contains(NormalizeCode(errorCode));

        /// <summary>
        /// Learns from an answer's Date header (any answer, success or error). Returns true when the offset changed,
        /// i.e. the corrected time was 5 minutes or more away from the server's.
        /// </summary>
        public bool Update(DateTimeOffset? serverDate)
        {
            if (serverDate == null) return false;
            var now = _utcNow();
            var corrected = now + Offset;
            var difference = serverDate.Value - corrected;
            if (difference.Duration() < Threshold) return false;
            Interlocked.Exchange(ref _offsetTicks, (serverDate.Value - now).Ticks);
            return true;
        }

        /// <summary>Learns from the answer's Date header; see <see cref="Update(DateTimeOffset?)"/>.</summary>
        public bool Update(HttpResponseMessage response) => response != null && Update(response.Headers.Date);

        /// <summary>
        /// After an error answer: true when its code means clock skew and its Date header corrected the offset, so the
        /// request, signed again with <see cref="SigningTime"/>, is worth one more attempt.
        /// </summary>
        public bool ShouldRetryAfter(HttpResponseMessage response, string errorCode)
        {
            var changed = Update(response);
            return changed && IsClockSkewError(errorCode);
        }

        /// <summary>"com.amazonaws...#InvalidSignatureException" and "InvalidSignatureException:http://..." to the bare code.</summary>
        private static string NormalizeCode(string code)
        {
            var hash = code.LastIndexOf('#');
            if (hash >= 0) code = code.Substring(hash + 1);
            var colon = code.IndexOf(':');
            if (colon >= 0) code = code.Substring(0, colon);
            return code.Trim();
        }
    }
}
