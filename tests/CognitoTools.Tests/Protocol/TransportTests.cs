using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class TransportTests
    {
        [Fact]
        public async Task Sequential_calls_reuse_one_connection()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            for (var i = 0; i < 5; i++) await f.SendAsync("user" + i, "client1");
            Assert.Equal(5, f.Server.RequestCount);
            Assert.Equal(1, f.Server.ConnectionCount);
        }

        [Fact]
        public async Task Retries_reuse_the_connection_when_the_server_keeps_it()
        {
            using var f = new ClientFixture(Responses.Sequence(() => Responses.Error(500, "InternalErrorException", "x"), () => Responses.Ok()));
            await f.SendAsync();
            Assert.Equal(1, f.Server.ConnectionCount);
        }

        [Fact]
        public async Task MaxConnectionsPerServer_bounds_concurrent_connections()
        {
            var inFlight = 0;
            var peak = 0;
            using var f = new ClientFixture(_ =>
            {
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref peak, now);
                Thread.Sleep(100);
                Interlocked.Decrement(ref inFlight);
                return Responses.Ok();
            }, c => c.MaxConnectionsPerServer = 2);

            await Task.WhenAll(Enumerable.Range(0, 6).Select(i => f.SendAsync("u" + i, "c")));
            Assert.Equal(6, f.Server.RequestCount);
            Assert.True(f.Server.ConnectionCount <= 2, "connections: " + f.Server.ConnectionCount);
            Assert.Equal(2, peak);
        }

        [Fact]
        public async Task Read_timeout_is_a_retried_RequestTimeout()
        {
            using var f = new ClientFixture(_ => new ResponseAction { Delay = TimeSpan.FromSeconds(20) }, c =>
            {
                c.ReadTimeout = TimeSpan.FromMilliseconds(300);
                c.MaxAttempts = 2;
            });
            var ex = await Assert.ThrowsAsync<CognitoTransportException>(() => f.SendAsync());
            Assert.Equal("RequestTimeout", ex.ErrorCode);
            Assert.Equal(2, ex.Attempts);
            Assert.Equal(2, f.Server.RequestCount);
            Assert.Contains("0.3 s", ex.Message);
            Assert.Equal(ErrorClassification.OperationTimeout, CognitoErrors.Classify(ex.ErrorCode));
        }

        [Fact]
        public async Task A_slow_answer_within_the_read_timeout_succeeds()
        {
            using var f = new ClientFixture(_ => { var a = Responses.Ok(); a.Delay = TimeSpan.FromMilliseconds(200); return a; },
                c => c.ReadTimeout = TimeSpan.FromSeconds(10));
            var response = await f.SendAsync();
            Assert.Equal(1, response.Attempts);
        }

        [Fact]
        public async Task Cancellation_while_waiting_for_an_answer_is_prompt_and_not_a_timeout()
        {
            using var f = new ClientFixture(_ => new ResponseAction { Delay = TimeSpan.FromSeconds(30) });
            using var cts = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            var call = f.SendAsync(new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, cts.Token);
            while (f.Server.RequestCount == 0 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
            cts.Cancel();
            var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            Assert.Equal(cts.Token, ex.CancellationToken);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
            Assert.Equal(1, f.Server.RequestCount);
        }

        [Fact]
        public async Task Cancellation_during_a_backoff_wait_is_prompt()
        {
            // Real delays here: Retry-After asks for 20 s.
            using var f = new ClientFixture(_ => Responses.Error(400, "TooManyRequestsException", "Rate exceeded").WithHeader("Retry-After", "20"), realDelays: true);
            using var cts = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            var call = f.SendAsync(new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, cts.Token);
            while (f.Server.RequestCount == 0 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
            await Task.Delay(100);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
            Assert.Equal(1, f.Server.RequestCount);
        }

        [Fact]
        public async Task An_already_cancelled_token_sends_nothing()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                f.SendAsync(new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, new CancellationToken(true)));
            Assert.Equal(0, f.Server.RequestCount);
        }

        [Fact]
        public async Task A_proxy_from_the_environment_carries_requests_to_non_loopback_hosts()
        {
            // The local server plays the proxy: an HTTP proxy receives the absolute URI in the request line.
            using var f = new ClientFixture(_ => Responses.Ok());
            var proxyUrl = $"http://127.0.0.1:{f.Server.Port}";
            using var client = new CognitoIdpClient(new CognitoClientConfig
            {
                ServiceUrl = new Uri("http://cognito-idp.example.test/"),
                Proxy = EnvironmentProxy.FromEnvironment(name => name == "HTTP_PROXY" ? proxyUrl : null),
                MaxAttempts = 1,
            });
            var response = await client.ResendConfirmationCodeAsync(new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" }, CancellationToken.None);

            Assert.Equal("EMAIL", response.CodeDeliveryDetails.DeliveryMedium);
            var r = f.Server.Requests.Single();
            Assert.Equal("http://cognito-idp.example.test/", r.Path);
            Assert.Equal("cognito-idp.example.test", r.Header("Host"));
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
        }
    }
}
