using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using CognitoTools.History;
using CognitoTools.Journal;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;
using CognitoTools.Tests.Infrastructure;
using Xunit;
using static CognitoTools.Tests.Bulk.BulkTestHelpers;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>
    /// Issue 13, the bulk sender: on the first account- or pool-wide answer no new request of that scope starts, its
    /// rows not yet sent end NotSent (history, journal) and resumable, requests in flight keep their answers, and other
    /// clients go on.
    /// </summary>
    public class ScopeStopTests
    {
        private const string DailyLimit = "Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.";
        private const int ThrottleLimit = 8;
        // Requests that may start after the stop beyond those in flight (a slot freed just before the stop was read).
        private const int Slack = 2;

        private static BulkSendOptions Options(int throttleLimit = ThrottleLimit) => new BulkSendOptions { ThrottleLimit = throttleLimit, MaxRequestsPerSecond = 0 };

        private static CognitoServiceException Error(string code, string message, int status = 400)
            => new CognitoServiceException(code, message, status, "rid-" + Guid.NewGuid().ToString("N")) { Attempts = 1 };

        private static IEnumerable<ResendConfirmationCodeRequest> TwoClients(int perClient)
            => Enumerable.Range(0, perClient).SelectMany(i => new[] { Request("user" + i, "good"), Request("user" + i, "broken") });

        [Fact]
        public void The_daily_email_limit_stops_every_client_at_once_and_the_rest_is_not_sent()
        {
            var delivered = 0;
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                if (Interlocked.Increment(ref delivered) > 50) throw Error("LimitExceededException", DailyLimit);
                return FakeCognitoClient.Success(request);
            });
            var history = new CommandHistory(5000);
            using (var sender = new BulkSender(client, Options(), history))
            {
                var outcomes = Run(sender, TwoClients(500));

                Assert.Equal(1000, outcomes.Count);
                Assert.Equal(50, outcomes.Count(o => o.Kind == SendOutcomeKind.Succeeded));
                var failed = outcomes.Where(o => o.Kind == SendOutcomeKind.Failed).ToList();
                Assert.InRange(failed.Count, 1, ThrottleLimit + Slack);
                Assert.Equal(client.Calls, 50 + failed.Count);
                var notSent = outcomes.Where(o => o.Kind == SendOutcomeKind.NotSent).ToList();
                Assert.Equal(1000 - client.Calls, notSent.Count);
                Assert.All(notSent, o => Assert.IsType<ScopeStoppedException>(o.Error));
                Assert.All(notSent, o => Assert.False(o.InDoubt));
                // Both clients are held: the limit is the account's.
                Assert.Contains(notSent, o => o.Request.ClientId == "good");
                Assert.Contains(notSent, o => o.Request.ClientId == "broken");

                var stop = Assert.Single(sender.Stops.All);
                Assert.Equal(StopScope.Account, stop.Scope);
                Assert.Equal(StopCause.DailyEmailLimit, stop.Cause);
                Assert.Equal("DailyEmailLimitReached", stop.ErrorId);
                Assert.Equal(notSent.Count, stop.NotSentCount);
                Assert.Equal(failed.Count, stop.SameAnswerCount);
                Assert.Equal(notSent.Count, sender.NotSentCount);
                Assert.Equal(0, sender.InDoubtCount);
                Assert.Same(stop, Assert.Single(sender.GetSummary().Stops));

                var report = stop.Report("/tmp/j.csv");
                Assert.Contains($"{notSent.Count} row(s) were not sent", report);
                Assert.Contains("Amazon SES", report);
                Assert.Contains("09:00 UTC", report);
                Assert.Contains("-JournalPath '/tmp/j.csv'", report);
                Assert.Contains("SMS", report);
                Assert.Contains("Get-CGIPHistory -NotSent", stop.Report(null));

                // The history holds each row not sent, with the stop's reason.
                var entries = history.Query(new HistoryQuery { NotSent = true }).ToList();
                Assert.Equal(notSent.Count, entries.Count);
                Assert.All(entries, e => Assert.Contains("daily e-mail limit", e.ErrorMessage));
            }
        }

        [Fact]
        public void A_pool_wide_error_stops_its_client_only_and_the_other_client_goes_on()
        {
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                if (request.ClientId == "broken") throw Error("InvalidSmsRoleTrustRelationshipException", "Role does not have a trust relationship allowing Cognito to assume the role.");
                return FakeCognitoClient.Success(request);
            });
            using (var sender = new BulkSender(client, Options(), null))
            {
                var outcomes = Run(sender, TwoClients(1000));

                Assert.Equal(2000, outcomes.Count);
                Assert.All(outcomes.Where(o => o.Request.ClientId == "good"), o => Assert.Equal(SendOutcomeKind.Succeeded, o.Kind));
                var brokenCalls = client.Usernames.Count() - 1000;
                Assert.InRange(brokenCalls, 1, ThrottleLimit + Slack);
                var broken = outcomes.Where(o => o.Request.ClientId == "broken").ToList();
                Assert.Equal(brokenCalls, broken.Count(o => o.Kind == SendOutcomeKind.Failed));
                Assert.Equal(1000 - brokenCalls, broken.Count(o => o.Kind == SendOutcomeKind.NotSent));

                var stop = Assert.Single(sender.Stops.All);
                Assert.Equal(StopScope.AppClient, stop.Scope);
                Assert.Equal("broken", stop.ClientId);
                Assert.Equal(StopCause.MessagingRole, stop.Cause);
                Assert.Equal("PoolConfigurationError", stop.ErrorId);
                Assert.Equal(ErrorClassification.InvalidOperation, stop.Category);
                Assert.Equal(1000 - brokenCalls, stop.NotSentCount);
                Assert.Null(sender.Stops.Holding("good"));
                Assert.Same(stop, sender.Stops.Holding("broken"));
            }
        }

        [Fact]
        public void Requests_in_flight_keep_their_own_answers()
        {
            var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                if (call == 1)
                {
                    await Task.Delay(50, ct).ConfigureAwait(false);
                    throw Error("ForbiddenException", "Request blocked by AWS WAF.", 403);
                }
                if (call <= 4)
                {
                    // Answered after the stop was seen.
                    await release.Task.ConfigureAwait(false);
                    return FakeCognitoClient.Success(request);
                }
                throw new InvalidOperationException("no request may start after the stop");
            });
            using (var sender = new BulkSender(client, Options(4), null))
            {
                var outcomes = new List<SendOutcome>();
                var rows = Users(20).ToList();
                for (var i = 0; i < rows.Count; i++)
                {
                    outcomes.AddRange(sender.Submit(rows[i], rows[i].Username));
                    if (i == 4) release.TrySetResult(true); // the 5th row waited for a slot until the stop's answer came
                }
                outcomes.AddRange(sender.Complete());

                Assert.Equal(4, client.Calls);
                Assert.Equal(SendOutcomeKind.Failed, outcomes[0].Kind);
                Assert.All(outcomes.Skip(1).Take(3), o => Assert.Equal(SendOutcomeKind.Succeeded, o.Kind));
                Assert.All(outcomes.Skip(4), o => Assert.Equal(SendOutcomeKind.NotSent, o.Kind));
                var stop = Assert.Single(sender.Stops.All);
                Assert.Equal(StopCause.Forbidden, stop.Cause);
                Assert.Equal("PoolAccessForbidden", stop.ErrorId);
                Assert.Equal(16, stop.NotSentCount);
            }
        }

        [Theory]
        [InlineData("UnexpectedLambdaException", StopCause.LambdaTrigger)]
        [InlineData("CodeDeliveryFailureException", StopCause.CodeDelivery)]
        public void Ambiguous_errors_stop_after_a_run_of_distinct_users_and_not_before(string code, StopCause cause)
        {
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                throw Error(code, "it failed");
            });
            using (var sender = new BulkSender(client, Options(1), null))
            {
                var outcomes = Run(sender, Users(50));
                Assert.Equal(StopClassifier.AmbiguousRunLength, client.Calls);
                Assert.Equal(StopClassifier.AmbiguousRunLength, outcomes.Count(o => o.Kind == SendOutcomeKind.Failed));
                Assert.Equal(50 - StopClassifier.AmbiguousRunLength, outcomes.Count(o => o.Kind == SendOutcomeKind.NotSent));
                var stop = Assert.Single(sender.Stops.All);
                Assert.Equal(cause, stop.Cause);
                Assert.Equal(StopClassifier.AmbiguousRunLength, stop.RunLength);
            }
        }

        [Fact]
        public void A_success_or_another_error_breaks_the_run_and_the_same_user_counts_once()
        {
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                if (request.Username.StartsWith("ok", StringComparison.Ordinal)) return FakeCognitoClient.Success(request);
                if (request.Username.StartsWith("gone", StringComparison.Ordinal)) throw Error("UserNotFoundException", "Username/client id combination not found.");
                throw Error("UnexpectedLambdaException", "timed out");
            });
            var run = StopClassifier.AmbiguousRunLength - 1;
            var rows = new List<ResendConfirmationCodeRequest>();
            rows.AddRange(Users(run, "a"));
            rows.Add(Request("ok1"));
            rows.AddRange(Users(run, "b"));
            rows.Add(Request("gone1"));
            rows.AddRange(Users(run, "c"));
            // The same user again (another request: different metadata), many times: one user of the run.
            for (var i = 0; i < 5; i++) rows.Add(new ResendConfirmationCodeRequest { ClientId = "client1", Username = "c0", ClientMetadata = new Dictionary<string, string> { ["n"] = i.ToString() } });
            using (var sender = new BulkSender(client, Options(1), null))
            {
                var outcomes = Run(sender, rows);
                Assert.Empty(sender.Stops.All);
                Assert.Equal(rows.Count, client.Calls);
                Assert.DoesNotContain(outcomes, o => o.Kind == SendOutcomeKind.NotSent);
            }
        }

        [Fact]
        public void The_attempt_limit_is_a_row_failure_and_stops_nothing()
        {
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                if (call % 2 == 0) throw Error("LimitExceededException", "Attempt limit exceeded, please try after some time.");
                return FakeCognitoClient.Success(request);
            });
            using (var sender = new BulkSender(client, Options(), null))
            {
                var outcomes = Run(sender, Users(200));
                Assert.Equal(200, client.Calls);
                Assert.Equal(100, outcomes.Count(o => o.Kind == SendOutcomeKind.Failed));
                Assert.Empty(sender.Stops.All);
            }
        }

        [Fact]
        public void The_journal_records_the_held_rows_NotSent_and_the_same_command_resumes_exactly_them()
        {
            using (var dir = new TemporaryDirectory("cognitotools-stops-"))
            {
                var path = Path.Combine(dir.Path, "journal.csv");
                var rows = TwoClients(300).ToList();
                var brokenFixed = false;
                var client = new FakeCognitoClient(async (request, call, ct) =>
                {
                    await Task.Yield();
                    if (request.ClientId == "broken" && !Volatile.Read(ref brokenFixed)) throw Error("InvalidLambdaResponseException", "Invalid lambda response.");
                    return FakeCognitoClient.Success(request);
                });
                int firstCalls;
                long held;
                using (var journal = BatchJournal.Open(path, client.ServiceUrl.ToString(), null))
                using (var sender = new BulkSender(client, Options(), null) { Journal = journal })
                {
                    Run(sender, rows);
                    firstCalls = client.Calls;
                    held = sender.Stops.All.Single().NotSentCount;
                }
                var lines = File.ReadAllLines(path);
                Assert.Equal(held, lines.Count(l => l.Contains(",NotSent,") && l.Contains("Cognito said stop")));

                Volatile.Write(ref brokenFixed, true);
                using (var journal = BatchJournal.Open(path, client.ServiceUrl.ToString(), null))
                using (var sender = new BulkSender(client, Options(), null) { Journal = journal })
                {
                    var outcomes = Run(sender, rows);
                    Assert.Empty(sender.Stops.All);
                    // Every broken-client row again (held or failed with the pool's error), nothing of the good client.
                    Assert.Equal(300, client.Calls - firstCalls);
                    Assert.Equal(300, outcomes.Count(o => o.Kind == SendOutcomeKind.Succeeded));
                    Assert.Equal(300, outcomes.Count(o => o.Kind == SendOutcomeKind.Skipped));
                }
                var secondUsers = client.Usernames.Skip(firstCalls).ToList();
                Assert.Equal(300, secondUsers.Distinct().Count());
            }
        }

        [Fact]
        public void Against_the_endpoint_the_daily_limit_never_reaches_the_rate_limiter_as_throttling()
        {
            using (var service = FakeCognitoService.StartNew())
            {
                service.SeedDemoPool();
                service.SeedUsers(300);
                service.ResendLimitPerHour = 0;
                service.Limits.DailyEmailLimit = 20;
                var limiter = new CountingLimiter();
                var options = Options();
                using (var client = BatchClientFactory.Create(new CognitoClientConfig
                {
                    ServiceUrl = new Uri(service.EndpointUrl), Region = "us-east-1", MaxAttempts = 3,
                }, options, limiter))
                using (var sender = new BulkSender(client, options, null))
                {
                    var outcomes = Run(sender, Enumerable.Range(1, 300).Select(i => new ResendConfirmationCodeRequest { ClientId = FakeCognitoService.DemoClientId, Username = "user" + i.ToString("D4") }));
                    Assert.Equal(0, limiter.Throttled);
                    Assert.Equal(20, service.DeliveryCount);
                    var failed = outcomes.Where(o => o.Kind == SendOutcomeKind.Failed).ToList();
                    // One attempt each: not retried.
                    Assert.All(failed, o => Assert.Equal(1, ((CognitoException)o.Error).Attempts));
                    Assert.Equal(service.RequestCount - 20, failed.Count);
                    Assert.InRange(failed.Count, 1, ThrottleLimit + Slack);
                    Assert.Equal(300 - service.RequestCount, outcomes.Count(o => o.Kind == SendOutcomeKind.NotSent));
                    Assert.Equal(StopCause.DailyEmailLimit, sender.Stops.All.Single().Cause);
                }
            }
        }

        private sealed class CountingLimiter : IRequestRateLimiter
        {
            private int _throttled;
            public int Throttled => Volatile.Read(ref _throttled);
            public Task WaitAsync(CancellationToken cancellationToken) => Task.CompletedTask;
            public void OnAnswer(AnswerKind kind)
            {
                if (kind == AnswerKind.Throttled) Interlocked.Increment(ref _throttled);
            }
            public void OnRetryQuotaExhausted() { }
        }
    }
}
