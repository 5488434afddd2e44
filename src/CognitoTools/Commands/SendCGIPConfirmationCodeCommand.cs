using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Security;
using CognitoTools.Bulk;
using CognitoTools.Endpoints;
using CognitoTools.History;
using CognitoTools.Journal;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Commands
{
    /// <summary>
    /// Resends the sign-up confirmation code (Cognito's ResendConfirmationCode) to one user or to many piped in.
    /// Binds parameters like AWS.Tools' cmdlet of the same name; the core client and bulk sender do the work.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "CGIPConfirmationCode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CodeDeliveryDetailsType), typeof(ResendConfirmationCodeResponse), typeof(string))]
    public sealed class SendCGIPConfirmationCodeCommand : PSCmdlet, IDisposable, IClientSettingsParameters
    {
        private const string OperationAction = "Send-CGIPConfirmationCode (ResendConfirmationCode)";
        private const int ProgressActivityId = 0x4347; // "CG": one progress bar per command
        private static readonly TimeSpan ProgressFirstDelay = TimeSpan.FromMilliseconds(500);
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

        private enum SelectMode { CodeDeliveryDetails, WholeResponse, Username, ClientId }

        /// <summary>The row's values the outcome is reported against (for -Select ^Username/^ClientId and error targets).</summary>
        private sealed class RowTag
        {
            public string Username;
            public string ClientId;
        }

        private SelectMode _select;
        private bool _whatIf;
        private bool _verbose;
        private ICognitoIdpClient _client;
        private BulkSender _sender;
        private RequestBuilder _requests;
        private CommandHistory _history;
        private CommandRecord _command;
        private readonly ConcurrentQueue<string> _verboseLines = new ConcurrentQueue<string>();
        private bool _progressEnabled;
        private bool _progressShown;
        private readonly Stopwatch _progressClock = new Stopwatch();
        private TimeSpan _nextProgressAt;
        private bool _finished;
        private bool _notSentWarned;
        private BatchJournal _journal;
        private bool _warningsQuiet;
        private bool _inputEnded;
        private long _rowsRead;
        private long? _rowsGiven;
        private TimeSpan _maxStallTime;
        private readonly HashSet<ScopeStop> _stopsAnnounced = new HashSet<ScopeStop>();
        private readonly SortedDictionary<string, int> _permanentSkips = new SortedDictionary<string, int>(StringComparer.Ordinal);

        /// <summary>
        /// One user or several: an array bound here gives Write-Progress its total. cognito:username is the column of
        /// Cognito's user-import CSV (GetCSVHeader), so those files bind as they are.
        /// </summary>
        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("cognito:username")]
        public string[] Username { get; set; }

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public string ClientId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string SecretHash { get; set; }

        /// <summary>Beyond AWS.Tools: the app client's secret; the cmdlet computes each row's SecretHash.</summary>
        [Parameter]
        public SecureString ClientSecret { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string AnalyticsMetadata_AnalyticsEndpointId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string UserContextData_EncodedData { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string UserContextData_IpAddress { get; set; }

        /// <summary>
        /// Nested form of AnalyticsMetadata_AnalyticsEndpointId, so a request in AWS's JSON field names
        /// (ConvertFrom-Json of a --cli-input-json file) binds by property name. The flattened parameter wins.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public object AnalyticsMetadata { get; set; }

        /// <summary>Nested form of UserContextData_EncodedData / UserContextData_IpAddress (see AnalyticsMetadata).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public object UserContextData { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [HashtableTransformation]
        public Hashtable ClientMetadata { get; set; }

        /// <summary>CodeDeliveryDetails (default), * (whole response), ^Username or ^ClientId (pass the parameter's value through).</summary>
        [Parameter]
        public string Select { get; set; } = "CodeDeliveryDetails";

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        [Alias("RegionToCall")]
        [ArgumentCompleter(typeof(RegionArgumentCompleter))]
        public string Region { get; set; }

        [Parameter]
        public string EndpointUrl { get; set; }

        [Parameter]
        [Alias("AWSProfileName", "StoredCredentials")]
        public string ProfileName { get; set; }

        [Parameter]
        [Alias("AWSProfilesLocation", "ProfilesLocation")]
        public string ProfileLocation { get; set; }

        [Parameter]
        public SwitchParameter UseFipsEndpoint { get; set; }

        [Parameter]
        public SwitchParameter UseDualstackEndpoint { get; set; }

        [Parameter]
        [ValidateRange(1, 10)]
        public int MaxAttempts { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int ConnectTimeoutSec { get; set; }

        [Parameter]
        [ValidateRange(1, 600)]
        public int ReadTimeoutSec { get; set; }

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 1;

        [Parameter]
        public SwitchParameter Unordered { get; set; }

        [Parameter]
        [ValidateRange(0d, 1000d)]
        [ValidateRequestRate]
        public double MaxRequestsPerSecond { get; set; }

        /// <summary>For a case-insensitive user pool only: rows whose usernames differ only in case are one request.</summary>
        [Parameter]
        public SwitchParameter CaseInsensitiveUsernames { get; set; }

        /// <summary>The endpoint a history entry's call went to (binds from Get-CGIPHistory output); another endpoint refuses the row.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string OriginalEndpoint { get; set; }

        /// <summary>Send rows whose OriginalEndpoint differs from this command's endpoint instead of refusing them.</summary>
        [Parameter]
        public SwitchParameter AllowEndpointChange { get; set; }

        /// <summary>
        /// A CSV journal of the batch: an Intent line before each request, an outcome line before each result. Running
        /// the same command again with the same journal resumes: rows already settled are skipped without a request.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string JournalPath { get; set; }

        /// <summary>With -JournalPath: also send rows whose earlier failure a resend cannot fix (unknown user, already confirmed, wrong client or secret).</summary>
        [Parameter]
        public SwitchParameter RetryPermanentFailures { get; set; }

        /// <summary>With -JournalPath: do not resend rows in doubt (request sent, no answer recorded); they are reported instead.</summary>
        [Parameter]
        public SwitchParameter SkipInDoubt { get; set; }

        /// <summary>Seconds with requests in flight and none answered for good before the batch gives up (rows left: NotSent); 0 = never.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int MaxStallSec { get; set; }

        protected override void BeginProcessing()
        {
            _select = ParseSelect(Select);
            if (ClientSecret != null && ClientSecret.Length == 0)
            {
                ThrowTerminatingError(ErrorRecords.ForEmptyClientSecret());
            }
            _whatIf = this.IsWhatIf();
            _verbose = this.IsVerbose();
            // Read now: the stop warning is written from Dispose, where the preference can no longer be asked for.
            _warningsQuiet = this.IsWarningQuiet();
            _history = SessionHistory.Of(this);

            ResolvedClientSettings settings;
            try
            {
                settings = ClientSettingsResolver.Resolve(this.ToSettingsInput());
            }
            catch (ClientSettingsException error)
            {
                ThrowTerminatingError(ErrorRecords.ForSettings(error));
                return;
            }
            foreach (var warning in settings.Warnings)
            {
                WriteWarning(warning);
            }
            WriteVerbose($"Region {settings.Region} (from {settings.RegionOrigin ?? settings.RegionSource.ToString()}); endpoint {settings.ServiceUrl}.");

            _maxStallTime = IsBound(nameof(MaxStallSec)) ? TimeSpan.FromSeconds(MaxStallSec) : BulkSendOptions.DefaultMaxStallTime;
            var options = new BulkSendOptions
            {
                ThrottleLimit = ThrottleLimit,
                Unordered = Unordered.IsPresent,
                MaxRequestsPerSecond = IsBound(nameof(MaxRequestsPerSecond)) ? MaxRequestsPerSecond : (double?)null,
                CaseSensitiveUsernames = !CaseInsensitiveUsernames.IsPresent,
                MaxStallTime = _maxStallTime,
            };
            try
            {
                _client = CreateClient(settings, options);
            }
            catch (CaBundleException error)
            {
                ThrowTerminatingError(ErrorRecords.ForCaBundle(error));
                return;
            }
            // The client secret's HMAC key is derived here, once for the whole command.
            _requests = new RequestBuilder(ClientSecret, settings.ServiceUrl, settings.Region, AllowEndpointChange.IsPresent);
            _rowsGiven = MyInvocation.ExpectingInput ? (long?)null : Username?.Length;
            _sender = new BulkSender(_client, options, _history)
            {
                // Pipeline input streams in with no known total; a direct call knows its users.
                ExpectedTotal = _rowsGiven,
            };
            OpenJournal(settings.ServiceUrl?.ToString());
            _command = _history.BeginCommand(MyInvocation.MyCommand.Name);
            _sender.Command = _command;
            _progressEnabled = IsProgressWanted();
            _progressClock.Start();
            _nextProgressAt = ProgressFirstDelay;
        }

        private CognitoIdpClient CreateClient(ResolvedClientSettings settings, BulkSendOptions options)
        {
            // The core logs from worker threads; lines are queued and written from the pipeline thread.
            var log = _verbose ? (Action<string>)(line => _verboseLines.Enqueue(line)) : null;
            var baseConfig = new CognitoClientConfig
            {
                ServiceUrl = settings.ServiceUrl,
                Region = settings.Region,
                MaxAttempts = settings.MaxAttempts,
                ConnectTimeout = settings.ConnectTimeout,
                ReadTimeout = settings.ReadTimeout,
                CaBundlePath = settings.CaBundlePath,
                CaBundleOrigin = settings.CaBundleOrigin,
                UserAgentSuffix = this.PowerShellUserAgent(),
                Log = log,
            };
            // A batch (pipeline input or several names): throttles and an empty retry quota slow it down instead of
            // failing rows. A single call keeps the SDKs' standard retry mode.
            var batch = MyInvocation.ExpectingInput || (Username?.Length ?? 0) > 1;
            return BatchClientFactory.Create(baseConfig, options, retryMode: batch ? RetryMode.Batch : RetryMode.Standard);
        }

        private void OpenJournal(string endpoint)
        {
            if (JournalPath == null)
            {
                return;
            }
            if (_whatIf)
            {
                WriteVerbose($"-WhatIf: the journal '{JournalPath}' is neither read nor written.");
                return;
            }
            try
            {
                // Relative paths resolve against $PWD (not the process's start folder); only the FileSystem provider has files.
                var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(JournalPath, out var provider, out _);
                if (!JournalPathRules.IsFileSystem(provider?.Name, provider?.ImplementingType))
                {
                    throw new JournalException(JournalException.Unusable, JournalPath, JournalPathRules.NotFileSystemMessage(JournalPath, provider?.Name));
                }
                _journal = BatchJournal.Open(path, endpoint, new ResumeOptions
                {
                    RetryPermanentFailures = RetryPermanentFailures.IsPresent,
                    SkipInDoubt = SkipInDoubt.IsPresent,
                    CaseInsensitiveUsernames = CaseInsensitiveUsernames.IsPresent,
                    AllowEndpointChange = AllowEndpointChange.IsPresent,
                });
            }
            catch (JournalException error)
            {
                _notSentWarned = true; // nothing was read or sent: no stop warning
                ThrowTerminatingError(ErrorRecords.ForJournal(error));
                return;
            }
            catch (Exception error) when (error is ItemNotFoundException || error is ProviderNotFoundException || error is DriveNotFoundException || error is NotSupportedException || error is ArgumentException)
            {
                _notSentWarned = true;
                ThrowTerminatingError(ErrorRecords.ForJournal(new JournalException(JournalException.Unusable, JournalPath,
                    $"-JournalPath '{JournalPath}' is not a file system path: {error.Message}", error)));
                return;
            }
            _sender.Journal = _journal;
            foreach (var warning in _journal.Warnings)
            {
                WriteWarning(warning);
            }
            WriteVerbose($"Journal {_journal.Path}: {_journal.ExistingLines} line(s) from earlier runs; this run is batch {_journal.Batch}.");
        }

        protected override void ProcessRecord()
        {
            var usernames = Username ?? Array.Empty<string>();
            var next = 0;
            try
            {
                while (next < usernames.Length)
                {
                    _rowsRead++;
                    ProcessUser(usernames[next++]);
                }
            }
            finally
            {
                // Stopped (Ctrl+C) or ended by an error (-ErrorAction Stop) part-way through an array: its remaining
                // users were given to the command too, so they go to the history as NotSent, as queued rows do.
                if (next < usernames.Length && _sender != null)
                {
                    RecordNotSent(usernames, next);
                }
            }
        }

        private void RecordNotSent(string[] usernames, int from)
        {
            _sender.Cancel();
            for (var i = from; i < usernames.Length; i++)
            {
                // Given to the command and accounted for here (NotSent in the history), so counted once, as read.
                _rowsRead++;
                ResendConfirmationCodeRequest request;
                try
                {
                    request = _requests.Build(RowFor(usernames[i]));
                }
                catch (Exception)
                {
                    // A row that would have been refused before sending is not a call; it is not recorded.
                    continue;
                }
                // A cancelled sender sends nothing and records the request as NotSent; nothing can be written now.
                foreach (var _ in _sender.Submit(request, new RowTag { Username = usernames[i], ClientId = ClientId }))
                {
                }
            }
        }

        private RequestRow RowFor(string username)
        {
            return new RequestRow
            {
                Username = username,
                ClientId = ClientId,
                SecretHash = SecretHash,
                AnalyticsEndpointId = AnalyticsMetadata_AnalyticsEndpointId,
                NestedAnalyticsEndpointId = CmdletExtensions.GetNestedString(AnalyticsMetadata, "AnalyticsEndpointId"),
                UserContextDataEncodedData = UserContextData_EncodedData,
                NestedUserContextDataEncodedData = CmdletExtensions.GetNestedString(UserContextData, "EncodedData"),
                UserContextDataIpAddress = UserContextData_IpAddress,
                NestedUserContextDataIpAddress = CmdletExtensions.GetNestedString(UserContextData, "IpAddress"),
                ClientMetadata = CmdletExtensions.ToStringDictionary(ClientMetadata),
                OriginalEndpoint = OriginalEndpoint,
            };
        }

        private void ProcessUser(string username)
        {
            var tag = new RowTag { Username = username, ClientId = ClientId };
            ResendConfirmationCodeRequest request;
            try
            {
                request = _requests.Build(RowFor(username));
            }
            catch (RequestRejectedException error)
            {
                WriteError(ErrorRecords.ForRejectedRow(error, username));
                return;
            }
            catch (RequestValidationException error)
            {
                WriteError(ErrorRecords.ForFailure(error, username));
                return;
            }

            // -WhatIf always asks ShouldProcess (which only reports); -Force skips the prompt otherwise.
            if (_whatIf || !Force.IsPresent)
            {
                if (!ShouldProcess($"user '{username}' of app client '{ClientId}'", OperationAction))
                {
                    return;
                }
            }

            WriteOutcomes(_sender.Submit(request, tag));
            StopIfJournalFailed();
        }

        /// <summary>A journal that cannot be written (full disk, a removed drive) stops the batch: nothing more is sent.</summary>
        private void StopIfJournalFailed()
        {
            var failure = _sender.JournalFailure;
            if (failure == null)
            {
                return;
            }
            _sender.Cancel();
            WriteOutcomes(_sender.Complete());
            DrainVerbose();
            _notSentWarned = true;
            Finish();
            ThrowTerminatingError(ErrorRecords.ForJournal(new JournalException(JournalException.WriteFailed, _journal.Path,
                $"The journal '{_journal.Path}' could not be written ({failure.Message}), so the batch stopped: nothing is sent that the journal cannot record. {StopSummary()} Free the space (or fix the drive), then run the same command again with the same -JournalPath to resume.", failure)));
        }

        protected override void EndProcessing()
        {
            _inputEnded = true;
            WriteOutcomes(_sender.Complete());
            StopIfJournalFailed();
            DrainVerbose();
            if (_progressShown)
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            }
            if (_verbose && _command != null)
            {
                var summary = _sender.GetSummary();
                var skipped = _journal == null ? string.Empty : $", {_command.Skipped} skipped (settled in the journal by an earlier run)";
                WriteVerbose($"{_command.Succeeded} succeeded, {_command.Failed} failed, {_command.NotSent} not sent{skipped} in {summary.Elapsed.TotalSeconds:0.0} s; " +
                             $"{summary.Attempts} attempts, {summary.Throttles} throttled; final rate {DescribeRate(summary.FinalRate, summary.Cap)}.{StopsSummary()}");
            }
            WriteStopErrors();
            if (_permanentSkips.Count > 0)
            {
                var total = 0;
                var codes = new List<string>();
                foreach (var pair in _permanentSkips)
                {
                    total += pair.Value;
                    codes.Add($"{pair.Key} {pair.Value}");
                }
                WriteWarning($"{total} row(s) were not sent again because an earlier run recorded in the journal that they cannot succeed ({string.Join(", ", codes)}). Add -RetryPermanentFailures to send them anyway, for example after fixing the client secret.");
            }
            // Rows held back by a scope stop are reported by its one error; the warning is for a stopped or stalled batch.
            if (_sender.NotSentCount - _sender.Stops.NotSentCount > 0)
            {
                _notSentWarned = true;
                WriteWarning(StopWarning());
            }
            _notSentWarned |= _sender.Stops.Count > 0;
            Finish();
        }

        protected override void StopProcessing()
        {
            // Called on another thread on Ctrl+C: cancel requests in flight; the pipeline thread reports what was not sent.
            _sender?.Cancel();
        }

        public void Dispose()
        {
            // Runs on the pipeline thread also after Ctrl+C or a terminating error, when EndProcessing is skipped.
            if (_sender != null && !_finished)
            {
                try
                {
                    _sender.Cancel();
                    foreach (var _ in _sender.Complete())
                    {
                        // The sender records every outcome in the history; nothing can be written to the pipeline now.
                    }
                    // _command is set once BeginProcessing has succeeded: a batch that never started has nothing to report.
                    if (!_notSentWarned && _command != null && (_sender.NotSentCount > 0 || !_inputEnded))
                    {
                        _notSentWarned = true;
                        // The pipeline is stopped, so WriteWarning would throw; the host is what is left, and the
                        // warning preference (-WarningAction, $WarningPreference) read at the start still decides.
                        if (!_warningsQuiet)
                        {
                            Host?.UI?.WriteWarningLine(StopWarning());
                        }
                    }
                }
                catch (Exception error) when (!(error is OutOfMemoryException))
                {
                    // Best effort while unwinding; the history already holds what was recorded.
                }
                Finish();
            }
            _sender?.Dispose();
            _client?.Dispose();
            _requests?.Dispose();
            // After the sender: its last outcomes are journaled, then the file is synced and released.
            _journal?.Dispose();
        }

        private const string ProgressActivity = "Sending confirmation codes";

        private void Finish()
        {
            if (_finished)
            {
                return;
            }
            _finished = true;
            if (_command != null)
            {
                _history.EndCommand(_command);
            }
        }

        /// <summary>Counts of the rows read, answered, in doubt and not sent, in one sentence.</summary>
        private string StopSummary()
        {
            var inDoubt = _sender.InDoubtCount;
            var answered = _sender.StartedCount - inDoubt;
            var notSent = _sender.NotSentCount - inDoubt;
            var text = $"{_rowsRead} input row(s) read, {answered} sent and answered";
            if (_sender.SkippedCount > 0)
            {
                text += $", {_sender.SkippedCount} skipped (already settled in the journal)";
            }
            text += $", {inDoubt} in flight without an answer (they may have reached Cognito), {notSent} read but not sent.";
            return text;
        }

        /// <summary>
        /// When a stop first holds a row back: a warning, so a watching user knows at once; the one error record with the
        /// counts and how to resume comes when the batch ends (<see cref="WriteStopErrors"/>).
        /// </summary>
        private void AnnounceStops()
        {
            if (_sender.Stops.Count == 0)
            {
                return;
            }
            foreach (var stop in _sender.Stops.All)
            {
                // A stop that holds nothing back (one row, or the last ones) is said by the rows' own errors.
                if (stop.NotSentCount == 0 || !_stopsAnnounced.Add(stop))
                {
                    continue;
                }
                WriteWarning($"{stop.Headline}: {StopCauses.Describe(stop.Cause)} ({stop.ErrorCode}). No more requests of it are sent; its rows not yet sent are NotSent (resumable). One {stop.ErrorId} error at the end of the batch gives the counts and how to resume.");
            }
        }

        /// <summary>One error record per stop, when the batch has ended and the counts are final.</summary>
        private void WriteStopErrors()
        {
            AnnounceStops();
            foreach (var stop in _sender.Stops.All)
            {
                // A stop that held nothing back and failed one row only: that row's own error already says it all.
                if (stop.NotSentCount > 0 || stop.SameAnswerCount > 1)
                {
                    WriteError(StopErrorRecords.ForStop(stop, _journal?.Path));
                }
            }
        }

        /// <summary>" Stopped: ..." for the progress line, or empty.</summary>
        private string StopsProgress()
        {
            if (_sender.Stops.Count == 0)
            {
                return string.Empty;
            }
            var parts = new List<string>();
            foreach (var stop in _sender.Stops.All)
            {
                parts.Add($"{stop.ShortText}, {stop.NotSentCount} not sent");
            }
            return "; STOPPED: " + string.Join("; ", parts);
        }

        /// <summary>" Cognito said stop: ..." for the end summary, or empty.</summary>
        private string StopsSummary()
        {
            var stops = _sender.Stops.All;
            if (stops.Count == 0)
            {
                return string.Empty;
            }
            var parts = new List<string>();
            foreach (var stop in stops)
            {
                // A proxy's refusal is not Cognito's answer: said apart.
                parts.Add((stop.IsCognitoAnswer ? "Cognito said stop: " : "The proxy refused: ") + $"{stop.ErrorId} for {stop.ScopeText} ({stop.ErrorCode}): {stop.NotSentCount} row(s) not sent");
            }
            return " " + string.Join("; ", parts) + ".";
        }

        private string StopWarning()
        {
            var moreInput = _inputEnded ? (bool?)false : _rowsGiven.HasValue ? _rowsRead < _rowsGiven.Value : (bool?)null;
            var text = (_sender.StallError != null
                ? $"The batch stopped because Cognito kept failing: nothing was answered for good for {(int)_maxStallTime.TotalSeconds} s (-MaxStallSec). "
                : "The command was stopped: ") + StopSummary() + StopsSummary();
            if (moreInput == true)
            {
                text += $" The input had more rows that were never read ({_rowsGiven - _rowsRead} of the -Username list).";
            }
            else if (moreInput == null)
            {
                text += $" The pipeline was stopped before its input ended: rows after the first {_rowsRead} were not read.";
            }
            if (_journal != null)
            {
                text += $" To resume, run the same command again with -JournalPath '{_journal.Path}': rows already answered are skipped, the rest are sent"
                    + (_sender.InDoubtCount > 0 ? (SkipInDoubt.IsPresent ? " (rows in doubt are skipped: -SkipInDoubt)." : " (rows in doubt are sent again: at worst a second code)." ) : ".");
            }
            else
            {
                text += " The rows read but not sent are in Get-CGIPHistory -NotSent" + (moreInput == false ? "." : "; rows not read are recorded nowhere.")
                    + " To resume exactly, run the command with -JournalPath <file>: running it again with the same journal skips the rows already done.";
            }
            return text;
        }

        private static string DescribeRate(double? rate, double? cap)
        {
            var text = rate.HasValue ? rate.Value.ToString(rate.Value < 10 ? "0.##" : "0.#", System.Globalization.CultureInfo.InvariantCulture) + "/s" : "unlimited (nothing throttled)";
            return cap.HasValue ? text + " (cap " + cap.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/s)" : text + " (no cap)";
        }

        private void WriteOutcomes(IEnumerable<SendOutcome> outcomes)
        {
            try
            {
                foreach (var outcome in outcomes)
                {
                    DrainVerbose();
                    WriteOutcome(outcome);
                    AnnounceStops();
                    UpdateProgress();
                }
                DrainVerbose();
                AnnounceStops();
            }
            catch (PipelineStoppedException)
            {
                // Ctrl+C: stop the rest; Dispose drains the sender so every record still reaches the history.
                _sender.Cancel();
                throw;
            }
        }

        private void WriteOutcome(SendOutcome outcome)
        {
            var tag = outcome.Tag as RowTag ?? new RowTag { Username = outcome.Request?.Username, ClientId = outcome.Request?.ClientId };
            if (outcome.IsDuplicate && _verbose)
            {
                WriteVerbose($"User '{tag.Username}' of app client '{tag.ClientId}' was the same request as an earlier row of this batch: not sent again; reporting the earlier answer.");
            }
            if (_verbose && outcome.Resume != null && outcome.Kind != SendOutcomeKind.Skipped)
            {
                WriteVerbose($"User '{tag.Username}' of app client '{tag.ClientId}': the journal says it {outcome.Resume.Describe()}");
            }
            switch (outcome.Kind)
            {
                case SendOutcomeKind.Succeeded:
                    WriteSuccess(outcome, tag);
                    break;
                case SendOutcomeKind.Skipped:
                    WriteSkipped(outcome, tag);
                    break;
                case SendOutcomeKind.NotSent when outcome.Error is ScopeStoppedException stopped:
                    // Counted in the stop's one error record at the end; the history and the journal hold the row.
                    if (_verbose)
                    {
                        WriteVerbose($"User '{tag.Username}' of app client '{tag.ClientId}' not sent: {stopped.Stop.ErrorId} ({stopped.Stop.ScopeText}).");
                    }
                    break;
                case SendOutcomeKind.NotSent:
                    WriteError(ErrorRecords.ForNotSent(outcome.InDoubt ? new OperationCanceledException(HistoryEntryMapper.InDoubtMessage, outcome.Error) : outcome.Error, tag.Username, _journal?.Path));
                    break;
                default:
                    WriteError(ErrorRecords.ForFailure(outcome.Error ?? new InvalidOperationException("The call failed without an error."), tag.Username));
                    break;
            }
        }

        private void WriteSkipped(SendOutcome outcome, RowTag tag)
        {
            var decision = outcome.Resume;
            if (decision?.Reason == ResumeReason.InDoubt)
            {
                // -SkipInDoubt: the user may have no code; say so per row, not only in verbose output.
                WriteError(ErrorRecords.ForInDoubtSkipped($"User '{tag.Username}' was not sent a code: the journal says it {decision.Describe()}", tag.Username));
                return;
            }
            if (decision?.Reason == ResumeReason.OtherEndpoint)
            {
                // Like a history entry of another endpoint: refused per row, naming both endpoints.
                WriteError(ErrorRecords.ForRejectedRow(new RequestRejectedException(ErrorRecords.EndpointMismatch, nameof(AllowEndpointChange),
                    $"User '{tag.Username}' was not sent a code: the journal says it {decision.Describe()}"), tag.Username));
                return;
            }
            if (decision?.Reason == ResumeReason.PermanentFailure)
            {
                var code = decision.Previous?.ErrorCode ?? "UnknownError";
                _permanentSkips[code] = _permanentSkips.TryGetValue(code, out var count) ? count + 1 : 1;
            }
            if (_verbose)
            {
                WriteVerbose($"User '{tag.Username}' of app client '{tag.ClientId}' skipped: the journal says it {decision?.Describe()}");
            }
        }

        private void WriteSuccess(SendOutcome outcome, RowTag tag)
        {
            switch (_select)
            {
                case SelectMode.WholeResponse:
                    WriteObject(outcome.Response);
                    break;
                case SelectMode.Username:
                    WriteObject(tag.Username);
                    break;
                case SelectMode.ClientId:
                    WriteObject(tag.ClientId);
                    break;
                default:
                    var details = outcome.Response?.CodeDeliveryDetails;
                    if (details == null)
                    {
                        WriteVerbose($"User '{tag.Username}': Cognito answered success without CodeDeliveryDetails.");
                        break;
                    }
                    if (details.Username == null)
                    {
                        details.Username = tag.Username;
                    }
                    WriteObject(details);
                    break;
            }
        }

        private void DrainVerbose()
        {
            while (_verboseLines.TryDequeue(out var line))
            {
                WriteVerbose(line);
            }
        }

        private bool IsProgressWanted()
        {
            if (CmdletExtensions.IsQuiet(this.GetPreference("ProgressPreference", ActionPreference.Continue)))
            {
                return false;
            }
            // Where nobody sees a bar (remoting server side, services, -NonInteractive jobs, a console whose output is
            // redirected to a file or CI log) producing one only costs time.
            if (!Environment.UserInteractive || string.Equals(Host?.Name, "ServerRemoteHost", StringComparison.Ordinal))
            {
                return false;
            }
            if (string.Equals(Host?.Name, "ConsoleHost", StringComparison.Ordinal) && Console.IsOutputRedirected)
            {
                return false;
            }
            return !IsNonInteractiveProcess.Value;
        }

        private static readonly Lazy<bool> IsNonInteractiveProcess = new Lazy<bool>(() =>
        {
            foreach (var argument in Environment.GetCommandLineArgs())
            {
                // pwsh and powershell.exe accept any prefix of -NonInteractive down to -noni, with - or /.
                var name = argument.TrimStart('-', '/');
                if (argument.Length > name.Length && name.Length >= 4
                    && "noninteractive".StartsWith(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            return false;
        });

        private void UpdateProgress()
        {
            if (!_progressEnabled || _progressClock.Elapsed < _nextProgressAt)
            {
                return;
            }
            _nextProgressAt = _progressClock.Elapsed + ProgressInterval;
            var progress = _sender.GetProgress();
            // In flight: requests that may have left the machine (the stop summary's rule); those waiting for a slot of the rate limiter are said apart.
            var status = $"{progress.Completed} done, {progress.Failed} failed, {progress.InFlight} in flight, " +
                         (progress.WaitingToSend > 0 ? $"{progress.WaitingToSend} waiting for the rate limit, " : string.Empty) + $"{progress.RequestsPerSecond:0.0}/s, " +
                         $"rate limit {(progress.CurrentRateLimit.HasValue ? progress.CurrentRateLimit.Value.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "/s" : "none")}, {progress.Throttled} throttled" +
                         StopsProgress();
            var record = new ProgressRecord(ProgressActivityId, ProgressActivity, status);
            if (progress.PercentComplete.HasValue)
            {
                record.PercentComplete = progress.PercentComplete.Value;
            }
            WriteProgress(record);
            _progressShown = true;
        }

        private bool IsBound(string parameterName) => MyInvocation.BoundParameters.ContainsKey(parameterName);

        /// <summary>AWS.Tools' -Select values; not a ValidateSet because ^Parameter is a syntax, but only these four are meaningful here.</summary>
        private SelectMode ParseSelect(string value)
        {
            switch ((value ?? string.Empty).Trim().ToUpperInvariant())
            {
                case "CODEDELIVERYDETAILS":
                    return SelectMode.CodeDeliveryDetails;
                case "*":
                    return SelectMode.WholeResponse;
                case "^USERNAME":
                    return SelectMode.Username;
                case "^CLIENTID":
                    return SelectMode.ClientId;
                default:
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"-Select '{value}' is not supported. Use 'CodeDeliveryDetails' (the default), '*' (the whole response), '^Username' or '^ClientId'.", nameof(Select)),
                        ErrorRecords.InvalidSelectValue, ErrorCategory.InvalidArgument, value));
                    return SelectMode.CodeDeliveryDetails;
            }
        }
    }
}
