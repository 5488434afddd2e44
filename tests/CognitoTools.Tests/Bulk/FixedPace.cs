using System;
using System.Threading;
using System.Threading.Tasks;
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
        private TimeSpan _next;

        public FixedPace(double rate, Func<TimeSpan> clock, Func<TimeSpan, CancellationToken, Task> delay)
            => (_spacing, _clock, _delay) = (TimeSpan.FromSeconds(1 / rate), clock, delay);

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
            return wait > TimeSpan.Zero ? _delay(wait, cancellationToken) : Task.CompletedTask;
        }

        public void OnAnswer(AnswerKind kind) { }
        public void OnRetryQuotaExhausted() { }
    }
}
