using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
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
    /// Binds parameters like AWS.Tools' cmdlet of the same name; the batch itself is Core's <see cref="BatchRun"/>.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "CGIPConfirmationCode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CodeDeliveryDetailsType), typeof(ResendConfirmationCodeResponse), typeof(string))]
    public sealed class SendCGIPConfirmationCodeCommand : PSCmdlet, IDisposable, IClientSettingsParameters
    {
        private const string OperationAction = "Send-CGIPConfirmationCode (ResendConfirmationCode)";
        private const int ProgressActivityId = 0x4347; // "CG": one progress bar per command
        private const string ProgressActivity = "Sending confirmation codes";

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
        private bool _warningsQuiet;
        private BatchRun _run;
        private RequestBuilder _requests;
        private readonly ConcurrentQueue<string> _verboseLines = new ConcurrentQueue<string>();
        private ProgressBar _progress;

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
            var history = SessionHistory.Of(this);

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

            var options = new BulkSendOptions
            {
                ThrottleLimit = ThrottleLimit,
                Unordered = Unordered.IsPresent,
                MaxRequestsPerSecond = IsBound(nameof(MaxRequestsPerSecond)) ? MaxRequestsPerSecond : (double?)null,
                CaseSensitiveUsernames = !CaseInsensitiveUsernames.IsPresent,
                MaxStallTime = IsBound(nameof(MaxStallSec)) ? TimeSpan.FromSeconds(MaxStallSec) : BulkSendOptions.DefaultMaxStallTime,
            };
            // The core logs from worker threads; lines are queued and written from the pipeline thread.
            var log = _verbose ? (Action<string>)(line => _verboseLines.Enqueue(line)) : null;
            // A batch: pipeline input or several names.
            var isBatch = MyInvocation.ExpectingInput || (Username?.Length ?? 0) > 1;
            CognitoIdpClient client;
            try
            {
                client = BatchRun.CreateClient(settings, options, isBatch, this.PowerShellUserAgent(), log);
            }
            catch (CaBundleException error)
            {
                ThrowTerminatingError(ErrorRecords.ForCaBundle(error));
                return;
            }
            _run = new BatchRun(client, options, history)
            {
                // Pipeline input streams in with no known total; a direct call knows its users.
                RowsGiven = MyInvocation.ExpectingInput ? (long?)null : Username?.Length,
            };
            // The client secret's HMAC key is derived here, once for the whole command.
            _requests = new RequestBuilder(ClientSecret, settings.ServiceUrl, settings.Region, AllowEndpointChange.IsPresent);
            OpenJournal();
            _run.Begin(MyInvocation.MyCommand.Name);
            _progress = new ProgressBar(this, ProgressActivityId, ProgressActivity);
        }

        private void OpenJournal()
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
            BatchJournal journal;
            try
            {
                // Relative paths resolve against $PWD (not the process's start folder); only the FileSystem provider has files.
                var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(JournalPath, out var provider, out _);
                if (!JournalPathRules.IsFileSystem(provider?.Name, provider?.ImplementingType))
                {
                    throw new JournalException(JournalException.Unusable, JournalPath, JournalPathRules.NotFileSystemMessage(JournalPath, provider?.Name));
                }
                journal = _run.OpenJournal(path, new ResumeOptions
                {
                    RetryPermanentFailures = RetryPermanentFailures.IsPresent,
                    SkipInDoubt = SkipInDoubt.IsPresent,
                    CaseInsensitiveUsernames = CaseInsensitiveUsernames.IsPresent,
                    AllowEndpointChange = AllowEndpointChange.IsPresent,
                });
            }
            // Nothing was read or sent yet (the run has not begun): no stop warning follows.
            catch (JournalException error)
            {
                ThrowTerminatingError(ErrorRecords.ForJournal(error));
                return;
            }
            catch (Exception error) when (error is ItemNotFoundException || error is ProviderNotFoundException || error is DriveNotFoundException || error is NotSupportedException || error is ArgumentException)
            {
                ThrowTerminatingError(ErrorRecords.ForJournal(new JournalException(JournalException.Unusable, JournalPath,
                    $"-JournalPath '{JournalPath}' is not a file system path: {error.Message}", error)));
                return;
            }
            foreach (var warning in journal.Warnings)
            {
                WriteWarning(warning);
            }
            WriteVerbose($"Journal {journal.Path}: {journal.ExistingLines} line(s) from earlier runs; this run is batch {journal.Batch}.");
        }

        protected override void ProcessRecord()
        {
            var usernames = Username ?? Array.Empty<string>();
            var next = 0;
            try
            {
                while (next < usernames.Length)
                {
                    _run.CountRead();
                    ProcessUser(usernames[next++]);
                }
            }
            finally
            {
                // Stopped (Ctrl+C) or ended by an error (-ErrorAction Stop) part-way through an array: its remaining
                // users were given to the command too, so they go to the history as NotSent, as queued rows do.
                if (next < usernames.Length && _run != null)
                {
                    _run.RecordNotSent(new ArraySegment<string>(usernames, next, usernames.Length - next),
                        username => _requests.Build(RowFor(username)), username => new RowTag { Username = username, ClientId = ClientId });
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

            WriteOutcomes(_run.Submit(request, tag));
            StopIfJournalFailed();
        }

        /// <summary>A journal that cannot be written (full disk, a removed drive) stops the batch: nothing more is sent.</summary>
        private void StopIfJournalFailed()
        {
            if (_run.JournalFailure == null)
            {
                return;
            }
            WriteOutcomes(_run.CancelAndComplete());
            DrainVerbose();
            // Ended here: the terminating error below says it all, so Dispose owes no stop warning.
            _run.Finish();
            ThrowTerminatingError(ErrorRecords.ForJournal(new JournalException(JournalException.WriteFailed, _run.Journal.Path,
                _run.JournalFailureMessage(), _run.JournalFailure)));
        }

        protected override void EndProcessing()
        {
            WriteOutcomes(_run.Complete());
            StopIfJournalFailed();
            DrainVerbose();
            _progress.Complete();
            if (_verbose && _run.Command != null)
            {
                WriteVerbose(_run.EndSummary());
            }
            AnnounceStops();
            foreach (var stop in _run.StopsToReport())
            {
                WriteError(StopErrorRecords.ForStop(stop, _run.Journal?.Path));
            }
            var permanentSkips = _run.PermanentSkipWarning();
            if (permanentSkips != null)
            {
                WriteWarning(permanentSkips);
            }
            var stopWarning = _run.EndWarning();
            if (stopWarning != null)
            {
                WriteWarning(stopWarning);
            }
            _run.Finish();
        }

        protected override void StopProcessing()
        {
            // Called on another thread on Ctrl+C: cancel requests in flight; the pipeline thread reports what was not sent.
            _run?.Cancel();
        }

        public void Dispose()
        {
            // Runs on the pipeline thread also after Ctrl+C or a terminating error, when EndProcessing is skipped: the
            // run's one shutdown records every row left in the history and the journal.
            var warning = _run?.Abandon();
            if (warning != null && !_warningsQuiet)
            {
                try
                {
                    // The pipeline is stopped, so WriteWarning would throw; the host is what is left, and the warning
                    // preference (-WarningAction, $WarningPreference) read at the start still decides.
                    Host?.UI?.WriteWarningLine(warning);
                }
                catch (Exception error) when (!(error is OutOfMemoryException))
                {
                    // Best effort while unwinding; the history already holds what was recorded.
                }
            }
            // The sender, the client, then the journal (its last outcomes are journaled, then the file is synced and released).
            _run?.Dispose();
            _requests?.Dispose();
        }

        /// <summary>When a stop first holds a row back: a warning, so a watching user knows at once.</summary>
        private void AnnounceStops()
        {
            foreach (var announcement in _run.TakeStopAnnouncements())
            {
                WriteWarning(announcement);
            }
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
                // Ctrl+C: stop the rest; Dispose completes the run so every record still reaches the history.
                _run.Cancel();
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
                    WriteError(ErrorRecords.ForNotSent(outcome.InDoubt ? new OperationCanceledException(HistoryEntryMapper.InDoubtMessage, outcome.Error) : outcome.Error, tag.Username, _run.Journal?.Path));
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
            // Rows skipped for an earlier permanent failure are tallied by the run, for one warning at the end.
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

        private void UpdateProgress()
        {
            if (_progress.IsDue())
            {
                _progress.Update(_run.ProgressStatus(out var percentComplete), percentComplete);
            }
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
