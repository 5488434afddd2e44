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
    public sealed class SendCGIPConfirmationCodeCommand : PSCmdlet, IDisposable
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
        private CommandRecord _command;
        private readonly ConcurrentQueue<string> _verboseLines = new ConcurrentQueue<string>();
        private bool _progressEnabled;
        private bool _progressShown;
        private readonly Stopwatch _progressClock = new Stopwatch();
        private TimeSpan _nextProgressAt;
        private bool _finished;
        private bool _notSentWarned;

        /// <summary>One user or several: an array bound here gives Write-Progress its total.</summary>
        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
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
        public double MaxRequestsPerSecond { get; set; }

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
            SessionHistoryVariable.Ensure(this);

            ResolvedClientSettings settings;
            try
            {
                settings = ClientSettingsResolver.Resolve(BuildSettingsInput());
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
                MaxStallTime = IsBound(nameof(MaxStallSec)) ? TimeSpan.FromSeconds(MaxStallSec) : BulkSendOptions.DefaultMaxStallTime,
            };
            // The core logs from worker threads; lines are queued and written from the pipeline thread.
            var log = _verbose ? (Action<string>)(line => _verboseLines.Enqueue(line)) : null;
            // One limiter for every attempt of this command, retries included, so throttling slows the whole batch.
            var limiter = options.CreateRateLimiter();
            limiter.Log = log;
            _client = new CognitoIdpClient(new CognitoClientConfig
            {
                ServiceUrl = settings.ServiceUrl,
                MaxAttempts = settings.MaxAttempts,
                ConnectTimeout = settings.ConnectTimeout,
                ReadTimeout = settings.ReadTimeout,
                CaBundlePath = settings.CaBundlePath,
                UserAgentSuffix = this.PowerShellUserAgent(),
                MaxConnectionsPerServer = Math.Max(ThrottleLimit, 2),
                RateLimiter = limiter,
                // A batch (pipeline input or several names): throttles and an empty retry quota slow it down instead of
                // failing rows. A single call keeps the SDKs' standard retry mode.
                RetryMode = MyInvocation.ExpectingInput || (Username?.Length ?? 0) > 1 ? RetryMode.Batch : RetryMode.Standard,
                Log = log,
            });
            _sender = new BulkSender(_client, options, CommandHistory.Session)
            {
                // Pipeline input streams in with no known total; a direct call knows its users.
                ExpectedTotal = MyInvocation.ExpectingInput ? (long?)null : Username?.Length,
            };
            _command = CommandHistory.Session.BeginCommand(MyInvocation.MyCommand.Name);
            _sender.Command = _command;
            _progressEnabled = IsProgressWanted();
            _progressClock.Start();
            _nextProgressAt = ProgressFirstDelay;
        }

        protected override void ProcessRecord()
        {
            foreach (var username in Username ?? Array.Empty<string>())
            {
                ProcessUser(username);
            }
        }

        private void ProcessUser(string username)
        {
            var tag = new RowTag { Username = username, ClientId = ClientId };
            var request = new ResendConfirmationCodeRequest
            {
                Username = username,
                ClientId = ClientId,
                SecretHash = CmdletExtensions.NullIfEmpty(SecretHash),
                AnalyticsEndpointId = CmdletExtensions.NullIfEmpty(AnalyticsMetadata_AnalyticsEndpointId)
                    ?? CmdletExtensions.NullIfEmpty(CmdletExtensions.GetNestedString(AnalyticsMetadata, "AnalyticsEndpointId")),
                UserContextDataEncodedData = CmdletExtensions.NullIfEmpty(UserContextData_EncodedData)
                    ?? CmdletExtensions.NullIfEmpty(CmdletExtensions.GetNestedString(UserContextData, "EncodedData")),
                UserContextDataIpAddress = CmdletExtensions.NullIfEmpty(UserContextData_IpAddress)
                    ?? CmdletExtensions.NullIfEmpty(CmdletExtensions.GetNestedString(UserContextData, "IpAddress")),
                ClientMetadata = CmdletExtensions.ToStringDictionary(ClientMetadata),
            };

            if (ClientSecret != null)
            {
                if (request.SecretHash != null)
                {
                    WriteError(new ErrorRecord(
                        new ArgumentException($"User '{username}' has a SecretHash and -ClientSecret was given; give one or the other. Nothing was sent for this user.", nameof(SecretHash)),
                        ErrorRecords.SecretHashAndClientSecret, ErrorCategory.InvalidArgument, username));
                    return;
                }
                request.SecretHash = Protocol.SecretHash.Compute(username, ClientId, CmdletExtensions.ToPlainText(ClientSecret));
            }

            try
            {
                RequestValidator.Validate(request);
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
        }

        protected override void EndProcessing()
        {
            WriteOutcomes(_sender.Complete());
            DrainVerbose();
            if (_progressShown)
            {
                WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            }
            if (_verbose && _command != null)
            {
                var summary = _sender.GetSummary();
                WriteVerbose($"{_command.Succeeded} succeeded, {_command.Failed} failed, {_command.NotSent} not sent in {summary.Elapsed.TotalSeconds:0.0} s; " +
                             $"{summary.Attempts} attempts, {summary.Throttles} throttled; final rate {DescribeRate(summary.FinalRate, summary.Cap)}.");
            }
            if (_sender.NotSentCount > 0)
            {
                _notSentWarned = true;
                WriteWarning(NotSentWarning(_sender.NotSentCount));
            }
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
                    if (_sender.NotSentCount > 0 && !_notSentWarned)
                    {
                        _notSentWarned = true;
                        Host?.UI?.WriteWarningLine(NotSentWarning(_sender.NotSentCount));
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
                CommandHistory.Session.EndCommand(_command);
            }
        }

        private string NotSentWarning(long count)
            => _sender?.StallError != null
                ? $"{count} record(s) were not sent: Cognito kept failing and nothing succeeded for {(MaxStallSec > 0 && IsBound(nameof(MaxStallSec)) ? MaxStallSec : (int)BulkSendOptions.DefaultMaxStallTime.TotalSeconds)} s (-MaxStallSec), so the batch stopped. Resume with: Get-CGIPHistory -NotSent | Send-CGIPConfirmationCode"
                : $"{count} record(s) were not sent because the command was stopped. Resume with: Get-CGIPHistory -NotSent | Send-CGIPConfirmationCode";

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
                    UpdateProgress();
                }
                DrainVerbose();
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
                WriteVerbose($"User '{tag.Username}' of app client '{tag.ClientId}' came earlier in this batch: not sent again; reporting the earlier answer.");
            }
            switch (outcome.Kind)
            {
                case SendOutcomeKind.Succeeded:
                    WriteSuccess(outcome, tag);
                    break;
                case SendOutcomeKind.NotSent:
                    WriteError(ErrorRecords.ForNotSent(outcome.Error, tag.Username));
                    break;
                default:
                    WriteError(ErrorRecords.ForFailure(outcome.Error ?? new InvalidOperationException("The call failed without an error."), tag.Username));
                    break;
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
            var status = $"{progress.Completed} done, {progress.Failed} failed, {progress.InFlight} in flight, {progress.RequestsPerSecond:0.0}/s, " +
                         $"rate limit {(progress.CurrentRateLimit.HasValue ? progress.CurrentRateLimit.Value.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "/s" : "none")}, {progress.Throttled} throttled";
            var record = new ProgressRecord(ProgressActivityId, ProgressActivity, status);
            if (progress.PercentComplete.HasValue)
            {
                record.PercentComplete = progress.PercentComplete.Value;
            }
            WriteProgress(record);
            _progressShown = true;
        }

        private ClientSettingsInput BuildSettingsInput()
        {
            return new ClientSettingsInput
            {
                Region = CmdletExtensions.NullIfEmpty(Region),
                EndpointUrl = CmdletExtensions.NullIfEmpty(EndpointUrl),
                ProfileName = CmdletExtensions.NullIfEmpty(ProfileName),
                ProfileLocation = CmdletExtensions.NullIfEmpty(ProfileLocation),
                UseFipsEndpoint = IsBound(nameof(UseFipsEndpoint)) ? UseFipsEndpoint.IsPresent : (bool?)null,
                UseDualstackEndpoint = IsBound(nameof(UseDualstackEndpoint)) ? UseDualstackEndpoint.IsPresent : (bool?)null,
                MaxAttempts = IsBound(nameof(MaxAttempts)) ? MaxAttempts : (int?)null,
                ConnectTimeout = IsBound(nameof(ConnectTimeoutSec)) ? TimeSpan.FromSeconds(ConnectTimeoutSec) : (TimeSpan?)null,
                ReadTimeout = IsBound(nameof(ReadTimeoutSec)) ? TimeSpan.FromSeconds(ReadTimeoutSec) : (TimeSpan?)null,
            };
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
