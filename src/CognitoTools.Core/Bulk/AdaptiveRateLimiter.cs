using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    /// <summary>The rate every attempt of a batch passes (first tries and retries alike): it finds the service's request quota from
    /// its throttling answers, and never exceeds the configured cap. Give one instance to the client
    /// (<c>CognitoClientConfig.RateLimiter</c>), which gates every attempt and reports every answer to it.
    /// <para>One model: a pacer (evenly spaced slots, each send spaced from the last, and a one-second log: <see cref="NextSlot"/>,
    /// <see cref="Admit"/>) runs at the rate a controller sets. The controller's quota estimate is the drain-to-drain rate: a token bucket is
    /// empty whenever it throttles, so the answers it accepted between two throttles, divided by the time between them,
    /// are what it refilled, its rate, whatever its burst and however far above it the batch was. From the AWS SDKs'
    /// adaptive mode: β = 0.7 as the first reaction to a throttle nothing explains yet, a margin below the estimate,
    /// CUBIC's regrowth (scaled to the estimate), and the slowdown when the retry quota runs dry; added: a test of each
    /// cut below what the service accepted: are the throttles the batch's doing, or background (then tolerated, decaying)?
    /// A bucket of one token drops the refills that come while it is full: its drains read low, and are lower bounds.</para></summary>
    public sealed class AdaptiveRateLimiter : IRequestRateLimiter
    {
        /// <summary>Floor of the rate after cuts (the SDKs' minimum fill rate); a lower cap wins.</summary>
        public const double MinimumRate = 0.5;
        /// <summary>The SDKs' multiplicative decrease: the first reaction to throttles, before anything is measured.</summary>
        public const double Beta = 0.7;
        /// <summary>The pace is this share of the estimated quota: 10 % below it, so the estimate's error and other traffic fit under it.</summary>
        public const double Margin = 0.9;
        /// <summary>CUBIC's scale constant per request/s of the plateau (the SDKs' 0.4 at 80/s): the way back from the margin takes 2.7 s at any rate.</summary>
        internal const double ScalePerRate = 0.4 / 80;
        /// <summary>A probe goes at most this share beyond the plateau (a quota that rose is found in steps of this).</summary>
        internal const double ProbeReach = 0.25;
        /// <summary>No throttle for this long, the probe held at its reach: the plateau steps up there (a quota that rose or went away).</summary>
        internal static readonly TimeSpan QuietBeforeStep = TimeSpan.FromSeconds(10);
        /// <summary>Throttles closer together than this belong to one drain: the bucket stayed empty in between.</summary>
        public static readonly TimeSpan DrainGap = TimeSpan.FromSeconds(1);
        /// <summary>Accepted answers a drain must span before its rate is read (the reading is within one token of the truth).</summary>
        internal const int MinDrainAnswers = 5;
        /// <summary>The time a drain must span before its rate is read: answers come a little early or late (latency varies), and over a short span that error is a large share of it.</summary>
        internal static readonly TimeSpan MinDrainSpan = TimeSpan.FromSeconds(0.25);
        /// <summary>Answers the throttled share is read over (the background test and its tolerance).</summary>
        internal const int AnswerWindow = 40;
        /// <summary>Throttled share above the background that is tolerated without a reaction.</summary>
        internal const double Tolerance = 0.1;
        /// <summary>A throttled share that did not fall below this part of the share before the cut did not depend on the rate: background.</summary>
        internal const double UnchangedShare = 0.5;
        /// <summary>At or above this share the batch is far above a quota, never background; cuts go on during the test.</summary>
        internal const double HeavyShare = 0.5;
        public static readonly TimeSpan BackgroundHalfLife = TimeSpan.FromSeconds(30);
        /// <summary>Without a cap the batch starts in rounds of 1, 2, 3 ... requests, each sent once the one before was answered, up to this round; then as fast as the calls in flight allow. One more each round, not twice as TCP's slow start does: a doubling round is half of all sent, and the rest of the round a bucket runs dry in is throttled; growing by one, a bucket of a few dozen tokens runs dry in a round of about ten.</summary>
        internal const int SlowStartLastRound = 16;
        private static readonly TimeSpan SlowStartPoll = TimeSpan.FromMilliseconds(2);
        /// <summary>A request leaves no sooner than this share of the spacing after the one before (not all: its own late timer is caught up on), unless it would wait more than MaxSpacedWait of it (with timers that late every request would wait, the waits adding up).</summary>
        internal const double SpacedShare = 0.97, MaxSpacedWait = 0.25;
        /// <summary>A one-token bucket's pace grows back to this share of its quota, not all of it: at R it throttles at every late timer (told the quota, a spaced pace of 0.95 R sustains 94 % of it).</summary>
        internal const double OneTokenPlateau = 0.95;
        private readonly object _gate = new object();
        private readonly Func<TimeSpan> _clock;
        private readonly Func<TimeSpan, CancellationToken, Task> _delay;
        private readonly double _cap;
        // The pacer: the next free slot at _rate, and the one-second log of admissions that keeps the cap true (the
        // cap, not the rate: below it the slots alone pace, so a cut does not stall the batch).
        private readonly SecondLog _admittedLastSecond = new SecondLog(), _acceptedLastSecond = new SecondLog();
        private double _rate;
        private TimeSpan _nextSlot = TimeSpan.MinValue;
        private long _generation;                 // bumped by a cut: the slots handed out before are void
        internal const long NoSlot = -1;          // the generation of a request that holds no slot yet (Admit gives it one)
        private readonly Queue<bool> _window = new Queue<bool>(); // the last AnswerWindow answers: throttled or not
        private long _roundEnd, _round = 1;       // slow start: the round ends when this many were admitted (MaxValue: over); its size
        private TimeSpan _firstSend, _lastAdmitted;
        private long _admitted, _answers, _accepted, _throttles;
        private double _estimate = double.NaN;   // the quota: the last drain's rate
        private double _plateau, _k;              // CUBIC: where the rate grows back to, and when (s after _epoch)
        private TimeSpan _epoch;
        private TimeSpan _lastThrottle = TimeSpan.MinValue, _lastUntolerated = TimeSpan.MinValue; // untolerated: not taken as background
        private TimeSpan _drainStart;
        private long _lastThrottleAccepted, _drainStartAccepted, _drainStartThrottles;
        private long _startDrainOpens;            // the drain our uncut start caused is read from this answer on (0: another drain)
        private bool _estimateRead, _testJudgesReading, _oneToken; // a drain read the estimate (else a lower bound); the test judges a cut below a reading; the bucket holds under two tokens
        private long _testDue;                    // the answer count at which the running test is judged (0: none)
        private double _shareBeforeTest, _rateBeforeThrottling, _background;
        private TimeSpan _backgroundAt, _slowdownUntil; // when the background was measured; the retry quota's slowdown (once per episode)

        /// <param name="maxRequestsPerSecond">The cap; <see cref="double.PositiveInfinity"/> for none (the rate is then found from throttling alone).</param>
        public AdaptiveRateLimiter(double maxRequestsPerSecond) : this(maxRequestsPerSecond, null, null) { }

        /// <summary>Tests and the simulation give a clock and a delay (virtual time).</summary>
        internal AdaptiveRateLimiter(double maxRequestsPerSecond, Func<TimeSpan> clock, Func<TimeSpan, CancellationToken, Task> delay)
        {
            if (double.IsNaN(maxRequestsPerSecond) || maxRequestsPerSecond <= 0)
                throw new ArgumentOutOfRangeException(nameof(maxRequestsPerSecond), maxRequestsPerSecond, "The rate must be positive (PositiveInfinity for no cap).");
            _rate = _cap = maxRequestsPerSecond;
            _roundEnd = double.IsPositiveInfinity(maxRequestsPerSecond) ? 1 : long.MaxValue;
            var watch = Stopwatch.StartNew();
            _clock = clock ?? (() => watch.Elapsed);
            _delay = delay ?? ((d, ct) => Task.Delay(d, ct));
        }

        /// <summary>The configured cap; <see cref="double.PositiveInfinity"/> when there is none.</summary>
        public double MaxRequestsPerSecond => _cap;
        /// <summary>Verbose sink for rate changes and their reasons (called under the limiter's lock: keep it cheap).</summary>
        public Action<string> Log { get; set; }
        /// <summary>The rate in force now; <see cref="double.PositiveInfinity"/> while there is no cap and nothing was throttled yet.</summary>
        public double CurrentRate { get { lock (_gate) return _rate; } }
        /// <summary>The quota estimated from the last drain; NaN until one was measured.</summary>
        public double EstimatedQuota { get { lock (_gate) return _estimate; } }
        public long ThrottleCount { get { lock (_gate) return _throttles; } }
        /// <summary>Attempts that passed the gate so far (first tries and retries).</summary>
        public long AttemptCount { get { lock (_gate) return _admitted; } }

        public async Task WaitAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var generation = NoSlot;
            for (var delay = Admit(ref generation); delay > TimeSpan.Zero; delay = Admit(ref generation))
                await _delay(delay, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Takes the next slot, 1/rate after the one before (evenly spaced: a bucket with a small burst throttles bunches
        /// even far below its rate; idle time banks nothing); returns how long to wait for it.</summary>
        private TimeSpan NextSlot(TimeSpan now)
        {
            if (double.IsPositiveInfinity(_rate)) return TimeSpan.Zero;
            if (_nextSlot < now) _nextSlot = now;
            var slot = _nextSlot;
            _nextSlot = slot + Spacing;
            return slot - now;
        }

        /// <summary>Admits the request now, or returns how long to wait (then call again with the same generation): for a slot if
        /// it holds none or a cut voided it, or for room under the cap in the last second (timers wake late, and a late
        /// request would bunch with the on-time ones after it: the one-second log keeps the cap true when requests leave).</summary>
        internal TimeSpan Admit(ref long generation)
        {
            lock (_gate)
            {
                var now = _clock();
                if (generation != _generation)
                {
                    generation = _generation;
                    var slot = NextSlot(now);
                    if (slot > TimeSpan.Zero) return slot;
                }
                // A timer a few ms late (1 at the median, 3 to 4 at the 90th percentile, measured) brings its request that much closer
                // to the next, which a one-token bucket throttles below its rate; in a drain that prolongs it and reads it low (7.66/s at R = 10).
                var early = _lastAdmitted + TimeSpan.FromTicks((long)(SpacedShare * Spacing.Ticks)) - now;
                if (_admitted > 0 && early > TimeSpan.Zero && early.Ticks <= MaxSpacedWait * Spacing.Ticks) return early;
                // After a wait below (slow start, the cap) the request takes a new slot, as the pacer spaces every start.
                generation = NoSlot;
                if (_admitted >= _roundEnd)
                {
                    // Answers (of any kind) tell when a round is over, so a round of lost connections ends it too.
                    if (_round >= SlowStartLastRound) _roundEnd = long.MaxValue;
                    else if (_answers < _admitted) return SlowStartPoll;
                    else _roundEnd += ++_round;
                }
                // The allowed-th most recent admission must be a full second old (no cap: room for any number).
                var allowed = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(_cap));
                if (_admittedLastSecond.CountAt(now) >= allowed) return _admittedLastSecond.ElementAt(_admittedLastSecond.Count - allowed) + SecondLog.OneSecond - now;
                _admittedLastSecond.Add(now);
                _lastAdmitted = now;
                if (_admitted++ == 0) _firstSend = now;
                return TimeSpan.Zero;
            }
        }

        public void OnAnswer(AnswerKind kind)
        {
            lock (_gate)
            {
                var now = _clock();
                _answers++;
                // A fault or a lost answer says nothing about the quota: it only ends a slow-start round.
                if (kind != AnswerKind.Accepted && kind != AnswerKind.Throttled) return;
                var throttled = kind == AnswerKind.Throttled;
                _window.Enqueue(throttled);
                if (_window.Count > AnswerWindow) _window.Dequeue();
                if (throttled) OnThrottled(now);
                else
                {
                    _accepted++;
                    _acceptedLastSecond.Add(now);
                    Grow(now);
                }
                if (Testing && _accepted + _throttles >= _testDue) JudgeTest(now);
                // The drain our uncut start caused is read once the answers then in flight are in (some took its last tokens).
                if (_answers == _startDrainOpens) (_drainStart, _drainStartAccepted, _drainStartThrottles) = (now, _accepted, _throttles);
            }
        }

        private void OnThrottled(TimeSpan now)
        {
            _throttles++;
            if (_throttles == 2 && _accepted <= 2) _oneToken = true; // throttled twice within the first two accepted: under two tokens
            var (inDrain, accountedFor) = (InDrain(now), double.NaN);
            if (!inDrain)
            {
                // Accepted since the last throttle, over the time since: a drain rate if the bucket never filled in
                // between, less if it did. Either way the quota is at least that; those answers, give or take one, account for a rate up to accountedFor.
                var (since, seconds) = (_accepted - _lastThrottleAccepted, _lastThrottle == TimeSpan.MinValue ? 0 : (now - _lastThrottle).TotalSeconds);
                if (seconds > 0 && since >= MinDrainAnswers)
                    (_estimate, accountedFor) = (Math.Max(double.IsNaN(_estimate) ? 0 : _estimate, since / seconds), (since + 1) / seconds);
                (_drainStart, _drainStartAccepted, _drainStartThrottles) = (now, _accepted, _throttles);
                _startDrainOpens = double.IsPositiveInfinity(_rate) ? _admitted : 0;
            }
            (_lastThrottle, _lastThrottleAccepted) = (now, _accepted);
            var share = Share();
            var background = Background(now);
            // Within the background share the last test found (and logged): the others' traffic, not ours.
            if (background > 0 && share <= background + Tolerance) return;
            _roundEnd = long.MaxValue;
            // While the last cut's test runs, only a heavy share (far above any quota) cuts again: a cut restarts the test,
            // and isolated throttles at a low rate could then cut for ever without a verdict. A drain's reading may still
            // cut once during a first reaction's test: that cut went below nothing measured, the reading's does.
            if (Testing && share < HeavyShare && (!inDrain || _testJudgesReading)) return;
            var before = Pace(now);
            if (QuietSinceUntolerated(now)) _rateBeforeThrottling = before; // where a verdict of background goes back to
            _lastUntolerated = now;
            if (inDrain)
            {
                // A throttle within a drain: the bucket was empty at both ends, so what it accepted in between is its rate.
                var drained = _accepted - _drainStartAccepted;
                var span = (now - _drainStart).TotalSeconds;
                if (drained < MinDrainAnswers || span < MinDrainSpan.TotalSeconds)
                {
                    // Too few accepted yet to read the drain, but a bound: the bucket refilled no more than it accepted since the drain began, plus the token it
                    // may have held then: no faster than that (it falls towards the quota as 1/span). Not when background throttles may be all there is, unless they
                    // are heavy or our uncut start emptied the bucket; then, cut after cut, the next goes 1/rate after the last (not at once). A ceiling over a span
                    // too short to read a drain grows back towards where the rate was (late answers read it low: 2 in 16 ms at R = 200); from a longer one (a one-token
                    // bucket's reads low anyway) the rate probes: grown back unsent (requests wait at its spacing), the first sent failed far above (R = 10: 184/s with 50 tokens; with one, a bound of 8/s).
                    var ceiling = span > 0 ? (drained + 1) / span : double.PositiveInfinity;
                    if (before <= ceiling || (share < HeavyShare && _startDrainOpens == 0)) return;
                    SetRate(now, ceiling, _startDrainOpens > 0 && !_oneToken && span < MinDrainSpan.TotalSeconds ? _plateau : ceiling, $"still throttled: the bucket refilled at most {drained + 1} in {span.ToString("0.00", CultureInfo.InvariantCulture)} s");
                    if (_startDrainOpens > 0) _nextSlot = _lastAdmitted + Spacing;
                    return;
                }
                var drainRate = drained / span;
                // Sent no faster than the bucket may have refilled (a token more: it may have held one), yet throttled: our pace,
                // not the bucket's. Sent: the rate set, or the answers since, one fewer (the first may have left before), if lower.
                if (Math.Min(before, (drained + _throttles - _drainStartThrottles - 1) / span) <= (drained + 1) / span)
                {
                    if (!Testing) StartTest(share, false);
                    return;
                }
                // Background throttles at our pace leave P × (1 − b) accepted; a reading near that is them, not the bucket.
                if (background > 0 && drainRate >= Margin * before * (1 - background)) return;
                if (!_oneToken)
                {
                    // Every reading's cut is tested (at our pace background throttles drain too), a running one started over.
                    StartTest(share, true);
                    (_estimate, _estimateRead) = (drainRate, true);
                    // Background throttles (a share of our attempts that no pace avoids) need that many more sends: ÷ (1 − b).
                    SetRate(now, Margin * drainRate / (1 - background), drainRate,
                        $"{drained} accepted between throttles over {span.ToString("0.00", CultureInfo.InvariantCulture)} s: the quota is about {RateText.Pace(drainRate)}");
                    return;
                }
                // A one-token bucket drops the refills that come while it is full, as it is at every throttle at a pace near
                // its rate: its drains read low. A reading is a lower bound, taken as below (unless the pace was not above it).
                if (double.IsNaN(_estimate) || before > _estimate) (_estimate, _estimateRead) = (Math.Max(double.IsNaN(_estimate) ? 0 : _estimate, drainRate), false);
            }
            if (!double.IsNaN(_estimate) && before > _estimate)
            {
                // Throttled above the estimate: the probe beyond it failed (or a burst ran out). Back below it; if the
                // estimate was too high, the drain that follows reads the quota. An estimate no drain read is a lower bound
                // (lost refills make it low): it rises to the last second's accepted answers, the pace goes there, not below,
                // and grows back to halfway to what the last second sent (or the rate set, if less): the quota is between.
                if (!_estimateRead) _estimate = Math.Min(before, Math.Max(_estimate, _acceptedLastSecond.CountAt(now)));
                // A bound the answers since the last throttle account for (the bucket never filled: it accepted that rate throughout), with this
                // probe failing within the margin above it, is as good as a reading: paced at the bound, every probe throttled (5 % at R = 10, 50 tokens).
                var accounted = !_estimateRead && !_oneToken && accountedFor >= _estimate && Margin * before <= _estimate;
                _estimateRead |= accounted;
                var plateau = _estimateRead ? (_oneToken ? OneTokenPlateau : 1) * _estimate : (_estimate + Math.Min(before, _admittedLastSecond.CountAt(now))) / 2;
                SetRate(now, (_estimateRead ? Margin : 1) * _estimate, plateau, $"throttled at {RateText.Pace(before)}, above the estimated quota {RateText.Pace(_estimate)}" + (inDrain ? ", from this one-token bucket's drain, a lower bound" : accounted ? ", which the answers since the last throttle account for" : ""));
            }
            else if (_oneToken && !double.IsNaN(_estimate) && (inDrain || !_estimateRead))
            {
                // A one-token bucket throttled at or below its lower bound (or, in a drain, its quota): that is its quota.
                StartTest(share, true);
                _estimateRead = true;
                SetRate(now, Margin * _estimate, OneTokenPlateau * _estimate, $"throttled at {RateText.Pace(before)}, not above {RateText.Pace(_estimate)}, which this one-token bucket accepted: its quota");
            }
            else
            {
                // Nothing measured explains this throttle (yet): the SDKs' first reaction. Below an estimate the
                // service accepted, that cut also tests whether the throttles depend on the rate at all.
                if (!double.IsNaN(_estimate) && !Testing) StartTest(share, false);
                SetRate(now, Beta * before, before, "throttled; first reaction ×" + Beta.ToString(CultureInfo.InvariantCulture));
            }
        }

        /// <summary>The test judges the answers to requests sent after the cut: those in flight left at the old rate.</summary>
        private void StartTest(double share, bool judgesReading)
        {
            _shareBeforeTest = share;
            _testJudgesReading = judgesReading;
            _testDue = _accepted + _throttles + Math.Max(0, _admitted - _answers) + AnswerWindow;
        }

        /// <summary>Answers the background test: did the throttled share fall when the rate was cut below what the service accepted?</summary>
        private void JudgeTest(TimeSpan now)
        {
            _testDue = 0;
            var after = Share(); // the window holds exactly the answers the test waited for
            // A share within the tolerance (4 of 40 or fewer) cannot tell background from chance (a small bucket's jitter).
            if (after <= Tolerance || after >= HeavyShare || after < UnchangedShare * _shareBeforeTest) return;
            // It did not: these throttles are not the batch's doing (other traffic on the account). Tolerate that
            // share from now on, forget the estimate it produced, and go back to the rate before this spell of throttling.
            _background = Math.Max(Background(now), after);
            _backgroundAt = now;
            // Every reading so far may have measured the background: the next real drain tells.
            (_estimate, _estimateRead) = (double.NaN, false);
            _lastThrottle = TimeSpan.MinValue; // this drain's readings measured the background: the next throttle starts afresh
            SetRate(now, _rateBeforeThrottling, _rateBeforeThrottling,
                $"throttles did not fall when the rate was cut ({RateText.Share(_shareBeforeTest)} before, {RateText.Share(after)} after): background, tolerated from now on");
        }

        /// <summary>CUBIC's growth: back to the plateau, then beyond it (probing), as successes come.</summary>
        private void Grow(TimeSpan now)
        {
            // Not while throttles come (within a drain): the bucket is empty, more pace only means more throttles.
            if (double.IsPositiveInfinity(_rate) || _plateau <= 0 || InDrain(now)) return;
            var t = (now - _epoch).TotalSeconds - _k;
            var rate = _plateau + Scale(_plateau) * t * t * t;
            // Beyond the plateau, no faster than twice what the batch sends (the SDKs' bound), and no further than
            // ProbeReach: how far a probe overshoots before a big bucket's burst is spent is what its failure costs.
            var reach = _plateau * (1 + ProbeReach);
            if (rate > reach && _rate >= reach && QuietSinceUntolerated(now))
            {
                // The probe held its reach without a throttle: the quota rose, or went away (or a big burst is not
                // spent yet, which a throttle will tell). Probe on from there; the estimate stays until a drain says more.
                SetRate(now, reach, reach, $"no throttle for {QuietBeforeStep.TotalSeconds} s at the probe's reach: probing on from there");
                return;
            }
            if (rate > _plateau) rate = Math.Min(Math.Min(rate, reach), Math.Max(_plateau, 2.0 * _admittedLastSecond.CountAt(now)));
            _rate = Math.Max(_rate, Clamp(rate)); // a raise keeps the slots handed out
        }

        /// <summary>The retry quota is empty (most recent attempts failed): slow down by β, once per episode (a storm cannot ratchet the rate to the floor); the quota estimate stays (faults say nothing about it).</summary>
        public void OnRetryQuotaExhausted()
        {
            lock (_gate)
            {
                var now = _clock();
                if (now < _slowdownUntil) return;
                _roundEnd = long.MaxValue;
                var before = Pace(now);
                SetRate(now, Beta * before, before, "the retry quota is used up (too many recent failures); retries wait for it to refill");
                // Not again before the rate has grown back to where it was (CUBIC's K; at least a second).
                _slowdownUntil = now + TimeSpan.FromSeconds(Math.Max(1, _k));
            }
        }

        /// <summary>The rate now; without a cap and before any cut, what the service accepted over the last second (or since the first send).</summary>
        private double Pace(TimeSpan now)
        {
            if (!double.IsPositiveInfinity(_rate)) return _rate;
            var seconds = _admitted == 0 ? 1 : Math.Min(1, Math.Max(0.02, (now - _firstSend).TotalSeconds));
            return Math.Max(MinimumRate, _acceptedLastSecond.CountAt(now) / seconds);
        }

        private void SetRate(TimeSpan now, double rate, double plateau, string reason)
        {
            var before = _rate;
            _rate = Clamp(rate);
            _plateau = Math.Max(_rate, Clamp(plateau));
            _k = Math.Pow((_plateau - _rate) / Scale(_plateau), 1.0 / 3.0);
            _epoch = now;
            if (_rate < before)
            {
                // A cut voids the slots handed out at the old spacing: their holders take new ones (with many requests waiting, the old pace would otherwise go on for seconds).
                _generation++;
                _nextSlot = now;
                // A further cut during the test: the test starts over and judges the newest cut.
                if (Testing) StartTest(_shareBeforeTest, _testJudgesReading);
            }
            try { Log?.Invoke($"Rate {RateText.Pace(before)} -> {RateText.Pace(_rate)}: {reason}."); }
            catch (Exception) { /* a failing log sink must not fail the batch */ }
        }

        private bool Testing => _testDue > 0;
        private TimeSpan Spacing => TimeSpan.FromTicks((long)Math.Min(TimeSpan.MaxValue.Ticks / 4, TimeSpan.TicksPerSecond / _rate));
        private bool InDrain(TimeSpan now) => _lastThrottle != TimeSpan.MinValue && now - _lastThrottle <= DrainGap;
        private bool QuietSinceUntolerated(TimeSpan now) => _lastUntolerated == TimeSpan.MinValue || now - _lastUntolerated >= QuietBeforeStep;
        private double Share() => _window.Count(throttled => throttled) / (double)Math.Max(_window.Count, 1);
        private double Background(TimeSpan now) => _background <= 0 ? 0 : _background * Math.Pow(0.5, Math.Max(0, (now - _backgroundAt).TotalSeconds) / BackgroundHalfLife.TotalSeconds);
        private double Clamp(double rate) => Math.Min(_cap, Math.Max(MinimumRate, rate));
        private static double Scale(double plateau) => ScalePerRate * Math.Max(plateau, MinimumRate);

        /// <summary>The times of events within the last second, oldest first (admissions, accepted answers).</summary>
        private sealed class SecondLog : Queue<TimeSpan>
        {
            public static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);
            public int CountAt(TimeSpan now) { while (Count > 0 && now - Peek() >= OneSecond) Dequeue(); return Count; }
            public void Add(TimeSpan now) { CountAt(now); Enqueue(now); }
        }
    }
}
