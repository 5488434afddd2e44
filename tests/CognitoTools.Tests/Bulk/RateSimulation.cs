using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>
    /// A batch in virtual time: N workers send rows through any <see cref="IRequestRateLimiter"/> to a simulated
    /// service (a token bucket of any rate and burst, a fixed latency, seeded background throttles), retrying throttles
    /// as the client's batch mode does. Nothing waits for real: the limiter gets a fake clock and a delay that completes
    /// when the simulation's clock reaches it, so a 30-s batch at 200/s runs in milliseconds and always the same way.
    /// </summary>
    internal sealed class RateSimulation
    {
        /// <summary>Builds the limiter under test: (cap or +∞, clock, delay).</summary>
        public delegate IRequestRateLimiter LimiterFactory(double cap, Func<TimeSpan> clock, Func<TimeSpan, CancellationToken, Task> delay);

        public sealed class Scenario
        {
            public int Rows;
            public int InFlight = 16;
            public TimeSpan Latency = TimeSpan.FromMilliseconds(20);
            /// <summary>Null: no cap.</summary>
            public double? Cap;
            /// <summary>The bucket's rate; 0: no quota.</summary>
            public double Quota;
            /// <summary>Tokens the bucket holds (and starts with).</summary>
            public double Burst = 1;
            /// <summary>From this time on the bucket refills at <see cref="QuotaAfterChange"/>.</summary>
            public TimeSpan? QuotaChangeAt;
            public double QuotaAfterChange;
            /// <summary>Rows whose first attempt is throttled whatever the bucket says (other traffic on the account), chosen by <see cref="Seed"/>.</summary>
            public int BackgroundThrottledRows;
            public int Seed = 12345;
            /// <summary>A loaded machine: each answer comes up to this much later than <see cref="Latency"/> (uniform, seeded).</summary>
            public TimeSpan LatencyJitter = TimeSpan.Zero;
            /// <summary>A loaded machine: each of the limiter's timers fires up to this much late (uniform, seeded).</summary>
            public TimeSpan TimerLateness = TimeSpan.Zero;
            /// <summary>A new connection's handshake: each worker's first answer comes this much later (connections are opened on first use).</summary>
            public TimeSpan ConnectLatency = TimeSpan.Zero;
            /// <summary>Throttled attempts one row may make (the client's MaxThrottledAttempts in batch mode).</summary>
            public int MaxThrottledAttempts = CognitoClientConfig.DefaultMaxThrottledAttempts;

            public override string ToString()
                => string.Format(CultureInfo.InvariantCulture, "{0} rows, {1} in flight, {2} ms{8}, cap {3}, quota {4}/s burst {5}{6}{7}",
                    Rows, InFlight, Latency.TotalMilliseconds, Cap?.ToString(CultureInfo.InvariantCulture) ?? "none", Quota, Burst,
                    QuotaChangeAt.HasValue ? $" -> {QuotaAfterChange}/s at {QuotaChangeAt.Value.TotalSeconds} s" : "",
                    BackgroundThrottledRows > 0 ? $", {BackgroundThrottledRows} rows throttled once" : "",
                    (LatencyJitter > TimeSpan.Zero || TimerLateness > TimeSpan.Zero ? $" (+{LatencyJitter.TotalMilliseconds} ms jitter, timers {TimerLateness.TotalMilliseconds} ms late)" : "")
                    + (ConnectLatency > TimeSpan.Zero ? $", connections opened in {ConnectLatency.TotalMilliseconds} ms" : ""));
        }

        public sealed class Result
        {
            public Scenario Scenario;
            public TimeSpan Elapsed;
            public int Succeeded;
            public int Failed;
            public int Attempts;
            public int Throttled;
            /// <summary>When each attempt left the limiter, and whether it was throttled.</summary>
            public List<(TimeSpan At, bool Throttled)> Sends = new List<(TimeSpan, bool)>();
            public double ThrottledShare => Attempts == 0 ? 0 : Throttled / (double)Attempts;
            /// <summary>Rows per second beyond what the bucket held at the start: (rows - burst) / seconds (the bucket's rate is the most this can be).</summary>
            public double Sustained => (Scenario.Rows - (Scenario.Quota > 0 ? Scenario.Burst : 0)) / Elapsed.TotalSeconds;
            public double Rate => Scenario.Rows / Elapsed.TotalSeconds;

            /// <summary>The most attempts sent within any window of this length.</summary>
            public int MaxSendsIn(TimeSpan window) => FakeCognitoService.MaxInWindow(Sends.Select(s => s.At).ToList(), window);

            /// <summary>
            /// After <paramref name="from"/>: when throttling stopped, i.e. the start of the first second without a
            /// throttle that follows a throttle (null if none followed, or it never stopped).
            /// </summary>
            public TimeSpan? ThrottlingStoppedAfter(TimeSpan from)
            {
                var throttles = Sends.Where(s => s.Throttled && s.At >= from).Select(s => s.At).ToList();
                if (throttles.Count == 0) return null;
                for (var i = 0; i < throttles.Count; i++)
                {
                    var next = i + 1 < throttles.Count ? throttles[i + 1] : Elapsed;
                    if (next - throttles[i] >= TimeSpan.FromSeconds(1)) return throttles[i] - from;
                }
                return null;
            }

            public override string ToString()
                => string.Format(CultureInfo.InvariantCulture, "{0}: {1:F1} s, {2:F1}/s ({3:F1}/s beyond the burst), {4} attempts, {5:P1} throttled, {6} ok, {7} failed",
                    Scenario, Elapsed.TotalSeconds, Rate, Sustained, Attempts, ThrottledShare, Succeeded, Failed);
        }

        private readonly Scenario _scenario;
        private readonly PriorityQueue<TaskCompletionSource<bool>, (long Ticks, long Order)> _events = new PriorityQueue<TaskCompletionSource<bool>, (long, long)>();
        private long _order;
        private TimeSpan _now;
        private readonly Random _random;
        private readonly HashSet<int> _backgroundRows;
        private double _tokens;
        private TimeSpan _refilledAt;
        private int _nextRow;
        private readonly Result _result;

        private RateSimulation(Scenario scenario)
        {
            _scenario = scenario;
            _random = new Random(scenario.Seed);
            _backgroundRows = new HashSet<int>(Enumerable.Range(0, scenario.Rows).OrderBy(_ => _random.Next()).Take(scenario.BackgroundThrottledRows));
            _tokens = scenario.Burst;
            _result = new Result { Scenario = scenario };
        }

        public static Result Run(Scenario scenario, LimiterFactory factory)
        {
            var simulation = new RateSimulation(scenario);
            var limiter = factory(scenario.Cap ?? double.PositiveInfinity, () => simulation._now, simulation.LateDelay);
            return simulation.Execute(limiter);
        }

        private Result Execute(IRequestRateLimiter limiter)
        {
            // Continuations must run inline on this thread when an event fires (no test framework context to post to).
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(null);
            try
            {
                var workers = Enumerable.Range(0, _scenario.InFlight).Select(_ => Worker(limiter)).ToList();
                while (_events.TryDequeue(out var due, out var at))
                {
                    _now = TimeSpan.FromTicks(at.Ticks);
                    due.SetResult(true);
                }
                if (!workers.All(w => w.IsCompleted)) throw new InvalidOperationException("The simulation ran out of events with workers still waiting (a wait outside the simulated clock?).");
                foreach (var w in workers) w.GetAwaiter().GetResult();
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(previous);
            }
            return _result;
        }

        private Task Delay(TimeSpan delay, CancellationToken cancellationToken)
        {
            if (delay <= TimeSpan.Zero) return Task.CompletedTask;
            var tcs = new TaskCompletionSource<bool>();
            _events.Enqueue(tcs, ((_now + delay).Ticks, _order++));
            return tcs.Task;
        }

        /// <summary>The limiter's timers: on a loaded machine they fire late.</summary>
        private Task LateDelay(TimeSpan delay, CancellationToken cancellationToken)
            => Delay(delay <= TimeSpan.Zero ? delay : delay + UpTo(_scenario.TimerLateness), cancellationToken);

        /// <summary>A seeded uniform time from 0 to <paramref name="most"/>; none drawn when it is zero, so scenarios without lateness keep their figures.</summary>
        private TimeSpan UpTo(TimeSpan most) => most > TimeSpan.Zero ? TimeSpan.FromTicks((long)(_random.NextDouble() * most.Ticks)) : TimeSpan.Zero;

        private async Task Worker(IRequestRateLimiter limiter)
        {
            var connect = _scenario.ConnectLatency;
            while (_nextRow < _scenario.Rows)
            {
                var row = _nextRow++;
                var throttledAttempts = 0;
                while (true)
                {
                    await limiter.WaitAsync(CancellationToken.None);
                    var throttled = (throttledAttempts == 0 && _backgroundRows.Contains(row)) || !TakeToken();
                    _result.Attempts++;
                    _result.Sends.Add((_now, throttled));
                    await Delay(_scenario.Latency + connect + UpTo(_scenario.LatencyJitter), CancellationToken.None);
                    connect = TimeSpan.Zero;
                    limiter.OnAnswer(throttled ? AnswerKind.Throttled : AnswerKind.Accepted);
                    if (!throttled)
                    {
                        _result.Succeeded++;
                        break;
                    }
                    _result.Throttled++;
                    if (++throttledAttempts >= _scenario.MaxThrottledAttempts)
                    {
                        _result.Failed++;
                        break;
                    }
                    // The client's batch mode: the request's own backoff only spreads retries; the limiter paces them.
                    await Delay(RetryClassifier.ComputeDelay(RetryDecision.Transient, throttledAttempts, _random.NextDouble()), CancellationToken.None);
                }
                if (_now > _result.Elapsed) _result.Elapsed = _now;
            }
        }

        private bool TakeToken()
        {
            var quota = _scenario.QuotaChangeAt.HasValue && _now >= _scenario.QuotaChangeAt.Value ? _scenario.QuotaAfterChange : _scenario.Quota;
            if (quota <= 0 && _scenario.Quota <= 0) return true;
            _tokens = Math.Min(_scenario.Burst, _tokens + (_now - _refilledAt).TotalSeconds * quota);
            _refilledAt = _now;
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }
}
