using System;
using System.Collections.Generic;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// The pacing half of <see cref="AdaptiveRateLimiter"/> (not thread-safe: the limiter calls it under its lock).
    /// Each request reserves the next slot, 1/rate after the one before (evenly spaced: a bucket with a small burst
    /// throttles bunches even far below its rate); idle time banks nothing. Timers wake late, though, and a late request
    /// would bunch with the on-time ones after it, so a request is admitted only when the requests admitted in the last
    /// second leave room for it (a one-second log): that keeps a cap true at the moment requests actually leave.
    /// </summary>
    internal sealed class RatePacer
    {
        private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);
        private readonly Queue<TimeSpan> _admitted = new Queue<TimeSpan>();
        private TimeSpan _nextSlot = TimeSpan.MinValue;

        /// <summary>Requests per second; <see cref="double.PositiveInfinity"/>: no pacing.</summary>
        public double Rate { get; set; } = double.PositiveInfinity;

        /// <summary>The cap the one-second log keeps true (below it the slots alone pace, so a cut does not stall the batch).</summary>
        public double Cap { get; set; } = double.PositiveInfinity;

        public long Admitted { get; private set; }

        /// <summary>Requests admitted within the last second.</summary>
        public int AdmittedInLastSecond(TimeSpan now)
        {
            Prune(now);
            return _admitted.Count;
        }

        /// <summary>Takes the next slot; returns how long to wait for it.</summary>
        public TimeSpan Reserve(TimeSpan now)
        {
            if (double.IsPositiveInfinity(Rate)) return TimeSpan.Zero;
            if (_nextSlot < now) _nextSlot = now;
            var slot = _nextSlot;
            _nextSlot = slot + Interval();
            return slot - now;
        }

        /// <summary>Admits the request now if the last second leaves room for it under the cap, else returns how long until it does.</summary>
        public TimeSpan Admit(TimeSpan now)
        {
            Prune(now);
            if (!double.IsPositiveInfinity(Cap))
            {
                var allowed = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(Cap));
                if (_admitted.Count >= allowed)
                {
                    // The allowed-th most recent admission must be a full second old.
                    var index = _admitted.Count - allowed;
                    foreach (var t in _admitted)
                    {
                        if (index-- == 0) return t + OneSecond - now;
                    }
                }
            }
            _admitted.Enqueue(now);
            Admitted++;
            return TimeSpan.Zero;
        }

        /// <summary>Slots handed out that lie ahead of now (requests waiting for them leave at the old spacing).</summary>
        /// <summary>Bumped when the rate is cut: slots handed out before are void (see <see cref="RateChanged"/>).</summary>
        public long Generation { get; private set; }

        /// <summary>
        /// After a rate change. A cut voids the slots handed out at the old spacing (their holders take new ones: with
        /// many requests waiting, the old pace would otherwise go on for seconds); a raise keeps them.
        /// </summary>
        public void RateChanged(TimeSpan now, double before)
        {
            if (Rate < before)
            {
                Generation++;
                _nextSlot = now;
            }
            else if (_nextSlot < now) _nextSlot = now;
        }

        private TimeSpan Interval() => TimeSpan.FromTicks((long)Math.Min(TimeSpan.MaxValue.Ticks / 4, TimeSpan.TicksPerSecond / Rate));

        private void Prune(TimeSpan now)
        {
            while (_admitted.Count > 0 && now - _admitted.Peek() >= OneSecond) _admitted.Dequeue();
        }
    }
}
