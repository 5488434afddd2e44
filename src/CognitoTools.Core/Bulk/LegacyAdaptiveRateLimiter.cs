using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// The limiter before issue 15 ("rate control as one model"), kept only so the benchmark and the simulation can run
    /// it beside its replacement, <see cref="AdaptiveRateLimiter"/>; to be deleted once the new one is shown at least as good.
    /// The rate every attempt of a batch passes (first tries and retries alike): it finds the service's request quota
    /// from its throttling answers without hammering it, and never exceeds the configured cap.
    /// <para>
    /// Wiring: give one instance to the client (<c>CognitoClientConfig.RateLimiter</c>), which gates every attempt and
    /// reports every answer to it; <see cref="BulkSender"/> reads it from there (there is no second gate).
    /// <see cref="Create(double?)"/> builds one from <see cref="BulkSendOptions.MaxRequestsPerSecond"/>.
    /// </para>
    /// <para>
    /// Control, after the AWS SDKs' adaptive retry mode (CUBIC: β = 0.7, scale constant 0.4, min fill rate 0.5), with
    /// changes so that the batch finds a token bucket's rate with few throttles, and throttles the batch does not
    /// cause cannot collapse its rate:
    /// <list type="bullet">
    /// <item>With a cap the rate starts at the cap. Without one the batch starts slowly, in doubling rounds (see
    /// <see cref="SlowStartLastRound"/>), then runs unlimited until the first cut.</item>
    /// <item>A cut happens only when throttles are sustained: more than <see cref="Tolerance"/> of the last
    /// <see cref="AnswerWindow"/> answers, above the background (below), at most once per <see cref="Cooldown"/>.
    /// It cuts by β, or, when at least half the answers were throttles, to what the service accepted in the last
    /// second (far above a token bucket's rate that is its burst plus its rate, so one step gets close); the new rate
    /// is <see cref="CutMargin"/> below that. 20 answers after the cut tell whether it fell short: if still
    /// throttled, the rate is cut to what got through since the cut (the bucket is empty by then: that is its rate).
    /// CUBIC then grows back towards the plateau (the quota found) and probes beyond it.</item>
    /// <item>A failed probe (throttled beyond the plateau, no background) goes back below the plateau, not by β: the
    /// last second's count includes what was left of the bucket's burst. Each failed probe of the same plateau halves
    /// the probe's pace (<see cref="MaxProbeSlowdown"/>), since every probe costs a few throttles.</item>
    /// <item>Background: once the cut has taken effect, the share of throttled answers after it is compared with the
    /// share before. When cutting did not lower it, the throttles are not the batch's doing (the account's other
    /// traffic, a spike elsewhere): that share is remembered as background, tolerated from then on (it decays with a
    /// half-life of <see cref="BackgroundHalfLife"/>), and the rate goes back to where it was.</item>
    /// </list>
    /// The rate never goes below <see cref="MinimumRate"/> nor above the cap (also when the cap is below the minimum).
    /// </para>
    /// <para>
    /// Scheduling is by reservation in absolute time (GCRA): each request takes the next free slot, slots are 1/rate
    /// apart, and at most <see cref="Burst"/> slots may lie in the past. Timers wake late, though, and a late request
    /// would then bunch with the on-time ones after it; so a request is also admitted only when the requests admitted in
    /// the last second leave room for it (a sliding log), which holds the bound at the moment requests actually leave.
    /// </para>
    /// </summary>
    internal sealed class LegacyAdaptiveRateLimiter : IRequestRateLimiter
    {
        /// <summary>Floor of the rate after cuts (the SDKs' minimum fill rate); a lower cap wins.</summary>
        public const double MinimumRate = 0.5;
        /// <summary>CUBIC's multiplicative decrease: the smallest cut leaves this share of the rate.</summary>
        public const double Beta = 0.7;
        /// <summary>
        /// CUBIC's scale constant (requests/s per s³) at <see cref="ScaleReferenceRate"/>. The SDKs use 0.4 at any rate;
        /// here it is proportional to the plateau, so a probe beyond it takes the same time at 10/s as at 200/s (at 10/s
        /// the SDKs' constant would overshoot the quota by half within 2 s; at 200/s it would take minutes to probe).
        /// </summary>
        public const double ScaleConstant = 0.4;
        /// <summary>
        /// The plateau at which <see cref="ScaleConstant"/> applies unscaled. Each probe beyond the plateau costs about
        /// two throttles (what it takes to see it), so the probe must be slow enough that a cycle holds many more
        /// requests than that even at 10/s: the cycle lasts about 6 s at any rate.
        /// </summary>
        public const double ScaleReferenceRate = 80;
        /// <summary>Share of recent answers above the background that may be throttles before the rate is cut.</summary>
        public const double Tolerance = 0.1;
        /// <summary>Answers the throttled share is measured over.</summary>
        public const int AnswerWindow = 20;
        /// <summary>The cut goes this far below the rate the service accepted, so the plateau is approached from below.</summary>
        public const double CutMargin = 0.9;
        /// <summary>
        /// What the service accepted over <see cref="PlateauWindow"/> is divided by this before it may raise the plateau:
        /// a token bucket's burst (one second's worth) inflates it by up to a fifth.
        /// </summary>
        internal const double PlateauSlack = 1.25;
        /// <summary>A bucket's leftover burst can make the last second's count up to this multiple of its rate.</summary>
        internal const double BurstInflation = 2;
        /// <summary>
        /// Below this background share, throttles beyond the plateau are a failed probe. With more background, a few
        /// throttles beyond it may be the others' traffic: the plateau is not trusted over the last second's count.
        /// </summary>
        internal const double NoBackground = 0.05;
        /// <summary>A plateau found again within this factor is the same quota.</summary>
        internal const double SamePlateau = 1.1;
        /// <summary>Each failed probe of the same plateau halves the probe's pace, down to 1/2^this.</summary>
        internal const int MaxProbeSlowdown = 3;
        /// <summary>A throttled share at or above this means the rate is far above the quota: cut straight to the accepted rate.</summary>
        internal const double HeavyShare = 0.5;
        /// <summary>
        /// Without a cap the batch starts slowly, in rounds: 1 request, then 2, 4, 8..., each round sent once the one
        /// before it is answered (as TCP's slow start doubles its window every round trip). A batch with many in flight
        /// thus does not open with a volley against a quota it knows nothing of: a token bucket's burst is overrun by
        /// at most one round. The slow start ends at the first cut, or once a round of this size was sent.
        /// </summary>
        internal const int SlowStartLastRound = 32;
        /// <summary>The slow start never holds requests back longer than this (failed connections give no answers).</summary>
        internal static readonly TimeSpan SlowStartLimit = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan SlowStartPoll = TimeSpan.FromMilliseconds(2);
        /// <summary>A cut whose throttles all came within this many newest answers (after a clean run) is a bucket running dry.</summary>
        internal const int FreshDrainAnswers = 4;
        /// <summary>Background throttle share is never assumed above this.</summary>
        internal const double MaxBackground = 0.5;
        /// <summary>Answers after a cut (to requests sent after it) needed to judge whether the cut helped.</summary>
        internal const int CheckAnswers = 20;
        /// <summary>The quota is read from answers after a cut only when they span at least this long.</summary>
        internal static readonly TimeSpan MinQuotaSpan = TimeSpan.FromSeconds(0.5);
        /// <summary>Minimum time between two cuts: the answers in between must reflect the new rate.</summary>
        public static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(1);
        /// <summary>How long remembered background throttling takes to halve.</summary>
        public static readonly TimeSpan BackgroundHalfLife = TimeSpan.FromSeconds(30);
        /// <summary>The span over which a failed probe is checked against the plateau (see <see cref="PlateauSlack"/>).</summary>
        public static readonly TimeSpan PlateauWindow = TimeSpan.FromSeconds(5);
        private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(10);
        private static readonly TimeSpan PeakMemory = TimeSpan.FromSeconds(30);
        private TimeSpan _firstAnswer = TimeSpan.MinValue;

        private readonly object _gate = new object();
        private readonly Func<TimeSpan> _clock;
        private readonly Func<TimeSpan, CancellationToken, Task> _delay;
        private readonly double _cap;
        private readonly double _floor;

        // Rate state.
        private bool _limiting;          // false: no cap and never cut yet (requests pass at once, after the slow start)
        private bool _slowStart;         // no cap, and the slow start is not over yet
        private TimeSpan _slowStartBegan = TimeSpan.MinValue; // when the first round was sent
        private int _slowStartRound = 1;     // requests of the current round
        private long _slowStartRoundEnd = 1; // sends allowed until the current round is answered
        private double _currentRate;
        private double _lastMax;         // CUBIC's plateau: the rate the service accepted at the last cut
        private double _windowK;         // CUBIC's time to the plateau, seconds
        private int _probesFailed;       // failed probes of the same plateau in a row: each halves the probe's pace
        private TimeSpan _epochStart;    // CUBIC's time origin (the last cut, or when the probe's pace last changed)
        private double _paceRate;        // the probe is paced as for a plateau of at least this (see CheckLastCut)
        private bool _earlyCut;          // the last cut came in the batch's first second of answers
        private bool _freshDrain;        // the last cut's throttles came all at once after a clean run (see OnThrottled)
        private TimeSpan _lastCut = TimeSpan.MinValue;
        private TimeSpan _nextSlot;
        private bool _atCapLogged = true;

        // Measurements.
        private readonly Queue<TimeSpan> _admitted = new Queue<TimeSpan>();   // sends of the last second
        private readonly Queue<TimeSpan> _accepted = new Queue<TimeSpan>();   // non-throttled answers of the last PlateauWindow
        private readonly bool[] _recent = new bool[AnswerWindow];            // last answers: throttled?
        private int _recentNext;
        private int _recentCount;
        private int _recentThrottled;
        // A longer view (the last 100 answers) for the share a cut is judged against, so that the short window's noise
        // does not make a steady background look like something the cut changed.
        private readonly bool[] _longer = new bool[5 * AnswerWindow];
        private int _longerNext;
        private int _longerCount;
        private int _longerThrottled;
        private long _sends;
        private long _answers;
        private long _throttleCount;

        // Background throttling and the check after a cut.
        private double _background;
        private TimeSpan _backgroundAt;
        private bool _checkPending;
        private long _checkSkipAnswers;   // answers to requests that were in flight at the cut
        private int _checkAnswers;
        private int _checkThrottled;
        private TimeSpan _checkStart = TimeSpan.MinValue;
        private double _shareAtCut;
        private double _rateBeforeCut;
        private double _acceptedAtCut;   // what the service accepted in the second before the first cut
        private double _cutRate;         // the rate the last cut set
        // The highest rate of the last 30 s: a background verdict restores it (a series of cuts may precede the verdict).
        private double _peakRate;
        private TimeSpan _peakAt;
        private TimeSpan _lastToleratedLog = TimeSpan.MinValue;
        private TimeSpan _lastSlowdown = TimeSpan.MinValue;
        private TimeSpan _slowdownHold;

        /// <param name="maxRequestsPerSecond">The cap; <see cref="double.PositiveInfinity"/> for none (the rate is then found from throttling alone).</param>
        /// <param name="burst">Requests allowed back to back before spacing applies.</param>
        public LegacyAdaptiveRateLimiter(double maxRequestsPerSecond, int burst = 1)
            : this(maxRequestsPerSecond, burst, StopwatchClock())
        {
        }

        internal LegacyAdaptiveRateLimiter(double maxRequestsPerSecond, int burst, Func<TimeSpan> clock, Func<TimeSpan, CancellationToken, Task> delay = null)
        {
            _delay = delay ?? ((d, ct) => Task.Delay(d, ct));
            if (double.IsNaN(maxRequestsPerSecond) || maxRequestsPerSecond <= 0)
                throw new ArgumentOutOfRangeException(nameof(maxRequestsPerSecond), maxRequestsPerSecond, "The rate must be positive (PositiveInfinity for no cap).");
            if (burst < 1) throw new ArgumentOutOfRangeException(nameof(burst), burst, "The burst must be at least 1.");
            _cap = maxRequestsPerSecond;
            _floor = Math.Min(MinimumRate, maxRequestsPerSecond);
            Burst = burst;
            _limiting = !double.IsPositiveInfinity(maxRequestsPerSecond);
            _slowStart = !_limiting;
            _currentRate = maxRequestsPerSecond;
            _clock = clock ?? throw new ArgumentNullException(nameof(clock));
            _nextSlot = _clock();
        }

        /// <summary>
        /// The limiter for <see cref="BulkSendOptions.MaxRequestsPerSecond"/>: null means the default
        /// (<see cref="BulkSendOptions.DefaultMaxRequestsPerSecond"/>), 0 or less means no cap (the limiter still adapts
        /// to throttling).
        /// </summary>
        public static LegacyAdaptiveRateLimiter Create(double? maxRequestsPerSecond)
        {
            var rate = EffectiveRate(maxRequestsPerSecond);
            return new LegacyAdaptiveRateLimiter(rate ?? double.PositiveInfinity);
        }

        /// <summary>The cap a requested value means: the default when null, null (no cap) when 0, negative or not finite.</summary>
        internal static double? EffectiveRate(double? maxRequestsPerSecond)
        {
            var rate = maxRequestsPerSecond ?? BulkSendOptions.DefaultMaxRequestsPerSecond;
            return rate > 0 && !double.IsNaN(rate) && !double.IsInfinity(rate) ? rate : (double?)null;
        }

        /// <summary>The configured cap; <see cref="double.PositiveInfinity"/> when there is none.</summary>
        public double MaxRequestsPerSecond => _cap;

        /// <summary>Requests allowed back to back before spacing applies.</summary>
        public int Burst { get; }

        /// <summary>Verbose sink for rate changes, slowdowns and their reasons (called under the limiter's lock: keep it cheap).</summary>
        public Action<string> Log { get; set; }

        /// <summary>The rate in force now; <see cref="double.PositiveInfinity"/> while there is no cap and nothing was throttled yet.</summary>
        public double CurrentRate
        {
            get { lock (_gate) return _limiting ? _currentRate : double.PositiveInfinity; }
        }

        /// <summary>Throttling answers reported so far.</summary>
        public long ThrottleCount => Interlocked.Read(ref _throttleCount);

        /// <summary>Attempts that passed the gate so far (first tries and retries).</summary>
        public long AttemptCount => Interlocked.Read(ref _sends);

        /// <summary>The share of throttled answers currently treated as background (not the batch's doing).</summary>
        public double BackgroundThrottleShare
        {
            get { lock (_gate) return DecayedBackground(_clock()); }
        }

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var delay = Reserve();
            if (delay <= TimeSpan.Zero)
            {
                delay = Admit();
                if (delay <= TimeSpan.Zero) return Task.CompletedTask;
            }
            return WaitThenAdmitAsync(delay, cancellationToken);
        }

        private async Task WaitThenAdmitAsync(TimeSpan delay, CancellationToken cancellationToken)
        {
            while (true)
            {
                await _delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Admit();
                if (delay <= TimeSpan.Zero) return;
                // The last second is full: wait for room, then take a new slot. Admitting every waiter the moment room
                // appears would release them together, repeating a past burst (say, one sent just before a cut) each
                // second, and a token bucket with a small burst throttles such bunches even far below its rate.
                await _delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Reserve();
            }
        }

        /// <summary>
        /// Admits the request now if fewer than the allowed number were admitted in the last second (and records it), else
        /// returns how long until one of them leaves the window.
        /// </summary>
        internal TimeSpan Admit()
        {
            lock (_gate)
            {
                var now = _clock();
                Prune(_admitted, now);
                if (_limiting)
                {
                    var allowed = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(_currentRate)) + Burst - 1;
                    if (_admitted.Count >= allowed)
                    {
                        // The allowed-th most recent admission must be a full second old.
                        var free = ElementFromEnd(_admitted, allowed) + OneSecond;
                        if (free > now) return free - now;
                    }
                }
                else if (_slowStart && _sends >= _slowStartRoundEnd)
                {
                    if (_slowStartBegan == TimeSpan.MinValue) _slowStartBegan = now;
                    if (_slowStartRound >= SlowStartLastRound || now - _slowStartBegan >= SlowStartLimit) _slowStart = false;
                    else if (_answers < _sends) return SlowStartPoll; // the round is not answered yet
                    else
                    {
                        _slowStartRound *= 2;
                        _slowStartRoundEnd = _sends + _slowStartRound;
                    }
                }
                _admitted.Enqueue(now);
                _sends++;
                return TimeSpan.Zero;
            }
        }

        /// <summary>Takes the next slot; returns how long to wait for it.</summary>
        internal TimeSpan Reserve()
        {
            lock (_gate)
            {
                var now = _clock();
                if (!_limiting) return TimeSpan.Zero;
                var interval = TimeSpan.FromTicks((long)Math.Min(TimeSpan.MaxValue.Ticks / 4, TimeSpan.TicksPerSecond / _currentRate));
                var earliest = now - TimeSpan.FromTicks(interval.Ticks * (Burst - 1));
                if (_nextSlot < earliest) _nextSlot = earliest;
                var slot = _nextSlot;
                _nextSlot = slot + interval;
                return slot > now ? slot - now : TimeSpan.Zero;
            }
        }

        public void OnThrottled()
        {
            lock (_gate)
            {
                _throttleCount++;
                var now = _clock();
                RecordAnswer(now, throttled: true);
                var share = _recentThrottled / (double)Math.Max(_recentCount, CheckAnswers);
                var heavy = share >= HeavyShare;
                if (_checkPending) CheckLastCut(now);
                // Within the cooldown only a heavy share can cut again (the answers of the requests in flight at the
                // first throttle show how far above the quota the batch was), and only below what was accepted.
                if (_lastCut != TimeSpan.MinValue && now - _lastCut < Cooldown && !heavy) return;
                if (_checkPending && !heavy) return;

                var background = DecayedBackground(now);
                var excess = share - background;
                if (excess < Tolerance)
                {
                    if (_lastToleratedLog == TimeSpan.MinValue || now - _lastToleratedLog >= TimeSpan.FromSeconds(5))
                    {
                        _lastToleratedLog = now;
                        Write($"Throttled: {Percent(share)} of the last {_recentCount} answers, background {Percent(background)}: isolated, the rate stays at {Rate(CurrentRateUnlocked)}.");
                    }
                    return;
                }
                Prune(_accepted, now, PlateauWindow);
                Prune(_admitted, now);
                var before = _limiting ? _currentRate : _admitted.Count;
                var accepted = CountWithin(_accepted, now, OneSecond) * (1 + background);
                // In the batch's first second the count covers less than a second: as a rate it would be too low.
                var answering = (now - _firstAnswer).TotalSeconds;
                var acceptedRate = answering > 0.25 && answering < 1 ? accepted / answering : accepted;
                // Far above the quota, what got through in the last second is the quota (a bucket's burst plus its
                // rate); otherwise cut by β. (What was accepted in the last second is no better a guide there: it
                // includes whatever was left of a bucket's burst.)
                var estimate = heavy ? accepted : Beta * before;
                // CUBIC's plateau, where the rate grows back to before probing: what the service accepted, no more
                // than the rate before the cut.
                var plateauFound = heavy ? accepted : Math.Max(estimate, Math.Min(before, acceptedRate));
                // A failed probe: throttled beyond the plateau, and the last second's count is within what a token
                // bucket's leftover burst (up to a second's worth) adds to the plateau. The quota is then the plateau,
                // or more if the service accepted more than it over the last seconds (the quota rose a little). Back to
                // just below it; and when it is the same plateau again, probe more slowly next time: each probe costs a
                // few throttles, and a quota found again and again is not worth probing at the same pace.
                var probing = _limiting && _lastCut != TimeSpan.MinValue && !_checkPending && before > _lastMax
                              && acceptedRate <= BurstInflation * _lastMax && background < NoBackground;
                var samePlateau = false;
                if (probing)
                {
                    var plateau = Math.Max(_lastMax, AcceptedOverPlateauWindow(now) * (1 + background) / PlateauSlack);
                    samePlateau = plateau <= SamePlateau * _lastMax;
                    estimate = Math.Min(estimate, plateau);
                    plateauFound = plateau;
                }
                _probesFailed = samePlateau ? Math.Min(MaxProbeSlowdown, _probesFailed + 1) : 0;
                estimate = Clamp(estimate);
                var newRate = Clamp(estimate * CutMargin);
                if (_limiting && newRate >= _currentRate * CutMargin && _lastCut != TimeSpan.MinValue && now - _lastCut < Cooldown) return;
                var longerShare = _longerCount >= 2 * AnswerWindow ? _longerThrottled / (double)_longerCount : 0;
                if (_checkPending) _shareAtCut = Math.Max(_shareAtCut, share);
                if (!_checkPending)
                {
                    // Throttles that start all at once after a clean run of answers are a token bucket running dry,
                    // not the account's other traffic (which throttles here and there): such a cut is not judged for
                    // background. (The bucket's leftover burst makes the check after it look like background.)
                    _freshDrain = _recentCount == AnswerWindow && ThrottledOnlyAmongLast(FreshDrainAnswers);
                    _rateBeforeCut = before;
                    _acceptedAtCut = heavy ? accepted : acceptedRate;
                    _shareAtCut = Math.Max(share, longerShare);
                }
                _lastMax = Math.Max(Clamp(plateauFound), newRate);
                _paceRate = 0;
                _earlyCut = answering < 1;
                _windowK = Cbrt((_lastMax - newRate) / ProbeScale());
                SetRate(newRate, now);
                _cutRate = newRate;
                _lastCut = now;
                _epochStart = now;
                _checkPending = true;
                _checkSkipAnswers = Math.Max(0, _sends - _answers);
                _checkAnswers = 0;
                _checkThrottled = 0;
                _checkStart = TimeSpan.MinValue;
                _atCapLogged = false;
                Write($"Rate {Rate(before)} -> {Rate(newRate)}: {Percent(share)} of the last {_recentCount} answers throttled (background {Percent(background)}); " +
                      $"the service accepted {accepted.ToString("0.#", CultureInfo.InvariantCulture)} in the last second" +
                      (samePlateau ? $"; a probe beyond the quota of about {Rate(_lastMax)} failed ({_probesFailed} in a row): the next goes more slowly." : "."));
            }
        }

        public void OnAnswer(AnswerKind kind)
        {
            // As before issue 15: any answer with a status counts; a lost answer says nothing.
            if (kind == AnswerKind.Throttled) OnThrottled();
            else if (kind != AnswerKind.NoAnswer) OnSuccess();
        }

        public void OnSuccess()
        {
            lock (_gate)
            {
                var now = _clock();
                RecordAnswer(now, throttled: false);
                _accepted.Enqueue(now);
                Prune(_accepted, now, PlateauWindow);
                if (_checkPending) CheckLastCut(now);
                Grow(now);
            }
        }

        /// <summary>
        /// The client's retry quota is empty (most recent attempts failed): slow down for everyone by β, and start
        /// limiting if there was no cap. Once per episode: not again before the rate has grown back to where it was
        /// (CUBIC's time to the plateau, at least <see cref="Cooldown"/>), so a long storm cannot ratchet the rate down
        /// to the floor; the requests' own pauses do the rest.
        /// </summary>
        public void OnRetryQuotaExhausted()
        {
            lock (_gate)
            {
                var now = _clock();
                if (_lastSlowdown != TimeSpan.MinValue && now - _lastSlowdown < _slowdownHold) return;
                _lastSlowdown = now;
                Prune(_admitted, now);
                var before = _limiting ? _currentRate : Math.Max(_floor, _admitted.Count);
                var newRate = Clamp(before * Beta);
                _lastMax = before;
                _probesFailed = 0;
                _paceRate = 0;
                _windowK = Cbrt((_lastMax - newRate) / ProbeScale());
                _slowdownHold = TimeSpan.FromSeconds(Math.Max(Cooldown.TotalSeconds, _windowK));
                SetRate(newRate, now);
                _lastCut = now;
                _epochStart = now;
                _atCapLogged = false;
                Write($"Slowing down: rate {Rate(before)} -> {Rate(newRate)}: the retry quota is used up (too many recent failures); retries wait for it to refill.");
            }
        }

        private void Grow(TimeSpan now)
        {
            if (!_limiting || _lastCut == TimeSpan.MinValue) return;
            var t = (now - _epochStart).TotalSeconds;
            var cubic = ProbeScale() * Math.Pow(t - _windowK, 3) + _lastMax;
            if (cubic > _lastMax)
            {
                // Beyond the plateau, do not run ahead of what the batch actually sends (the SDKs' 2 x measured rate).
                Prune(_admitted, now);
                cubic = Math.Min(cubic, Math.Max(_lastMax, 2.0 * _admitted.Count));
            }
            var rate = Clamp(Math.Max(cubic, _floor));
            if (rate > _currentRate)
            {
                _currentRate = rate;
                NotePeak(rate, now);
                if (!_atCapLogged && rate >= _cap)
                {
                    _atCapLogged = true;
                    Write($"Rate back at the cap {Rate(_cap)}.");
                }
            }
        }

        private void CheckLastCut(TimeSpan now)
        {
            var elapsed = now - _lastCut;
            // A few throttles say little: 20 answers are needed to tell a cut that fell short from background throttles.
            if (elapsed < Cooldown) return;
            if (_checkAnswers < CheckAnswers && elapsed < CheckTimeout) return;
            _checkPending = false;
            if (_checkAnswers == 0) return;
            var after = _checkThrottled / (double)_checkAnswers;
            var background = DecayedBackground(now);
            if (_earlyCut && _checkThrottled == 0 && _rateBeforeCut > _lastMax)
            {
                // A cut in the first second read the quota from less than a second of answers: with a small burst that
                // is too low, and nothing was throttled since. Probe from here at the pace of the rate before the cut.
                _earlyCut = false;
                _paceRate = _rateBeforeCut;
                _epochStart = now;
                _windowK = Cbrt((_lastMax - _currentRate) / ProbeScale());
                Write($"No throttles at {Rate(_currentRate)} after a cut in the first second: probing towards {Rate(_rateBeforeCut)} faster.");
                return;
            }
            // Cutting below what the service accepted did not lower the throttled share: those throttles are not the
            // batch's doing. (A cut that stayed above what got through proves nothing: a quota would throttle it too.)
            var cutBelowAccepted = _cutRate <= CutMargin * _acceptedAtCut * 1.0001;
            if (cutBelowAccepted && !_freshDrain && _shareAtCut < HeavyShare && after > 0 && after >= 0.7 * _shareAtCut && after <= _shareAtCut + 0.5 * Tolerance)
            {
                _background = Math.Min(MaxBackground, Math.Max(background, after));
                _backgroundAt = now;
                var peak = now - _peakAt <= PeakMemory ? _peakRate : 0;
                var restored = Clamp(Math.Max(Math.Max(_rateBeforeCut, peak), _currentRate));
                _lastMax = restored;
                _probesFailed = 0;
                _paceRate = 0;
                _windowK = 0;
                SetRate(restored, now);
                Write($"Throttles did not drop when the rate was cut ({Percent(_shareAtCut)} before, {Percent(after)} after): treated as background (other traffic on the account), " +
                      $"tolerated up to {Percent(_background)}; rate back to {Rate(restored)}.");
            }
            else
            {
                if (after < background)
                {
                    _background = after;
                    _backgroundAt = now;
                }
                // Still throttled above the tolerance at the new rate: the bucket's burst is spent by now, so what got
                // through since the cut is the quota itself. Cut to it (a second, precise step).
                var span = (now - _checkStart).TotalSeconds;
                if (after - DecayedBackground(now) > Tolerance && span >= MinQuotaSpan.TotalSeconds)
                {
                    // Answers over the span between the first and the last: one fewer interval than answers.
                    var accepted = _checkAnswers - _checkThrottled;
                    var quota = Math.Min(_cap, Math.Max(_floor, accepted * (_checkAnswers - 1) / (double)_checkAnswers / span));
                    var newRate = Clamp(quota * CutMargin);
                    if (newRate < _currentRate)
                    {
                        var before = _currentRate;
                        _lastMax = Math.Max(quota, newRate);
                        _probesFailed = 0;
                        _paceRate = 0;
                        _windowK = Cbrt((_lastMax - newRate) / ProbeScale());
                        SetRate(newRate, now);
                        _lastCut = now;
                        _epochStart = now;
                        Write($"Rate {Rate(before)} -> {Rate(newRate)}: still {Percent(after)} throttled after the last cut; the service accepted {quota.ToString("0.#", CultureInfo.InvariantCulture)}/s since then.");
                    }
                }
            }
        }

        /// <summary>Whether every throttle among the last <see cref="AnswerWindow"/> answers is one of the newest <paramref name="newest"/>.</summary>
        private bool ThrottledOnlyAmongLast(int newest)
        {
            // _recentNext is the oldest entry once the window is full.
            for (var age = AnswerWindow - 1; age >= newest; age--)
            {
                if (_recent[(_recentNext + AnswerWindow - 1 - age) % AnswerWindow]) return false;
            }
            return true;
        }

        private void RecordAnswer(TimeSpan now, bool throttled)
        {
            if (_answers == 0) _firstAnswer = now;
            _answers++;
            if (_recentCount == AnswerWindow)
            {
                if (_recent[_recentNext]) _recentThrottled--;
            }
            else _recentCount++;
            _recent[_recentNext] = throttled;
            if (throttled) _recentThrottled++;
            _recentNext = (_recentNext + 1) % AnswerWindow;
            if (_longerCount == _longer.Length)
            {
                if (_longer[_longerNext]) _longerThrottled--;
            }
            else _longerCount++;
            _longer[_longerNext] = throttled;
            if (throttled) _longerThrottled++;
            _longerNext = (_longerNext + 1) % _longer.Length;
            if (_checkPending)
            {
                if (_checkSkipAnswers > 0) _checkSkipAnswers--;
                else
                {
                    if (_checkAnswers == 0) _checkStart = now;
                    _checkAnswers++;
                    if (throttled) _checkThrottled++;
                }
            }
        }

        private void SetRate(double rate, TimeSpan now)
        {
            NotePeak(_limiting ? _currentRate : rate, now);
            _currentRate = rate;
            if (!_limiting)
            {
                _limiting = true;
                _nextSlot = now;
            }
            // Slots already handed out at the old spacing stay; later ones are spaced at the new rate from now on.
            if (_nextSlot < now) _nextSlot = now;
        }

        private void NotePeak(double rate, TimeSpan now)
        {
            if (rate >= _peakRate || now - _peakAt > PeakMemory)
            {
                _peakRate = rate;
                _peakAt = now;
            }
        }

        private double DecayedBackground(TimeSpan now)
        {
            if (_background <= 0) return 0;
            var halfLives = (now - _backgroundAt).TotalSeconds / BackgroundHalfLife.TotalSeconds;
            return halfLives <= 0 ? _background : _background * Math.Pow(0.5, halfLives);
        }

        private double CurrentRateUnlocked => _limiting ? _currentRate : double.PositiveInfinity;

        private double Clamp(double rate) => Math.Min(_cap, Math.Max(_floor, rate));

        private void Write(string line)
        {
            var log = Log;
            if (log == null) return;
            try { log(line); }
            catch (Exception) { /* a failing log sink must not fail the batch */ }
        }

        private static void Prune(Queue<TimeSpan> times, TimeSpan now) => Prune(times, now, OneSecond);

        private static void Prune(Queue<TimeSpan> times, TimeSpan now, TimeSpan window)
        {
            while (times.Count > 0 && now - times.Peek() >= window) times.Dequeue();
        }

        /// <summary>How many of <paramref name="times"/> lie within <paramref name="window"/> of now (the queue is in time order).</summary>
        private static int CountWithin(Queue<TimeSpan> times, TimeSpan now, TimeSpan window)
        {
            var outside = 0;
            foreach (var t in times)
            {
                if (now - t < window) break;
                outside++;
            }
            return times.Count - outside;
        }

        private static TimeSpan ElementFromEnd(Queue<TimeSpan> times, int fromEnd)
        {
            // Rarely called with a full window; the queue holds at most one second of requests.
            var index = times.Count - fromEnd;
            foreach (var t in times)
            {
                if (index-- == 0) return t;
            }
            return TimeSpan.Zero;
        }

        /// <summary>CUBIC's scale constant for this plateau (see <see cref="ScaleConstant"/>).</summary>
        internal static double Scale(double plateau) => ScaleConstant * Math.Max(plateau, MinimumRate) / ScaleReferenceRate;

        private double ProbeScale() => Scale(Math.Max(_lastMax, _paceRate)) / (1 << _probesFailed);

        /// <summary>What the service accepted per second over the last <see cref="PlateauWindow"/> (less while the batch is younger than that).</summary>
        private double AcceptedOverPlateauWindow(TimeSpan now)
        {
            Prune(_accepted, now, PlateauWindow);
            var span = Math.Min(PlateauWindow.TotalSeconds, Math.Max((now - _firstAnswer).TotalSeconds, 1));
            return _accepted.Count / span;
        }

        private static double Cbrt(double x) => x <= 0 ? 0 : Math.Pow(x, 1.0 / 3.0);

        private static string Percent(double share) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

        private static string Rate(double rate)
            => double.IsPositiveInfinity(rate) ? "unlimited" : rate.ToString(rate < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + "/s";

        private static Func<TimeSpan> StopwatchClock()
        {
            var watch = Stopwatch.StartNew();
            return () => watch.Elapsed;
        }
    }
}
