using System;
using System.Collections.Generic;
using System.Linq;
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

            // After a cut, the window allows the lower rate: 2 throttles in a row cut 10/s to 90% of β x 10 = 6.3/s.
            for (var i = 0; i < 2; i++) limiter.OnThrottled();
            Assert.Equal(10 * AdaptiveRateLimiter.Beta * AdaptiveRateLimiter.CutMargin, limiter.CurrentRate, 6);
            clock.Now = TimeSpan.FromMilliseconds(1160);
            Assert.True(limiter.Admit() > TimeSpan.Zero, "7 admitted within the last second already");
        }

        private static void Answer(AdaptiveRateLimiter limiter, FakeClock clock, int count, TimeSpan spacing, bool throttled, bool send = true)
        {
            for (var i = 0; i < count; i++)
            {
                if (send) Assert.Equal(TimeSpan.Zero, limiter.Admit());
                if (throttled) limiter.OnThrottled(); else limiter.OnSuccess();
                clock.Now += spacing;
            }
        }

        /// <summary>Advances the clock as the limiter asks until it admits a request.</summary>
        private static void AdmitAfterWaiting(AdaptiveRateLimiter limiter, FakeClock clock)
        {
            for (var wait = limiter.Admit(); wait > TimeSpan.Zero; wait = limiter.Admit()) clock.Now += wait;
        }

        [Fact]
        public void Without_a_cap_the_batch_starts_in_doubling_rounds_then_passes_at_once_until_the_first_cut()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(double.PositiveInfinity, 1, clock.Read);
            // Rounds of 1, 2, 4, 8, 16: each goes once the one before it is answered.
            foreach (var round in new[] { 1, 2, 4, 8, 16 })
            {
                for (var i = 0; i < round; i++) Assert.Equal(TimeSpan.Zero, limiter.Admit());
                Assert.True(limiter.Admit() > TimeSpan.Zero, $"a request beyond the round of {round} went before the round was answered");
                for (var i = 0; i < round - 1; i++) limiter.OnSuccess();
                Assert.True(limiter.Admit() > TimeSpan.Zero, $"the round of {round} is not answered yet");
                limiter.OnSuccess();
                clock.Now += TimeSpan.FromMilliseconds(20);
            }
            // The round of 32 ends the slow start: from then on nothing waits.
            for (var i = 0; i < 1000; i++) Assert.Equal(TimeSpan.Zero, limiter.Reserve());
            for (var i = 0; i < 1000; i++) Assert.Equal(TimeSpan.Zero, limiter.Admit());
            Assert.True(double.IsPositiveInfinity(limiter.CurrentRate));
            Assert.Equal(1031, limiter.AttemptCount);
        }

        [Fact]
        public void The_slow_start_holds_requests_at_most_a_second_when_no_answer_comes()
        {
            // Failed connections give no answer: the slow start must not hold the batch for them.
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(double.PositiveInfinity, 1, clock.Read);
            Assert.Equal(TimeSpan.Zero, limiter.Admit());
            Assert.True(limiter.Admit() > TimeSpan.Zero);
            clock.Now += AdaptiveRateLimiter.SlowStartLimit;
            for (var i = 0; i < 100; i++) Assert.Equal(TimeSpan.Zero, limiter.Admit());
        }

        [Fact]
        public void A_failed_probe_goes_back_below_the_plateau_and_the_next_probe_is_slower()
        {
            // A quota of 20/s found by a cut; the rate then probes beyond it. Throttles there come when a token bucket's
            // burst is spent, so the last second's count (24 here) overstates the quota: the cut goes below the plateau.
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(100, 1, clock.Read);
            Answer(limiter, clock, 20, TimeSpan.FromMilliseconds(40), throttled: false);
            for (var i = 0; i < 20; i++) limiter.Admit();
            Answer(limiter, clock, 20, TimeSpan.FromMilliseconds(2), throttled: true, send: false); // heavy: cut to 90% of the 20 accepted
            Assert.Equal(20 * AdaptiveRateLimiter.CutMargin, limiter.CurrentRate, 6);
            double ProbeAfter(TimeSpan since)
            {
                // Successes at the rate (the service takes up to 24/s before its burst is spent) until `since`.
                var from = clock.Now;
                while (clock.Now - from < since)
                {
                    AdmitAfterWaiting(limiter, clock);
                    limiter.OnSuccess();
                    clock.Now += TimeSpan.FromSeconds(1 / Math.Min(limiter.CurrentRate, 24));
                }
                return limiter.CurrentRate;
            }
            var firstProbe = ProbeAfter(TimeSpan.FromSeconds(7));
            Assert.True(firstProbe > 20, $"the rate did not probe beyond the plateau: {firstProbe}");
            for (var i = 0; i < 2; i++) { limiter.Admit(); limiter.OnThrottled(); clock.Now += TimeSpan.FromMilliseconds(40); }
            Assert.Equal(20 * AdaptiveRateLimiter.CutMargin, limiter.CurrentRate, 6);
            var secondProbe = ProbeAfter(TimeSpan.FromSeconds(7));
            Assert.True(secondProbe < firstProbe, $"the second probe went as fast as the first: {secondProbe} after 7 s against {firstProbe}");
            Assert.True(secondProbe > 20 * AdaptiveRateLimiter.CutMargin, "the rate must still come back to the plateau");
        }

        [Fact]
        public async Task Requests_held_after_a_cut_are_spread_at_the_new_rate_not_sent_together()
        {
            // 40 requests at 200/s, then a cut to about 9/s: the last second is full. Released together when room
            // appears, the 8 waiting requests would repeat the old burst (a small-burst token bucket throttles that
            // far below its rate); each takes a new slot instead.
            var limiter = new AdaptiveRateLimiter(200);
            for (var i = 0; i < 40; i++) await limiter.WaitAsync(CancellationToken.None);
            for (var i = 0; i < 10; i++) limiter.OnSuccess();
            for (var i = 0; i < 10; i++) limiter.OnThrottled();
            Assert.True(limiter.CurrentRate < 10, $"rate {limiter.CurrentRate}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var admitted = new List<TimeSpan>();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                for (var i = 0; i < 2; i++)
                {
                    await limiter.WaitAsync(CancellationToken.None);
                    lock (admitted) admitted.Add(clock.Elapsed);
                }
            }));
            admitted.Sort();
            var busiest = admitted.Max(t => admitted.Count(u => u >= t && u - t < TimeSpan.FromMilliseconds(50)));
            // Slots are 111 ms apart; 3 allows one timer woken late on a busy machine. Released together, all 8 go at once.
            Assert.True(busiest <= 3, $"{busiest} requests within 50 ms at about {limiter.CurrentRate:F1}/s: " +
                                      string.Join(", ", admitted.Select(a => a.TotalSeconds.ToString("F3"))));
        }

        [Fact]
        public void Far_above_a_token_bucket_the_first_cut_is_by_beta_then_heavy_throttling_cuts_to_what_got_through()
        {
            // No cap, 16 in flight: the bucket's 50 tokens go in the first 100 ms, then everything is throttled.
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(double.PositiveInfinity, 1, clock.Read);
            Answer(limiter, clock, 50, TimeSpan.FromMilliseconds(2), throttled: false);
            for (var i = 0; i < 150; i++) limiter.Admit(); // sent at 1,500/s: far above the bucket's rate
            limiter.OnThrottled(); // 1 of the last 20 answers: isolated
            Assert.True(double.IsPositiveInfinity(limiter.CurrentRate));
            limiter.OnThrottled(); // 2 of 20 (10%): sustained. 200 sent in the last second: cut to 90% of β x 200.
            Assert.Equal(200 * AdaptiveRateLimiter.Beta * AdaptiveRateLimiter.CutMargin, limiter.CurrentRate, 6);
            // Half the answers throttled: the rate is far above the quota, so what got through (50) is the quota.
            for (var i = 0; i < 8; i++) limiter.OnThrottled();
            Assert.Equal(50 * AdaptiveRateLimiter.CutMargin, limiter.CurrentRate, 6);
            Assert.Equal(10, limiter.ThrottleCount);
            // The rest of the episode does not cut again.
            for (var i = 0; i < 10; i++) limiter.OnThrottled();
            Assert.Equal(50 * AdaptiveRateLimiter.CutMargin, limiter.CurrentRate, 6);
        }

        [Fact]
        public void A_cut_is_at_most_beta_unless_half_the_answers_were_throttled()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(100, 1, clock.Read);
            Answer(limiter, clock, 20, TimeSpan.FromMilliseconds(10), throttled: false);
            Answer(limiter, clock, 2, TimeSpan.FromMilliseconds(10), throttled: true);
            // 20 accepted in the last second, but only 10% throttled: never below β x 100.
            Assert.Equal(AdaptiveRateLimiter.Beta * 100 * AdaptiveRateLimiter.CutMargin, limiter.CurrentRate, 6);
        }

        [Fact]
        public void Successes_grow_the_rate_back_along_the_cubic_to_what_was_accepted()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(100, 1, clock.Read);
            Answer(limiter, clock, 50, TimeSpan.FromMilliseconds(2), throttled: false);
            for (var i = 0; i < 20; i++) limiter.Admit(); // in flight when the throttles come
            for (var i = 0; i < 20; i++) limiter.OnThrottled(); // the cut comes at the 2nd: to 90% of max(accepted, β x 100)
            var cutAt = clock.Now;
            var cut = limiter.CurrentRate;
            var plateau = cut / AdaptiveRateLimiter.CutMargin;
            var scale = AdaptiveRateLimiter.ScaleConstant * plateau / AdaptiveRateLimiter.ScaleReferenceRate;
            var k = Math.Pow((plateau - cut) / scale, 1.0 / 3);
            clock.Now = cutAt + TimeSpan.FromSeconds(k / 2);
            limiter.OnSuccess();
            Assert.Equal(plateau - scale * Math.Pow(k / 2, 3), limiter.CurrentRate, 3);
            clock.Now = cutAt + TimeSpan.FromSeconds(k);
            limiter.OnSuccess();
            Assert.Equal(plateau, limiter.CurrentRate, 3);
            // Beyond the plateau it grows no faster than twice what the batch sends (here: nothing).
            clock.Now = cutAt + TimeSpan.FromSeconds(k + 5);
            limiter.OnSuccess();
            Assert.Equal(plateau, limiter.CurrentRate, 3);
        }

        [Fact]
        public void Throttles_that_do_not_drop_when_the_rate_is_cut_are_background_and_the_rate_comes_back()
        {
            // 20/s, and one answer in five throttled whatever the rate (other traffic on the account).
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(20, 1, clock.Read);
            void Second()
            {
                for (var i = 0; i < 20; i++)
                {
                    limiter.Admit();
                    if (i % 5 == 4) limiter.OnThrottled(); else limiter.OnSuccess();
                    clock.Now += TimeSpan.FromMilliseconds(50);
                }
            }
            Answer(limiter, clock, 20, TimeSpan.FromMilliseconds(50), throttled: false);
            Second();
            var cut = limiter.CurrentRate;
            Assert.True(cut < 20, "the first sustained throttles cut the rate");
            // Within a few seconds the cuts are seen not to help, and the rate is back at the cap.
            for (var s = 0; s < 6 && limiter.CurrentRate < 20; s++) Second();
            Assert.Equal(20, limiter.CurrentRate, 6);
            Assert.True(limiter.BackgroundThrottleShare >= 0.15, $"background {limiter.BackgroundThrottleShare}");
            for (var s = 0; s < 5; s++) Second();
            Assert.Equal(20, limiter.CurrentRate, 6);
        }

        [Fact]
        public void Throttles_that_start_all_at_once_after_a_clean_run_are_a_bucket_running_dry_not_background()
        {
            // 20/s against a bucket whose burst just ran out: 20 clean answers, then two throttles close together.
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(20, 1, clock.Read);
            Answer(limiter, clock, 20, TimeSpan.FromMilliseconds(50), throttled: false);
            Answer(limiter, clock, 1, TimeSpan.FromMilliseconds(50), throttled: true);
            Answer(limiter, clock, 1, TimeSpan.FromMilliseconds(50), throttled: false);
            Answer(limiter, clock, 1, TimeSpan.FromMilliseconds(50), throttled: true);
            var cut = limiter.CurrentRate;
            Assert.Equal(20 * AdaptiveRateLimiter.Beta * AdaptiveRateLimiter.CutMargin, cut, 6);
            // After the cut, still one in eight throttled: as the 10% share at the cut, it would pass for background
            // (other traffic) and the rate would go back to 20/s. It is the bucket's rate instead: cut to what got through.
            var spacing = TimeSpan.FromSeconds(1 / cut);
            for (var i = 0; i < 40; i++)
            {
                AdmitAfterWaiting(limiter, clock);
                if (i % 8 == 7) limiter.OnThrottled(); else limiter.OnSuccess();
                clock.Now += spacing;
            }
            Assert.True(limiter.CurrentRate < cut, $"rate {limiter.CurrentRate} after the check; cut to {cut}");
            Assert.Equal(0, limiter.BackgroundThrottleShare);
        }

        [Fact]
        public void Background_is_forgotten_over_time()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(20, 1, clock.Read);
            Answer(limiter, clock, 20, TimeSpan.FromMilliseconds(50), throttled: false);
            for (var s = 0; s < 4; s++)
            {
                for (var i = 0; i < 20; i++)
                {
                    limiter.Admit();
                    if (i % 5 == 4) limiter.OnThrottled(); else limiter.OnSuccess();
                    clock.Now += TimeSpan.FromMilliseconds(50);
                }
            }
            var remembered = limiter.BackgroundThrottleShare;
            Assert.True(remembered > 0);
            clock.Now += AdaptiveRateLimiter.BackgroundHalfLife;
            Assert.Equal(remembered / 2, limiter.BackgroundThrottleShare, 3);
        }

        [Fact]
        public void An_empty_retry_quota_slows_down_by_beta_once_per_episode_and_starts_limiting_without_a_cap()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(20, 1, clock.Read);
            limiter.OnRetryQuotaExhausted();
            Assert.Equal(14, limiter.CurrentRate, 6);
            limiter.OnRetryQuotaExhausted();
            Assert.Equal(14, limiter.CurrentRate, 6);
            // Not again before the rate is back on its plateau: a storm cannot ratchet it down to the floor.
            var k = Math.Pow((20 - 14) / (AdaptiveRateLimiter.ScaleConstant * 20 / AdaptiveRateLimiter.ScaleReferenceRate), 1.0 / 3);
            clock.Now += TimeSpan.FromSeconds(k - 0.1);
            limiter.OnRetryQuotaExhausted();
            Assert.True(limiter.CurrentRate >= 14 - 1e-9, $"cut again within the episode: {limiter.CurrentRate}");
            clock.Now += TimeSpan.FromSeconds(0.1);
            limiter.OnSuccess();
            Assert.Equal(20, limiter.CurrentRate, 3);
            limiter.OnRetryQuotaExhausted();
            Assert.Equal(20 * AdaptiveRateLimiter.Beta, limiter.CurrentRate, 3);

            var uncapped = new AdaptiveRateLimiter(double.PositiveInfinity, 1, clock.Read);
            Answer(uncapped, clock, 30, TimeSpan.FromMilliseconds(1), throttled: false);
            uncapped.OnRetryQuotaExhausted();
            Assert.Equal(30 * AdaptiveRateLimiter.Beta, uncapped.CurrentRate, 6);
        }

        [Theory]
        [InlineData(0.5)]
        [InlineData(0.2)]
        [InlineData(3)]
        public void A_cap_below_the_floor_or_any_cap_is_never_exceeded_also_after_throttles(double cap)
        {
            // Issue 10.4: with -MaxRequestsPerSecond 0.5, a throttle must not raise the rate to a floor of 1.
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(cap, 1, clock.Read);
            var admitted = new List<TimeSpan>();
            var throttledOnce = false;
            while (admitted.Count < 12)
            {
                var wait = limiter.Reserve();
                clock.Now += wait;
                while ((wait = limiter.Admit()) > TimeSpan.Zero) clock.Now += wait;
                admitted.Add(clock.Now);
                Assert.True(limiter.CurrentRate <= cap, $"rate {limiter.CurrentRate} above the cap {cap}");
                if (!throttledOnce && admitted.Count == 3)
                {
                    throttledOnce = true;
                    for (var i = 0; i < 5; i++) limiter.OnThrottled();
                    Assert.True(limiter.CurrentRate <= cap, $"rate {limiter.CurrentRate} above the cap {cap} after throttles");
                }
                else limiter.OnSuccess();
            }
            // No window of max(1 s, 1/cap) holds more than the cap allows, and on average the rate is at most the cap.
            var window = TimeSpan.FromSeconds(Math.Max(1, 1 / cap));
            var most = (int)Math.Max(1, Math.Ceiling(cap));
            Assert.True(CognitoTools.TestEndpoint.FakeCognitoService.MaxInWindow(admitted, window) <= most,
                $"{string.Join(", ", admitted.Select(a => a.TotalSeconds.ToString("F3")))}: more than {most} within {window.TotalSeconds} s at a cap of {cap}/s");
            Assert.True((admitted[admitted.Count - 1] - admitted[0]).TotalSeconds >= (admitted.Count - 1) / cap - 1e-6);
        }

        [Fact]
        public void A_lower_rate_spaces_new_slots_further_apart()
        {
            var clock = new FakeClock();
            var limiter = new AdaptiveRateLimiter(10, 1, clock.Read);
            limiter.Reserve();
            for (var i = 0; i < 3; i++) limiter.OnThrottled(); // 6.3 per second
            Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Reserve()); // slot handed out at the old spacing
            Assert.Equal(TimeSpan.FromTicks(TimeSpan.FromMilliseconds(100).Ticks + (long)(TimeSpan.TicksPerSecond / limiter.CurrentRate)), limiter.Reserve());
        }

        [Fact]
        public void Create_maps_the_option_values()
        {
            Assert.Equal(BulkSendOptions.DefaultMaxRequestsPerSecond, AdaptiveRateLimiter.Create(null).MaxRequestsPerSecond);
            Assert.Equal(7.5, AdaptiveRateLimiter.Create(7.5).MaxRequestsPerSecond);
            Assert.True(double.IsPositiveInfinity(AdaptiveRateLimiter.Create(0).MaxRequestsPerSecond));
            Assert.True(double.IsPositiveInfinity(AdaptiveRateLimiter.Create(-1).MaxRequestsPerSecond));
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
