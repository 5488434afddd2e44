using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.History;
using CognitoTools.Journal;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    public sealed class BulkSendOptions
    {
        /// <summary>
        /// Default for <see cref="MaxRequestsPerSecond"/>. Cognito limits requests per second per category of user pool
        /// operations, per AWS account and Region, shared by every app and user pool there (Amazon Cognito Developer
        /// Guide, "Quotas in Amazon Cognito", https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html);
        /// the defaults of the user-operation categories ResendConfirmationCode could be counted in are UserCreation 50,
        /// UserAccountRecovery 30 and UserUpdate 25. The guide's worked example names only SignUp, ConfirmSignUp,
        /// AdminCreateUser and AdminConfirmSignUp for UserCreation, and its per-operation table could not be read
        /// here, so the default stays below the lowest candidate (25) with room for the account's other traffic.
        /// Where the real quota is lower still, the first TooManyRequestsException halves the rate for the whole
        /// batch (<see cref="AdaptiveRateLimiter"/>).
        /// </summary>
        public const double DefaultMaxRequestsPerSecond = 20;

        /// <summary>The lowest default quota (requests per second) of the categories ResendConfirmationCode could be in.</summary>
        public const double LowestCandidateCategoryQuota = 25;

        /// <summary>Recommended -ThrottleLimit for large batches: enough in flight to reach the default rate at
        /// typical Cognito latencies (20 rps x ~100 ms = 2; 8 absorbs slow answers and a raised rate), few enough to stay polite.</summary>
        public const int RecommendedThrottleLimit = 8;

        /// <summary>Upper bound of <see cref="ThrottleLimit"/>.</summary>
        public const int MaximumThrottleLimit = 64;

        /// <summary>Distinct request keys remembered for duplicate detection (oldest forgotten first).</summary>
        public const int DefaultDuplicateWindow = 100000;

        /// <summary>Requests in flight at once; 1 keeps AWS.Tools' one-at-a-time behaviour.</summary>
        public int ThrottleLimit { get; set; } = 1;
        /// <summary>Emit each outcome as soon as it arrives instead of in input order.</summary>
        public bool Unordered { get; set; }
        /// <summary>
        /// Cap of the rate shared by all requests in flight; null uses the default; 0 or less means no cap (the rate is
        /// then found from the service's throttling alone). See <see cref="AdaptiveRateLimiter"/>.
        /// </summary>
        public double? MaxRequestsPerSecond { get; set; }

        /// <summary>Default of <see cref="MaxStallTime"/>.</summary>
        public static readonly TimeSpan DefaultMaxStallTime = TimeSpan.FromMinutes(5);

        /// <summary>
        /// The batch gives up when, for this long, requests were in flight and none succeeded (or got any other final
        /// answer from the service): the calls in flight are cancelled and every row left ends NotSent, with a message
        /// that Cognito kept failing, so the rows can be resumed. Zero or less (or Timeout.InfiniteTimeSpan): never.
        /// </summary>
        public TimeSpan MaxStallTime { get; set; } = DefaultMaxStallTime;

        /// <summary>
        /// Outcomes held back (waiting for an earlier, slower one) before Submit waits, in ordered mode. Null:
        /// 4 x ThrottleLimit (at least 16).
        /// </summary>
        public int? OrderedBufferSize { get; set; }

        /// <summary>
        /// How many distinct request keys (a hash of the whole request) are remembered to spot duplicates, oldest forgotten first. Each
        /// costs about 90 bytes (a 128-bit hash of the key and a compact copy of the answer, repeating parts shared), so
        /// the default 100,000 is about 10 MB at most. 0 turns duplicate detection off.
        /// </summary>
        public int DuplicateWindow { get; set; } = DefaultDuplicateWindow;

        /// <summary>
        /// Compare usernames ordinally (case-sensitively) when spotting duplicates. On by default: a user pool created
        /// through the API is case-sensitive unless UsernameConfiguration.CaseSensitive was set to false, and there
        /// "jane" and "JANE" are two users; merging them would report jane's answer for a request never made. Turn off
        /// only for a pool known to be case-insensitive (the console's default), where a second resend to the other
        /// spelling would burn one of the user's resends. Rows that differ in anything else (SecretHash included, which
        /// a secret-bearing client computes from the spelling) are still sent separately.
        /// </summary>
        public bool CaseSensitiveUsernames { get; set; } = true;

        /// <summary>
        /// After Cancel (Ctrl+C), how long calls in flight may still be answered before they are cancelled, so that
        /// their outcomes are recorded (history, journal) instead of left in doubt. No new call starts meanwhile.
        /// </summary>
        public TimeSpan AnswerGracePeriod { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>After the calls in flight are cancelled, how long they get to end before they are abandoned as NotSent (in doubt).</summary>
        public TimeSpan CancelGracePeriod { get; set; } = TimeSpan.FromMilliseconds(750);

        /// <summary>The limiter to give the client (<c>CognitoClientConfig.RateLimiter</c>): capped at the effective rate, or uncapped but adaptive.</summary>
        public AdaptiveRateLimiter CreateRateLimiter() => RequestRateRules.CreateLimiter(MaxRequestsPerSecond);
    }

    /// <summary>Skipped: the journal showed the row settled by an earlier run (<see cref="SendOutcome.Resume"/> says why); no request was made.</summary>
    public enum SendOutcomeKind { Succeeded, Failed, NotSent, Skipped }

    /// <summary>One input record's result: exactly one per submitted item.</summary>
    public sealed class SendOutcome
    {
        /// <summary>0-based position in the input.</summary>
        public long Sequence { get; set; }
        public ResendConfirmationCodeRequest Request { get; set; }
        /// <summary>Opaque caller state carried through (e.g. the pipeline's value for -Select ^Username).</summary>
        public object Tag { get; set; }
        public SendOutcomeKind Kind { get; set; }
        /// <summary>Set when Kind is Succeeded.</summary>
        public ResendConfirmationCodeResponse Response { get; set; }
        /// <summary>
        /// Set when Kind is Failed: a CognitoException, a RequestValidationException (nothing was sent), or another
        /// exception for unexpected failures. Null when Kind is NotSent, except after a stall (<see cref="BatchStalledException"/>).
        /// </summary>
        public Exception Error { get; set; }
        /// <summary>True when the answer was shared from an earlier row of this batch that was the same request (nothing was sent for this row).</summary>
        public bool IsDuplicate { get; set; }
        /// <summary>NotSent only: the request had been started but no answer came before the batch stopped; it may have reached Cognito.</summary>
        public bool InDoubt { get; set; }
        /// <summary>With a journal: what it said about the row (why it was skipped, or that an in-doubt row is sent again); else null.</summary>
        public ResumeDecision Resume { get; set; }
    }

    /// <summary>Progress snapshot for Write-Progress.</summary>
    public sealed class BulkProgress
    {
        public long Submitted { get; set; }
        public long Completed { get; set; }
        public long Failed { get; set; }
        /// <summary>
        /// Requests that may have left the machine and have no outcome yet (the stop summary's rule: for a reporting
        /// client, once <see cref="RequestSendState.HasSent"/>). A request waiting for a rate-limiter slot is not in flight.
        /// </summary>
        public long InFlight { get; set; }
        /// <summary>Requests handed to the client that have not been sent yet: waiting for a slot of the rate limiter.</summary>
        public long WaitingToSend { get; set; }
        /// <summary>Null when the total is unknown (streaming pipeline input).</summary>
        public long? Total { get; set; }
        public double RequestsPerSecond { get; set; }
        /// <summary>The rate limit in force (requests/s); null when there is no limiter or it is not limiting (no cap, nothing throttled yet).</summary>
        public double? CurrentRateLimit { get; set; }
        /// <summary>Throttling answers so far (every attempt, retries included).</summary>
        public long Throttled { get; set; }
        public TimeSpan Elapsed { get; set; }
        public int? PercentComplete => Total.HasValue && Total.Value > 0 ? (int)Math.Min(100, Completed * 100 / Total.Value) : (int?)null;
    }

    /// <summary>What a batch did, for its end-of-batch summary.</summary>
    public sealed class BulkSummary
    {
        public long Succeeded { get; set; }
        public long Failed { get; set; }
        public long NotSent { get; set; }
        /// <summary>Attempts sent (first tries and retries); null when the client has no <see cref="AdaptiveRateLimiter"/> to count them.</summary>
        public long? Attempts { get; set; }
        /// <summary>Throttling answers; null when the client has no <see cref="AdaptiveRateLimiter"/>.</summary>
        public long? Throttles { get; set; }
        /// <summary>The rate limit in force at the end (requests/s); null when there was none or it never had to limit.</summary>
        public double? FinalRate { get; set; }
        /// <summary>The cap (requests/s); null for none.</summary>
        public double? Cap { get; set; }
        /// <summary>True when the batch gave up after <see cref="BulkSendOptions.MaxStallTime"/> without progress.</summary>
        public bool Stalled { get; set; }
        /// <summary>The scopes Cognito said stop for (daily e-mail limit, pool configuration), in order; empty when none.</summary>
        public IReadOnlyList<ScopeStop> Stops { get; set; }
        public TimeSpan Elapsed { get; set; }
    }

    /// <summary>NotSent because the batch gave up: for <see cref="BulkSendOptions.MaxStallTime"/> nothing succeeded.</summary>
    public sealed class BatchStalledException : OperationCanceledException
    {
        public BatchStalledException(string message) : base(message) { }
    }

    /// <summary>
    /// Sends many requests with bounded concurrency, a shared rate limit, ordered or unordered output, and exactly one
    /// outcome per input. Submit/Complete are called from one thread (the pipeline thread) and return outcomes for that
    /// thread to write; Cancel and GetProgress may be called from any thread.
    /// <para>
    /// How it works: Submit starts the request on the calling thread (the client's async call; its continuations run
    /// on the thread pool). A finished call only puts its task in a queue and wakes the pipeline thread; every outcome
    /// is built, recorded in the history and returned on the pipeline thread. Submit waits (returning whatever became
    /// ready meanwhile) while ThrottleLimit calls are in flight, or while ordered output has too many outcomes waiting
    /// for an earlier one.
    /// </para>
    /// <para>
    /// Rate limit: one path, the client's per-attempt gate. Build the <see cref="CognitoIdpClient"/> with
    /// <see cref="BatchClientFactory.Create"/> (a <see cref="BulkSendOptions.CreateRateLimiter"/> limiter, and
    /// <c>RetryMode.Batch</c> so throttles and an empty retry quota slow the batch instead of failing rows); the client
    /// gates every attempt, retries included, and reports every answer to it. <see cref="RateLimiter"/> exposes it.
    /// </para>
    /// <para>
    /// Stall: when requests are in flight and for <see cref="BulkSendOptions.MaxStallTime"/> none got a final answer
    /// (a success, or an error that is not worth retrying), the batch stops: calls in flight are cancelled and every row
    /// left ends NotSent with a <see cref="BatchStalledException"/> saying that Cognito kept failing.
    /// </para>
    /// <para>
    /// Duplicates: a request already seen in this batch (the same endpoint, client id, username, SecretHash and every
    /// optional member) is not sent again; its row gets the first row's answer with IsDuplicate set (the very objects
    /// if it waited for that answer, an equal copy if it came later, naming its own username). Rows that differ in any
    /// member are different requests and are each sent. Usernames compare ordinally unless
    /// <see cref="BulkSendOptions.CaseSensitiveUsernames"/> is turned off for a case-insensitive pool. Up to <see cref="BulkSendOptions.DuplicateWindow"/> keys are
    /// remembered as a hash with a compact copy of their answer (about 90 bytes each, see <see cref="DuplicateMap{TRow}"/>):
    /// the only per-item state kept after an item's outcome is returned. A row whose first occurrence failed validation is
    /// not a duplicate (nothing was sent for it).
    /// </para>
    /// </summary>
    public sealed class BulkSender : IDisposable
    {
        private static readonly SendOutcome[] NoOutcomes = new SendOutcome[0];
        // Upper bound of one wait for a completion signal, so a missed wake-up can only cost this much.
        private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(200);

        private readonly ICognitoIdpClient _client;
        private readonly BulkSendOptions _options;
        private readonly CommandHistory _history;
        private readonly int _throttleLimit;
        private readonly int _pendingLimit;
        private readonly string _endpoint;
        private readonly string _region;
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private readonly ConcurrentQueue<Completion> _completions = new ConcurrentQueue<Completion>();
        private readonly SemaphoreSlim _signal = new SemaphoreSlim(0, int.MaxValue);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        // Closed by Cancel: no attempt of a reporting client starts sending after that (see ISendReportingClient).
        private readonly SendGate _sendGate = new SendGate();
        private readonly ISendReportingClient _reporting;

        // Pipeline-thread state.
        private readonly Dictionary<long, WorkItem> _inFlight = new Dictionary<long, WorkItem>();
        private readonly Dictionary<long, SendOutcome> _heldBack = new Dictionary<long, SendOutcome>();
        private readonly DuplicateMap<WorkItem> _duplicates;
        private long _nextSequence;
        private long _nextToEmit;

        // Read by GetProgress from any thread.
        private long _submitted;
        private long _completed;
        private long _failed;
        private long _inFlightCount;
        // Of those, the requests that may have left the machine (WorkItem.CountedSent): the progress line's "in flight".
        private long _sentInFlightCount;
        private long _notSent;
        private long _inDoubt;
        private long _skipped;
        private long _started;
        private volatile bool _cancelRequested;
        private bool _callsCancelled;
        private bool _disposed;
        // Stall watch (pipeline thread): the last final answer, or the moment work started after an idle spell.
        private TimeSpan _lastProgress;
        // Stall watch: when it last looked, and whether every request in flight was then waiting for our own cap.
        private TimeSpan _lastStallCheck;
        private bool _onlyOurCapAtLastCheck;
        private volatile BatchStalledException _stalled;

        public BulkSender(ICognitoIdpClient client, BulkSendOptions options, CommandHistory history)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _options = options ?? new BulkSendOptions();
            _history = history;
            _throttleLimit = Math.Max(1, Math.Min(BulkSendOptions.MaximumThrottleLimit, _options.ThrottleLimit));
            var buffer = _options.OrderedBufferSize ?? Math.Max(16, _throttleLimit * 4);
            _pendingLimit = _throttleLimit + Math.Max(1, buffer);
            try { _endpoint = client.ServiceUrl?.ToString(); } catch (Exception) { _endpoint = null; }
            _region = (client as CognitoIdpClient)?.Config?.Region;
            _duplicates = _options.DuplicateWindow > 0 ? new DuplicateMap<WorkItem>(_options.DuplicateWindow, _options.CaseSensitiveUsernames, _endpoint) : null;
            Stops = new ScopeStops(_endpoint);

            RateLimiter = (client as CognitoIdpClient)?.Config?.RateLimiter;
            _reporting = client as ISendReportingClient;
        }

        /// <summary>The command invocation the history entries belong to (its counters are updated), or null.</summary>
        public CommandRecord Command { get; set; }

        /// <summary>Known total for percent complete (e.g. an array bound to -Username), or null.</summary>
        public long? ExpectedTotal { get; set; }

        /// <summary>The limiter this batch's attempts pass: the client's (<c>CognitoClientConfig.RateLimiter</c>), or null.</summary>
        public IRequestRateLimiter RateLimiter { get; }

        /// <summary>Set when the batch gave up after <see cref="BulkSendOptions.MaxStallTime"/> without progress; its message says why.</summary>
        public BatchStalledException StallError => _stalled;

        /// <summary>
        /// The scopes Cognito said stop for (issue 13): once one stops, no new request of it starts, and its rows not yet
        /// sent end NotSent with a <see cref="ScopeStoppedException"/> (resumable). Requests in flight keep their answers.
        /// </summary>
        public ScopeStops Stops { get; }

        /// <summary>Items that ended NotSent so far.</summary>
        public long NotSentCount => Interlocked.Read(ref _notSent);

        /// <summary>Items that ended NotSent after their request had been started (no answer: in doubt).</summary>
        public long InDoubtCount => Interlocked.Read(ref _inDoubt);

        /// <summary>Items the journal showed settled by an earlier run (no request made).</summary>
        public long SkippedCount => Interlocked.Read(ref _skipped);

        /// <summary>Requests started (handed to the client).</summary>
        public long StartedCount => Interlocked.Read(ref _started);

        /// <summary>True once Cancel was called.</summary>
        public bool IsCancellationRequested => _cancelRequested;

        /// <summary>
        /// Optional durable journal (-JournalPath): rows it shows settled are skipped without a request, each request's
        /// Intent is written before it goes out (a row whose Intent cannot be written is not sent, and the batch stops),
        /// and each outcome is written before it is returned. The caller owns (disposes) it.
        /// </summary>
        public BatchJournal Journal { get; set; }

        /// <summary>The journal's first write failure (full disk, a removed drive): the batch was stopped. Null otherwise.</summary>
        public Exception JournalFailure => Journal?.Failure;

        /// <summary>
        /// Queues one request and starts it when a slot is free. Waits while the concurrency or ordering buffer is
        /// full (bounded by the calls in flight finishing, or by Cancel), then returns the outcomes ready to write now,
        /// which may include this item's (e.g. a duplicate whose answer is known, or NotSent after Cancel).
        /// </summary>
        public IEnumerable<SendOutcome> Submit(ResendConfirmationCodeRequest request, object tag = null)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(BulkSender));
            var ready = new List<SendOutcome>();
            var item = new WorkItem { Sequence = _nextSequence++, Request = request, Tag = tag };
            Interlocked.Increment(ref _submitted);

            if (_cancelRequested)
            {
                Produce(NotSentOutcome(item), item.Request, null, ready);
                DrainCompletions(ready);
                return ready;
            }

            ResumeDecision resume = null;
            if (Journal != null && request != null)
            {
                resume = Journal.Decide(request.ClientId, request.Username);
                if (resume.Skip)
                {
                    Journal.TryWriteSkipped(item.Sequence, request, resume);
                    Produce(new SendOutcome { Sequence = item.Sequence, Request = request, Tag = tag, Kind = SendOutcomeKind.Skipped, Resume = resume }, request, null, ready);
                    WaitUntil(() => Pending <= _pendingLimit, ready);
                    DrainCompletions(ready);
                    return ready;
                }
                if (resume.Reason != ResumeReason.New) item.Resume = resume;
            }

            if (HeldByStop(item) is ScopeStop held)
            {
                Produce(StoppedOutcome(item, held), item.Request, null, ready);
                WaitUntil(() => Pending <= _pendingLimit, ready);
                DrainCompletions(ready);
                return ready;
            }

            if (_duplicates != null)
            {
                if (_duplicates.TryFind(request, out var key, out var pending, out var answer))
                {
                    if (pending != null) _duplicates.Follow(pending, item);
                    else Produce(answer.OutcomeFor(item.Sequence, item.Request, item.Tag), item.Request, null, ready);
                    WaitUntil(() => Pending <= _pendingLimit, ready);
                    DrainCompletions(ready);
                    return ready;
                }
                if (request?.Username != null && request.ClientId != null) item.Duplicates = _duplicates.Start(key);
            }

            // Wait for a slot; this item counts as pending while waiting, so the ordered buffer stays bounded.
            WaitUntil(() => _inFlight.Count < _throttleLimit && Pending <= _pendingLimit, ready);
            if (_cancelRequested)
            {
                Finish(item, NotSentOutcome(item), null, ready);
            }
            else if (HeldByStop(item) is ScopeStop stop)
            {
                // Cognito said stop for this row's scope while it waited for a slot.
                Finish(item, StoppedOutcome(item, stop), null, ready);
            }
            else if (_reporting == null && Journal != null && !Journal.TryWriteIntent(item.Sequence, request))
            {
                // Nothing is sent that the journal could not record: this row is not sent, and the batch stops.
                Cancel();
                Finish(item, NotSentOutcome(item), null, ready);
            }
            else
            {
                Start(item);
            }
            DrainCompletions(ready);
            return ready.Count == 0 ? (IEnumerable<SendOutcome>)NoOutcomes : ready;
        }

        /// <summary>
        /// Waits for everything in flight; yields the remaining outcomes as they become writable. After Cancel, calls
        /// still running after <see cref="BulkSendOptions.CancelGracePeriod"/> are abandoned as NotSent.
        /// </summary>
        public IEnumerable<SendOutcome> Complete()
        {
            var ready = new List<SendOutcome>();
            var answerDeadline = TimeSpan.MaxValue;
            var cancelDeadline = TimeSpan.MaxValue;
            while (true)
            {
                DrainCompletions(ready);
                CheckStall();
                if (_cancelRequested)
                {
                    // First a grace for answers to arrive (and be recorded), then cancel the calls, then abandon stragglers.
                    if (answerDeadline == TimeSpan.MaxValue) answerDeadline = _clock.Elapsed + _options.AnswerGracePeriod;
                    if (!_callsCancelled && (_inFlight.Count == 0 || _clock.Elapsed >= answerDeadline)) CancelCalls();
                    if (_callsCancelled && cancelDeadline == TimeSpan.MaxValue) cancelDeadline = _clock.Elapsed + _options.CancelGracePeriod;
                    if (_inFlight.Count > 0 && _clock.Elapsed >= cancelDeadline) AbandonInFlight(ready);
                }
                if (ready.Count > 0)
                {
                    var batch = ready.ToArray();
                    ready.Clear();
                    foreach (var outcome in batch) yield return outcome;
                    continue;
                }
                if (_inFlight.Count == 0) break;

                var wait = WaitSlice;
                if (_cancelRequested)
                {
                    var left = (_callsCancelled ? cancelDeadline : answerDeadline) - _clock.Elapsed;
                    if (left < wait) wait = left < TimeSpan.Zero ? TimeSpan.Zero : left;
                }
                _signal.Wait(wait);
            }
            Debug.Assert(_heldBack.Count == 0 && WaitingDuplicates == 0, "every item has yielded its outcome");
        }

        /// <summary>
        /// Ctrl+C: no new call starts, and later Submit calls return NotSent at once. The calls in flight get
        /// <see cref="BulkSendOptions.AnswerGracePeriod"/> to be answered (Complete waits for it), then their tokens
        /// are cancelled (they end within a second, or are abandoned after <see cref="BulkSendOptions.CancelGracePeriod"/>);
        /// those not answered come out as NotSent outcomes marked InDoubt. Safe from any thread.
        /// </summary>
        public void Cancel()
        {
            if (_cancelRequested) return;
            _cancelRequested = true;
            // Requests still waiting for a slot are not released during the answer grace.
            _sendGate.Close();
            if (_options.AnswerGracePeriod <= TimeSpan.Zero) CancelCalls();
            try { _signal.Release(); } catch (ObjectDisposedException) { } catch (SemaphoreFullException) { }
        }

        private void CancelCalls()
        {
            _callsCancelled = true;
            try { _cancellation.Cancel(); } catch (AggregateException) { } catch (ObjectDisposedException) { }
        }

        public BulkProgress GetProgress()
        {
            var elapsed = _clock.Elapsed;
            var completed = Interlocked.Read(ref _completed);
            var limiter = RateLimiter as AdaptiveRateLimiter;
            var sentInFlight = Interlocked.Read(ref _sentInFlightCount);
            return new BulkProgress
            {
                CurrentRateLimit = FiniteOrNull(limiter?.CurrentRate),
                Throttled = limiter?.ThrottleCount ?? 0,
                Submitted = Interlocked.Read(ref _submitted),
                Completed = completed,
                Failed = Interlocked.Read(ref _failed),
                InFlight = sentInFlight,
                WaitingToSend = Math.Max(0, Interlocked.Read(ref _inFlightCount) - sentInFlight),
                Total = ExpectedTotal,
                Elapsed = elapsed,
                RequestsPerSecond = elapsed.TotalSeconds > 0 ? completed / elapsed.TotalSeconds : 0,
            };
        }

        /// <summary>The end-of-batch summary: outcomes, attempts, throttles and the final rate (any thread, any time).</summary>
        public BulkSummary GetSummary()
        {
            var limiter = RateLimiter as AdaptiveRateLimiter;
            var completed = Interlocked.Read(ref _completed);
            var failed = Interlocked.Read(ref _failed);
            var notSent = Interlocked.Read(ref _notSent);
            return new BulkSummary
            {
                Succeeded = completed - failed - notSent,
                Failed = failed,
                NotSent = notSent,
                Attempts = limiter?.AttemptCount,
                Throttles = limiter?.ThrottleCount,
                FinalRate = FiniteOrNull(limiter?.CurrentRate),
                Cap = FiniteOrNull(limiter?.MaxRequestsPerSecond),
                Stalled = _stalled != null,
                Stops = Stops.All,
                Elapsed = _clock.Elapsed,
            };
        }

        // The limiter reports "no limit" (no cap, or not limiting yet) as infinity; progress and the summary say null.
        private static double? FiniteOrNull(double? rate) => rate.HasValue && !double.IsInfinity(rate.Value) ? rate : null;

        /// <summary>
        /// Ends the batch. Anything not yet handed out (the caller stopped before Complete, e.g. the pipeline was
        /// stopped) is cancelled and still recorded: answered calls as they ended, the rest as NotSent in the history
        /// and in <see cref="NotSentCount"/>. Takes at most <see cref="BulkSendOptions.CancelGracePeriod"/>.
        /// </summary>
        public void Dispose()
        {
            if (_disposed) return;
            if (Pending > 0 || !_completions.IsEmpty)
            {
                Cancel();
                foreach (var _ in Complete()) { }
            }
            _disposed = true;
            try { _cancellation.Cancel(); } catch (AggregateException) { }
        }

        // Submitted items whose outcome has not been handed out yet.
        private long Pending => _inFlight.Count + _heldBack.Count + WaitingDuplicates;

        private long WaitingDuplicates => _duplicates?.WaitingRows ?? 0;

        private void Start(WorkItem item)
        {
            item.StartedAt = DateTimeOffset.Now;
            item.StartTicks = _clock.ElapsedTicks;
            // A reporting client counts the row as started (and journals its Intent) only when it really sends.
            if (_reporting == null)
            {
                Interlocked.Increment(ref _started);
                // Handed to a client that does not report is taken as sent (as NotSentOutcome does).
                CountSent(item);
            }
            // Waiting for input is not a stall: the clock starts when work starts after an idle spell.
            if (_inFlight.Count == 0) _lastProgress = _clock.Elapsed;
            _inFlight[item.Sequence] = item;
            Interlocked.Increment(ref _inFlightCount);

            Task<ResendConfirmationCodeResponse> task;
            try
            {
                if (_reporting != null)
                {
                    item.SendState = new RequestSendState(_sendGate, () => BeginSending(item));
                    task = _reporting.ResendConfirmationCodeAsync(item.Request, item.SendState, _cancellation.Token);
                }
                else
                {
                    task = _client.ResendConfirmationCodeAsync(item.Request, _cancellation.Token);
                }
                if (task == null) throw new InvalidOperationException("The client returned no task.");
            }
            catch (Exception ex)
            {
                // Thrown before any await (e.g. validation): the same path as a faulted task.
                var failed = new TaskCompletionSource<ResendConfirmationCodeResponse>();
                failed.SetException(ex);
                task = failed.Task;
            }
            task.ContinueWith(OnCallFinished, item, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        // Any thread, at the send gate, right before a row's first attempt leaves: its Intent first (nothing is sent
        // that the journal could not record; the batch then stops).
        private bool BeginSending(WorkItem item)
        {
            // Cognito said stop for this row's scope while it waited for a slot of the rate limiter: it is not sent.
            if (HeldByStop(item) != null) return false;
            if (Journal != null && !Journal.TryWriteIntent(item.Sequence, item.Request))
            {
                Cancel();
                return false;
            }
            Interlocked.Increment(ref _started);
            CountSent(item);
            return true;
        }

        // Any thread: the row's request may now leave the machine, so it is in flight (GetProgress). Finish uncounts it.
        private void CountSent(WorkItem item)
        {
            if (Interlocked.Exchange(ref item.CountedSent, 1) == 0) Interlocked.Increment(ref _sentInFlightCount);
        }

        // Runs on a pool thread: only hands the task to the pipeline thread.
        private void OnCallFinished(Task<ResendConfirmationCodeResponse> task, object state)
        {
            _completions.Enqueue(new Completion((WorkItem)state, task));
            try { _signal.Release(); } catch (ObjectDisposedException) { } catch (SemaphoreFullException) { }
        }

        private void WaitUntil(Func<bool> condition, List<SendOutcome> ready)
        {
            while (true)
            {
                DrainCompletions(ready);
                CheckStall();
                if (_cancelRequested || condition()) return;
                _signal.Wait(WaitSlice);
            }
        }

        /// <summary>Pipeline thread: gives up the batch when calls are in flight and nothing got a final answer for MaxStallTime.</summary>
        private void CheckStall()
        {
            var limit = _options.MaxStallTime;
            // Waiting for a slot of our own cap is not Cognito failing: while every request in flight did (at this look
            // and the last), the stall clock stands still.
            var now = _clock.Elapsed;
            var onlyOurCap = _inFlight.Count > 0 && OnlyWaitingForOurCap();
            if (onlyOurCap && _onlyOurCapAtLastCheck) _lastProgress = Min(now, _lastProgress + (now - _lastStallCheck));
            _onlyOurCapAtLastCheck = onlyOurCap;
            _lastStallCheck = now;
            if (_cancelRequested || limit <= TimeSpan.Zero || _inFlight.Count == 0) return;
            var quiet = _clock.Elapsed - _lastProgress;
            if (quiet < limit) return;
            _stalled = new BatchStalledException(
                $"Not sent: Cognito kept failing (throttling, errors or no answer) and no request succeeded for {Seconds(quiet)} s " +
                $"(the limit is {Seconds(limit)} s), so the batch stopped. Resume with: Get-CGIPHistory -NotSent | Send-CGIPConfirmationCode");
            Cancel();
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        // Every request in flight waits for a slot of the limiter, and the limiter is at its cap (not slowed down by
        // Cognito's throttling, which is Cognito's answer and counts towards a stall).
        private bool OnlyWaitingForOurCap()
        {
            foreach (var item in _inFlight.Values)
            {
                if (item.SendState == null || !item.SendState.IsWaitingForSlot) return false;
            }
            if (RateLimiter is AdaptiveRateLimiter adaptive)
            {
                var cap = adaptive.MaxRequestsPerSecond;
                return !double.IsInfinity(cap) && adaptive.CurrentRate >= cap * 0.999;
            }
            return true;
        }

        private static string Seconds(TimeSpan t) => Math.Round(t.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

        // A final answer: a success, or an error retrying would not change. Retryable failures (throttling, 5xx, no
        // answer) after the row's own attempts do not show that Cognito is keeping up.
        private static bool IsProgress(SendOutcome outcome)
        {
            if (outcome.Kind == SendOutcomeKind.Succeeded) return true;
            if (outcome.Kind != SendOutcomeKind.Failed) return false;
            if (!(outcome.Error is CognitoException cognito)) return true;
            return RetryClassifier.Classify(cognito.HttpStatusCode, cognito.ErrorCode, cognito is CognitoTransportException) == RetryDecision.None;
        }

        private void DrainCompletions(List<SendOutcome> ready)
        {
            while (_completions.TryDequeue(out var completion))
            {
                var item = completion.Item;
                if (item.Done) continue; // abandoned after Cancel; its late answer is dropped
                Finish(item, OutcomeOf(item, completion.Task), completion.Task, ready);
            }
        }

        private void AbandonInFlight(List<SendOutcome> ready)
        {
            var abandoned = new List<WorkItem>(_inFlight.Values);
            abandoned.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            foreach (var item in abandoned) Finish(item, NotSentOutcome(item), null, ready);
            // Their late answers are dropped (Done): nothing is left to wait for.
        }

        private void Finish(WorkItem item, SendOutcome outcome, Task<ResendConfirmationCodeResponse> task, List<SendOutcome> ready)
        {
            item.Done = true;
            if (_inFlight.Remove(item.Sequence)) Interlocked.Decrement(ref _inFlightCount);
            if (Interlocked.Exchange(ref item.CountedSent, 0) == 1) Interlocked.Decrement(ref _sentInFlightCount);
            if (IsProgress(outcome)) _lastProgress = _clock.Elapsed;
            if (item.StartedAt.HasValue && (outcome.Kind == SendOutcomeKind.Succeeded || outcome.Kind == SendOutcomeKind.Failed))
            {
                Stops.Observe(item.Request?.ClientId, item.Request?.Username, outcome.Kind == SendOutcomeKind.Succeeded, outcome.Error);
            }
            Produce(outcome, item.Request, item, ready);

            var pending = item.Duplicates;
            if (pending == null) return;
            item.Duplicates = null;
            var followers = _duplicates.Finish(pending, outcome);
            if (followers == null) return;
            foreach (var follower in followers)
            {
                // Rows that waited for this answer share its very objects (the response is copied only when the row
                // spells the username differently, so each output object names its own row's user).
                Produce(new SendOutcome
                {
                    Sequence = follower.Sequence,
                    Request = follower.Request,
                    Tag = follower.Tag,
                    Kind = outcome.Kind,
                    Response = NamingUser(outcome.Response, follower.Request?.Username),
                    Error = outcome.Error,
                    IsDuplicate = true,
                }, follower.Request, null, ready);
            }
        }

        private static ResendConfirmationCodeResponse NamingUser(ResendConfirmationCodeResponse response, string username)
        {
            var details = response?.CodeDeliveryDetails;
            if (details == null || string.Equals(details.Username, username, StringComparison.Ordinal)) return response;
            return new SuccessShape(response).Rebuild(username, response.ResponseMetadata?.RequestId, response.Duration);
        }

        private SendOutcome OutcomeOf(WorkItem item, Task<ResendConfirmationCodeResponse> task)
        {
            var outcome = new SendOutcome { Sequence = item.Sequence, Request = item.Request, Tag = item.Tag, Resume = item.Resume };
            if (task.Status == TaskStatus.RanToCompletion)
            {
                if (task.Result != null)
                {
                    outcome.Kind = SendOutcomeKind.Succeeded;
                    outcome.Response = task.Result;
                }
                else
                {
                    outcome.Kind = SendOutcomeKind.Failed;
                    outcome.Error = new InvalidOperationException("The client returned no response.");
                }
                return outcome;
            }

            var error = task.IsCanceled ? new TaskCanceledException(task) : Unwrap(task.Exception);
            // Stopped at the send gate: nothing left the machine for this attempt.
            if (error is RequestNotSentException)
            {
                return !(item.SendState?.HasSent ?? false) && HeldByStop(item) is ScopeStop stop ? StoppedOutcome(item, stop) : NotSentOutcome(item);
            }
            // Our own cancellation: the call was not answered. A service error that arrived anyway is a real answer.
            if (_cancellation.IsCancellationRequested && (error is OperationCanceledException || error is CognitoTransportException))
            {
                return NotSentOutcome(item);
            }
            outcome.Kind = SendOutcomeKind.Failed;
            outcome.Error = error;
            return outcome;
        }

        private static Exception Unwrap(AggregateException aggregate)
        {
            if (aggregate == null) return new InvalidOperationException("The call failed without an error.");
            var flat = aggregate.Flatten();
            return flat.InnerExceptions.Count == 1 ? flat.InnerExceptions[0] : flat;
        }

        private ScopeStop HeldByStop(WorkItem item) => item.Request == null ? null : Stops.Holding(item.Request.ClientId);

        // Never sent: plainly not sent, resumable; the error names the stop (its message goes to the history and journal).
        private SendOutcome StoppedOutcome(WorkItem item, ScopeStop stop)
            => new SendOutcome { Sequence = item.Sequence, Request = item.Request, Tag = item.Tag, Kind = SendOutcomeKind.NotSent, Resume = item.Resume, Error = stop.RowError };

        // Sent (the request may have left the machine) means in doubt; otherwise plainly not sent. A reporting client
        // says when an attempt was really sent; for others, handed to the client is taken as sent. After a stall the error says why.
        private SendOutcome NotSentOutcome(WorkItem item)
            => new SendOutcome
            {
                Sequence = item.Sequence, Request = item.Request, Tag = item.Tag, Kind = SendOutcomeKind.NotSent,
                InDoubt = item.SendState != null ? item.SendState.HasSent : item.StartedAt.HasValue, Resume = item.Resume, Error = _stalled,
            };

        // Counts, records and releases one outcome (in order unless Unordered). Pipeline thread only.
        private void Produce(SendOutcome outcome, ResendConfirmationCodeRequest request, WorkItem sent, List<SendOutcome> ready)
        {
            switch (outcome.Kind)
            {
                case SendOutcomeKind.Succeeded: if (Command != null) Command.Succeeded++; break;
                case SendOutcomeKind.Failed: Interlocked.Increment(ref _failed); if (Command != null) Command.Failed++; break;
                case SendOutcomeKind.NotSent:
                    Interlocked.Increment(ref _notSent);
                    if (outcome.InDoubt) Interlocked.Increment(ref _inDoubt);
                    if (outcome.Error is ScopeStoppedException stopped) Stops.CountHeld(stopped.Stop);
                    if (Command != null) Command.NotSent++;
                    break;
                case SendOutcomeKind.Skipped: Interlocked.Increment(ref _skipped); if (Command != null) Command.Skipped++; break;
            }
            Interlocked.Increment(ref _completed);
            if (outcome.Kind != SendOutcomeKind.Skipped) Record(outcome, request, sent);

            if (_options.Unordered)
            {
                ready.Add(outcome);
                return;
            }
            if (outcome.Sequence != _nextToEmit)
            {
                _heldBack[outcome.Sequence] = outcome;
                return;
            }
            ready.Add(outcome);
            _nextToEmit++;
            while (_heldBack.TryGetValue(_nextToEmit, out var next))
            {
                _heldBack.Remove(_nextToEmit);
                ready.Add(next);
                _nextToEmit++;
            }
        }

        // The history entry, and the journal's outcome line from the same entry: written before the outcome is returned.
        private void Record(SendOutcome outcome, ResendConfirmationCodeRequest request, WorkItem sent)
        {
            if (_history == null && Journal == null) return;
            var measured = sent != null && sent.StartTicks != 0 ? TimeSpan.FromTicks((long)((_clock.ElapsedTicks - sent.StartTicks) * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency))) : TimeSpan.Zero;
            var entry = HistoryEntryMapper.FromOutcome(outcome, _endpoint, _region, Command?.CommandName, sent?.StartedAt, measured);
            // A duplicate row made no request of its own, but gets its own outcome line (the first row's answer), so
            // a rerun settles it too (with -CaseInsensitiveUsernames, also when it spells the user differently).
            if (Journal != null && !Journal.TryWriteOutcome(outcome.Sequence, entry, outcome.InDoubt))
            {
                // The outcome is still reported; the journal will show the row in doubt. Nothing more is sent.
                Cancel();
            }
            if (_history == null) return;
            try
            {
                // Only a successful first answer sets LastServiceResponse; a duplicate shares it and adds nothing new.
                _history.Record(entry, request, outcome.IsDuplicate || outcome.Kind != SendOutcomeKind.Succeeded ? null : outcome.Response);
            }
            catch (Exception)
            {
                // The history must never cost an outcome.
            }
        }

        private sealed class WorkItem
        {
            public long Sequence;
            public ResendConfirmationCodeRequest Request;
            public object Tag;
            public DateTimeOffset? StartedAt;
            public RequestSendState SendState;
            // 1 while the request counts in _sentInFlightCount (set at the send gate, any thread; cleared by Finish).
            public int CountedSent;
            public long StartTicks;
            public bool Done;
            public ResumeDecision Resume;
            public DuplicateMap<WorkItem>.PendingKey Duplicates;
        }

        private struct Completion
        {
            public Completion(WorkItem item, Task<ResendConfirmationCodeResponse> task) { Item = item; Task = task; }
            public readonly WorkItem Item;
            public readonly Task<ResendConfirmationCodeResponse> Task;
        }
    }
}
