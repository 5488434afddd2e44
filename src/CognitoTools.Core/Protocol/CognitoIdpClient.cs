using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// awsJson1.1 client for ResendConfirmationCode: validates, sends (unsigned) with the SDKs' standard retry mode,
    /// and parses the answer. One HttpClient per instance, so connections are reused across calls; thread-safe.
    /// </summary>
    public sealed class CognitoIdpClient : ICognitoIdpClient, ISendReportingClient
    {
        private const string RequestIdHeader = "x-amzn-RequestId";
        private const string ErrorTypeHeader = "X-Amzn-ErrorType";

        private readonly HttpClient _http;
        private readonly Func<double> _random;
        private readonly Func<TimeSpan, CancellationToken, Task> _delay;
        private readonly object _randomLock = new object();
        private readonly RetryQuota _retryQuota;
        private readonly string _userAgent;
        // The proxy the handler was given (null: the system's), to name it without its credentials and to redact them.
        private readonly IWebProxy _proxy;
        private int _endpointPrepared;

        public CognitoIdpClient(CognitoClientConfig config)
            : this(config, null, null, null)
        {
        }

        /// <summary>Tests inject the handler, the jitter source and the sleep so retries run without real waits.</summary>
        internal CognitoIdpClient(CognitoClientConfig config, HttpMessageHandler handler, Func<double> random, Func<TimeSpan, CancellationToken, Task> delay)
        {
            Config = config ?? throw new ArgumentNullException(nameof(config));
            // Batch mode retries throttles instead of failing them: only a limiter keeps that from hammering the quota.
            if (config.RetryMode == RetryMode.Batch && config.RateLimiter == null)
            {
                throw new ArgumentException("CognitoClientConfig.RetryMode Batch needs a RateLimiter: build batch clients with BatchClientFactory.Create.", nameof(config));
            }
            Handler = handler ?? HttpHandlerFactory.Create(config);
            _proxy = HttpHandlerFactory.ProxyOf(config);
            _http = new HttpClient(Handler, disposeHandler: true)
            {
                // Each attempt has its own read timeout (below); HttpClient's own would hide which one fired.
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            if (random == null)
            {
                var shared = new Random();
                random = () => { lock (_randomLock) return shared.NextDouble(); };
            }
            _random = random;
            _delay = delay ?? ((d, ct) => Task.Delay(d, ct));
            _retryQuota = new RetryQuota(config.RetryQuotaCapacity);
            _userAgent = UserAgent.Build(config.UserAgentSuffix);
        }

        /// <summary>The handler this client sends through (tests check which one the factory chose).</summary>
        internal HttpMessageHandler Handler { get; }

        /// <summary>Retry-quota tokens left (tests, diagnostics).</summary>
        internal int RetryQuotaAvailable => _retryQuota.Available;

        public CognitoClientConfig Config { get; }
        public Uri ServiceUrl => Config.ServiceUrl;

        public Task<ResendConfirmationCodeResponse> ResendConfirmationCodeAsync(ResendConfirmationCodeRequest request, CancellationToken cancellationToken)
            => ResendConfirmationCodeAsync(request, null, cancellationToken);

        public async Task<ResendConfirmationCodeResponse> ResendConfirmationCodeAsync(ResendConfirmationCodeRequest request, RequestSendState state, CancellationToken cancellationToken)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            RequestValidator.Validate(request);
            var serviceUrl = Config.ServiceUrl ?? throw new InvalidOperationException("CognitoClientConfig.ServiceUrl is not set.");
            cancellationToken.ThrowIfCancellationRequested();
            if (Interlocked.Exchange(ref _endpointPrepared, 1) == 0) HttpHandlerFactory.PrepareEndpoint(serviceUrl, Config, Handler);

            var body = RequestSerializer.Serialize(request);
            var target = RequestUri(serviceUrl);
            var invocationId = Guid.NewGuid().ToString();
            var maxAttempts = Math.Max(1, Config.MaxAttempts);
            var stopwatch = Stopwatch.StartNew();
            var lastRetryCost = 0;
            var batch = Config.RetryMode == RetryMode.Batch;
            var maxThrottled = Math.Max(1, Config.MaxThrottledAttempts);
            var throttledAttempts = 0;
            var quotaPauses = 0;

            for (var attempt = 1; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                state?.OnWaitingForSlot();
                if (Config.RateLimiter != null) await Config.RateLimiter.WaitAsync(cancellationToken).ConfigureAwait(false);
                // Only now may the attempt leave the machine; a stopped batch sends nothing more.
                if (state != null && !state.TryBeginSending())
                {
                    // The limiter let this attempt through and hears of every such attempt: a slow-start round waits for it.
                    Config.RateLimiter?.OnAnswer(AnswerKind.NoAnswer);
                    throw new RequestNotSentException();
                }

                // Batch mode: throttled attempts come on top of MaxAttempts.
                var attemptsAllowed = maxAttempts + throttledAttempts;
                if (Config.Log != null) Log($"ResendConfirmationCode attempt {attempt}/{attemptsAllowed}: POST {target} (invocation {invocationId})");
                var attemptClock = Stopwatch.StartNew();
                AttemptOutcome outcome;
                try
                {
                    outcome = await SendOnceAsync(target, body, _userAgent, invocationId, attempt, attemptsAllowed, request, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Cancelled (or failed unexpectedly): the limiter still hears of every attempt it let through.
                    Config.RateLimiter?.OnAnswer(AnswerKind.NoAnswer);
                    throw;
                }
                attemptClock.Stop();
                // Every attempt feeds the shared rate limiter with its kind; throttling slows the whole batch.
                // A proxy's refusal (407) is not Cognito's answer: it says nothing of the quota.
                Config.RateLimiter?.OnAnswer(!outcome.Status.HasValue || outcome.FromProxy ? AnswerKind.NoAnswer
                    : outcome.Decision == RetryDecision.Throttling ? AnswerKind.Throttled
                    : outcome.Decision == RetryDecision.Transient ? AnswerKind.ServiceFault
                    : AnswerKind.Accepted);

                if (outcome.Response != null)
                {
                    if (Config.Log != null) Log($"ResendConfirmationCode attempt {attempt}: HTTP {outcome.Status} in {Ms(attemptClock.Elapsed)} ms (request id {outcome.RequestId ?? "none"})");
                    _retryQuota.OnSuccess(lastRetryCost);
                    outcome.Response.Attempts = attempt;
                    outcome.Response.Duration = stopwatch.Elapsed;
                    return outcome.Response;
                }

                var error = outcome.Error;
                error.Attempts = attempt;
                var what = $"ResendConfirmationCode attempt {attempt}: {(outcome.Status.HasValue ? "HTTP " + outcome.Status.Value + " " : string.Empty)}{error.ErrorCode} in {Ms(attemptClock.Elapsed)} ms" +
                           (outcome.RequestId != null ? $" (request id {outcome.RequestId})" : string.Empty);

                if (outcome.Decision == RetryDecision.None)
                {
                    Log(what + "; not retried.");
                    throw error;
                }
                // Batch mode: a throttle is the batch's rate, not this row's fault, so it has its own (larger) budget.
                var throttledHere = batch && outcome.Decision == RetryDecision.Throttling;
                if (throttledHere) throttledAttempts++;
                var ownAttempts = attempt - (batch ? throttledAttempts : 0);
                if (throttledHere ? throttledAttempts >= maxThrottled : ownAttempts >= maxAttempts)
                {
                    Log(what + (throttledHere
                        ? $"; throttled, and all {maxThrottled} throttled attempts this request may make are used."
                        : $"; {Describe(outcome.Decision)} but all {maxAttempts} attempts are used."));
                    throw error;
                }
                // Batch mode: the rate limiter, not the retry quota, answers throttling (a quota drained by throttles
                // would slow the batch twice over); the quota still guards against storms of faults.
                var retryCost = throttledHere ? 0 : RetryQuota.CostOf(outcome.Decision);
                TimeSpan delay;
                if (retryCost == 0 || _retryQuota.TryAcquire(retryCost))
                {
                    lastRetryCost = retryCost;
                    // Batch mode: the shared limiter paces every retry after a throttle, so the request's own backoff
                    // only spreads the retries (the transient base, by how often this request was throttled).
                    delay = throttledHere
                        ? RetryClassifier.ComputeDelay(RetryDecision.Transient, throttledAttempts, NextRandom(), outcome.RetryAfter)
                        : RetryClassifier.ComputeDelay(outcome.Decision, batch ? ownAttempts : attempt, NextRandom(), outcome.RetryAfter);
                    Log(what + $"; {Describe(outcome.Decision)}, retrying in {Ms(delay)} ms" + (outcome.RetryAfter.HasValue ? " (Retry-After)." : "."));
                }
                else if (batch)
                {
                    // The quota is empty: most recent attempts failed. Slow the whole batch and pause this request,
                    // longer each time, then retry it anyway (a probe: if nothing were retried, nothing could refill it).
                    quotaPauses++;
                    lastRetryCost = 0;
                    Config.RateLimiter?.OnRetryQuotaExhausted();
                    delay = RetryQuotaPause(quotaPauses, NextRandom());
                    Log(what + $"; {Describe(outcome.Decision)}, and the retry quota is used up (too many recent failures): " +
                        $"pausing this request {Ms(delay)} ms before retrying it.");
                }
                else
                {
                    Log(what + $"; {Describe(outcome.Decision)} but not retried: this client's retry quota is used up " +
                        $"(too many recent failures; successes refill it).");
                    error.RetryQuotaExhausted = true;
                    throw error;
                }
                if (delay > TimeSpan.Zero) await _delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        private sealed class AttemptOutcome
        {
            public int? Status;
            public string RequestId;
            public ResendConfirmationCodeResponse Response;
            public CognitoException Error;
            public RetryDecision Decision;
            public TimeSpan? RetryAfter;
            /// <summary>The proxy answered (407), not Cognito: it says nothing about Cognito's rate.</summary>
            public bool FromProxy;
        }

        private async Task<AttemptOutcome> SendOnceAsync(Uri target, byte[] body, string userAgent, string invocationId, int attempt, int maxAttempts,
            ResendConfirmationCodeRequest request, CancellationToken cancellationToken)
        {
            var readTimeout = CognitoClientConfig.EffectiveTimeout(Config.ReadTimeout);
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            using (var message = BuildMessage(target, body, userAgent, invocationId, attempt, maxAttempts))
            {
                attemptCts.CancelAfter(readTimeout);
                var token = attemptCts.Token;
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException || ex is HttpRequestException || ex is IOException || ex is ObjectDisposedException)
                {
                    // Whatever the handler threw, the caller's cancellation comes first, then the proxy's refusal.
                    if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                    if (IsProxyAuthenticationFailure(ex)) return ProxyRefused(target, ex, request, null);
                    var (code, text) = DescribeSendFailure(ex, attemptCts.IsCancellationRequested, target, Config);
                    return Transport(code, text, ex, request);
                }

                using (response)
                {
                    var raw = ReadHead(response);
                    var retryAfter = RetryAfterOf(response);

                    Exception truncation = null;
                    try
                    {
                        raw.Body = await ReadBodyAsync(response, raw, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException || ex is HttpRequestException || ex is IOException || ex is ObjectDisposedException)
                    {
                        // Cancelling disposes the response, so the read may fail with any of these; check the tokens first.
                        if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                        if (attemptCts.IsCancellationRequested)
                        {
                            return Transport(CognitoErrors.RequestTimeout, $"The answer from {target.GetLeftPart(UriPartial.Authority)} did not arrive within the read timeout of {Seconds(readTimeout)} s.", ex, request, raw);
                        }
                        truncation = ex;
                    }
                    if (truncation == null && raw.ContentLength.HasValue && raw.Body.Length < raw.ContentLength.Value)
                    {
                        truncation = new EndOfStreamException("The body ended before its Content-Length.");
                    }

                    // An http:// request through a proxy: the proxy itself answers 407 when it refuses the credentials.
                    if (raw.StatusCode == 407) return ProxyRefused(target, null, request, raw);
                    var outcome = new AttemptOutcome { Status = raw.StatusCode, RequestId = raw.RequestId, RetryAfter = retryAfter };
                    if (truncation != null)
                    {
                        outcome.Error = Redact(ResponseParser.Truncated(raw, truncation), request);
                        outcome.Decision = RetryClassifier.Classify(raw.StatusCode, null, transportFailure: true);
                        return outcome;
                    }

                    if (ResponseParser.IsSuccess(raw.StatusCode))
                    {
                        var parsed = ResponseParser.ParseSuccess(raw, request.Username, out var malformed);
                        if (parsed != null)
                        {
                            outcome.Response = parsed;
                            outcome.Decision = RetryDecision.None;
                            return outcome;
                        }
                        outcome.Error = Redact(malformed, request);
                    }
                    else
                    {
                        outcome.Error = Redact(ResponseParser.ParseError(raw), request);
                    }
                    outcome.Decision = RetryClassifier.Classify(raw.StatusCode, outcome.Error.ErrorCode, transportFailure: false);
                    return outcome;
                }
            }
        }

        private HttpRequestMessage BuildMessage(Uri target, byte[] body, string userAgent, string invocationId, int attempt, int maxAttempts)
        {
            var message = new HttpRequestMessage(HttpMethod.Post, target) { Version = new Version(1, 1) };
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(RequestSerializer.ContentType);
            message.Content = content;
            message.Headers.TryAddWithoutValidation("X-Amz-Target", RequestSerializer.Target);
            message.Headers.TryAddWithoutValidation("User-Agent", userAgent);
            message.Headers.TryAddWithoutValidation("amz-sdk-invocation-id", invocationId);
            message.Headers.TryAddWithoutValidation("amz-sdk-request", $"attempt={attempt}; max={maxAttempts}");
            // .NET Framework would otherwise wait for "100 Continue" on every POST.
            message.Headers.ExpectContinue = false;
            return message;
        }

        /// <summary>Reads the whole body, keeping what arrived if the connection drops (for the error's excerpt).</summary>
        private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, RawResponse raw, CancellationToken token)
        {
            if (response.Content == null) return new byte[0];
            var buffer = new MemoryStream();
            // .NET Framework's streams ignore the token; disposing the response unblocks the read instead.
            using (token.Register(response.Dispose))
            {
                try
                {
                    using (var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                    {
                        var chunk = new byte[8192];
                        int read;
                        while ((read = await stream.ReadAsync(chunk, 0, chunk.Length, token).ConfigureAwait(false)) > 0)
                        {
                            buffer.Write(chunk, 0, read);
                        }
                    }
                }
                catch (Exception) when (!token.IsCancellationRequested)
                {
                    raw.Body = buffer.ToArray();
                    throw;
                }
                token.ThrowIfCancellationRequested();
            }
            return buffer.ToArray();
        }

        private AttemptOutcome Transport(string code, string text, Exception inner, ResendConfirmationCodeRequest request, RawResponse raw = null)
        {
            var error = Redact(new CognitoTransportException(code, text, inner), request);
            if (raw != null)
            {
                error.HttpStatusCode = raw.StatusCode;
                error.RequestId = raw.RequestId;
            }
            return new AttemptOutcome
            {
                Status = raw?.StatusCode,
                RequestId = raw?.RequestId,
                Error = error,
                Decision = RetryClassifier.Classify(raw?.StatusCode, code, transportFailure: true),
            };
        }

        /// <summary>
        /// Belt and braces: should any text we surface contain the request's SecretHash, mask it; proxy credentials
        /// (a proxy URL's user info, the proxy password) are removed from the message and from the inner exceptions'
        /// messages, which .NET writes with the proxy URL as configured.
        /// </summary>
        private CognitoException Redact(CognitoException error, ResendConfirmationCodeRequest request) => Redact(error, request.SecretHash, _proxy);

        /// <summary>The same for any call (<see cref="CognitoUserListClient"/> has no SecretHash: null).</summary>
        internal static CognitoException Redact(CognitoException error, string secret, IWebProxy proxy)
        {
            var hasSecret = !string.IsNullOrEmpty(secret) && error.Message.IndexOf(secret, StringComparison.Ordinal) >= 0;
            var proxyInMessage = ProxyRedaction.NeedsRedaction(error.Message, proxy);
            var proxyInInner = ProxyRedaction.NeedsRedaction(error.InnerException, proxy);
            if (!hasSecret && !proxyInMessage && !proxyInInner) return error;
            var text = ProxyRedaction.Redact(hasSecret ? error.Message.Replace(secret, "***") : error.Message, proxy);
            // The inner chain is replaced by one exception of the same message, redacted: its original text quotes the secret.
            var inner = proxyInInner ? new HttpRequestException(ProxyRedaction.Redact(Innermost(error.InnerException), proxy)) : error.InnerException;
            CognitoException copy = error is CognitoServiceException
                ? new CognitoServiceException(error.ErrorCode, text, error.HttpStatusCode, error.RequestId, inner)
                : (CognitoException)new CognitoTransportException(error.ErrorCode, text, inner) { HttpStatusCode = error.HttpStatusCode, RequestId = error.RequestId };
            return copy;
        }

        /// <summary>The proxy answered 407 Proxy Authentication Required (to a CONNECT, or to an http:// request).</summary>
        internal static bool IsProxyAuthenticationFailure(Exception error)
        {
            for (var e = error; e != null; e = e.InnerException)
            {
                // .NET 5+: HttpRequestException.StatusCode (the tunnel's answer); not in netstandard2.0, so by reflection.
                var status = e.GetType().GetProperty("StatusCode")?.GetValue(e);
                if (status != null && Convert.ToInt32(status, CultureInfo.InvariantCulture) == 407) return true;
                // .NET Framework's WebException: "(407) Proxy Authentication Required."
                var message = e.Message ?? string.Empty;
                if (message.IndexOf("(407)", StringComparison.Ordinal) >= 0 || (message.IndexOf("407", StringComparison.Ordinal) >= 0 && message.IndexOf("proxy", StringComparison.OrdinalIgnoreCase) >= 0)) return true;
            }
            return false;
        }

        private AttemptOutcome ProxyRefused(Uri target, Exception inner, ResendConfirmationCodeRequest request, RawResponse raw)
        {
            var outcome = Transport(CognitoErrors.ProxyAuthenticationRequired, ProxyRefusedText(target, _proxy), inner, request, raw);
            // Retrying cannot change the proxy's mind.
            outcome.Decision = RetryDecision.None;
            outcome.FromProxy = true;
            return outcome;
        }

        /// <summary>
        /// A send that got no answer (not cancelled by the caller, not refused by the proxy), for any call: our read
        /// timeout, else the handler's own connect timeout (neither token fired), else the connection's failure.
        /// </summary>
        internal static (string Code, string Text) DescribeSendFailure(Exception ex, bool readTimedOut, Uri target, CognitoClientConfig config)
        {
            var authority = target.GetLeftPart(UriPartial.Authority);
            if (readTimedOut) return (CognitoErrors.RequestTimeout, $"No answer from {authority} within the read timeout of {Seconds(CognitoClientConfig.EffectiveTimeout(config.ReadTimeout))} s.");
            if (ex is OperationCanceledException)
                return (CognitoErrors.ConnectionFailure, $"Could not connect to {authority} within the connect timeout of {Seconds(CognitoClientConfig.EffectiveTimeout(config.ConnectTimeout))} s.");
            return (CognitoErrors.ConnectionFailure, $"Could not send the request to {authority}: {Innermost(ex)}");
        }

        /// <summary>Which proxy refused which credentials (never the password), and the fix: for any call through the proxy.</summary>
        internal static string ProxyRefusedText(Uri target, IWebProxy proxy)
        {
            Uri proxyUri = null;
            try { proxyUri = proxy?.GetProxy(target); } catch (Exception) { }
            var named = proxyUri != null && proxyUri != target ? $"The proxy '{ProxyRedaction.Describe(proxyUri)}'" : "The proxy";
            var credentials = proxy is EnvironmentProxy environment
                ? (environment.Credentials != null ? "refused the user name and password of the proxy variable (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY)" : "asks for credentials, and the proxy variable (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) has none")
                : "refused the signed-in user's credentials";
            return $"{named} {credentials}: HTTP 407 Proxy Authentication Required, so nothing reached {target.GetLeftPart(UriPartial.Authority)}. " +
                   "Correct the proxy's user name and password (http://user:password@proxy:port, with special characters percent-encoded), or ask the proxy's administrator.";
        }

        /// <summary>Shared with <see cref="CognitoUserListClient"/>: both operations POST to the same URL.</summary>
        internal static Uri RequestUri(Uri serviceUrl)
        {
            // POST to the endpoint's path with a trailing slash, as the SDKs do ("/" for a bare host).
            var builder = new UriBuilder(serviceUrl) { Query = string.Empty, Fragment = string.Empty };
            if (!builder.Path.EndsWith("/", StringComparison.Ordinal)) builder.Path += "/";
            return builder.Uri;
        }

        /// <summary>The status line and the headers an awsJson answer is read by (the body is read apart: how depends on the call).</summary>
        internal static RawResponse ReadHead(HttpResponseMessage response) => new RawResponse
        {
            StatusCode = (int)response.StatusCode,
            ReasonPhrase = response.ReasonPhrase,
            ContentType = response.Content?.Headers.ContentType?.ToString(),
            ContentLength = response.Content?.Headers.ContentLength,
            RequestId = Header(response, RequestIdHeader) ?? Header(response, "x-amz-request-id"),
            ErrorTypeHeader = Header(response, ErrorTypeHeader),
        };

        /// <summary>How long the service asked us to wait (Retry-After or x-amz-retry-after), if it did.</summary>
        internal static TimeSpan? RetryAfterOf(HttpResponseMessage response)
            => RetryClassifier.ParseRetryAfter(Header(response, "Retry-After"), DateTimeOffset.UtcNow)
               ?? RetryClassifier.ParseAmzRetryAfter(Header(response, "x-amz-retry-after"));

        internal static string Header(HttpResponseMessage response, string name)
        {
            if (response.Headers.TryGetValues(name, out var values)) return string.Join(",", values);
            if (response.Content != null && response.Content.Headers.TryGetValues(name, out values)) return string.Join(",", values);
            return null;
        }

        private double NextRandom() => _random();

        /// <summary>First pause of a request that finds the retry quota empty (batch mode).</summary>
        internal static readonly TimeSpan RetryQuotaBasePause = TimeSpan.FromMilliseconds(250);

        /// <summary>Batch mode's pause when the retry quota is empty: 250 ms, doubling per pause of the same request, at most 20 s, half of it jittered.</summary>
        internal static TimeSpan RetryQuotaPause(int pause, double random)
        {
            var ceiling = Math.Min(RetryClassifier.MaxBackoff.TotalMilliseconds, RetryQuotaBasePause.TotalMilliseconds * Math.Pow(2, Math.Min(Math.Max(pause - 1, 0), 20)));
            if (random < 0) random = 0;
            if (random >= 1) random = 0.999999;
            return TimeSpan.FromMilliseconds(ceiling * (0.5 + 0.5 * random));
        }

        private void Log(string line)
        {
            var log = Config.Log;
            if (log == null) return;
            try { log(line); }
            catch (Exception) { /* a failing log sink must not fail the call */ }
        }

        internal static string Describe(RetryDecision decision) => decision == RetryDecision.Throttling ? "throttled" : "transient";

        internal static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

        private static string Innermost(Exception ex)
        {
            var messages = new System.Collections.Generic.List<string>();
            for (var e = ex; e != null; e = e.InnerException)
            {
                if (!string.IsNullOrEmpty(e.Message) && !messages.Contains(e.Message)) messages.Add(e.Message);
            }
            return messages.Count == 0 ? ex.GetType().Name : string.Join(" ", messages.Select(m => m.TrimEnd('.') + ".").ToArray());
        }

        public void Dispose() => _http.Dispose();
    }
}
