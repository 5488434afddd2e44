using System;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using CognitoTools.Protocol;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>
    /// Evenly spaced slots at a fixed rate, deaf to answers: the ideal peer, told the quota. The simulation gives it the
    /// virtual clock and delay; the rate benchmark (which compiles this file too) a stopwatch and Task.Delay.
    /// </summary>
    internal sealed class FixedPace : IRequestRateLimiter
    {
        private readonly object _gate = new object();
        private readonly Func<TimeSpan> _clock;
        private readonly Func<TimeSpan, CancellationToken, Task> _delay;
        private readonly TimeSpan _spacing;
        private readonly bool _spacedFromLastSend;
        private TimeSpan _next, _lastSend = TimeSpan.MinValue;

        /// <param name="spacedFromLastSend">
        /// Also no sooner than 97 % of the spacing after the request before it left (the limiter's own
        /// <see cref="AdaptiveRateLimiter.SpacedShare"/>, so the peer measures the rule the limiter uses). A timer that wakes a few ms late
        /// otherwise brings its request that much closer to the next one, and a bucket of one token throttles the second
        /// (measured in real time at 0.95 R: timers late by 0.7 ms at the median, 3.5 ms at the 90th percentile). For
        /// real time at low rates: with timers late by a large share of the spacing, the waits would add up.
        /// </param>
        public FixedPace(double rate, Func<TimeSpan> clock, Func<TimeSpan, CancellationToken, Task> delay, bool spacedFromLastSend = false)
            => (_spacing, _clock, _delay, _spacedFromLastSend) = (TimeSpan.FromSeconds(1 / rate), clock, delay, spacedFromLastSend);

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = _clock();
                if (_next < now) _next = now;
                wait = _next - now;
                _next += _spacing;
            }
            if (_spacedFromLastSend) return SpacedFromLastSendAsync(wait, cancellationToken);
            return wait > TimeSpan.Zero ? _delay(wait, cancellationToken) : Task.CompletedTask;
        }

        private async Task SpacedFromLastSendAsync(TimeSpan wait, CancellationToken cancellationToken)
        {
            if (wait > TimeSpan.Zero) await _delay(wait, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                lock (_gate)
                {
                    var now = _clock();
                    wait = _lastSend == TimeSpan.MinValue ? TimeSpan.Zero : _lastSend + TimeSpan.FromTicks((long)(AdaptiveRateLimiter.SpacedShare * _spacing.Ticks)) - now;
                    if (wait <= TimeSpan.Zero)
                    {
                        _lastSend = now;
                        return;
                    }
                }
                await _delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }

        public void OnAnswer(AnswerKind kind) { }
        public void OnRetryQuotaExhausted() { }
    }
}
