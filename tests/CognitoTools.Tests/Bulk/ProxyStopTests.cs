using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using CognitoTools.History;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;
using CognitoTools.TestEndpoint.Http;
using Xunit;
using static CognitoTools.Tests.Bulk.BulkTestHelpers;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>
    /// A proxy that refuses the credentials (407, ProxyAuthenticationRequired) stops the whole endpoint, every client,
    /// like the account-wide stops: no new request starts and the rest is NotSent (resumable). It is not Cognito's
    /// answer: the stop says the proxy refused, and the 407 does not feed the rate limiter as an answer.
    /// </summary>
    public class ProxyStopTests
    {
        private const int ThrottleLimit = 8;
        // Requests that may start after the stop beyond those in flight (a slot freed just before the stop was read).
        private const int Slack = 2;
        private const string ProxyMessage = "The proxy 'http://127.0.0.1:3128' refused the user name and password of the proxy variable (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY): HTTP 407 Proxy Authentication Required, so nothing reached http://cognito.";

        [Fact]
        public void A_proxys_refusal_stops_every_client_at_once_and_the_rest_is_not_sent()
        {
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                throw new CognitoTransportException(CognitoErrors.ProxyAuthenticationRequired, ProxyMessage) { HttpStatusCode = 407, Attempts = 1 };
            });
            var history = new CommandHistory(1000);
            var rows = Enumerable.Range(0, 200).SelectMany(i => new[] { Request("user" + i, "clientA"), Request("user" + i, "clientB") }).ToList();
            using (var sender = new BulkSender(client, new BulkSendOptions { ThrottleLimit = ThrottleLimit, MaxRequestsPerSecond = 0 }, history))
            {
                var outcomes = Run(sender, rows);

                Assert.Equal(400, outcomes.Count);
                Assert.InRange(client.Calls, 1, ThrottleLimit + Slack);
                var failed = outcomes.Where(o => o.Kind == SendOutcomeKind.Failed).ToList();
                Assert.Equal(client.Calls, failed.Count);
                Assert.All(failed, o => Assert.Equal(CognitoErrors.ProxyAuthenticationRequired, ((CognitoException)o.Error).ErrorCode));
                var notSent = outcomes.Where(o => o.Kind == SendOutcomeKind.NotSent).ToList();
                Assert.Equal(400 - client.Calls, notSent.Count);
                Assert.All(notSent, o => Assert.False(o.InDoubt));
                // Both clients are held: the proxy refuses every request to the endpoint.
                Assert.Contains(notSent, o => o.Request.ClientId == "clientA");
                Assert.Contains(notSent, o => o.Request.ClientId == "clientB");

                var stop = Assert.Single(sender.Stops.All);
                Assert.Equal(StopScope.Endpoint, stop.Scope);
                Assert.Equal(StopCause.ProxyCredentialsRefused, stop.Cause);
                Assert.Equal("ProxyCredentialsRefused", stop.ErrorId);
                Assert.Equal(ErrorClassification.PermissionDenied, stop.Category);
                Assert.Equal(400 - client.Calls, stop.NotSentCount);
                Assert.Equal(client.Calls, stop.SameAnswerCount);
                Assert.Null(sender.StallError);

                // Not Cognito's answer: the messages say the proxy refused, and how to fix and resume.
                var report = stop.Report("C:\\journal.csv");
                Assert.DoesNotContain("Cognito said stop", report);
                Assert.DoesNotContain("Cognito answered", report);
                Assert.StartsWith("The proxy on the way to Cognito refused every request to", report);
                Assert.Contains($"{400 - client.Calls} row(s) were not sent", report);
                Assert.Contains("HTTPS_PROXY", report);
                Assert.Contains("-JournalPath 'C:\\journal.csv'", report);
                var rowError = Assert.IsType<ScopeStoppedException>(notSent[0].Error);
                Assert.DoesNotContain("Cognito said stop", rowError.Message);
                Assert.Contains("the proxy answered ProxyAuthenticationRequired", rowError.Message);
                Assert.Equal(400 - client.Calls, history.Query(new HistoryQuery { NotSent = true }).Count());
            }
        }

        [Fact]
        public void Through_a_real_proxy_one_request_is_refused_the_rest_not_sent_and_the_407_is_no_answer_for_the_rate_limiter()
        {
            using (var service = FakeCognitoService.StartNew().SeedDemoPool().SeedUsers(20))
            using (var proxy = new BasicAuthProxy("corp", "Right-Pa55word", new IPEndPoint(IPAddress.Loopback, service.Port)))
            {
                var proxyUri = new Uri($"http://corp:Wrong-Pa55word@127.0.0.1:{proxy.Port}/");
                var limiter = new CountingLimiter();
                // Not a loopback name, so the request goes through the proxy (absolute URI), which answers 407 itself.
                var config = new CognitoClientConfig
                {
                    ServiceUrl = new Uri($"http://cognito-idp.proxy-test.invalid:{service.Port}/"),
                    Region = "us-east-1",
                    Proxy = new EnvironmentProxy(proxyUri, proxyUri, null),
                };
                var options = new BulkSendOptions { ThrottleLimit = 1 };
                using (var client = BatchClientFactory.Create(config, options, limiter))
                using (var sender = new BulkSender(client, options, null))
                {
                    var rows = Enumerable.Range(1, 20).Select(i => Request(FakeCognitoService.SeededUsername(i, 4), FakeCognitoService.DemoClientId));
                    var outcomes = Run(sender, rows);

                    Assert.Equal(1, outcomes.Count(o => o.Kind == SendOutcomeKind.Failed));
                    Assert.Equal(19, outcomes.Count(o => o.Kind == SendOutcomeKind.NotSent && o.Error is ScopeStoppedException));
                    // One request reached the proxy: .NET asks once without the credentials, then with them (two 407s at most).
                    Assert.InRange(proxy.Refused, 1, 2);
                    Assert.InRange(proxy.RequestLines.Count, 1, 2);
                    Assert.All(proxy.RequestLines, line => Assert.Contains("POST http://cognito-idp.proxy-test.invalid", line));
                    Assert.Equal(0, proxy.Forwarded);
                    Assert.Equal(0, service.RequestCount);
                    Assert.Equal(StopScope.Endpoint, Assert.Single(sender.Stops.All).Scope);
                    // The proxy answered, not Cognito: nothing for the limiter to learn Cognito's rate from.
                    Assert.Equal(0, limiter.Answers);
                    Assert.Equal(0, limiter.Throttles);
                }
            }
        }

        private sealed class CountingLimiter : IRequestRateLimiter
        {
            private int _answers;
            private int _throttles;
            public int Answers => Volatile.Read(ref _answers);
            public int Throttles => Volatile.Read(ref _throttles);
            public Task WaitAsync(CancellationToken cancellationToken) => Task.CompletedTask;
            public void OnAnswer(AnswerKind kind)
            {
                if (kind == AnswerKind.Throttled) Interlocked.Increment(ref _throttles);
                else if (kind != AnswerKind.NoAnswer) Interlocked.Increment(ref _answers);
            }
            public void OnRetryQuotaExhausted() { }
        }
    }
}
