using System.Threading;
using System.Threading.Tasks;

namespace CognitoTools.Protocol
{
    /// <summary>What became of one attempt, as the rate limiter hears it.</summary>
    public enum AnswerKind
    {
        /// <summary>The service answered and neither throttled nor faulted (an error such as UserNotFoundException included): the request counted against the quota.</summary>
        Accepted,
        /// <summary>TooManyRequestsException or another throttling answer (or 429).</summary>
        Throttled,
        /// <summary>The service answered with a fault worth retrying (5xx, a truncated answer).</summary>
        ServiceFault,
        /// <summary>No answer: the connection failed, the read timed out, or the attempt was cancelled.</summary>
        NoAnswer,
    }

    /// <summary>
    /// Gate every attempt (first tries and retries) passes before it is sent. Shared by all requests in
    /// flight, so a throttling answer slows the whole batch, not just the retried request.
    /// </summary>
    public interface IRequestRateLimiter
    {
        Task WaitAsync(CancellationToken cancellationToken);
        /// <summary>Every attempt that passed <see cref="WaitAsync"/> is reported exactly once, whatever became of it.</summary>
        void OnAnswer(AnswerKind kind);
        /// <summary>
        /// Batch retry mode only: a retry found the client's retry quota empty (most recent attempts failed), so the
        /// whole batch should slow down rather than turn faults into failed rows.
        /// </summary>
        void OnRetryQuotaExhausted();
    }
}
