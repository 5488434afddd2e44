using System;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// The SDKs' standard-mode retry quota, one per client: every retry spends tokens and every success earns some back,
    /// so when most calls fail (a 5xx storm, an outage) retries stop and a bulk run does not triple the load on a
    /// struggling service. Costs follow the pinned AWS JS SDK (@smithy/core retry): 500 tokens, 5 per throttling retry,
    /// 14 per other retry; a success refunds its call's last retry cost, or 1 token when it needed no retry.
    /// A call the quota refuses is not lost: it ends with the error of its last attempt, like any exhausted retry.
    /// </summary>
    internal sealed class RetryQuota
    {
        public const int DefaultCapacity = 500;
        public const int ThrottlingRetryCost = 5;
        public const int TransientRetryCost = 14;
        public const int NoRetryIncrement = 1;

        private readonly object _lock = new object();
        private int _available;

        /// <param name="capacity">0 or less: no quota (every retryable error is retried up to the attempt limit).</param>
        public RetryQuota(int capacity)
        {
            Capacity = capacity;
            _available = capacity;
        }

        public int Capacity { get; }

        public bool IsEnabled => Capacity > 0;

        public int Available
        {
            get { lock (_lock) return _available; }
        }

        public static int CostOf(RetryDecision decision) => decision == RetryDecision.Throttling ? ThrottlingRetryCost : TransientRetryCost;

        /// <summary>Spends the retry's cost; false (nothing spent) when the quota cannot afford it.</summary>
        public bool TryAcquire(int cost)
        {
            if (!IsEnabled) return true;
            lock (_lock)
            {
                if (_available < cost) return false;
                _available -= cost;
                return true;
            }
        }

        /// <summary>A call succeeded: refund its last retry's cost, or a token for a first-attempt success.</summary>
        public void OnSuccess(int lastRetryCost)
        {
            if (!IsEnabled) return;
            lock (_lock)
            {
                _available = Math.Min(Capacity, _available + (lastRetryCost > 0 ? lastRetryCost : NoRetryIncrement));
            }
        }
    }
}
