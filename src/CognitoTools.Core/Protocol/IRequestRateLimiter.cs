using System.Threading;
using System.Threading.Tasks;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// Gate every attempt (first tries and retries) passes before it is sent. Shared by all requests in
    /// flight, so a throttling answer slows the whole batch, not just the retried request.
    /// </summary>
    public interface IRequestRateLimiter
    {
        Task WaitAsync(CancellationToken cancellationToken);
        /// <summary>The service answered TooManyRequestsException (or 429).</summary>
        void OnThrottled();
        /// <summary>An attempt got an answer that was not throttling.</summary>
        void OnSuccess();
        /// <summary>
        /// Batch retry mode only: a retry found the client's retry quota empty (most recent attempts failed), so the
        /// whole batch should slow down rather than turn faults into failed rows.
        /// </summary>
        void OnRetryQuotaExhausted();
    }
}
