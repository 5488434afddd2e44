using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using CognitoTools.Endpoints;
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
    /// Issue 15 item 7: what moved out of Send-CGIPConfirmationCode into Core's <see cref="BatchRun"/> (the client
    /// wiring, the summaries, the rate text, the permanent-skip tally, rows recorded NotSent, the one shutdown).
    /// </summary>
    public class BatchRunTests
    {
        private const string CommandName = "Send-CGIPConfirmationCode";

        private static BulkSendOptions Options(int throttleLimit = 4) => new BulkSendOptions { ThrottleLimit = throttleLimit, MaxRequestsPerSecond = 0 };

        private static List<SendOutcome> RunAll(BatchRun run, IEnumerable<ResendConfirmationCodeRequest> requests)
        {
            var outcomes = new List<SendOutcome>();
            foreach (var request in requests)
            {
                run.CountRead();
                outcomes.AddRange(run.Submit(request, request.Username));
            }
            outcomes.AddRange(run.Complete());
            return outcomes;
        }

        [Fact]
        public void Rates_read_the_same_everywhere_in_any_culture()
        {
            var saved = CultureInfo.CurrentCulture;
            try
            {
                // A decimal comma culture: the texts still use a point.
                CultureInfo.CurrentCulture = new CultureInfo("de-DE");
                Assert.Equal("12.3/s", RateText.PerSecond(12.34));
                Assert.Equal("0.25/s", RateText.PerSecond(0.25));
                Assert.Equal("2.46/s", RateText.PerSecond(2.456));
                Assert.Equal("20/s", RateText.PerSecond(20));
                Assert.Equal("0.35/s", RateText.Pace(0.35));
                Assert.Equal("unlimited", RateText.Pace(double.PositiveInfinity));
                Assert.Equal("25%", RateText.Share(0.25));
                Assert.Equal("none", RateText.Limit(null));
                Assert.Equal("0.05/s", RateText.Limit(0.05));
                Assert.Equal("unlimited (nothing throttled) (no cap)", RateText.WithCap(null, null));
                // The cap is the user's own number, shown as given.
                Assert.Equal("8.5/s (cap 12.75/s)", RateText.WithCap(8.5, 12.75));
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
            }
        }

        [Fact]
        public void The_client_is_wired_for_a_batch_or_a_single_call_from_the_resolved_settings()
        {
            var settings = new ResolvedClientSettings
            {
                ServiceUrl = new Uri("http://127.0.0.1:9/"), Region = "eu-west-1", MaxAttempts = 4,
                ConnectTimeout = TimeSpan.FromSeconds(7), ReadTimeout = TimeSpan.FromSeconds(9),
            };
            var lines = new List<string>();
            using (var batch = BatchRun.CreateClient(settings, new BulkSendOptions { ThrottleLimit = 8, MaxRequestsPerSecond = 5 }, true, "ps/7.6.9 (Core)", lines.Add))
            using (var single = BatchRun.CreateClient(settings, new BulkSendOptions { ThrottleLimit = 1 }, false, "ps/5.1 (Desktop)", null))
            {
                Assert.Equal(RetryMode.Batch, batch.Config.RetryMode);
                Assert.Equal(RetryMode.Standard, single.Config.RetryMode);
                Assert.NotNull(batch.Config.RateLimiter);
                Assert.NotNull(single.Config.RateLimiter);
                Assert.Equal(8, batch.Config.MaxConnectionsPerServer);
                Assert.Equal(BatchClientFactory.MinimumConnections, single.Config.MaxConnectionsPerServer);
                Assert.Equal(settings.ServiceUrl, batch.Config.ServiceUrl);
                Assert.Equal("eu-west-1", batch.Config.Region);
                Assert.Equal(4, batch.Config.MaxAttempts);
                Assert.Equal(TimeSpan.FromSeconds(7), batch.Config.ConnectTimeout);
                Assert.Equal(TimeSpan.FromSeconds(9), batch.Config.ReadTimeout);
                Assert.Equal("ps/7.6.9 (Core)", batch.Config.UserAgentSuffix);
                Assert.NotNull(batch.Config.Log);
                Assert.Null(single.Config.Log);
            }
        }

        [Fact]
        public void Against_the_endpoint_the_progress_line_and_the_end_summary_give_the_counts_and_the_cap()
        {
            using (var service = FakeCognitoService.StartNew())
            {
                service.SeedDemoPool();
                service.ResendLimitPerHour = 0;
                var settings = new ResolvedClientSettings
                {
                    ServiceUrl = new Uri(service.EndpointUrl), Region = "us-east-1", MaxAttempts = 3,
                    ConnectTimeout = TimeSpan.FromSeconds(10), ReadTimeout = TimeSpan.FromSeconds(10),
                };
                var options = new BulkSendOptions { ThrottleLimit = 2, MaxRequestsPerSecond = 50 };
                var history = new CommandHistory(100);
                using (var run = new BatchRun(BatchRun.CreateClient(settings, options, true, "ps/test", null), options, history) { RowsGiven = 5 })
                {
                    run.Begin(CommandName);
                    var users = new[] { "ann", "bob", "carol", "dave", "nobody" };
                    var outcomes = RunAll(run, users.Select(u => new ResendConfirmationCodeRequest { ClientId = FakeCognitoService.DemoClientId, Username = u }));

                    Assert.Equal(4, outcomes.Count(o => o.Kind == SendOutcomeKind.Succeeded));
                    Assert.Equal(SendOutcomeKind.Failed, outcomes.Single(o => o.Request.Username == "nobody").Kind);
                    var status = run.ProgressStatus(out var percent);
                    Assert.Equal(100, percent);
                    Assert.StartsWith("5 done, 1 failed, 0 in flight, ", status);
                    Assert.Matches(@"^5 done, 1 failed, 0 in flight, \d+(\.\d+)?/s, rate limit (none|\d+(\.\d+)?/s), 0 throttled$", status);
                    Assert.Equal(CommandName + ": 4 succeeded, 1 failed, 0 not sent", run.Command.ToString());

                    var summary = run.EndSummary();
                    Assert.StartsWith("4 succeeded, 1 failed, 0 not sent in ", summary);
                    Assert.Contains("; 5 attempts, 0 throttled; final rate ", summary);
                    Assert.EndsWith(" (cap 50/s).", summary);
                    // No journal: no skipped count, and nothing owed at the end.
                    Assert.DoesNotContain("skipped", summary);
                    Assert.Null(run.EndWarning());
                    Assert.Null(run.PermanentSkipWarning());
                    Assert.Null(run.JournalFailureMessage());
                    Assert.Empty(run.StopsToReport());
                }
            }
        }

        [Fact]
        public void Rows_skipped_for_an_earlier_permanent_failure_are_tallied_per_error_code_in_one_warning()
        {
            using (var dir = new TemporaryDirectory("cognitotools-batchrun-"))
            {
                var path = Path.Combine(dir.Path, "journal.csv");
                var client = new FakeCognitoClient(async (request, call, ct) =>
                {
                    await Task.Yield();
                    switch (request.Username)
                    {
                        case "gone1":
                        case "gone2":
                            throw ServiceError("UserNotFoundException");
                        case "confirmed":
                            throw new CognitoServiceException("InvalidParameterException", "User is already confirmed.", 400, "rid-c") { Attempts = 1 };
                        case "flaky":
                            throw ServiceError("InternalErrorException", 500);
                        default:
                            return FakeCognitoClient.Success(request);
                    }
                });
                var rows = new[] { "ok1", "gone1", "confirmed", "gone2", "flaky", "ok2" }.Select(u => Request(u)).ToList();
                using (var run = new BatchRun(client, Options(), null))
                {
                    run.OpenJournal(path, null);
                    RunAll(run, rows);
                    Assert.Empty(run.PermanentSkips);
                    Assert.Null(run.PermanentSkipWarning());
                }

                using (var run = new BatchRun(client, Options(), new CommandHistory(100)))
                {
                    run.OpenJournal(path, null);
                    run.Begin(CommandName);
                    var outcomes = RunAll(run, rows);
                    // The successes and the three permanent failures are settled; the 500 is sent again.
                    Assert.Equal(5, outcomes.Count(o => o.Kind == SendOutcomeKind.Skipped));
                    Assert.Equal(new[] { "InvalidParameterException 1", "UserNotFoundException 2" }, run.PermanentSkips.Select(p => p.Key + " " + p.Value).ToArray());
                    Assert.Equal("3 row(s) were not sent again because an earlier run recorded in the journal that they cannot succeed (InvalidParameterException 1, UserNotFoundException 2). " +
                                 "Add -RetryPermanentFailures to send them anyway, for example after fixing the client secret.", run.PermanentSkipWarning());
                    Assert.Contains(", 5 skipped (settled in the journal by an earlier run) in ", run.EndSummary());
                }

                using (var run = new BatchRun(client, Options(), null))
                {
                    // -RetryPermanentFailures: they are sent, so none is tallied.
                    run.OpenJournal(path, new ResumeOptions { RetryPermanentFailures = true });
                    var outcomes = RunAll(run, rows);
                    Assert.Equal(2, outcomes.Count(o => o.Kind == SendOutcomeKind.Skipped));
                    Assert.Null(run.PermanentSkipWarning());
                }
            }
        }

        [Fact]
        public void Rows_given_but_never_submitted_are_recorded_NotSent_and_the_stop_warning_counts_them()
        {
            using (var dir = new TemporaryDirectory("cognitotools-batchrun-"))
            {
                var path = Path.Combine(dir.Path, "journal.csv");
                var client = FakeCognitoClient.Succeeding();
                var history = new CommandHistory(100);
                string warning;
                using (var run = new BatchRun(client, Options(1), history) { RowsGiven = 6 })
                {
                    run.OpenJournal(path, null);
                    run.Begin(CommandName);
                    foreach (var request in Users(2))
                    {
                        run.CountRead();
                        foreach (var _ in run.Submit(request, request.Username)) { }
                    }
                    // The rest of the array after Ctrl+C: "bad" would have been refused before sending, so it is no call.
                    run.RecordNotSent(new[] { "later1", "bad", "later2", "later3" },
                        u => u == "bad" ? throw new RequestValidationException("Username", "Refused", "refused") : Request(u), u => u);
                    Assert.Equal(6, run.RowsRead);
                    Assert.Equal(3, run.Sender.NotSentCount);
                    warning = run.Abandon();
                    Assert.NotNull(run.Command.EndTime);
                    Assert.Null(run.Abandon());
                }
                Assert.Equal(2, client.Calls);
                var notSent = history.Entries.Where(e => e.Outcome == HistoryOutcome.NotSent).Select(e => e.Username).OrderBy(u => u, StringComparer.Ordinal).ToList();
                Assert.Equal(new[] { "later1", "later2", "later3" }, notSent);
                var lines = File.ReadAllLines(path);
                Assert.Equal(3, lines.Count(l => l.Contains(",NotSent,")));
                Assert.DoesNotContain(lines, l => l.Contains(",bad,"));

                Assert.StartsWith("The command was stopped: 6 input row(s) read, 2 sent and answered, 0 in flight without an answer (they may have reached Cognito), 3 read but not sent.", warning);
                // Every row of the array was read: nothing is said about rows never read.
                Assert.DoesNotContain("never read", warning);
                Assert.EndsWith($" To resume, run the same command again with -JournalPath '{path}': rows already answered are skipped, the rest are sent.", warning);
            }
        }

        [Fact]
        public void A_stopped_pipeline_says_rows_after_those_read_were_not_read_and_where_the_rest_is()
        {
            var history = new CommandHistory(100);
            using (var run = new BatchRun(FakeCognitoClient.Succeeding(), Options(), history))
            {
                Assert.Null(run.Abandon());
            }
            using (var run = new BatchRun(FakeCognitoClient.Succeeding(), Options(), history))
            {
                run.Begin(CommandName);
                foreach (var request in Users(3))
                {
                    run.CountRead();
                    foreach (var _ in run.Submit(request, request.Username)) { }
                }
                var warning = run.Abandon();
                Assert.Contains("The command was stopped: 3 input row(s) read, ", warning);
                Assert.Contains(" The pipeline was stopped before its input ended: rows after the first 3 were not read.", warning);
                Assert.Contains(" The rows read but not sent are in Get-CGIPHistory -NotSent; rows not read are recorded nowhere.", warning);
            }
        }

        [Fact]
        public void The_shutdown_cancels_first_then_completes_so_answers_in_flight_are_recorded_and_nothing_new_is_sent()
        {
            var release = new TaskCompletionSource<bool>();
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                // The first call is answered during the answer grace (after the shutdown began); no other call may start.
                await release.Task.ConfigureAwait(false);
                return FakeCognitoClient.Success(request);
            });
            var history = new CommandHistory(100);
            using (var run = new BatchRun(client, Options(2), history))
            {
                run.Begin(CommandName);
                run.CountRead();
                Assert.Empty(run.Submit(Request("first"), "first"));
                SpinWait.SpinUntil(() => client.Calls == 1, TimeSpan.FromSeconds(5));

                var shutdown = run.CancelAndComplete();
                // Cancelled before anything is completed: a row submitted now is not sent (its outcome follows the
                // first row's, in input order).
                Assert.Empty(run.Submit(Request("late"), "late"));
                Task.Run(async () => { await Task.Delay(200).ConfigureAwait(false); release.SetResult(true); });
                var rest = shutdown.ToList();

                Assert.Equal(1, client.Calls);
                Assert.Equal(new[] { "first", "late" }, rest.Select(o => o.Request.Username).ToArray());
                // Answered within the grace after the cancel: recorded as the answer it is, not NotSent.
                Assert.Equal(SendOutcomeKind.Succeeded, rest[0].Kind);
                Assert.Equal(SendOutcomeKind.NotSent, rest[1].Kind);
                Assert.False(rest[1].InDoubt);
                Assert.Equal(new[] { "Succeeded first", "NotSent late" }, history.Entries.Select(e => e.ToString()).OrderByDescending(s => s).ToArray());
            }
        }

        [Fact]
        public void Disposing_releases_the_sender_before_the_journal_so_the_last_answers_are_on_file()
        {
            using (var dir = new TemporaryDirectory("cognitotools-batchrun-"))
            {
                var path = Path.Combine(dir.Path, "journal.csv");
                var client = FakeCognitoClient.Succeeding(TimeSpan.FromMilliseconds(150));
                var run = new BatchRun(client, Options(4), null);
                run.OpenJournal(path, null);
                foreach (var request in Users(3))
                {
                    run.CountRead();
                    foreach (var _ in run.Submit(request, request.Username)) { }
                }
                // No Complete: the pipeline was torn down. Each row still ends on file, answered or NotSent.
                run.Dispose();
                var lines = File.ReadAllLines(path);
                foreach (var user in new[] { "user0", "user1", "user2" })
                {
                    Assert.Contains(lines, l => (l.Contains(",Succeeded,") || l.Contains(",NotSent,")) && l.Contains("," + user + ","));
                }
                // Released: the file can be opened exclusively.
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
            }
        }

        [Fact]
        public void A_stop_is_announced_once_reported_once_at_the_end_and_shown_on_the_progress_line()
        {
            const string DailyLimit = "Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.";
            var delivered = 0;
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                if (Interlocked.Increment(ref delivered) > 10) throw new CognitoServiceException("LimitExceededException", DailyLimit, 400, "rid-limit") { Attempts = 1 };
                return FakeCognitoClient.Success(request);
            });
            var history = new CommandHistory(1000);
            using (var run = new BatchRun(client, Options(2), history))
            {
                run.Begin(CommandName);
                var announced = new List<string>();
                foreach (var request in Users(100))
                {
                    run.CountRead();
                    foreach (var _ in run.Submit(request, request.Username)) announced.AddRange(run.TakeStopAnnouncements());
                }
                foreach (var _ in run.Complete()) announced.AddRange(run.TakeStopAnnouncements());
                announced.AddRange(run.TakeStopAnnouncements());

                var stop = Assert.Single(run.Sender.Stops.All);
                Assert.True(stop.NotSentCount > 0);
                var announcement = Assert.Single(announced);
                Assert.StartsWith(stop.Headline + ": ", announcement);
                Assert.Contains("One DailyEmailLimitReached error at the end of the batch", announcement);
                Assert.Same(stop, Assert.Single(run.StopsToReport()));
                Assert.Contains($"; STOPPED: {stop.ShortText}, {stop.NotSentCount} not sent", run.ProgressStatus(out _));
                Assert.EndsWith($" Cognito said stop: DailyEmailLimitReached for {stop.ScopeText} (LimitExceededException): {stop.NotSentCount} row(s) not sent.", run.EndSummary());
                // Every row not sent is held by the stop: its one error says it all, so no stop warning.
                Assert.Equal(stop.NotSentCount, run.Sender.NotSentCount);
                Assert.Null(run.EndWarning());
                run.Finish();
                Assert.Null(run.Abandon());
            }
        }
    }
}
