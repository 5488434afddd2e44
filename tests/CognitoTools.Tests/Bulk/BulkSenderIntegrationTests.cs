using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using CognitoTools.History;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;
using Xunit;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>The bulk sender with the real client against the fake Cognito service on 127.0.0.1, faults injected.</summary>
    public class BulkSenderIntegrationTests
    {
        private const string ClientId = FakeCognitoService.DemoClientId;

        static BulkSenderIntegrationTests()
        {
            // See FakeCognitoClient: the test threads block like a pipeline thread; keep the pool from starving.
            ThreadPool.GetMinThreads(out var workers, out var io);
            if (workers < 16) ThreadPool.SetMinThreads(16, io);
        }

        private static FakeCognitoService StartService(int users)
        {
            var service = FakeCognitoService.StartNew();
            service.SeedDemoPool();
            service.SeedUsers(users);
            service.ResendLimitPerHour = 0;
            return service;
        }

        /// <summary>The real client; retry back-off is capped at a few ms so fault storms stay quick.</summary>
        private static CognitoIdpClient Client(FakeCognitoService service, int maxAttempts = 3, IRequestRateLimiter limiter = null, TimeSpan? readTimeout = null)
        {
            var config = new CognitoClientConfig
            {
                ServiceUrl = new Uri(service.EndpointUrl),
                Region = "us-east-1",
                MaxAttempts = maxAttempts,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ReadTimeout = readTimeout ?? TimeSpan.FromSeconds(5),
                RateLimiter = limiter,
            };
            return new CognitoIdpClient(config, null, null, (delay, ct) => Task.Delay(TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds, 5)), ct));
        }

        private static IEnumerable<ResendConfirmationCodeRequest> Users(int count)
            => Enumerable.Range(1, count).Select(i => new ResendConfirmationCodeRequest { ClientId = ClientId, Username = "user" + i.ToString("D4") });

        private static List<SendOutcome> Run(BulkSender sender, IEnumerable<ResendConfirmationCodeRequest> requests)
            => BulkTestHelpers.Run(sender, requests);

        [Fact]
        public void Thousands_of_users_through_the_real_client_come_back_in_order()
        {
            using (var service = StartService(3000))
            using (var client = Client(service))
            using (var sender = new BulkSender(client, new BulkSendOptions { ThrottleLimit = 16, MaxRequestsPerSecond = 0 }, new CommandHistory(5000)))
            {
                var outcomes = Run(sender, Users(3000));

                Assert.Equal(3000, outcomes.Count);
                Assert.Equal(Enumerable.Range(0, 3000).Select(i => (long)i), outcomes.Select(o => o.Sequence));
                Assert.All(outcomes, o => Assert.Equal(SendOutcomeKind.Succeeded, o.Kind));
                Assert.All(outcomes, o => Assert.Equal(o.Request.Username, o.Response.CodeDeliveryDetails.Username ?? o.Request.Username));
                Assert.Equal(3000, service.RequestCount);
                Assert.Equal(3000, service.DeliveryCount);
            }
        }

        public static IEnumerable<object[]> FaultKinds() => new[]
        {
            new object[] { "500" }, new object[] { "502" }, new object[] { "503" }, new object[] { "504" },
            new object[] { "throttle" }, new object[] { "drop" }, new object[] { "reset" }, new object[] { "slow" },
            new object[] { "malformed" }, new object[] { "html" }, new object[] { "nonjson" }, new object[] { "contenttype" },
        };

        [Theory]
        [MemberData(nameof(FaultKinds))]
        public void Every_record_gets_exactly_one_outcome_under_each_fault_kind(string kind)
        {
            // Timeouts cost 300 ms per attempt, so that storm gets fewer records to stay quick.
            var count = kind == "slow" ? 150 : 1000;
            using (var service = StartService(count))
            using (var client = Client(service, maxAttempts: 2, readTimeout: TimeSpan.FromMilliseconds(300)))
            using (var sender = new BulkSender(client, new BulkSendOptions { ThrottleLimit = 16, MaxRequestsPerSecond = 0 }, new CommandHistory(count)))
            {
                // A 30% storm of this fault: with 2 attempts, about 9% of the records fail for good.
                service.Faults.FailRandomly(0.3, Fault.Parse(kind, TimeSpan.FromMilliseconds(600)));
                var outcomes = Run(sender, Users(count));

                Assert.Equal(count, outcomes.Count);
                Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), outcomes.Select(o => o.Sequence));
                Assert.DoesNotContain(outcomes, o => o.Kind == SendOutcomeKind.NotSent);
                var failures = outcomes.Where(o => o.Kind == SendOutcomeKind.Failed).ToList();
                // A wrong Content-Type on valid JSON is tolerated (as the AWS SDKs do); every other fault fails some records.
                if (kind != "contenttype") Assert.NotEmpty(failures);
                Assert.All(failures, f => Assert.IsAssignableFrom<CognitoException>(f.Error));
                Assert.Contains(outcomes, o => o.Kind == SendOutcomeKind.Succeeded);
                Assert.True(service.RequestCount >= count);
                Assert.Equal(count, sender.GetProgress().Completed);
            }
        }

        [Fact]
        public void The_rate_limit_holds_at_the_server()
        {
            using (var service = StartService(40))
            {
                var options = new BulkSendOptions { ThrottleLimit = 8, MaxRequestsPerSecond = 20 };
                var limiter = options.CreateRateLimiter();
                using (var client = Client(service, limiter: limiter))
                using (var sender = new BulkSender(client, options, null))
                {
                    Assert.Same(limiter, sender.RateLimiter); // the client's limiter is the batch's: no double gating
                    var outcomes = Run(sender, Users(32));

                    Assert.Equal(32, outcomes.Count);
                    Assert.Equal(32, service.RequestCount);
                    var busiest = service.MaxRequestsInWindow(TimeSpan.FromSeconds(1));
                    // The limiter admits at most 20 in any second; one more allows for an arrival delayed on the way to the server.
                    Assert.True(busiest <= 20 + 1, $"{busiest} requests within one second");
                    Assert.True(busiest >= 15, $"only {busiest} requests in the busiest second: the limit is far too strict");
                }
            }
        }

        [Fact]
        public void Server_throttling_slows_everyone_and_the_rate_recovers()
        {
            using (var service = StartService(400))
            {
                // The server allows 50 rps with a small burst of 5; the batch may go up to 200.
                service.SetRateLimit(50, 5);
                var options = new BulkSendOptions { ThrottleLimit = 8, MaxRequestsPerSecond = 200 };
                var limiter = options.CreateRateLimiter();
                var log = new List<string>();
                limiter.Log = line => { lock (log) log.Add(line); };
                using (var client = Client(service, maxAttempts: 5, limiter: limiter))
                using (var sender = new BulkSender(client, options, null))
                {
                    var lowest = double.MaxValue;
                    var outcomes = new List<SendOutcome>();
                    foreach (var request in Users(250))
                    {
                        outcomes.AddRange(sender.Submit(request));
                        lowest = Math.Min(lowest, limiter.CurrentRate);
                    }
                    outcomes.AddRange(sender.Complete());

                    Assert.Equal(250, outcomes.Count);
                    Assert.True(limiter.ThrottleCount > 0, "the server never throttled");
                    Assert.True(lowest < 200, $"the shared rate never dropped (lowest {lowest})");
                    // It found the quota rather than collapsing below it. (Sent in bunches, the batch would be throttled
                    // by the small burst far below 50/s, and read that as the quota.)
                    Assert.True(limiter.CurrentRate >= 25, $"the rate settled at {limiter.CurrentRate:F1}/s against a quota of 50/s: {string.Join(" | ", log)}");

                    // The quota goes away: successes bring the rate back to the cap (CUBIC: a plateau, then faster).
                    // The bound is generous: this checks that it comes back, the benchmark measures how fast.
                    service.SetRateLimit(0);
                    var watch = Stopwatch.StartNew();
                    while (limiter.CurrentRate < 200 && watch.Elapsed < TimeSpan.FromSeconds(90))
                    {
                        using (var more = new BulkSender(client, options, null)) Run(more, Users(400).Skip(250).Take(150));
                    }
                    Assert.Equal(200, limiter.CurrentRate);
                }
            }
        }

        [Fact]
        public async Task Cancel_stops_real_requests_in_flight_within_a_second()
        {
            using (var service = StartService(60))
            {
                service.AddedLatency = TimeSpan.FromSeconds(10);
                var history = new CommandHistory(1000);
                // A long grace period: ending within a second must come from the HTTP calls being cancelled, not abandoned.
                var options = new BulkSendOptions { ThrottleLimit = 8, MaxRequestsPerSecond = 0, CancelGracePeriod = TimeSpan.FromSeconds(5), AnswerGracePeriod = TimeSpan.Zero };
                using (var client = Client(service))
                using (var sender = new BulkSender(client, options, history))
                {
                    var outcomes = new List<SendOutcome>();
                    var pipeline = Task.Run(() =>
                    {
                        foreach (var request in Users(60)) outcomes.AddRange(sender.Submit(request));
                        outcomes.AddRange(sender.Complete());
                    });
                    var waited = Stopwatch.StartNew();
                    while (service.RequestCount < 8 && waited.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
                    Assert.Equal(8, service.RequestCount);

                    var watch = Stopwatch.StartNew();
                    sender.Cancel();
                    Assert.Same(pipeline, await Task.WhenAny(pipeline, Task.Delay(TimeSpan.FromSeconds(5))));
                    Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"cancel took {watch.Elapsed}");

                    Assert.Equal(60, outcomes.Count);
                    Assert.All(outcomes, o => Assert.Equal(SendOutcomeKind.NotSent, o.Kind));
                    Assert.Equal(60, sender.NotSentCount);
                    Assert.Equal(60, history.Query(new HistoryQuery { NotSent = true }).Count());
                    Assert.Equal(8, service.RequestCount);
                }
            }
        }

        [Fact]
        public void Duplicates_reach_the_server_once_in_a_case_insensitive_pool()
        {
            // The fake's default pool is case-insensitive (the console's default), where -CaseInsensitiveUsernames fits.
            using (var service = StartService(50))
            using (var client = Client(service))
            using (var sender = new BulkSender(client, new BulkSendOptions { ThrottleLimit = 4, MaxRequestsPerSecond = 0, CaseSensitiveUsernames = false }, null))
            {
                var rows = Users(50).Concat(Users(50).Select(r => new ResendConfirmationCodeRequest { ClientId = r.ClientId, Username = r.Username.ToUpperInvariant() })).ToList();
                var outcomes = Run(sender, rows);

                Assert.Equal(100, outcomes.Count);
                Assert.Equal(50, service.RequestCount);
                Assert.Equal(50, outcomes.Count(o => o.IsDuplicate));
                Assert.All(outcomes, o => Assert.Equal(SendOutcomeKind.Succeeded, o.Kind));
                for (var i = 0; i < 50; i++)
                {
                    Assert.True(outcomes[i + 50].IsDuplicate);
                    Assert.Equal(outcomes[i].Response.ResponseMetadata.RequestId, outcomes[i + 50].Response.ResponseMetadata.RequestId);
                    Assert.Equal(outcomes[i].Response.CodeDeliveryDetails.Destination, outcomes[i + 50].Response.CodeDeliveryDetails.Destination);
                }
            }
        }

        [Fact]
        public void Validation_failures_and_service_errors_are_failed_outcomes_recorded_in_history()
        {
            using (var service = StartService(2))
            using (var client = Client(service))
            {
                var history = new CommandHistory(10);
                using (var sender = new BulkSender(client, new BulkSendOptions { ThrottleLimit = 2, MaxRequestsPerSecond = 0 }, history))
                {
                    sender.Command = history.BeginCommand("Send-CGIPConfirmationCode");
                    var outcomes = Run(sender, new[]
                    {
                        new ResendConfirmationCodeRequest { ClientId = ClientId, Username = "user0001" },
                        new ResendConfirmationCodeRequest { ClientId = ClientId, Username = "nobody" },
                        new ResendConfirmationCodeRequest { ClientId = ClientId, Username = new string('x', 200) },
                    });

                    Assert.Equal(new[] { SendOutcomeKind.Succeeded, SendOutcomeKind.Failed, SendOutcomeKind.Failed }, outcomes.Select(o => o.Kind));
                    Assert.Equal("UserNotFoundException", ((CognitoException)outcomes[1].Error).ErrorCode);
                    Assert.IsType<RequestValidationException>(outcomes[2].Error);
                    Assert.Equal(2, service.RequestCount);

                    var byUser = history.Entries.ToDictionary(e => e.Username.Length > 20 ? "long" : e.Username);
                    Assert.Equal(HistoryOutcome.Succeeded, byUser["user0001"].Outcome);
                    Assert.NotNull(byUser["user0001"].RequestId);
                    Assert.Equal(1, byUser["user0001"].Attempts);
                    Assert.Equal(service.EndpointUrl, byUser["user0001"].Endpoint);
                    // The endpoint and Region that answered, and the endpoint again under the name a resend binds.
                    Assert.Equal("us-east-1", byUser["user0001"].Region);
                    Assert.Equal(service.EndpointUrl, byUser["user0001"].OriginalEndpoint);
                    Assert.Equal("UserNotFoundException", byUser["nobody"].ErrorCode);
                    Assert.Equal(400, byUser["nobody"].HttpStatusCode);
                    Assert.NotNull(byUser["nobody"].RequestId);
                    Assert.Equal("RequestValidationFailed", byUser["long"].ErrorCode);
                    Assert.Equal(1, sender.Command.Succeeded);
                    Assert.Equal(2, sender.Command.Failed);
                    Assert.NotNull(history.LastServiceResponse);
                }
            }
        }
    }
}
