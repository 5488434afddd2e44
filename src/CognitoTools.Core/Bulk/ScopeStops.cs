using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// One scope Cognito said stop for: an app client at an endpoint, or (the daily e-mail limit) every client at it.
    /// Counts are updated on the pipeline thread and may be read from any thread.
    /// </summary>
    public sealed class ScopeStop
    {
        private long _notSent;
        private long _sameAnswers;

        internal ScopeStop(StopVerdict verdict, string endpoint, string clientId, string username, CognitoException error, int runLength)
        {
            Scope = verdict.Scope;
            Cause = verdict.Cause;
            Endpoint = endpoint;
            ClientId = clientId;
            TriggerUsername = username;
            ErrorCode = error?.ErrorCode;
            ErrorMessage = error?.Message;
            RequestId = error?.RequestId;
            RunLength = runLength;
            Time = DateTimeOffset.Now;
            _sameAnswers = 1;
            RowError = new ScopeStoppedException(this);
        }

        public StopScope Scope { get; }
        public StopCause Cause { get; }
        /// <summary>The endpoint the batch sends to.</summary>
        public string Endpoint { get; }
        /// <summary>The app client of the answer that stopped the scope (for an Account stop, the client it came for).</summary>
        public string ClientId { get; }
        /// <summary>The user whose answer stopped the scope.</summary>
        public string TriggerUsername { get; }
        public string ErrorCode { get; }
        public string ErrorMessage { get; }
        public string RequestId { get; }
        /// <summary>1, or for a run of UnexpectedLambdaException / CodeDeliveryFailureException its length.</summary>
        public int RunLength { get; }
        public DateTimeOffset Time { get; }

        /// <summary>The stable error id of the stop's one error record (e.g. DailyEmailLimitReached).</summary>
        public string ErrorId => StopCauses.ErrorId(Cause);
        public ErrorClassification Category => StopCauses.Category(Cause);

        /// <summary>Rows of the scope that were not sent because of this stop (NotSent in the history and the journal).</summary>
        public long NotSentCount => Interlocked.Read(ref _notSent);

        /// <summary>Rows answered with this scope-wide error: the one that stopped it and those already in flight.</summary>
        public long SameAnswerCount => Interlocked.Read(ref _sameAnswers);

        /// <summary>The error each held row's NotSent outcome carries (its message goes to the history and the journal).</summary>
        public ScopeStoppedException RowError { get; }

        /// <summary>True when a row of this client is held by the stop.</summary>
        public bool Covers(string clientId) => Scope == StopScope.Account || Scope == StopScope.Endpoint || string.Equals(ClientId, clientId, StringComparison.Ordinal);

        /// <summary>
        /// False when the answer that stopped the scope was not Cognito's: a proxy's refusal (407), where nothing reached
        /// Cognito. The messages then say who refused.
        /// </summary>
        public bool IsCognitoAnswer => Cause != StopCause.ProxyCredentialsRefused;

        /// <summary>"app client 'x' at http://...", "the AWS account at http://... (...)" or "every request to http://... (...)".</summary>
        public string ScopeText => Scope == StopScope.Account
            ? $"the AWS account at {Endpoint} (every app client of the batch)"
            : Scope == StopScope.Endpoint
                ? $"every request to {Endpoint} (every app client of the batch)"
                : $"app client '{ClientId}' at {Endpoint}";

        /// <summary>Who stopped what: "Cognito said stop for ..." or, for a proxy's refusal, "The proxy refused ...".</summary>
        public string Headline => IsCognitoAnswer
            ? $"Cognito said stop for {ScopeText}"
            : $"The proxy on the way to Cognito refused {ScopeText}";

        /// <summary>"Cognito" or "The proxy": who gave the answer that stopped the scope.</summary>
        private string Answerer => IsCognitoAnswer ? "Cognito" : "The proxy";

        /// <summary>What Cognito (or the proxy) answered, in one clause.</summary>
        public string AnswerText => RunLength > 1
            ? $"{ErrorCode} for {RunLength} users in a row (last: '{TriggerUsername}', \"{ErrorMessage}\")"
            : $"{ErrorCode} for user '{TriggerUsername}' (\"{ErrorMessage}\")";

        /// <summary>A short label for the progress line.</summary>
        public string ShortText => Cause == StopCause.DailyEmailLimit
            ? "daily e-mail limit"
            : Scope == StopScope.Endpoint
                ? $"{ErrorId} ({ErrorCode}) for every client"
                : $"{ErrorId} ({ErrorCode}) for client {ClientId}";

        /// <summary>
        /// The stop's one error message: the cause in words, what Cognito answered, how many rows failed with it and
        /// how many were not sent, what to change, and how to resume.
        /// </summary>
        /// <param name="journalPath">The batch's -JournalPath, or null.</param>
        public string Report(string journalPath)
        {
            var text = $"{Headline}: {StopCauses.Describe(Cause)}. {Answerer} answered {AnswerText}, so no more requests of that scope were sent: " +
                       $"{NotSentCount} row(s) were not sent (NotSent, resumable); {SameAnswerCount} row(s) failed with {ErrorCode} (the requests already in flight kept their own answers).";
            if (Cause == StopCause.DailyEmailLimit)
            {
                text += " Users who get their code by SMS were held back too: the module cannot know a row's delivery medium before it sends.";
            }
            return text + " " + StopCauses.Fix(Cause) + " " + ResumeText(journalPath);
        }

        /// <summary>How to resume the rows the stop held back (and those that failed with it).</summary>
        public string ResumeText(string journalPath)
        {
            // A scope-wide failure is not a permanent one (ResumeRules): the journal resends those rows without -RetryPermanentFailures.
            if (journalPath != null)
            {
                return $"To resume, run the same command again with -JournalPath '{journalPath}': rows already answered are skipped, the rest are sent, those that failed with {ErrorCode} included.";
            }
            return "To resume, pipe Get-CGIPHistory -NotSent to the same command (and Get-CGIPHistory -Failed for the rows that failed with " + ErrorCode +
                   "), or run the whole input again with -JournalPath <file> next time so a rerun sends exactly the rest.";
        }

        internal void CountNotSent() => Interlocked.Increment(ref _notSent);
        internal void CountSameAnswer() => Interlocked.Increment(ref _sameAnswers);

        public override string ToString() => ErrorId + ": " + ScopeText;
    }

    /// <summary>NotSent because Cognito said stop for the row's scope (<see cref="ScopeStop"/>): the row can be resumed.</summary>
    public sealed class ScopeStoppedException : OperationCanceledException
    {
        public ScopeStoppedException(ScopeStop stop)
            : base($"Not sent: {stop.Headline}: {StopCauses.Describe(stop.Cause)}; {(stop.IsCognitoAnswer ? "it" : "the proxy")} answered {stop.ErrorCode} at {stop.Time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC. " +
                   StopCauses.Fix(stop.Cause) + " Then resume: the same command with the same -JournalPath, or Get-CGIPHistory -NotSent | Send-CGIPConfirmationCode.")
        {
            Stop = stop;
        }

        public ScopeStop Stop { get; }
    }

    /// <summary>The exception of a stop's one error record: its message is <see cref="ScopeStop.Report"/>.</summary>
    public sealed class ScopeStopReportException : InvalidOperationException
    {
        public ScopeStopReportException(ScopeStop stop, string message) : base(message)
        {
            Stop = stop;
        }

        public ScopeStop Stop { get; }
    }

    /// <summary>
    /// The scopes Cognito said stop for in one batch (issue 13). <see cref="BulkSender"/> asks <see cref="Holding"/>
    /// before it starts a request and tells <see cref="Observe"/> every answer of a request it made: the first
    /// account- or pool-wide answer (<see cref="StopClassifier"/>) stops its scope at once, and so does a proxy's refusal
    /// of the credentials (every request to the endpoint; not Cognito's answer); UnexpectedLambdaException
    /// and CodeDeliveryFailureException do after <see cref="StopClassifier.AmbiguousRunLength"/> in a row for distinct
    /// users. Pipeline thread only, except the read-only <see cref="All"/> and <see cref="Holding"/> (the send gate asks it).
    /// </summary>
    public sealed class ScopeStops
    {
        private readonly string _endpoint;
        private readonly int _runLength;
        private readonly object _gate = new object();
        private readonly List<ScopeStop> _stops = new List<ScopeStop>();
        private readonly Dictionary<string, ScopeStop> _byClient = new Dictionary<string, ScopeStop>(StringComparer.Ordinal);
        private readonly Dictionary<string, Run> _runs = new Dictionary<string, Run>(StringComparer.Ordinal);
        // The account-wide (daily e-mail limit) or endpoint-wide (a proxy's refusal) stop: it holds every client.
        private ScopeStop _account;

        public ScopeStops(string endpoint, int ambiguousRunLength = StopClassifier.AmbiguousRunLength)
        {
            _endpoint = endpoint;
            _runLength = Math.Max(1, ambiguousRunLength);
        }

        /// <summary>The stops so far, in the order they happened (a snapshot; any thread).</summary>
        public IReadOnlyList<ScopeStop> All
        {
            get { lock (_gate) return _stops.ToArray(); }
        }

        public int Count
        {
            get { lock (_gate) return _stops.Count; }
        }

        /// <summary>Rows not sent because of any stop.</summary>
        public long NotSentCount
        {
            get
            {
                long total = 0;
                foreach (var stop in All) total += stop.NotSentCount;
                return total;
            }
        }

        /// <summary>The stop that holds a row of this app client, or null: the row may be sent.</summary>
        public ScopeStop Holding(string clientId)
        {
            // Also read at the send gate, on the thread whose rate-limiter slot came up.
            lock (_gate)
            {
                if (_account != null) return _account;
                return clientId != null && _byClient.TryGetValue(clientId, out var stop) ? stop : null;
            }
        }

        /// <summary>Counts a row held by the stop (its NotSent outcome is being recorded).</summary>
        public void CountHeld(ScopeStop stop) => stop?.CountNotSent();

        /// <summary>
        /// One answer to a request that was made (not a duplicate, not NotSent): returns the stop it starts, or null.
        /// An answer with a scope-wide error of a scope already stopped is counted on that stop.
        /// </summary>
        public ScopeStop Observe(string clientId, string username, bool succeeded, Exception error)
        {
            var key = clientId ?? string.Empty;
            if (succeeded)
            {
                _runs.Remove(key);
                return null;
            }
            var verdict = StopClassifier.Classify(error);
            var cognito = error as CognitoException;
            switch (verdict.Reach)
            {
                case ErrorReach.Scope:
                    _runs.Remove(key);
                    return StopOrCount(verdict, clientId, username, cognito, 1);
                case ErrorReach.ScopeIfRepeated:
                    var held = Holding(clientId);
                    if (held != null)
                    {
                        if (held.ErrorCode == cognito?.ErrorCode) held.CountSameAnswer();
                        return null;
                    }
                    if (!_runs.TryGetValue(key, out var run) || run.Code != cognito?.ErrorCode)
                    {
                        run = new Run(cognito?.ErrorCode);
                        _runs[key] = run;
                    }
                    run.Users.Add(username ?? string.Empty);
                    if (run.Users.Count < _runLength) return null;
                    _runs.Remove(key);
                    return StopOrCount(verdict, clientId, username, cognito, run.Users.Count);
                default:
                    // Any other answer breaks a run: the failures were not all alike.
                    _runs.Remove(key);
                    return null;
            }
        }

        private ScopeStop StopOrCount(StopVerdict verdict, string clientId, string username, CognitoException error, int runLength)
        {
            // Already stopped (an answer that was in flight): counted on the stop that holds it, no second stop...
            var wide = verdict.Scope == StopScope.Account || verdict.Scope == StopScope.Endpoint;
            var existing = wide ? _account : Holding(clientId);
            if (existing != null && (existing.Scope != StopScope.AppClient || verdict.Scope == StopScope.AppClient))
            {
                if (existing.ErrorCode == error?.ErrorCode) existing.CountSameAnswer();
                return null;
            }
            // ...except an account- or endpoint-wide stop after a client's stop: it widens the hold to every client.
            var stop = new ScopeStop(verdict, _endpoint, clientId, username, error, runLength);
            lock (_gate)
            {
                _stops.Add(stop);
                if (wide) _account = stop;
                else if (clientId != null) _byClient[clientId] = stop;
            }
            return stop;
        }

        private sealed class Run
        {
            public Run(string code) { Code = code; }
            public readonly string Code;
            public readonly HashSet<string> Users = new HashSet<string>(StringComparer.Ordinal);
        }
    }
}
