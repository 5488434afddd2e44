using System;
using System.Collections.Generic;
using System.Linq;
using CognitoTools.Bulk;
using Xunit;
using Xunit.Abstractions;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>
    /// Issue 15's rate-control targets, checked exactly in virtual time (<see cref="RateSimulation"/>): the figures
    /// are the same on every run and machine, so the bounds are the targets themselves, not loosened for CI noise.
    /// </summary>
    public class RateSimulationTests
    {
        private readonly ITestOutputHelper _output;

        public RateSimulationTests(ITestOutputHelper output) { _output = output; }

        internal static readonly RateSimulation.LimiterFactory New = (cap, clock, delay) => new AdaptiveRateLimiter(cap, clock, delay);

        /// <summary>The quota table: token buckets of R/s holding a tenth of a second's tokens (at least one), one second's and five seconds'.</summary>
        public static IEnumerable<object[]> QuotaRows()
        {
            foreach (var quota in new[] { 10, 50, 200 })
            foreach (var burstSeconds in new[] { 0.1, 1, 5 })
            foreach (var capped in new[] { false, true })
                yield return new object[] { quota, burstSeconds, capped };
        }

        internal static RateSimulation.Scenario QuotaScenario(int quota, double burstSeconds, bool capped)
            => new RateSimulation.Scenario
            {
                Rows = quota * 30, // 30 s of work at the quota
                Quota = quota,
                Burst = Math.Max(1, quota * burstSeconds),
                Cap = capped ? 2.0 * quota : (double?)null,
            };

        [Fact]
        public void The_simulation_accounts_for_every_row_and_attempt()
        {
            var run = RateSimulation.Run(QuotaScenario(50, 0.1, false), New);
            _output.WriteLine(run.ToString());
            Assert.Equal(run.Scenario.Rows, run.Succeeded + run.Failed);
            Assert.Equal(run.Attempts, run.Sends.Count);
            Assert.Equal(run.Throttled, run.Sends.Count(s => s.Throttled));
            Assert.Equal(run.Succeeded + run.Throttled, run.Attempts);
            // The bucket lets through no more than it holds plus what it earns.
            Assert.True(run.Succeeded <= run.Scenario.Burst + run.Scenario.Quota * run.Elapsed.TotalSeconds + 1);
            // Deterministic: the same scenario gives the same figures.
            var again = RateSimulation.Run(QuotaScenario(50, 0.1, false), New);
            Assert.Equal(run.Elapsed, again.Elapsed);
            Assert.Equal(run.Throttled, again.Throttled);
        }

        [Theory]
        [MemberData(nameof(QuotaRows))]
        public void Finds_the_quota_of_a_token_bucket_whatever_its_burst(int quota, double burstSeconds, bool capped)
        {
            // Issue 15: 16 in flight, 20 ms latency, no cap and a cap of 2R; 30 s of work at the quota.
            var run = RateSimulation.Run(QuotaScenario(quota, burstSeconds, capped), New);
            AssertMeetsTheTargets(run, quota);
        }

        /// <summary>Issue 15's targets for a quota row: at least 0.9 R sustained, at most 5 % of attempts throttled, no row failed.</summary>
        private void AssertMeetsTheTargets(RateSimulation.Result run, int quota)
        {
            _output.WriteLine($"{run.Sustained / quota:P1} of R; {run}");
            Assert.Equal(0, run.Failed);
            Assert.True(run.Sustained >= 0.9 * quota, $"sustained {run.Sustained:F2}/s against a quota of {quota}/s");
            Assert.True(run.ThrottledShare <= 0.05, $"{run.ThrottledShare:P1} of attempts throttled");
        }

        public static IEnumerable<object[]> RowsAtLightLoad()
        {
            // Not the one-token bucket (R = 10, a tenth of a second): it drops every refill that comes while it is full,
            // and a late timer brings two requests closer than 0.1 s; with these loads it sustains 90 % and 84 % of R
            // without a cap, 93 % and 84 % with one. The best fixed pace told the quota sustains 95 % and 88 %: that row
            // is held to 0.9 of it (With_late_timers_a_one_token_bucket_gets_nearly_what_the_best_fixed_pace_gets).
            foreach (var row in QuotaRows().Where(r => QuotaScenario((int)r[0], (double)r[1], (bool)r[2]).Burst > 1))
            foreach (var (jitter, late) in new[] { (10, 5), (20, 15) })
                yield return row.Concat(new object[] { jitter, late }).ToArray();
        }

        [Theory]
        [MemberData(nameof(RowsAtLightLoad))]
        public void With_answers_and_timers_a_little_late_the_quota_is_still_found(int quota, double burstSeconds, bool capped, int jitterMs, int timerLatenessMs)
        {
            // A real machine: answers up to 10 or 20 ms late, the limiter's timers up to 5 or 15 ms late. Before a drain
            // had to span a quarter of a second, readings over a few ms read 2x the quota: at 200/s with a one-second
            // burst and no cap, 11.7 % of attempts were throttled.
            var scenario = QuotaScenario(quota, burstSeconds, capped);
            scenario.LatencyJitter = TimeSpan.FromMilliseconds(jitterMs);
            scenario.TimerLateness = TimeSpan.FromMilliseconds(timerLatenessMs);
            var run = RateSimulation.Run(scenario, New);
            AssertMeetsTheTargets(run, quota);
        }

        /// <summary>
        /// (capped, answers up to this much late, timers up to this much late). Not without a cap at 20/15, a known
        /// shortfall: 84.0 % of R, 96 % of the best fixed pace's, but 6.0 % of attempts throttled (the fixed pace: none).
        /// </summary>
        public static IEnumerable<object[]> OneTokenRowsAtLightLoad() => new[]
        {
            new object[] { false, 10, 5 }, new object[] { true, 10, 5 }, new object[] { true, 20, 15 },
        };

        [Theory]
        [MemberData(nameof(OneTokenRowsAtLightLoad))]
        public void With_late_timers_a_one_token_bucket_gets_nearly_what_the_best_fixed_pace_gets(bool capped, int jitterMs, int timerLatenessMs)
        {
            // R = 10 holding a tenth of a second's tokens: one. A token is there only 0.1 s after the last was taken, so a
            // late timer that brings two requests closer than that throttles the second, at any pace near R. The peer is
            // the ideal: told the quota, a fixed pace (the best of 0.80 R to R within the throttled target). With timers
            // up to 15 ms late, no fixed pace reaches 0.9 R within 5 % throttled (the best: 88 %), so 0.9 R cannot hold there.
            var scenario = QuotaScenario(10, 0.1, capped);
            scenario.LatencyJitter = TimeSpan.FromMilliseconds(jitterMs);
            scenario.TimerLateness = TimeSpan.FromMilliseconds(timerLatenessMs);
            var run = RateSimulation.Run(scenario, New);
            var ideal = Enumerable.Range(80, 21)
                .Select(percent => RateSimulation.Run(scenario, (cap, clock, delay) => new FixedPace(percent / 100.0 * scenario.Quota, clock, delay)))
                .Where(fixedRun => fixedRun.ThrottledShare <= 0.05)
                .OrderByDescending(fixedRun => fixedRun.Sustained)
                .First();
            _output.WriteLine($"{run.Sustained / scenario.Quota:P1} of R, {run.ThrottledShare:P1} throttled; the best fixed pace {ideal.Sustained / scenario.Quota:P1} of R, {ideal.ThrottledShare:P1} throttled; {run}");
            Assert.Equal(0, run.Failed);
            Assert.True(run.Sustained >= 0.9 * ideal.Sustained, $"sustained {run.Sustained:F2}/s against the best fixed pace's {ideal.Sustained:F2}/s");
            Assert.True(run.ThrottledShare <= 0.05, $"{run.ThrottledShare:P1} of attempts throttled");
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Across_thirty_seeds_a_one_token_bucket_with_timers_a_little_late_meets_0_9_R_in_every_run(bool capped)
        {
            // Known shortfall (found while issue 15 was open, reported): the test above runs one seed. R = 10 holding one token,
            // answers up to 10 ms and timers up to 5 ms late, 30 seeds (each its own jitter): no row fails and no run is
            // throttled above 5 %. A drain read at a pace near R (a one-token bucket loses the refills it cannot hold) put
            // runs at 74 % of R until such a bucket's drains became lower bounds (then 25 of 30 without a cap, 30 with one,
            // the worst at 88 % and 91 %); the uncapped runs still under 0.9 R started low: the start's last ceiling grew back
            // towards the start's pace unsent, and the first request sent at it failed far above the quota. Growing as a probe
            // from the ceiling, every run meets 0.9 R, the worst at 90.7 % without a cap and 90.9 % with one.
            OneTokenMeetsTheTargetsOverThirtySeeds(capped, scenario =>
            {
                scenario.LatencyJitter = TimeSpan.FromMilliseconds(10);
                scenario.TimerLateness = TimeSpan.FromMilliseconds(5);
            });
        }

        [Fact]
        public void Across_thirty_seeds_without_a_cap_a_one_token_bucket_whose_connections_open_20_ms_late_meets_0_9_R_in_every_run()
        {
            // Real time, R = 10 holding one token, no cap: on one machine the row missed in 7 of 7 runs (89.4 to 89.9 % of R).
            // The simulation takes that path when each connection's first answer comes 20 ms late: the start's ceilings
            // cut to 7.84/s; the rate grew back towards the start's pace while the requests waiting held slots at the
            // ceiling's spacing, so the first sent at the grown rate (16/s, at 3.5 s) failed and left a bound of 8/s, the
            // next probe 7.5 s later: 28 of 30 seeds at 0.9 R, the worst at 89.9 %. Growing as a probe from the ceiling:
            // every seed, the worst at 92 %.
            OneTokenMeetsTheTargetsOverThirtySeeds(false, scenario => scenario.ConnectLatency = TimeSpan.FromMilliseconds(20));
        }

        /// <summary>R = 10 holding one token, seeds 1 to 30 (each its own jitter) on the machine <paramref name="machine"/> sets up: every run
        /// sustains 0.9 R or more, with no row failed and at most 5 % of attempts throttled.</summary>
        private void OneTokenMeetsTheTargetsOverThirtySeeds(bool capped, Action<RateSimulation.Scenario> machine)
        {
            var sustained = new List<double>();
            for (var seed = 1; seed <= 30; seed++)
            {
                var scenario = QuotaScenario(10, 0.1, capped);
                machine(scenario);
                scenario.Seed = seed;
                var run = RateSimulation.Run(scenario, New);
                Assert.Equal(0, run.Failed);
                Assert.True(run.ThrottledShare <= 0.05, $"seed {seed}: {run.ThrottledShare:P1} of attempts throttled");
                sustained.Add(run.Sustained / scenario.Quota);
            }
            _output.WriteLine($"mean {sustained.Average():P1}, worst {sustained.Min():P1}, best {sustained.Max():P1}");
            Assert.True(sustained.Min() >= 0.9, $"the worst seed sustained {sustained.Min():P1} of R");
        }

        public static IEnumerable<object[]> RowsWithoutACap() => QuotaRows().Where(r => !(bool)r[2]);

        [Theory]
        [MemberData(nameof(RowsWithoutACap))]
        public void Without_a_cap_connections_slow_to_open_make_the_start_read_a_low_pace(int quota, double burstSeconds, bool capped)
        {
            // Known shortfall (found after issue 15's targets, reported): each connection's first answer comes 200 ms
            // late (a TLS handshake to a distant Region). The slow start opens more connections every round, so every
            // round is slow: the pace read at the first throttle is far below a small-burst quota, and late first answers
            // make the start's drain look slower than it is; the first reaction starts from there, and the probe finds
            // the rest 25 % per 10 quiet seconds. At the default cap (20/s) the batch starts at the cap and this does
            // not arise. Held to what it reaches now: 70 % of R at R = 50 with 5 tokens and R = 200 with 20, 71 % at
            // R = 10 with one token, 89 % or more with more. (With 100 ms handshakes,
            // 82 to 87 % with a tenth of a second's tokens and 95 % or more with more.)
            var scenario = QuotaScenario(quota, burstSeconds, capped);
            scenario.ConnectLatency = TimeSpan.FromMilliseconds(200);
            var run = RateSimulation.Run(scenario, New);
            _output.WriteLine($"{run.Sustained / quota:P1} of R; {run}");
            Assert.Equal(0, run.Failed);
            Assert.True(run.Sustained >= 0.7 * quota, $"sustained {run.Sustained:F2}/s against a quota of {quota}/s");
            Assert.True(run.ThrottledShare <= 0.1, $"{run.ThrottledShare:P1} of attempts throttled");
        }

        /// <summary>Machine loads for the isolated-throttles target: (answers up to this much late, timers up to this much late), in ms.</summary>
        public static IEnumerable<object[]> Loads() => new[] { new object[] { 0, 0 }, new object[] { 20, 10 } };

        /// <summary>
        /// 300 rows at the defaults (8 in flight, cap 20/s), 5 ms latency, no quota, on a machine this loaded; 60 rows
        /// throttled once each, chosen by 40 seeds (which rows, and where they fall, decides whether the first verdict is
        /// right). Every seed sends every row with exactly those 60 throttles; returns the slowest seed's time over the
        /// clean batch's, and the clean batch's seconds.
        /// </summary>
        private (double Worst, double CleanSeconds) IsolatedThrottlesOverFortySeeds(int jitterMs, int timerLatenessMs)
        {
            var scenario = new RateSimulation.Scenario
            {
                Rows = 300, InFlight = 8, Latency = TimeSpan.FromMilliseconds(5), Cap = 20,
                LatencyJitter = TimeSpan.FromMilliseconds(jitterMs), TimerLateness = TimeSpan.FromMilliseconds(timerLatenessMs),
            };
            var clean = RateSimulation.Run(scenario, New);
            scenario.BackgroundThrottledRows = 60;
            var worst = 0.0;
            for (var seed = 1; seed <= 40; seed++)
            {
                scenario.Seed = seed;
                var throttled = RateSimulation.Run(scenario, New);
                Assert.Equal(60, throttled.Throttled);
                Assert.Equal(300, throttled.Succeeded);
                var ratio = throttled.Elapsed.TotalSeconds / clean.Elapsed.TotalSeconds;
                worst = Math.Max(worst, ratio);
                _output.WriteLine($"seed {seed}: {ratio:F2}x; {throttled}");
            }
            _output.WriteLine($"+{jitterMs} ms answers, timers {timerLatenessMs} ms late: worst of 40 seeds {worst:F2}x the clean {clean.Elapsed.TotalSeconds:F1} s");
            return (worst, clean.Elapsed.TotalSeconds);
        }

        [Theory]
        [MemberData(nameof(Loads))]
        public void Isolated_throttles_cost_at_most_twice_the_clean_time(int jitterMs, int timerLatenessMs)
        {
            var (worst, cleanSeconds) = IsolatedThrottlesOverFortySeeds(jitterMs, timerLatenessMs);
            Assert.True(worst <= 2, $"the worst seed took {worst:F2}x the clean {cleanSeconds:F1} s");
        }

        [Fact]
        public void On_a_heavily_loaded_machine_isolated_throttles_do_not_collapse_the_rate()
        {
            // Answers up to 0.1, 0.3 or 1 s late and timers up to 30 to 100 ms late (what a full CI run does to the
            // real-time tests): the background test's verdicts get noisier (1 or 2 seeds of 40 go just past twice the
            // clean time); the rate may be cut for a while, but never ratchets down.
            // Before the limiter held its cuts while a test ran, 3 of 40 seeds here took 7x to 18x the clean time.
            foreach (var (jitter, late) in new[] { (100, 30), (300, 50), (1000, 100) })
            {
                var (worst, _) = IsolatedThrottlesOverFortySeeds(jitter, late);
                Assert.True(worst <= 2.5, $"{worst:F2}x");
            }
        }

        [Fact]
        public void With_no_quota_in_the_way_the_batch_runs_at_97_percent_of_the_ideal_rate()
        {
            // At the cap: 300 rows at 20/s ideally take 15 s (the first goes at once: 299 intervals).
            var capped = RateSimulation.Run(new RateSimulation.Scenario { Rows = 300, InFlight = 8, Latency = TimeSpan.FromMilliseconds(20), Cap = 20 }, New);
            _output.WriteLine(capped.ToString());
            Assert.True(capped.Elapsed.TotalSeconds <= 299 / 20.0 / 0.97 + 0.02, capped.ToString());
            // Without a cap: 16 in flight at 20 ms is 800/s; the slow start's rounds cost a few round trips.
            var uncapped = RateSimulation.Run(new RateSimulation.Scenario { Rows = 8000, InFlight = 16, Latency = TimeSpan.FromMilliseconds(20) }, New);
            _output.WriteLine(uncapped.ToString());
            Assert.True(uncapped.Rate >= 0.97 * 800, uncapped.ToString());
            Assert.Equal(0, uncapped.Throttled);
        }

        [Theory]
        [InlineData(0.1)]
        [InlineData(0.5)]
        [InlineData(3)]
        [InlineData(20)]
        public void A_cap_is_never_exceeded_also_after_throttles(double cap)
        {
            // A third of the rows are throttled once (background); with a quota at 60 % of the cap too, the limiter cuts
            // and regrows: at no point may any window hold more than the cap allows.
            var rows = (int)Math.Max(12, 30 * cap);
            foreach (var quota in new[] { 0, 0.6 * cap })
            {
                var run = RateSimulation.Run(new RateSimulation.Scenario
                {
                    Rows = rows, InFlight = 8, Cap = cap, Quota = quota, Burst = Math.Max(1, quota), BackgroundThrottledRows = rows / 3,
                }, New);
                _output.WriteLine(run.ToString());
                Assert.True(run.Throttled >= rows / 3);
                var window = TimeSpan.FromSeconds(Math.Max(1, 1 / cap));
                var most = (int)Math.Max(1, Math.Ceiling(cap));
                Assert.True(run.MaxSendsIn(window) <= most, $"{run.MaxSendsIn(window)} attempts within {window.TotalSeconds} s at a cap of {cap}/s");
                var first = run.Sends[0].At;
                var last = run.Sends[run.Sends.Count - 1].At;
                Assert.True((last - first).TotalSeconds >= (run.Attempts - 1) / cap - 1e-6, "faster than the cap on average");
            }
        }

        [Fact]
        public void A_quota_that_drops_mid_batch_is_found_within_5_seconds()
        {
            // 50/s (a second's burst) for 10 s, then 20/s: 900 rows, 16 in flight, no cap.
            var scenario = new RateSimulation.Scenario
            {
                Rows = 900, Quota = 50, Burst = 50, QuotaChangeAt = TimeSpan.FromSeconds(10), QuotaAfterChange = 20,
            };
            var run = RateSimulation.Run(scenario, New);
            var found = run.ThrottlingStoppedAfter(TimeSpan.FromSeconds(10));
            _output.WriteLine($"{run}; throttling stopped {found?.TotalSeconds:F2} s after the drop");
            Assert.Equal(0, run.Failed);
            Assert.NotNull(found);
            Assert.True(found.Value <= TimeSpan.FromSeconds(5), $"found only after {found.Value.TotalSeconds:F1} s");
            Assert.True(run.ThrottledShare <= 0.05, $"{run.ThrottledShare:P1} throttled over the batch");
            // And it goes on at the new quota, not far below it: 400 rows at 20/s after the drop.
            Assert.True(run.Elapsed.TotalSeconds <= 10 + 400 / (0.9 * 20) + 1, $"{run.Elapsed.TotalSeconds:F1} s");
        }
    }
}
