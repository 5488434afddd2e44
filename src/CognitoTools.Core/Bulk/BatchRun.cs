using System;
using System.Collections.Generic;
using CognitoTools.Endpoints;
using CognitoTools.History;
using CognitoTools.Journal;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// One Send-CGIPConfirmationCode batch from its first row to its end, without PowerShell: the client, the
    /// <see cref="BulkSender"/>, the journal and the history command, the rows read, the one cancel-then-complete
    /// shutdown, and every text the command shows about the batch (progress, end summary, stop warnings, the
    /// permanent-skip tally). The cmdlet binds parameters and writes what this returns.
    /// Submit, Complete and the texts are called from one thread (the pipeline thread); Cancel from any thread.
    /// </summary>
    public sealed class BatchRun : IDisposable
    {
        private readonly ICognitoIdpClient _client;
        private readonly BulkSendOptions _options;
        private readonly CommandHistory _history;
        private readonly HashSet<ScopeStop> _stopsAnnounced = new HashSet<ScopeStop>();
        private readonly SortedDictionary<string, int> _permanentSkips = new SortedDictionary<string, int>(StringComparer.Ordinal);
        private long? _rowsGiven;
        private bool _skipInDoubt;
        private bool _inputEnded;
        private bool _finished;
        private bool _stopWarned;
        private bool _disposed;

        /// <summary>A run over <paramref name="client"/>, which it owns (disposes). <paramref name="history"/> may be null.</summary>
        public BatchRun(ICognitoIdpClient client, BulkSendOptions options, CommandHistory history)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _options = options ?? new BulkSendOptions();
            _history = history;
            Sender = new BulkSender(client, _options, history);
        }

        /// <summary>
        /// The client of a run: the resolved endpoint, Region, attempts, timeouts and CA bundle, with the limiter and
        /// connections of <see cref="BatchClientFactory"/>. A batch (<paramref name="isBatch"/>: pipeline input or
        /// several names) lets throttles and an empty retry quota slow it down instead of failing rows; a single call
        /// keeps the SDKs' standard retry mode. <paramref name="log"/> is called from worker threads.
        /// </summary>
        public static CognitoIdpClient CreateClient(ResolvedClientSettings settings, BulkSendOptions options, bool isBatch, string userAgentSuffix, Action<string> log)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            return BatchClientFactory.Create(settings.ToClientConfig(userAgentSuffix, log), options, retryMode: isBatch ? RetryMode.Batch : RetryMode.Standard);
        }

        public BulkSender Sender { get; }

        /// <summary>The journal (-JournalPath) once <see cref="OpenJournal"/> opened it, else null. The run owns it.</summary>
        public BatchJournal Journal { get; private set; }

        /// <summary>The history's record of this command once <see cref="Begin"/> was called, else null.</summary>
        public CommandRecord Command { get; private set; }

        /// <summary>Input rows read so far (<see cref="CountRead"/>).</summary>
        public long RowsRead { get; private set; }

        /// <summary>The rows given at once (an array bound to -Username), or null for streaming pipeline input; the progress bar's total.</summary>
        public long? RowsGiven
        {
            get => _rowsGiven;
            set { _rowsGiven = value; Sender.ExpectedTotal = value; }
        }

        /// <summary>The journal's first write failure (full disk, a removed drive): the batch was stopped. Null otherwise.</summary>
        public Exception JournalFailure => Sender.JournalFailure;

        /// <summary>Opens the journal at <paramref name="path"/> for this run's endpoint; its rows settled earlier are skipped.</summary>
        public BatchJournal OpenJournal(string path, ResumeOptions resume)
        {
            Journal = BatchJournal.Open(path, _client.ServiceUrl?.ToString(), resume);
            _skipInDoubt = resume?.SkipInDoubt ?? false;
            Sender.Journal = Journal;
            return Journal;
        }

        /// <summary>Starts the history's record of the command: from now on, a stopped run owes a warning.</summary>
        public void Begin(string commandName)
        {
            if (_history == null) return;
            Command = _history.BeginCommand(commandName);
            Sender.Command = Command;
        }

        /// <summary>One more input row read (whether or not it becomes a request).</summary>
        public void CountRead() => RowsRead++;

        /// <summary>Queues one request; returns the outcomes ready to write now (see <see cref="BulkSender.Submit"/>).</summary>
        public IEnumerable<SendOutcome> Submit(ResendConfirmationCodeRequest request, object tag) => Tallied(Sender.Submit(request, tag));

        /// <summary>The input ended: waits for everything in flight and yields the remaining outcomes.</summary>
        public IEnumerable<SendOutcome> Complete()
        {
            _inputEnded = true;
            return Tallied(Sender.Complete());
        }

        /// <summary>Ctrl+C (any thread): no new call starts; the calls in flight get their grace, then are cancelled.</summary>
        public void Cancel() => Sender.Cancel();

        /// <summary>
        /// The one shutdown: cancel first (no new call starts, later rows end NotSent at once), then complete (answers
        /// in flight get their grace and are recorded; stragglers end NotSent, in doubt). Yields the outcomes left.
        /// </summary>
        public IEnumerable<SendOutcome> CancelAndComplete()
        {
            Sender.Cancel();
            return Tallied(Sender.Complete());
        }

        /// <summary>
        /// Rows given to the command that will never be submitted (an array cut short by Ctrl+C or -ErrorAction Stop):
        /// the batch is cancelled and each row is counted as read and recorded NotSent (history, journal). A row whose
        /// request cannot be built would have been refused before sending: it is not a call and is not recorded.
        /// </summary>
        public void RecordNotSent<TRow>(IEnumerable<TRow> rows, Func<TRow, ResendConfirmationCodeRequest> buildRequest, Func<TRow, object> tagOf)
        {
            Sender.Cancel();
            foreach (var row in rows)
            {
                RowsRead++;
                ResendConfirmationCodeRequest request;
                try
                {
                    request = buildRequest(row);
                }
                catch (Exception)
                {
                    continue;
                }
                // A cancelled sender sends nothing and records the request as NotSent; nothing can be written now.
                foreach (var _ in Submit(request, tagOf(row)))
                {
                }
            }
        }

        /// <summary>Ends the history's record of the command (once).</summary>
        public void Finish()
        {
            if (_finished) return;
            _finished = true;
            if (Command != null) _history.EndCommand(Command);
        }

        /// <summary>
        /// The end of a run that did not end normally (stopped, or ended by an error; EndProcessing skipped): the one
        /// shutdown, drained (every outcome still reaches the history and the journal), then the record ends. Returns
        /// the stop warning the run owes, or null. Does nothing after <see cref="Finish"/>.
        /// </summary>
        public string Abandon()
        {
            if (_finished) return null;
            string warning = null;
            try
            {
                foreach (var _ in CancelAndComplete())
                {
                    // Recorded by the sender; nothing can be written to the pipeline now.
                }
                // A run that never began has nothing to report.
                if (!_stopWarned && Command != null && (Sender.NotSentCount > 0 || !_inputEnded))
                {
                    _stopWarned = true;
                    warning = StopWarning();
                }
            }
            catch (Exception error) when (!(error is OutOfMemoryException))
            {
                // Best effort while unwinding; the history already holds what was recorded.
            }
            Finish();
            return warning;
        }

        /// <summary>The progress line: counts, the rate, the rate limit, the throttles and any stop.</summary>
        public string ProgressStatus(out int? percentComplete)
        {
            var progress = Sender.GetProgress();
            percentComplete = progress.PercentComplete;
            // In flight: requests that may have left the machine (the stop summary's rule); those waiting for a slot of the rate limiter are said apart.
            return $"{progress.Completed} done, {progress.Failed} failed, {progress.InFlight} in flight, " +
                   (progress.WaitingToSend > 0 ? $"{progress.WaitingToSend} waiting for the rate limit, " : string.Empty) +
                   $"{RateText.PerSecond(progress.RequestsPerSecond)}, rate limit {RateText.Limit(progress.CurrentRateLimit)}, {progress.Throttled} throttled" +
                   StopsProgress();
        }

        /// <summary>The end summary (verbose): outcomes, attempts, throttles, the final rate and any stop.</summary>
        public string EndSummary()
        {
            var summary = Sender.GetSummary();
            var command = Command;
            var succeeded = command?.Succeeded ?? summary.Succeeded;
            var failed = command?.Failed ?? summary.Failed;
            var notSent = command?.NotSent ?? summary.NotSent;
            var skipped = Journal == null ? string.Empty : $", {command?.Skipped ?? Sender.SkippedCount} skipped (settled in the journal by an earlier run)";
            return $"{succeeded} succeeded, {failed} failed, {notSent} not sent{skipped} in {summary.Elapsed.TotalSeconds:0.0} s; " +
                   $"{summary.Attempts} attempts, {summary.Throttles} throttled; final rate {RateText.WithCap(summary.FinalRate, summary.Cap)}.{StopsSummary()}";
        }

        /// <summary>Counts of the rows read, answered, in doubt and not sent, in one sentence.</summary>
        public string StopSummary()
        {
            var inDoubt = Sender.InDoubtCount;
            var answered = Sender.StartedCount - inDoubt;
            var notSent = Sender.NotSentCount - inDoubt;
            var text = $"{RowsRead} input row(s) read, {answered} sent and answered";
            if (Sender.SkippedCount > 0)
            {
                text += $", {Sender.SkippedCount} skipped (already settled in the journal)";
            }
            text += $", {inDoubt} in flight without an answer (they may have reached Cognito), {notSent} read but not sent.";
            return text;
        }

        /// <summary>The warning of a stopped or stalled batch: what was done, what was not, and how to resume.</summary>
        public string StopWarning()
        {
            var moreInput = _inputEnded ? (bool?)false : _rowsGiven.HasValue ? RowsRead < _rowsGiven.Value : (bool?)null;
            var text = (Sender.StallError != null
                ? $"The batch stopped because Cognito kept failing: nothing was answered for good for {(int)_options.MaxStallTime.TotalSeconds} s (-MaxStallSec). "
                : "The command was stopped: ") + StopSummary() + StopsSummary();
            if (moreInput == true)
            {
                text += $" The input had more rows that were never read ({_rowsGiven - RowsRead} of the -Username list).";
            }
            else if (moreInput == null)
            {
                text += $" The pipeline was stopped before its input ended: rows after the first {RowsRead} were not read.";
            }
            if (Journal != null)
            {
                text += $" To resume, run the same command again with -JournalPath '{Journal.Path}': rows already answered are skipped, the rest are sent"
                    + (Sender.InDoubtCount > 0 ? (_skipInDoubt ? " (rows in doubt are skipped: -SkipInDoubt)." : " (rows in doubt are sent again: at worst a second code).") : ".");
            }
            else
            {
                text += " The rows read but not sent are in Get-CGIPHistory -NotSent" + (moreInput == false ? "." : "; rows not read are recorded nowhere.")
                    + " To resume exactly, run the command with -JournalPath <file>: running it again with the same journal skips the rows already done.";
            }
            return text;
        }

        /// <summary>The terminating error's message when the journal could not be written, or null when it could.</summary>
        public string JournalFailureMessage()
        {
            var failure = JournalFailure;
            return failure == null ? null
                : $"The journal '{Journal?.Path}' could not be written ({failure.Message}), so the batch stopped: nothing is sent that the journal cannot record. {StopSummary()} Free the space (or fix the drive), then run the same command again with the same -JournalPath to resume.";
        }

        /// <summary>
        /// At the end of a batch that ended normally: the warning for rows not sent, or null. Rows held back by a scope
        /// stop are reported by its one error (<see cref="StopsToReport"/>); the warning is for a stopped or stalled batch.
        /// </summary>
        public string EndWarning()
        {
            string warning = null;
            if (Sender.NotSentCount - Sender.Stops.NotSentCount > 0)
            {
                warning = StopWarning();
            }
            _stopWarned |= warning != null || Sender.Stops.Count > 0;
            return warning;
        }

        /// <summary>
        /// Warnings for the stops that first held a row back since the last call, so a watching user knows at once; the
        /// one error record with the counts and how to resume comes when the batch ends (<see cref="StopsToReport"/>).
        /// </summary>
        public IReadOnlyList<string> TakeStopAnnouncements()
        {
            if (Sender.Stops.Count == 0) return Array.Empty<string>();
            var announcements = new List<string>();
            foreach (var stop in Sender.Stops.All)
            {
                // A stop that holds nothing back (one row, or the last ones) is said by the rows' own errors.
                if (stop.NotSentCount == 0 || !_stopsAnnounced.Add(stop)) continue;
                announcements.Add($"{stop.Headline}: {StopCauses.Describe(stop.Cause)} ({stop.ErrorCode}). No more requests of it are sent; its rows not yet sent are NotSent (resumable). One {stop.ErrorId} error at the end of the batch gives the counts and how to resume.");
            }
            return announcements;
        }

        /// <summary>The stops that get one error record at the end of the batch, when the counts are final.</summary>
        public IReadOnlyList<ScopeStop> StopsToReport()
        {
            var stops = new List<ScopeStop>();
            foreach (var stop in Sender.Stops.All)
            {
                // A stop that held nothing back and failed one row only: that row's own error already says it all.
                if (stop.NotSentCount > 0 || stop.SameAnswerCount > 1) stops.Add(stop);
            }
            return stops;
        }

        /// <summary>Rows not sent again because the journal recorded a failure a resend cannot fix, per error code.</summary>
        public IReadOnlyDictionary<string, int> PermanentSkips => _permanentSkips;

        /// <summary>The warning that rows were skipped for an earlier permanent failure, with the tally per error code; null when none were.</summary>
        public string PermanentSkipWarning()
        {
            if (_permanentSkips.Count == 0) return null;
            var total = 0;
            var codes = new List<string>();
            foreach (var pair in _permanentSkips)
            {
                total += pair.Value;
                codes.Add($"{pair.Key} {pair.Value}");
            }
            return $"{total} row(s) were not sent again because an earlier run recorded in the journal that they cannot succeed ({string.Join(", ", codes)}). Add -RetryPermanentFailures to send them anyway, for example after fixing the client secret.";
        }

        /// <summary>" ; STOPPED: ..." for the progress line, or empty.</summary>
        private string StopsProgress()
        {
            if (Sender.Stops.Count == 0) return string.Empty;
            var parts = new List<string>();
            foreach (var stop in Sender.Stops.All)
            {
                parts.Add($"{stop.ShortText}, {stop.NotSentCount} not sent");
            }
            return "; STOPPED: " + string.Join("; ", parts);
        }

        /// <summary>" Cognito said stop: ..." for the end summary and the stop warning, or empty.</summary>
        private string StopsSummary()
        {
            var stops = Sender.Stops.All;
            if (stops.Count == 0) return string.Empty;
            var parts = new List<string>();
            foreach (var stop in stops)
            {
                // A proxy's refusal is not Cognito's answer: said apart.
                parts.Add((stop.IsCognitoAnswer ? "Cognito said stop: " : "The proxy refused: ") + $"{stop.ErrorId} for {stop.ScopeText} ({stop.ErrorCode}): {stop.NotSentCount} row(s) not sent");
            }
            return " " + string.Join("; ", parts) + ".";
        }

        // Every outcome handed out passes here, so the skip tally counts exactly the rows reported.
        private IEnumerable<SendOutcome> Tallied(IEnumerable<SendOutcome> outcomes)
        {
            foreach (var outcome in outcomes)
            {
                if (outcome.Kind == SendOutcomeKind.Skipped && outcome.Resume?.Reason == ResumeReason.PermanentFailure)
                {
                    var code = outcome.Resume.Previous?.ErrorCode ?? "UnknownError";
                    _permanentSkips[code] = _permanentSkips.TryGetValue(code, out var count) ? count + 1 : 1;
                }
                yield return outcome;
            }
        }

        /// <summary>
        /// Releases the run in its order: the sender first (anything not handed out is cancelled and recorded), then
        /// the client, then the journal (its last outcome lines are written, then it is synced and released).
        /// </summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Sender.Dispose();
            _client.Dispose();
            Journal?.Dispose();
        }
    }
}
