using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class RetryTests
    {
        [Fact]
        public async Task Transient_500s_are_retried_with_one_invocation_id_and_counted_attempts()
        {
            using var f = new ClientFixture(Responses.Sequence(
                () => Responses.Error(500, "InternalErrorException", "oops"),
                () => ResponseAction.Json(503, "<html>busy</html>", "text/html"),
                () => Responses.Ok()));
            var response = await f.SendAsync();

            Assert.Equal(3, response.Attempts);
            Assert.Equal("EMAIL", response.CodeDeliveryDetails.DeliveryMedium);
            var requests = f.Server.Requests;
            Assert.Equal(new[] { "attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3" }, requests.Select(r => r.Header("amz-sdk-request")));
            Assert.Single(requests.Select(r => r.Header("amz-sdk-invocation-id")).Distinct());
            Assert.All(requests, r => Assert.Equal(requests[0].BodyText, r.BodyText));
            // Full jitter with the injected sample 0.5: 50 ms * 2^(n-1) * 0.5.
            Assert.Equal(new[] { TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(50) }, f.Delays);
        }

        [Fact]
        public async Task Gives_up_after_MaxAttempts_with_the_last_error()
        {
            using var f = new ClientFixture(_ => Responses.Error(500, "InternalErrorException", "still down"), c => c.MaxAttempts = 4);
            var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync());
            Assert.Equal("InternalErrorException", ex.ErrorCode);
            Assert.Equal(4, ex.Attempts);
            Assert.Equal(4, f.Server.RequestCount);
            Assert.Equal("attempt=4; max=4", f.Server.Requests.Last().Header("amz-sdk-request"));
        }

        [Fact]
        public async Task LimitExceeded_is_not_retried()
        {
            using var f = new ClientFixture(_ => Responses.Error(400, "LimitExceededException", "Attempt limit exceeded, please try after some time."));
            var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync());
            Assert.Equal("LimitExceededException", ex.ErrorCode);
            Assert.Equal(1, ex.Attempts);
            Assert.Equal(1, f.Server.RequestCount);
            Assert.Empty(f.Delays);
        }

        [Theory]
        [InlineData(400, "NotAuthorizedException")]
        [InlineData(400, "UserNotFoundException")]
        [InlineData(400, "InvalidParameterException")]
        [InlineData(403, "ForbiddenException")]
        [InlineData(404, "ResourceNotFoundException")]
        public async Task Client_errors_are_not_retried(int status, string code)
        {
            using var f = new ClientFixture(_ => Responses.Error(status, code, "no"));
            await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync());
            Assert.Equal(1, f.Server.RequestCount);
        }

        [Fact]
        public async Task TooManyRequests_as_400_is_retried_with_the_throttling_base()
        {
            using var f = new ClientFixture(Responses.Sequence(
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"),
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"),
                () => Responses.Ok()));
            var response = await f.SendAsync();
            Assert.Equal(3, response.Attempts);
            // 1 s * 2^(n-1) * 0.5.
            Assert.Equal(new[] { TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000) }, f.Delays);
        }

        [Fact]
        public async Task Plain_429_is_throttling()
        {
            using var f = new ClientFixture(Responses.Sequence(() => ResponseAction.Json(429, ""), () => Responses.Ok()));
            var response = await f.SendAsync();
            Assert.Equal(2, response.Attempts);
            Assert.Equal(TimeSpan.FromMilliseconds(500), Assert.Single(f.Delays));
        }

        [Theory]
        [InlineData("2", 2000)]
        [InlineData("0.25", 250)]
        [InlineData("120", 20000)]
        public async Task Retry_After_seconds_are_honoured_up_to_20_s(string header, int expectedMs)
        {
            using var f = new ClientFixture(Responses.Sequence(
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded").WithHeader("Retry-After", header),
                () => Responses.Ok()));
            await f.SendAsync();
            Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Assert.Single(f.Delays));
        }

        [Theory]
        [InlineData(null, "1500", 1500)]
        [InlineData("2", "1500", 2000)] // the standard header wins
        [InlineData(null, "90000", 20000)]
        [InlineData(null, "soon", 500)] // unreadable: the throttling backoff (1 s * jitter 0.5)
        public async Task X_amz_retry_after_milliseconds_are_honoured_when_there_is_no_Retry_After(string retryAfter, string amzRetryAfter, int expectedMs)
        {
            using var f = new ClientFixture(Responses.Sequence(
                () =>
                {
                    var answer = Responses.Error(400, "TooManyRequestsException", "Rate exceeded").WithHeader("x-amz-retry-after", amzRetryAfter);
                    return retryAfter == null ? answer : answer.WithHeader("Retry-After", retryAfter);
                },
                () => Responses.Ok()));
            await f.SendAsync();
            Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Assert.Single(f.Delays));
        }

        [Fact]
        public async Task Connection_dropped_before_an_answer_is_retried()
        {
            using var f = new ClientFixture(Responses.Sequence(() => new ResponseAction { DropConnection = true }, () => Responses.Ok()));
            var response = await f.SendAsync();
            Assert.Equal(2, response.Attempts);
            Assert.Equal(2, f.Server.RequestCount);
        }

        [Fact]
        public async Task Connection_dropped_every_time_ends_in_ConnectionFailure()
        {
            using var f = new ClientFixture(_ => new ResponseAction { DropConnection = true });
            var ex = await Assert.ThrowsAsync<CognitoTransportException>(() => f.SendAsync());
            Assert.Equal("ConnectionFailure", ex.ErrorCode);
            Assert.Equal(3, ex.Attempts);
            Assert.Null(ex.HttpStatusCode);
            Assert.Contains("127.0.0.1", ex.Message);
            Assert.Equal(ErrorClassification.ConnectionError, CognitoErrors.Classify(ex.ErrorCode));
        }

        [Fact]
        public async Task Garbage_instead_of_HTTP_is_a_retried_connection_failure()
        {
            using var f = new ClientFixture(Responses.Sequence(
                () => new ResponseAction { RawResponse = System.Text.Encoding.ASCII.GetBytes("NOT HTTP AT ALL\r\n\r\n") },
                () => Responses.Ok()));
            var response = await f.SendAsync();
            Assert.Equal(2, response.Attempts);
        }

        [Fact]
        public async Task Truncated_body_is_retried()
        {
            var truncated = ResponseAction.Json(200, Responses.DeliveryJson);
            truncated.TruncateBodyAt = 10;
            using var f = new ClientFixture(Responses.Sequence(() => truncated, () => Responses.Ok()));
            var response = await f.SendAsync();
            Assert.Equal(2, response.Attempts);
            Assert.Equal("EMAIL", response.CodeDeliveryDetails.DeliveryMedium);
        }

        [Fact]
        public async Task Malformed_2xx_body_is_not_retried()
        {
            using var f = new ClientFixture(_ => ResponseAction.Json(200, "{not json"));
            var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync());
            Assert.Equal("MalformedResponse", ex.ErrorCode);
            Assert.Equal(1, f.Server.RequestCount);
        }

        [Fact]
        public async Task Connection_refused_is_retried_then_ConnectionFailure()
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var delays = new List<TimeSpan>();
            using var client = new CognitoIdpClient(new CognitoClientConfig { ServiceUrl = new Uri($"http://127.0.0.1:{port}") }, null, () => 0.5,
                (d, ct) => { delays.Add(d); return Task.CompletedTask; });

            var ex = await Assert.ThrowsAsync<CognitoTransportException>(() =>
                client.ResendConfirmationCodeAsync(new CognitoTools.Model.ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, CancellationToken.None));
            Assert.Equal("ConnectionFailure", ex.ErrorCode);
            Assert.Equal(3, ex.Attempts);
            Assert.Equal(2, delays.Count);
        }

        [Fact]
        public async Task MaxAttempts_1_means_no_retry()
        {
            using var f = new ClientFixture(_ => Responses.Error(503, "ServiceUnavailable", "x"), c => c.MaxAttempts = 1);
            var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync());
            Assert.Equal(1, ex.Attempts);
            Assert.Equal("attempt=1; max=1", f.Server.Requests.Single().Header("amz-sdk-request"));
        }

        [Fact]
        public async Task Rate_limiter_gates_every_attempt_and_hears_each_answer_with_its_kind()
        {
            var limiter = new CountingLimiter();
            using var f = new ClientFixture(Responses.Sequence(
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"),
                () => Responses.Error(500, "InternalErrorException", "x"),
                () => Responses.Ok()), c => c.RateLimiter = limiter);
            await f.SendAsync();
            Assert.Equal(3, limiter.Waits);
            Assert.Equal(new[] { AnswerKind.Throttled, AnswerKind.ServiceFault, AnswerKind.Accepted }, limiter.Answers);
        }

        [Fact]
        public async Task Each_attempt_and_each_decision_is_logged()
        {
            using var f = new ClientFixture(Responses.Sequence(() => Responses.Error(500, "InternalErrorException", "x"), () => Responses.Ok()));
            await f.SendAsync();
            var lines = f.LogLines.ToArray();
            Assert.Contains(lines, l => l.Contains("attempt 1/3"));
            Assert.Contains(lines, l => l.Contains("attempt 2/3"));
            Assert.Contains(lines, l => l.Contains("InternalErrorException") && l.Contains("retrying in 25 ms"));
            Assert.Contains(lines, l => l.Contains("attempt 2: HTTP 200"));
        }

        /// <summary>
        /// Standard mode's retry quota (500 tokens, 14 per transient retry): in a storm of 5xx answers a client stops
        /// retrying after 35 retries, so 100 failing calls cost the service 135 requests, not 300. Each call still ends
        /// with its own error.
        /// </summary>
        [Fact]
        public async Task A_5xx_storm_drains_the_retry_quota_and_then_calls_fail_without_retrying()
        {
            using var f = new ClientFixture(_ => Responses.Error(500, "InternalErrorException", "down"));
            var attempts = new List<int>();
            for (var i = 0; i < 100; i++)
            {
                var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync("user" + i));
                Assert.Equal("InternalErrorException", ex.ErrorCode);
                Assert.Equal(i >= 17, ex.RetryQuotaExhausted); // the 18th call got one retry, then none
                attempts.Add(ex.Attempts);
            }

            // 500 / 14 = 35 affordable retries: 17 calls with 2 retries, 1 with 1, then none.
            Assert.Equal(100 + 35, f.Server.RequestCount);
            Assert.Equal(Enumerable.Repeat(3, 17).Concat(new[] { 2 }).Concat(Enumerable.Repeat(1, 82)), attempts);
            Assert.Equal(500 - 35 * RetryQuota.TransientRetryCost, f.Client.RetryQuotaAvailable);
            Assert.Contains(f.LogLines, l => l.Contains("retry quota is used up"));
        }

        [Fact]
        public async Task Successes_refill_the_quota_and_throttling_retries_cost_less()
        {
            var failNext = 0;
            using var f = new ClientFixture(_ => Interlocked.Exchange(ref failNext, 0) == 1
                ? Responses.Error(400, "TooManyRequestsException", "Rate exceeded")
                : Responses.Ok());

            Interlocked.Exchange(ref failNext, 1);
            await f.SendAsync();
            Assert.Equal(500, f.Client.RetryQuotaAvailable); // 5 spent on the throttling retry, refunded by its success

            using var g = new ClientFixture(_ => Responses.Error(500, "InternalErrorException", "down"), c => c.MaxAttempts = 2);
            await Assert.ThrowsAsync<CognitoServiceException>(() => g.SendAsync());
            Assert.Equal(500 - 14, g.Client.RetryQuotaAvailable);
        }

        [Fact]
        public async Task A_quota_of_0_disables_it()
        {
            using var f = new ClientFixture(_ => Responses.Error(503, "ServiceUnavailable", "x"), c => c.RetryQuotaCapacity = 0);
            for (var i = 0; i < 40; i++) await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync());
            Assert.Equal(120, f.Server.RequestCount);
        }

        [Fact]
        public async Task Batch_mode_throttled_attempts_do_not_use_up_the_attempts_of_the_request()
        {
            // 3 attempts; 5 throttles, then a 500, then success: standard mode gives up after the third answer.
            Func<RecordedRequest, ResponseAction> Script() => Responses.Sequence(
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"),
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"),
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"),
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"),
                () => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"),
                () => Responses.Error(500, "InternalErrorException", "x"),
                () => Responses.Ok());
            using (var standard = new ClientFixture(Script()))
            {
                var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => standard.SendAsync());
                Assert.Equal("TooManyRequestsException", ex.ErrorCode);
                Assert.Equal(3, standard.Server.RequestCount);
            }
            using (var batch = new ClientFixture(Script(), c => { c.RetryMode = RetryMode.Batch; c.RateLimiter = new CountingLimiter(); }))
            {
                var response = await batch.SendAsync();
                Assert.Equal(7, response.Attempts);
                Assert.Equal(7, batch.Server.RequestCount);
                // The header counts the throttled attempts on top of MaxAttempts.
                Assert.Equal("attempt=7; max=8", batch.Server.Requests.Last().Header("amz-sdk-request"));
            }
        }

        [Fact]
        public async Task Batch_mode_fails_a_request_when_its_own_attempts_are_spent_or_its_throttle_budget_is()
        {
            using (var own = new ClientFixture(_ => Responses.Error(500, "InternalErrorException", "x"), c => { c.RetryMode = RetryMode.Batch; c.RateLimiter = new CountingLimiter(); }))
            {
                var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => own.SendAsync());
                Assert.Equal(3, ex.Attempts);
            }
            using (var throttled = new ClientFixture(_ => Responses.Error(400, "TooManyRequestsException", "Rate exceeded"), c => { c.RetryMode = RetryMode.Batch; c.RateLimiter = new CountingLimiter(); c.MaxThrottledAttempts = 6; }))
            {
                var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => throttled.SendAsync());
                Assert.Equal(6, ex.Attempts);
                Assert.Equal(6, throttled.Server.RequestCount);
            }
        }

        [Fact]
        public async Task Batch_mode_pauses_and_slows_down_when_the_retry_quota_is_empty_instead_of_failing()
        {
            // A quota of 14 tokens pays for one transient retry. Standard mode then fails the next call at its first
            // error; batch mode pauses it (250 ms, jittered by half) and tells the limiter to slow down, then retries.
            Func<RecordedRequest, ResponseAction> Script() => Responses.Sequence(
                () => Responses.Error(500, "InternalErrorException", "x"),
                () => Responses.Error(500, "InternalErrorException", "x"),
                () => Responses.Ok());
            using (var standard = new ClientFixture(Script(), c => c.RetryQuotaCapacity = 14))
            {
                var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => standard.SendAsync());
                Assert.True(ex.RetryQuotaExhausted);
                Assert.Equal(2, standard.Server.RequestCount);
            }
            var limiter = new CountingLimiter();
            using (var batch = new ClientFixture(Script(), c => { c.RetryQuotaCapacity = 14; c.RetryMode = RetryMode.Batch; c.RateLimiter = limiter; }))
            {
                var response = await batch.SendAsync();
                Assert.Equal(3, response.Attempts);
                Assert.Equal(1, limiter.QuotaExhausted);
                // The second delay is the quota pause: between 125 and 250 ms (jitter 0.5 here: 187.5 ms).
                Assert.Equal(TimeSpan.FromMilliseconds(187.5), batch.Delays.Last());
                Assert.Contains(batch.LogLines, l => l.Contains("retry quota is used up") && l.Contains("pausing"));
            }
        }

        private sealed class CountingLimiter : IRequestRateLimiter
        {
            public int Waits, QuotaExhausted;
            public readonly List<AnswerKind> Answers = new List<AnswerKind>();
            public Task WaitAsync(CancellationToken cancellationToken) { Interlocked.Increment(ref Waits); return Task.CompletedTask; }
            public void OnAnswer(AnswerKind kind) { lock (Answers) Answers.Add(kind); }
            public void OnRetryQuotaExhausted() => Interlocked.Increment(ref QuotaExhausted);
        }
    }

    public class RetryClassifierTests
    {
        [Theory]
        [InlineData(400, "TooManyRequestsException", false, RetryDecision.Throttling)]
        [InlineData(429, null, false, RetryDecision.Throttling)]
        [InlineData(400, "ThrottlingException", false, RetryDecision.Throttling)]
        [InlineData(400, "Throttling", false, RetryDecision.Throttling)]
        [InlineData(400, "RequestLimitExceeded", false, RetryDecision.Throttling)]
        [InlineData(503, "TooManyRequestsException", false, RetryDecision.Throttling)]
        [InlineData(400, "LimitExceededException", false, RetryDecision.None)]
        [InlineData(429, "LimitExceededException", false, RetryDecision.None)]
        [InlineData(500, "InternalErrorException", false, RetryDecision.Transient)]
        [InlineData(400, "InternalErrorException", false, RetryDecision.Transient)]
        [InlineData(500, null, false, RetryDecision.Transient)]
        [InlineData(502, "MalformedResponse", false, RetryDecision.Transient)]
        [InlineData(503, null, false, RetryDecision.Transient)]
        [InlineData(504, null, false, RetryDecision.Transient)]
        [InlineData(501, null, false, RetryDecision.Transient)]
        [InlineData(null, "ConnectionFailure", true, RetryDecision.Transient)]
        [InlineData(null, "RequestTimeout", true, RetryDecision.Transient)]
        [InlineData(200, null, true, RetryDecision.Transient)]
        [InlineData(200, "MalformedResponse", false, RetryDecision.None)]
        [InlineData(400, "NotAuthorizedException", false, RetryDecision.None)]
        [InlineData(400, "UserNotFoundException", false, RetryDecision.None)]
        [InlineData(400, "UnknownError", false, RetryDecision.None)]
        [InlineData(404, null, false, RetryDecision.None)]
        [InlineData(200, null, false, RetryDecision.None)]
        public void Decisions(int? status, string code, bool transport, RetryDecision expected)
        {
            Assert.Equal(expected, RetryClassifier.Classify(status, code, transport));
        }

        [Theory]
        [InlineData(RetryDecision.Transient, 1, 0.999, 49.95)]
        [InlineData(RetryDecision.Transient, 3, 0.5, 100)]
        [InlineData(RetryDecision.Throttling, 1, 0.5, 500)]
        [InlineData(RetryDecision.Throttling, 4, 0.5, 4000)]
        [InlineData(RetryDecision.Throttling, 10, 0.5, 10000)] // capped at 20 s before jitter
        [InlineData(RetryDecision.Transient, 40, 0.25, 5000)]
        [InlineData(RetryDecision.Transient, 2, 0, 0)]
        [InlineData(RetryDecision.None, 2, 0.5, 0)]
        public void Full_jitter_backoff(RetryDecision decision, int attempt, double random, double expectedMs)
        {
            Assert.Equal(expectedMs, RetryClassifier.ComputeDelay(decision, attempt, random).TotalMilliseconds, 3);
        }

        [Fact]
        public void Retry_After_replaces_the_backoff_capped_at_20_s()
        {
            Assert.Equal(TimeSpan.FromSeconds(3), RetryClassifier.ComputeDelay(RetryDecision.Transient, 1, 0.9, TimeSpan.FromSeconds(3)));
            Assert.Equal(TimeSpan.FromSeconds(20), RetryClassifier.ComputeDelay(RetryDecision.Throttling, 1, 0.9, TimeSpan.FromMinutes(5)));
        }

        [Fact]
        public void Retry_After_header_forms()
        {
            var now = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
            Assert.Equal(TimeSpan.FromSeconds(5), RetryClassifier.ParseRetryAfter("5", now));
            Assert.Equal(TimeSpan.FromSeconds(1.5), RetryClassifier.ParseRetryAfter(" 1.5 ", now));
            Assert.Equal(TimeSpan.FromSeconds(30), RetryClassifier.ParseRetryAfter("Sun, 22 Nov 2026 00:00:30 GMT", now));
            Assert.Equal(TimeSpan.Zero, RetryClassifier.ParseRetryAfter("Sat, 21 Nov 2026 23:00:00 GMT", now));
            Assert.Null(RetryClassifier.ParseRetryAfter("soon", now));
            Assert.Null(RetryClassifier.ParseRetryAfter("-3", now));
            Assert.Null(RetryClassifier.ParseRetryAfter(null, now));
            Assert.Equal(TimeSpan.FromMilliseconds(250.5), RetryClassifier.ParseAmzRetryAfter("250.5"));
            Assert.Null(RetryClassifier.ParseAmzRetryAfter("-1"));
            Assert.Null(RetryClassifier.ParseAmzRetryAfter(""));
        }
    }
}

namespace CognitoTools.Tests.Protocol
{
    public class RetryQuotaTests
    {
        [Fact]
        public void Spending_refunds_and_the_cap()
        {
            var quota = new RetryQuota(30);
            Assert.True(quota.TryAcquire(RetryQuota.TransientRetryCost));
            Assert.True(quota.TryAcquire(RetryQuota.TransientRetryCost));
            Assert.False(quota.TryAcquire(RetryQuota.TransientRetryCost)); // 2 left
            Assert.Equal(2, quota.Available);
            quota.OnSuccess(0);
            Assert.Equal(3, quota.Available);
            quota.OnSuccess(RetryQuota.TransientRetryCost);
            Assert.Equal(17, quota.Available);
            for (var i = 0; i < 10; i++) quota.OnSuccess(RetryQuota.TransientRetryCost);
            Assert.Equal(30, quota.Available);
            Assert.Equal(5, RetryQuota.CostOf(RetryDecision.Throttling));
            Assert.Equal(14, RetryQuota.CostOf(RetryDecision.Transient));
        }
    }
}
