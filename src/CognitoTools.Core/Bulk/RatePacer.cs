using System;
using System.Collections.Generic;
using System.Linq;

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
        private readonly SecondLog _admitted = new SecondLog();
        private TimeSpan _nextSlot = TimeSpan.MinValue;

        /// <param name="cap">The cap the one-second log keeps true (below it the slots alone pace, so a cut does not stall the batch); also the first rate.</param>
        public RatePacer(double cap) => Rate = Cap = cap;

        /// <summary>Requests per second; <see cref="double.PositiveInfinity"/>: no pacing.</summary>
        public double Rate { get; private set; }
        public double Cap { get; }
        public long Admitted { get; private set; }
        /// <summary>Bumped when the rate is cut: slots handed out before are void (see <see cref="SetRate"/>).</summary>
        public long Generation { get; private set; }

        public int AdmittedInLastSecond(TimeSpan now) => _admitted.CountAt(now);

        /// <summary>Takes the next slot; returns how long to wait for it.</summary>
        public TimeSpan Reserve(TimeSpan now)
        {
            if (double.IsPositiveInfinity(Rate)) return TimeSpan.Zero;
            if (_nextSlot < now) _nextSlot = now;
            var slot = _nextSlot;
            _nextSlot = slot + TimeSpan.FromTicks((long)Math.Min(TimeSpan.MaxValue.Ticks / 4, TimeSpan.TicksPerSecond / Rate));
            return slot - now;
        }

        /// <summary>Admits the request now if the last second leaves room for it under the cap, else returns how long until it does.</summary>
        public TimeSpan Admit(TimeSpan now)
        {
            // The allowed-th most recent admission must be a full second old (no cap: room for any number).
            var allowed = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(Cap));
            if (_admitted.CountAt(now) >= allowed) return _admitted.ElementAt(_admitted.Count - allowed) + SecondLog.OneSecond - now;
            _admitted.Add(now);
            Admitted++;
            return TimeSpan.Zero;
        }

        /// <summary>
        /// A cut voids the slots handed out at the old spacing (their holders take new ones: with many requests
        /// waiting, the old pace would otherwise go on for seconds); a raise keeps them.
        /// </summary>
        public void SetRate(TimeSpan now, double rate)
        {
            if (rate < Rate)
            {
                Generation++;
                _nextSlot = now;
            }
            Rate = rate;
        }
    }

    /// <summary>The times of events within the last second, oldest first (the pacer's admissions, the limiter's accepted answers).</summary>
    internal sealed class SecondLog : Queue<TimeSpan>
    {
        public static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

        public int CountAt(TimeSpan now)
        {
            while (Count > 0 && now - Peek() >= OneSecond) Dequeue();
            return Count;
        }

        public void Add(TimeSpan now)
        {
            CountAt(now);
            Enqueue(now);
        }
    }
}
