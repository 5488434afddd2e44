using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// A token bucket shared by every request of a batch, that slows down for everyone when the service throttles and
    /// speeds up again on successes (AIMD: halve on throttling, add a small step per success, never above the
    /// configured rate, never below <see cref="MinimumRate"/>).
    /// <para>
    /// Wiring: give the same instance to the client (<c>CognitoClientConfig.RateLimiter</c>) so every attempt, retries
    /// included, passes it and every throttling answer reaches it. <see cref="Create(double?)"/> builds one from
    /// <see cref="BulkSendOptions.MaxRequestsPerSecond"/>. When the client has no limiter, <see cref="BulkSender"/>
    /// builds its own from the options and gates each request itself (see <see cref="BulkSender.RateLimiter"/>).
    /// </para>
    /// <para>
    /// Scheduling is by reservation in absolute time (GCRA): each request takes the next free slot, slots are
    /// 1/rate apart, and at most <see cref="Burst"/> slots may lie in the past. So any one-second window holds at
    /// most rate + Burst requests. Timers wake late, though (Windows' 15.6 ms resolution, a busy machine), and a late
    /// request would then bunch with the on-time ones after it; so a request is also admitted only when the requests
    /// admitted in the last second leave room for it (a sliding log of admission times), which holds the bound at the
    /// moment requests actually leave.
    /// </para>
    /// </summary>
    public sealed class AdaptiveRateLimiter : IRequestRateLimiter
    {
        /// <summary>Floor the rate never drops below when throttled.</summary>
        public const double MinimumRate = 1.0;
        /// <summary>Throttling answers closer together than this count as one episode (one halving), since every
        /// request in flight tends to be throttled at once.</summary>
        internal static readonly TimeSpan DecreaseCooldown = TimeSpan.FromMilliseconds(500);
        /// <summary>Successes needed to climb back from 0 to the configured rate (linear, so from half rate: half of these).</summary>
        internal const int SuccessesToFullRate = 100;

        private readonly object _gate = new object();
        private readonly Func<TimeSpan> _clock;
        private double _currentRate;
        private TimeSpan _nextSlot;
        private TimeSpan _lastDecrease = TimeSpan.MinValue;
        private long _throttleCount;
        // Admission times of the most recent requests (a ring), for the one-second sliding check.
        private readonly TimeSpan[] _admitted;
        private int _admittedNext;
        private long _admittedCount;

        public AdaptiveRateLimiter(double maxRequestsPerSecond, int burst = 1)
            : this(maxRequestsPerSecond, burst, StopwatchClock())
        {
        }

        internal AdaptiveRateLimiter(double maxRequestsPerSecond, int burst, Func<TimeSpan> clock)
        {
            if (double.IsNaN(maxRequestsPerSecond) || maxRequestsPerSecond <= 0)
                throw new ArgumentOutOfRangeException(nameof(maxRequestsPerSecond), maxRequestsPerSecond, "The rate must be positive.");
            if (burst < 1) throw new ArgumentOutOfRangeException(nameof(burst), burst, "The burst must be at least 1.");
            MaxRequestsPerSecond = maxRequestsPerSecond;
            Burst = burst;
            _currentRate = maxRequestsPerSecond;
            _clock = clock ?? throw new ArgumentNullException(nameof(clock));
            _nextSlot = _clock();
            _admitted = new TimeSpan[(int)Math.Min(int.MaxValue - burst, Math.Ceiling(maxRequestsPerSecond)) + burst - 1];
        }

        /// <summary>
        /// The limiter for <see cref="BulkSendOptions.MaxRequestsPerSecond"/>: null means the default
        /// (<see cref="BulkSendOptions.DefaultMaxRequestsPerSecond"/>), 0 or less means no limit (returns null).
        /// </summary>
        public static AdaptiveRateLimiter Create(double? maxRequestsPerSecond)
        {
            var rate = EffectiveRate(maxRequestsPerSecond);
            return rate.HasValue ? new AdaptiveRateLimiter(rate.Value) : null;
        }

        /// <summary>The rate a requested value means: the default when null, null (no limit) when 0, negative or not finite.</summary>
        internal static double? EffectiveRate(double? maxRequestsPerSecond)
        {
            var rate = maxRequestsPerSecond ?? BulkSendOptions.DefaultMaxRequestsPerSecond;
            return rate > 0 && !double.IsNaN(rate) && !double.IsInfinity(rate) ? rate : (double?)null;
        }

        /// <summary>The configured ceiling.</summary>
        public double MaxRequestsPerSecond { get; }

        /// <summary>Requests allowed back to back before spacing applies.</summary>
        public int Burst { get; }

        /// <summary>The rate in force now (lower than the ceiling after throttling).</summary>
        public double CurrentRate
        {
            get { lock (_gate) return _currentRate; }
        }

        /// <summary>Throttling answers reported so far.</summary>
        public long ThrottleCount => Interlocked.Read(ref _throttleCount);

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var delay = Reserve();
            if (delay <= TimeSpan.Zero)
            {
                delay = Admit();
                if (delay <= TimeSpan.Zero) return Task.CompletedTask;
            }
            return WaitThenAdmitAsync(delay, cancellationToken);
        }

        private async Task WaitThenAdmitAsync(TimeSpan delay, CancellationToken cancellationToken)
        {
            do
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Admit();
            }
            while (delay > TimeSpan.Zero);
        }

        /// <summary>
        /// Admits the request now if fewer than the allowed number were admitted in the last second (and records it), else
        /// returns how long until one of them leaves the window.
        /// </summary>
        internal TimeSpan Admit()
        {
            lock (_gate)
            {
                var now = _clock();
                var allowed = Math.Min(_admitted.Length, (int)Math.Ceiling(_currentRate) + Burst - 1);
                if (_admittedCount >= allowed)
                {
                    // The allowed-th most recent admission must be a full second old.
                    var index = (_admittedNext - allowed + _admitted.Length) % _admitted.Length;
                    var free = _admitted[index] + TimeSpan.FromSeconds(1);
                    if (free > now) return free - now;
                }
                _admitted[_admittedNext] = now;
                _admittedNext = (_admittedNext + 1) % _admitted.Length;
                _admittedCount++;
                return TimeSpan.Zero;
            }
        }

        public void OnThrottled()
        {
            Interlocked.Increment(ref _throttleCount);
            lock (_gate)
            {
                var now = _clock();
                if (_lastDecrease != TimeSpan.MinValue && now - _lastDecrease < DecreaseCooldown) return;
                _lastDecrease = now;
                _currentRate = Math.Max(MinimumRate, _currentRate / 2);
                // Slots already handed out at the old spacing stay; later ones are spaced at the new rate from now on.
                if (_nextSlot < now) _nextSlot = now;
            }
        }

        public void OnSuccess()
        {
            lock (_gate)
            {
                if (_currentRate < MaxRequestsPerSecond)
                    _currentRate = Math.Min(MaxRequestsPerSecond, _currentRate + MaxRequestsPerSecond / SuccessesToFullRate);
            }
        }

        /// <summary>Takes the next slot; returns how long to wait for it.</summary>
        internal TimeSpan Reserve()
        {
            lock (_gate)
            {
                var now = _clock();
                var interval = TimeSpan.FromTicks((long)(TimeSpan.TicksPerSecond / _currentRate));
                var earliest = now - TimeSpan.FromTicks(interval.Ticks * (Burst - 1));
                if (_nextSlot < earliest) _nextSlot = earliest;
                var slot = _nextSlot;
                _nextSlot = slot + interval;
                return slot > now ? slot - now : TimeSpan.Zero;
            }
        }

        private static Func<TimeSpan> StopwatchClock()
        {
            var watch = Stopwatch.StartNew();
            return () => watch.Elapsed;
        }
    }
}
