using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Auth;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// ListUsers over awsJson1.1, SigV4-signed. It shares CognitoIdpClient's pieces (handler factory and CA bundle,
    /// User-Agent, the standard retry mode's classifier, backoff and retry quota, error parsing, the rate limiter) but
    /// not its request loop, which is built around ResendConfirmationCode's unsigned rows. Every attempt asks the
    /// credentials provider (temporary credentials refresh) and is signed again with the clock-skew-corrected time;
    /// an answer that says the clock is off and corrects it is worth one more attempt.
    /// </summary>
    public sealed class CognitoUserListClient : IUserListClient
    {
        private readonly HttpClient _http;
        private readonly IAwsCredentialsProvider _credentials;
        private readonly Func<double> _random;
        private readonly Func<TimeSpan, CancellationToken, Task> _delay;
        private readonly object _randomLock = new object();
        private readonly RetryQuota _retryQuota;
        private readonly string _userAgent;
        private readonly IWebProxy _proxy;
        private int _endpointPrepared;

        public CognitoUserListClient(CognitoClientConfig config, IAwsCredentialsProvider credentials)
            : this(config, credentials, null, null, null, null)
        {
        }

        /// <summary>Tests inject the handler, the jitter, the sleep and the clock.</summary>
        internal CognitoUserListClient(CognitoClientConfig config, IAwsCredentialsProvider credentials, HttpMessageHandler handler,
            Func<double> random, Func<TimeSpan, CancellationToken, Task> delay, Func<DateTimeOffset> utcNow)
        {
            Config = config ?? throw new ArgumentNullException(nameof(config));
            _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
            Handler = handler ?? HttpHandlerFactory.Create(config);
            _proxy = HttpHandlerFactory.ProxyOf(config);
            _http = new HttpClient(Handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            if (random == null)
            {
                var shared = new Random();
                random = () => { lock (_randomLock) return shared.NextDouble(); };
            }
            _random = random;
            _delay = delay ?? ((d, ct) => Task.Delay(d, ct));
            Clock = new ClockSkew(utcNow);
            _retryQuota = new RetryQuota(config.RetryQuotaCapacity);
            _userAgent = UserAgent.Build(config.UserAgentSuffix);
        }

        internal HttpMessageHandler Handler { get; }

        /// <summary>The offset learnt from answers' Date headers; every attempt signs with its corrected time.</summary>
        public ClockSkew Clock { get; }

        public CognitoClientConfig Config { get; }
        public Uri ServiceUrl => Config.ServiceUrl;

        /// <summary>Where the credentials come from (never a secret).</summary>
        public string CredentialSource => _credentials.Source;

        public async Task<ListUsersResponse> ListUsersAsync(ListUsersRequest request, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            ListUsersValidator.Validate(request);
            var serviceUrl = Config.ServiceUrl ?? throw new InvalidOperationException("CognitoClientConfig.ServiceUrl is not set.");
            if (string.IsNullOrEmpty(Config.Region)) throw new InvalidOperationException("CognitoClientConfig.Region is needed to sign.");
            cancellationToken.ThrowIfCancellationRequested();
            if (Interlocked.Exchange(ref _endpointPrepared, 1) == 0) HttpHandlerFactory.PrepareEndpoint(serviceUrl, Config, Handler);

            var body = ListUsersProtocol.Serialize(request);
            var target = CognitoIdpClient.RequestUri(serviceUrl);
            var invocationId = Guid.NewGuid().ToString();
            var maxAttempts = Math.Max(1, Config.MaxAttempts);
            var lastRetryCost = 0;
            var skewRetried = false;

            for (var attempt = 1; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Config.RateLimiter != null) await Config.RateLimiter.WaitAsync(cancellationToken).ConfigureAwait(false);
                var allowed = maxAttempts + (skewRetried ? 1 : 0);
                var clock = Stopwatch.StartNew();
                AttemptOutcome outcome;
                AwsCredentials credentials;
                try
                {
                    // Asked on every attempt: a provider of temporary credentials refreshes them before they expire.
                    credentials = await _credentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
                    outcome = await SendOnceAsync(target, body, credentials, invocationId, attempt, allowed, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The limiter hears of every attempt it let through, also one that got no answer.
                    Config.RateLimiter?.OnAnswer(AnswerKind.NoAnswer);
                    throw;
                }
                // A proxy's refusal (407) is not Cognito's answer: it says nothing of the quota.
                Config.RateLimiter?.OnAnswer(!outcome.Status.HasValue || outcome.FromProxy ? AnswerKind.NoAnswer
                    : outcome.Decision == RetryDecision.Throttling ? AnswerKind.Throttled
                    : outcome.Decision == RetryDecision.Transient ? AnswerKind.ServiceFault
                    : AnswerKind.Accepted);
                if (outcome.Page != null)
                {
                    Log($"ListUsers attempt {attempt}: HTTP {outcome.Status} in {CognitoIdpClient.Ms(clock.Elapsed)} ms, {outcome.Page.Users.Count} user(s), " +
                        (outcome.Page.PaginationToken != null ? "more pages" : "last page") + $" (request id {outcome.Page.RequestId ?? "none"})");
                    _retryQuota.OnSuccess(lastRetryCost);
                    outcome.Page.Attempts = attempt;
                    return outcome.Page;
                }

                var error = outcome.Error;
                error.Attempts = attempt;
                var what = $"ListUsers attempt {attempt}: {(outcome.Status.HasValue ? "HTTP " + outcome.Status.Value + " " : string.Empty)}{error.ErrorCode} in {CognitoIdpClient.Ms(clock.Elapsed)} ms";
                if (outcome.SkewCorrected && !skewRetried)
                {
                    // The answer's Date header moved our clock by 5 minutes or more and the error says the time was refused:
                    // sign again with the corrected time, once, on top of the attempts.
                    skewRetried = true;
                    Log(what + $"; the local clock is off by {Clock.Offset.TotalSeconds:0} s (the answer's Date header): signing again with the corrected time.");
                    continue;
                }
                if (outcome.Decision == RetryDecision.None || attempt >= allowed)
                {
                    Log(what + (outcome.Decision == RetryDecision.None ? "; not retried." : $"; all {allowed} attempts are used."));
                    throw ExplainCredentials(error, credentials);
                }
                var cost = RetryQuota.CostOf(outcome.Decision);
                if (!_retryQuota.TryAcquire(cost))
                {
                    Log(what + "; not retried: the retry quota is used up (too many recent failures).");
                    error.RetryQuotaExhausted = true;
                    throw error;
                }
                lastRetryCost = cost;
                var delay = RetryClassifier.ComputeDelay(outcome.Decision, attempt, _random(), outcome.RetryAfter);
                Log(what + $"; {CognitoIdpClient.Describe(outcome.Decision)}, retrying in {CognitoIdpClient.Ms(delay)} ms (signed again).");
                if (delay > TimeSpan.Zero) await _delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>A refusal of the credentials says which credentials: where they came from and the access key id (never the secret), and the fix.</summary>
        internal static CognitoException ExplainCredentials(CognitoException error, AwsCredentials credentials)
        {
            if (!(error is CognitoServiceException)) return error;
            var explained = SignedRequestErrors.Describe(error.ErrorCode, error.Message, error.HttpStatusCode ?? 0, credentials);
            if (explained == null) return error;
            return new CredentialsRefusedException(error.ErrorCode, explained, error.HttpStatusCode, error.RequestId, error) { Attempts = error.Attempts };
        }

        private sealed class AttemptOutcome
        {
            public int? Status;
            public ListUsersResponse Page;
            public CognitoException Error;
            public RetryDecision Decision;
            public TimeSpan? RetryAfter;
            public bool SkewCorrected;
            /// <summary>The proxy answered (407), not Cognito.</summary>
            public bool FromProxy;
        }

        private async Task<AttemptOutcome> SendOnceAsync(Uri target, byte[] body, AwsCredentials credentials, string invocationId, int attempt, int maxAttempts, CancellationToken cancellationToken)
        {
            var readTimeout = CognitoClientConfig.EffectiveTimeout(Config.ReadTimeout);
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            using (var message = BuildMessage(target, body, invocationId, attempt, maxAttempts))
            {
                SigV4Signer.Sign(message, body, credentials, Config.Region, ListUsersProtocol.SigningService, Clock.SigningTime());
                attemptCts.CancelAfter(readTimeout);
                var token = attemptCts.Token;
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException || ex is HttpRequestException || ex is IOException || ex is ObjectDisposedException)
                {
                    // Described as ResendConfirmationCode's are: the caller's cancellation first, then the proxy's refusal,
                    // then the shared description (.NET's own messages quote the proxy URL as configured: Transport redacts).
                    if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                    if (CognitoIdpClient.IsProxyAuthenticationFailure(ex)) return ProxyRefused(target, ex, null);
                    var (code, text) = CognitoIdpClient.DescribeSendFailure(ex, attemptCts.IsCancellationRequested, target, Config);
                    return Transport(code, text, ex, null);
                }
                using (response)
                {
                    var raw = CognitoIdpClient.ReadHead(response);
                    // An http:// request through a proxy: the proxy itself answers 407 when it refuses the credentials.
                    if (raw.StatusCode == 407) return ProxyRefused(target, null, raw.StatusCode);
                    raw.Body = response.Content == null ? new byte[0] : await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    var outcome = new AttemptOutcome { Status = raw.StatusCode, RetryAfter = CognitoIdpClient.RetryAfterOf(response) };
                    if (ResponseParser.IsSuccess(raw.StatusCode))
                    {
                        Clock.Update(response);
                        try
                        {
                            outcome.Page = ListUsersProtocol.ParseSuccess(raw);
                            return outcome;
                        }
                        catch (CognitoServiceException malformed)
                        {
                            outcome.Error = malformed;
                        }
                    }
                    else
                    {
                        outcome.Error = ListUsersProtocol.ParseError(raw);
                        outcome.SkewCorrected = Clock.ShouldRetryAfter(response, outcome.Error.ErrorCode);
                    }
                    outcome.Decision = RetryClassifier.Classify(raw.StatusCode, outcome.Error.ErrorCode, transportFailure: false);
                    return outcome;
                }
            }
        }

        private AttemptOutcome Transport(string code, string text, Exception inner, int? status)
        {
            var error = CognitoIdpClient.Redact(new CognitoTransportException(code, text, inner) { HttpStatusCode = status }, null, _proxy);
            return new AttemptOutcome { Status = status, Error = error, Decision = RetryClassifier.Classify(status, code, transportFailure: true) };
        }

        private AttemptOutcome ProxyRefused(Uri target, Exception inner, int? status)
        {
            var outcome = Transport(CognitoErrors.ProxyAuthenticationRequired, CognitoIdpClient.ProxyRefusedText(target, _proxy), inner, status);
            // Retrying cannot change the proxy's mind.
            outcome.Decision = RetryDecision.None;
            outcome.FromProxy = true;
            return outcome;
        }

        private HttpRequestMessage BuildMessage(Uri target, byte[] body, string invocationId, int attempt, int maxAttempts)
        {
            var message = new HttpRequestMessage(HttpMethod.Post, target) { Version = new Version(1, 1) };
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(RequestSerializer.ContentType);
            message.Content = content;
            message.Headers.TryAddWithoutValidation("X-Amz-Target", ListUsersProtocol.Target);
            message.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
            message.Headers.TryAddWithoutValidation("amz-sdk-invocation-id", invocationId);
            message.Headers.TryAddWithoutValidation("amz-sdk-request", $"attempt={attempt}; max={maxAttempts}");
            message.Headers.ExpectContinue = false;
            return message;
        }

        private void Log(string line)
        {
            var log = Config.Log;
            if (log == null) return;
            try { log(line); }
            catch (Exception) { /* a failing log sink must not fail the call */ }
        }


        public void Dispose() => _http.Dispose();
    }
}
