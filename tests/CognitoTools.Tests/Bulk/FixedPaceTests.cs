using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>The ideal peer the simulation and the rate benchmark compare the limiter with, on a clock the test moves.</summary>
    public class FixedPaceTests
    {
        private TimeSpan _now;
        private readonly Queue<(TimeSpan Wait, TaskCompletionSource<bool> Done)> _timers = new Queue<(TimeSpan, TaskCompletionSource<bool>)>();

        private FixedPace Pace(bool spacedFromLastSend) => new FixedPace(10, () => _now, Delay, spacedFromLastSend);

        private Task Delay(TimeSpan wait, CancellationToken cancellationToken)
        {
            // Continuations run inline when the test fires a timer (the pace awaits without a context).
            var done = new TaskCompletionSource<bool>();
            _timers.Enqueue((wait, done));
            return done.Task;
        }

        /// <summary>Fires the oldest pending timer at the given time (late or on time) and returns what it waited for.</summary>
        private TimeSpan FireAt(double milliseconds)
        {
            var (wait, done) = _timers.Dequeue();
            _now = TimeSpan.FromMilliseconds(milliseconds);
            // Inline only where no synchronization context is installed (xunit installs one), as in the simulation.
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(null);
            try { done.SetResult(true); }
            finally { SynchronizationContext.SetSynchronizationContext(previous); }
            return wait;
        }

        [Theory]
        [InlineData(false, 200)]
        [InlineData(true, 205)]
        public void A_late_timer_brings_the_next_request_closer_unless_it_is_spaced_from_the_last_send(bool spacedFromLastSend, double thirdLeavesAtMs)
        {
            // 10/s: slots at 0, 100 and 200 ms. The second's timer fires 8 ms late, so on its own slot the third would
            // leave 92 ms after it: a bucket of one token (0.1 s a token) throttles it.
            var pace = Pace(spacedFromLastSend);
            Assert.True(pace.WaitAsync(CancellationToken.None).IsCompleted);
            Assert.Empty(_timers);
            var second = pace.WaitAsync(CancellationToken.None);
            var third = pace.WaitAsync(CancellationToken.None);
            Assert.Equal(TimeSpan.FromMilliseconds(100), FireAt(108));
            Assert.True(second.IsCompleted);
            Assert.Equal(TimeSpan.FromMilliseconds(200), FireAt(200));
            if (spacedFromLastSend)
            {
                // 97 % of the spacing after the second left: 108 + 97 ms.
                Assert.False(third.IsCompleted);
                Assert.Equal(TimeSpan.FromMilliseconds(thirdLeavesAtMs - 200), FireAt(thirdLeavesAtMs));
            }
            Assert.True(third.IsCompleted);
            Assert.Empty(_timers);
        }
    }
}
