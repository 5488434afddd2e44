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

        internal static readonly RateSimulation.LimiterFactory Legacy = (cap, clock, delay) => new AdaptiveRateLimiter(cap, 1, clock, delay);

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
    }
}
