using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using CognitoTools.Auth;
using CognitoTools.Endpoints;
using CognitoTools.Listing;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Commands
{
    /// <summary>
    /// Lists a user pool's users (Cognito's ListUsers, SigV4-signed), page after page until no PaginationToken is left,
    /// writing each page's users as it arrives. Binds like AWS.Tools' cmdlet of the same name, takes the credentials
    /// AWS.Tools users already have, and adds the campaign's client-side conditions (-UserStatus, -CreatedAfter,
    /// -CreatedBefore). The output pipes into Send-CGIPConfirmationCode by its Username.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CGIPUserList")]
    [OutputType(typeof(UserType), typeof(ListUsersResponse), typeof(string))]
    public sealed class GetCGIPUserListCommand : PSCmdlet, IDisposable, IClientSettingsParameters
    {
        /// <summary>Below Cognito's UserList quota of 30 requests per second (per account and Region, not adjustable), which live traffic shares.</summary>
        public const double DefaultMaxRequestsPerSecond = 25;
        private const int ProgressActivityId = 0x4348;
        private const string ProgressActivity = "Listing users";

        private enum SelectMode { Users, WholeResponse, PaginationToken, UserPoolId }

        private SelectMode _select;
        private CognitoUserListClient _client;
        private UserListFilter _filter;
        private string _serverFilter;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _verboseLines = new ConcurrentQueue<string>();
        private ProgressBar _progress;
        private string _credentialSource;

        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string UserPoolId { get; set; }

        /// <summary>Server side: one attribute, name = "value" or name ^= "value", at most 256 characters.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string Filter { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[] AttributesToGet { get; set; }

        /// <summary>The page size (1-60; Cognito's default 60). Every page is fetched whatever it is, unless -NoAutoIteration.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("MaxItems")]
        public int Limit { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("NextToken")]
        public string PaginationToken { get; set; }

        [Parameter]
        public SwitchParameter NoAutoIteration { get; set; }

        /// <summary>Users (default), * (each page's whole response), PaginationToken, or ^UserPoolId.</summary>
        [Parameter]
        public string Select { get; set; } = "Users";

        /// <summary>Client side: only users with one of these statuses (Unconfirmed, UNCONFIRMED, ...).</summary>
        [Parameter]
        public string[] UserStatus { get; set; }

        /// <summary>Client side: only users created after this time (local time unless the date says otherwise).</summary>
        [Parameter]
        public DateTime CreatedAfter { get; set; }

        /// <summary>Client side: only users created before this time.</summary>
        [Parameter]
        public DateTime CreatedBefore { get; set; }

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
        [Alias("AK")]
        public string AccessKey { get; set; }

        [Parameter]
        [Alias("SK", "SecretAccessKey")]
        public string SecretKey { get; set; }

        [Parameter]
        [Alias("ST")]
        public string SessionToken { get; set; }

        /// <summary>AWS.Tools' AWSCredentials (or any object with a GetCredentials() method giving AccessKey/SecretKey/Token).</summary>
        [Parameter]
        public object Credential { get; set; }

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

        /// <summary>Requests per second at most (default 25, under the UserList quota of 30/s); 0 for no cap.</summary>
        [Parameter]
        [ValidateRange(0d, 1000d)]
        [ValidateRequestRate]
        public double MaxRequestsPerSecond { get; set; } = DefaultMaxRequestsPerSecond;

        protected override void BeginProcessing()
        {
            _select = ParseSelect(Select);
            try
            {
                _filter = new UserListFilter(UserStatus, IsBound(nameof(CreatedAfter)) ? CreatedAfter : (DateTime?)null,
                    IsBound(nameof(CreatedBefore)) ? CreatedBefore : (DateTime?)null);
            }
            catch (ArgumentException error)
            {
                ThrowTerminatingError(new ErrorRecord(error, ListErrorRecords.InvalidClientFilter, ErrorCategory.InvalidArgument, error.ParamName));
                return;
            }
            if (!_filter.IsEmpty && _select != SelectMode.Users)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                    "-UserStatus, -CreatedAfter and -CreatedBefore choose users among the output; they apply to -Select Users (the default) only.", nameof(Select)),
                    ListErrorRecords.InvalidClientFilter, ErrorCategory.InvalidArgument, Select));
                return;
            }

            var settingsInput = this.ToSettingsInput();
            var storedRegion = ReadStoredRegion();
            if (settingsInput.Region == null && storedRegion != null)
            {
                settingsInput.Region = storedRegion;
            }
            ResolvedClientSettings settings;
            try
            {
                settings = ClientSettingsResolver.Resolve(settingsInput);
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
            var regionFrom = Region == null && storedRegion != null ? "$StoredAWSRegion (AWS.Tools' Set-DefaultAWSRegion)" : settings.RegionOrigin ?? settings.RegionSource.ToString();
            WriteVerbose($"Region {settings.Region} (from {regionFrom}); endpoint {settings.ServiceUrl}.");

            var log = this.IsVerbose() ? (Action<string>)(line => _verboseLines.Enqueue(line)) : null;
            // The module's rate control: a cap under the UserList quota, and it slows down when Cognito throttles.
            IRequestRateLimiter limiter = Bulk.RequestRateRules.CreateLimiter(MaxRequestsPerSecond > 0 ? MaxRequestsPerSecond : (double?)null);
            IAwsCredentialsProvider credentials;
            try
            {
                var config = settings.ToClientConfig(this.PowerShellUserAgent(), log);
                config.MaxConnectionsPerServer = 2;
                config.RateLimiter = limiter;
                // A role profile's STS call goes through the same proxy and CA bundle as ListUsers.
                credentials = CreateCredentials(settings.Region, CredentialChainOptions.SharingTransportWith(config));
                // The client reads the CA bundle: a bad one is its own error, before STS is called.
                _client = new CognitoUserListClient(config, credentials);
                // Resolved now: no credentials (or a source that fails) is one clear error before any listing, and the
                // verbose line below can name the source the chain chose.
                credentials.GetCredentialsAsync(_stop.Token).GetAwaiter().GetResult();
            }
            catch (AwsCredentialsException error)
            {
                ThrowTerminatingError(ListErrorRecords.ForCredentials(error));
                return;
            }
            catch (CaBundleException error)
            {
                ThrowTerminatingError(ErrorRecords.ForCaBundle(error));
                return;
            }
            _credentialSource = credentials.Source;
            WriteVerbose($"Credentials from {credentials.Source}.");
            _progress = new ProgressBar(this, ProgressActivityId, ProgressActivity);
        }

        private IAwsCredentialsProvider CreateCredentials(string region, CredentialChainOptions options)
        {
            var input = new CredentialsInput
            {
                AccessKey = Strings.NullIfEmpty(AccessKey),
                SecretKey = Strings.NullIfEmpty(SecretKey),
                SessionToken = Strings.NullIfEmpty(SessionToken),
                ProfileName = Strings.NullIfEmpty(ProfileName),
                ProfileLocation = Strings.NullIfEmpty(ProfileLocation),
                Region = region,
            };
            if (input.AccessKey == null && input.SecretKey == null && input.ProfileName == null)
            {
                // AWS.Tools' order: explicit keys, then a profile, then -Credential, then $StoredAWSCredentials (Set-AWSCredential).
                if (IsBound(nameof(Credential)))
                {
                    input.CredentialObject = CredentialObjectProvider.Create(Credential, "the -Credential object");
                }
                else
                {
                    var stored = GetVariableValue("StoredAWSCredentials");
                    if (stored != null)
                    {
                        // Set: used, or a clear error; never a silent fall-through to another account's environment or profile.
                        input.CredentialObject = CredentialObjectProvider.Create(stored, "$StoredAWSCredentials (AWS.Tools' Set-AWSCredential)");
                    }
                }
            }
            return CredentialChain.Create(input, ProcessEnvironmentReader.Instance, options);
        }

        /// <summary>AWS.Tools' $StoredAWSRegion (Set-DefaultAWSRegion) when -Region is not given: used, or a clear error.</summary>
        private string ReadStoredRegion()
        {
            if (IsBound(nameof(Region)))
            {
                return null;
            }
            var stored = CmdletExtensions.Unwrap(GetVariableValue("StoredAWSRegion"));
            if (stored == null)
            {
                return null;
            }
            var text = stored.ToString().Trim();
            // AWS.Tools stores a string, or an AWSRegion object whose Region property is the system name.
            var member = PSObject.AsPSObject(stored).Properties["Region"]?.Value;
            if (!(stored is string) && member != null)
            {
                text = CmdletExtensions.Unwrap(member).ToString().Trim();
            }
            if (text.Length == 0)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("$StoredAWSRegion is set but empty; set a Region (Set-DefaultAWSRegion) or remove the variable, or give -Region."),
                    ListErrorRecords.StoredRegionUnusable, ErrorCategory.InvalidArgument, null));
            }
            return text;
        }

        protected override void ProcessRecord()
        {
            var request = new ListUsersRequest
            {
                UserPoolId = UserPoolId,
                Filter = Strings.NullIfEmpty(Filter),
                AttributesToGet = AttributesToGet != null && AttributesToGet.Length > 0 ? AttributesToGet : null,
                Limit = IsBound(nameof(Limit)) ? Limit : (int?)null,
                PaginationToken = Strings.NullIfEmpty(PaginationToken),
            };
            // A single -UserStatus with no -Filter is also asked of the service (fewer pages under the 30/s quota); the
            // client-side check stays, so the output is the same either way.
            _serverFilter = request.Filter;
            if (request.Filter == null && _filter.SingleStatus != null)
            {
                request.Filter = "cognito:user_status = \"" + _filter.SingleStatus + "\"";
                WriteVerbose($"-UserStatus {_filter.SingleStatus} is sent as the filter {request.Filter}.");
            }
            var pager = new UserListPager(_client, request, autoIterate: !NoAutoIteration.IsPresent);
            long written = 0;
            try
            {
                foreach (var page in pager.Pages(_stop.Token))
                {
                    DrainVerbose();
                    written += WritePage(page);
                    UpdateProgress(pager, written, request.UserPoolId);
                }
                DrainVerbose();
                if (NoAutoIteration.IsPresent && pager.NextToken != null && _select == SelectMode.Users)
                {
                    WriteVerbose($"More users remain: run again with -PaginationToken '{pager.NextToken}' (or -Select PaginationToken) for the next page.");
                }
                WriteVerbose($"User pool {request.UserPoolId}: {pager.PagesFetched} page(s), {pager.UsersListed} user(s) listed, {written} written.");
                if (_select == SelectMode.UserPoolId)
                {
                    WriteObject(UserPoolId);
                }
            }
            catch (RequestValidationException error)
            {
                WriteError(new ErrorRecord(error, ErrorRecords.RequestValidationFailed, ErrorCategory.InvalidArgument, UserPoolId));
            }
            catch (PaginationTokenException error)
            {
                DrainVerbose();
                WriteError(ListErrorRecords.ForPaginationToken(error, UserPoolId));
            }
            catch (AwsCredentialsException error)
            {
                DrainVerbose();
                ThrowTerminatingError(ListErrorRecords.ForCredentials(error));
            }
            catch (CognitoException error)
            {
                DrainVerbose();
                var record = ListErrorRecords.ForListFailure(error, UserPoolId, pager.PagesFetched, pager.UsersListed);
                if (error is CredentialsRefusedException || error.ErrorCode == CognitoErrors.ProxyAuthenticationRequired)
                {
                    // Every other pool would be refused the same way (the AWS credentials, or the proxy's): one error naming the cause.
                    ThrowTerminatingError(record);
                }
                WriteError(record);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            finally
            {
                CompleteProgress();
            }
        }

        private long WritePage(ListUsersResponse page)
        {
            switch (_select)
            {
                case SelectMode.WholeResponse:
                    WriteObject(page);
                    return page.Users.Count;
                case SelectMode.PaginationToken:
                    if (page.PaginationToken != null) WriteObject(page.PaginationToken);
                    return 0;
                case SelectMode.UserPoolId:
                    return 0;
                default:
                    long written = 0;
                    foreach (var user in page.Users)
                    {
                        if (!_filter.Matches(user)) continue;
                        WriteObject(user);
                        written++;
                    }
                    return written;
            }
        }

        protected override void StopProcessing() => _stop.Cancel();

        public void Dispose()
        {
            _client?.Dispose();
            _stop.Dispose();
        }

        private void UpdateProgress(UserListPager pager, long written, string pool)
        {
            if (!_progress.IsDue())
            {
                return;
            }
            var seconds = Math.Max(_progress.Elapsed.TotalSeconds, 0.001);
            _progress.Update($"{pool}: {pager.PagesFetched} page(s), {pager.UsersListed} user(s) listed, {written} written, {pager.UsersListed / seconds:0} users/s");
        }

        private void CompleteProgress() => _progress?.Complete();

        private void DrainVerbose()
        {
            while (_verboseLines.TryDequeue(out var line))
            {
                WriteVerbose(line);
            }
        }

        private bool IsBound(string parameterName) => MyInvocation.BoundParameters.ContainsKey(parameterName);

        /// <summary>AWS.Tools' -Select values for this command.</summary>
        private SelectMode ParseSelect(string value)
        {
            switch ((value ?? string.Empty).Trim().ToUpperInvariant())
            {
                case "USERS":
                    return SelectMode.Users;
                case "*":
                    return SelectMode.WholeResponse;
                case "PAGINATIONTOKEN":
                    return SelectMode.PaginationToken;
                case "^USERPOOLID":
                    return SelectMode.UserPoolId;
                default:
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException($"-Select '{value}' is not supported. Use 'Users' (the default), '*' (each page's whole response), 'PaginationToken' or '^UserPoolId'.", nameof(Select)),
                        ErrorRecords.InvalidSelectValue, ErrorCategory.InvalidArgument, value));
                    return SelectMode.Users;
            }
        }
    }
}
