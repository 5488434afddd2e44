using System;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using Xunit;

namespace CognitoTools.Tests.Bulk
{
    public class AdaptiveRateLimiterTests
    {
        private sealed class FakeClock
        {
            public TimeSpan Now;
            public TimeSpan Read() => Now;
        }

        [Fact]
        public void Slots_are_spaced_at_the_rate()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(10, 1, clock.Read);
            Assert.Equal(TimeSpan.Zero, limiter.Reserve());
            Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Reserve());
            Assert.Equal(TimeSpan.FromMilliseconds(200), limiter.Reserve());
            clock.Now = TimeSpan.FromMilliseconds(250);
            Assert.Equal(TimeSpan.FromMilliseconds(50), limiter.Reserve());
            clock.Now = TimeSpan.FromSeconds(5); // idle time does not bank a burst beyond Burst
            Assert.Equal(TimeSpan.Zero, limiter.Reserve());
            Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Reserve());
        }

        [Fact]
        public void A_burst_lets_that_many_through_at_once_after_idle_time()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(10, 3, clock.Read);
            clock.Now = TimeSpan.FromSeconds(1);
            Assert.Equal(TimeSpan.Zero, limiter.Reserve());
            Assert.Equal(TimeSpan.Zero, limiter.Reserve());
            Assert.Equal(TimeSpan.Zero, limiter.Reserve());
            Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Reserve());
        }

        [Fact]
        public void A_late_request_is_held_until_the_last_second_leaves_room_for_it()
        {
            // Slots 0, 100, ..., 900 ms; the first request's timer wakes 150 ms late. Admitted as the slots say, the
            // requests at 1000 and 1100 ms would make 11 within the second after it: the sliding check holds them.
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(10, 1, clock.Read);
            clock.Now = TimeSpan.FromMilliseconds(150);
            Assert.Equal(TimeSpan.Zero, limiter.Admit());
            for (var slot = 2; slot <= 10; slot++)
            {
                clock.Now = TimeSpan.FromMilliseconds(100 * (slot - 1));
                Assert.Equal(TimeSpan.Zero, limiter.Admit());
            }
            clock.Now = TimeSpan.FromMilliseconds(1000);
            Assert.Equal(TimeSpan.FromMilliseconds(150), limiter.Admit());
            clock.Now = TimeSpan.FromMilliseconds(1150);
            Assert.Equal(TimeSpan.Zero, limiter.Admit());

            // After throttling, the window allows the lower rate.
            limiter.OnThrottled();
            clock.Now = TimeSpan.FromMilliseconds(1160);
            Assert.True(limiter.Admit() > TimeSpan.Zero, "5 admitted within the last second already");
        }

        [Fact]
        public void Throttling_halves_the_rate_once_per_episode_down_to_the_floor()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(16, 1, clock.Read);
            limiter.OnThrottled();
            Assert.Equal(8, limiter.CurrentRate);
            limiter.OnThrottled(); // same episode: every request in flight was throttled at once
            limiter.OnThrottled();
            Assert.Equal(8, limiter.CurrentRate);
            for (var i = 1; i <= 6; i++)
            {
                clock.Now += TimeSpan.FromSeconds(1);
                limiter.OnThrottled();
            }
            Assert.Equal(AdaptiveRateLimiter.MinimumRate, limiter.CurrentRate);
            Assert.Equal(9, limiter.ThrottleCount);
        }

        [Fact]
        public void Successes_recover_the_rate_gradually_up_to_the_ceiling()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(40, 1, clock.Read);
            limiter.OnThrottled();
            Assert.Equal(20, limiter.CurrentRate);
            limiter.OnSuccess();
            Assert.True(limiter.CurrentRate > 20 && limiter.CurrentRate < 21);
            for (var i = 0; i < AdaptiveRateLimiter.SuccessesToFullRate; i++) limiter.OnSuccess();
            Assert.Equal(40, limiter.CurrentRate);
        }

        [Fact]
        public void A_lower_rate_spaces_new_slots_further_apart()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(10, 1, clock.Read);
            limiter.Reserve();
            limiter.OnThrottled(); // 5 per second
            Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Reserve()); // slot handed out at the old spacing
            Assert.Equal(TimeSpan.FromMilliseconds(300), limiter.Reserve());
        }

        [Fact]
        public void Create_maps_the_option_values()
        {
            Assert.Equal(BulkSendOptions.DefaultMaxRequestsPerSecond, AdaptiveRateLimiter.Create(null).MaxRequestsPerSecond);
            Assert.Equal(7.5, AdaptiveRateLimiter.Create(7.5).MaxRequestsPerSecond);
            Assert.Null(AdaptiveRateLimiter.Create(0));
            Assert.Null(AdaptiveRateLimiter.Create(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveRateLimiter(0));
        }

        [Fact]
        public async Task Wait_honours_cancellation()
        {
            var limiter = new AdaptiveRateLimiter(1);
            await limiter.WaitAsync(CancellationToken.None);
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.WaitAsync(cts.Token));
            }
        }
    }
}
