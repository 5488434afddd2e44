using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using CognitoTools.History;
using CognitoTools.Journal;
using CognitoTools.Model;
using CognitoTools.Tests.Bulk;
using CognitoTools.Tests.Infrastructure;
using Xunit;
using static CognitoTools.Tests.Bulk.BulkTestHelpers;

namespace CognitoTools.Tests.Journal
{
    /// <summary>The bulk sender with a journal: intent before the request, outcome before it is returned, resume, stop, full disk.</summary>
    public class JournaledBulkSendTests : IDisposable
    {
        private const string Endpoint = "http://127.0.0.1:9/";
        private readonly TemporaryDirectory _dir = new TemporaryDirectory("cognitotools-journaled-");
        private readonly string _path;

        public JournaledBulkSendTests()
        {
            _path = Path.Combine(_dir.Path, "journal.csv");
        }

        public void Dispose() => _dir.Dispose();

        private static BulkSendOptions Options(int throttleLimit) => new BulkSendOptions { ThrottleLimit = throttleLimit, MaxRequestsPerSecond = 0 };

        private static string ReadShared(string path)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var reader = new StreamReader(stream)) return reader.ReadToEnd();
        }

        private List<SendOutcome> RunJournaled(FakeCognitoClient client, IEnumerable<ResendConfirmationCodeRequest> rows, ResumeOptions resume = null, CommandHistory history = null, int throttleLimit = 4)
        {
            using (var journal = BatchJournal.Open(_path, Endpoint, resume))
            using (var sender = new BulkSender(client, Options(throttleLimit), history) { Journal = journal })
            {
                return Run(sender, rows);
            }
        }

        [Fact]
        public void The_intent_is_on_file_before_the_request_and_the_outcome_before_it_is_returned()
        {
            var intentsSeen = new ConcurrentQueue<bool>();
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                // Read through another handle when the request goes out: its Intent line must already be there.
                intentsSeen.Enqueue(ReadShared(_path).Contains(",Intent," + request.Username + ","));
                await Task.Yield();
                return FakeCognitoClient.Success(request);
            });
            using (var journal = BatchJournal.Open(_path, Endpoint, null))
            using (var sender = new BulkSender(client, Options(4), null) { Journal = journal })
            {
                foreach (var request in Users(50))
                {
                    foreach (var outcome in sender.Submit(request))
                        Assert.Contains(",Succeeded," + outcome.Request.Username + ",", ReadShared(_path));
                }
                foreach (var outcome in sender.Complete())
                    Assert.Contains(",Succeeded," + outcome.Request.Username + ",", ReadShared(_path));
            }
            Assert.Equal(50, intentsSeen.Count);
            Assert.All(intentsSeen, Assert.True);

            var records = JournalFormatTests.ReadRecords(_path);
            Assert.Equal(100, records.Count);
            var succeeded = records.Where(r => r.Event == JournalEvent.Succeeded).ToList();
            Assert.Equal(50, succeeded.Count);
            Assert.All(succeeded, r =>
            {
                Assert.Equal("EMAIL", r.DeliveryMedium);
                Assert.Equal("u***@e***", r.Destination);
                Assert.Equal("req-" + r.Username, r.RequestId);
                Assert.Equal(1, r.Attempts);
                Assert.Equal(Endpoint, r.Endpoint);
            });
            // Each Intent pairs with its outcome by batch and sequence.
            Assert.Equal(records.Where(r => r.Event == JournalEvent.Intent).Select(r => (r.Batch, r.Sequence, r.Username)).OrderBy(x => x.Sequence),
                succeeded.Select(r => (r.Batch, r.Sequence, r.Username)).OrderBy(x => x.Sequence));
        }

        [Fact]
        public void A_rerun_sends_only_what_is_not_settled()
        {
            var first = new FakeCognitoClient((request, call, ct) =>
            {
                switch (request.Username)
                {
                    case "user1": return Task.FromException<ResendConfirmationCodeResponse>(ServiceError("UserNotFoundException"));
                    case "user2": return Task.FromException<ResendConfirmationCodeResponse>(ServiceError("TooManyRequestsException", 400, 3));
                    case "user3": return Task.FromException<ResendConfirmationCodeResponse>(new CognitoTools.Protocol.CognitoServiceException("InvalidParameterException", "User is already confirmed.", 400, "r"));
                    default: return Task.FromResult(FakeCognitoClient.Success(request));
                }
            });
            RunJournaled(first, Users(6));

            var second = FakeCognitoClient.Succeeding();
            var history = new CommandHistory(100);
            var outcomes = RunJournaled(second, Users(8), history: history);

            // user0, 4, 5 succeeded; user1 and user3 failed for good; user2 was throttled; user6, 7 are new.
            Assert.Equal(new[] { "user2", "user6", "user7" }, second.Usernames.OrderBy(u => u));
            Assert.Equal(8, outcomes.Count);
            Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), outcomes.Select(o => o.Sequence));
            var skipped = outcomes.Where(o => o.Kind == SendOutcomeKind.Skipped).ToDictionary(o => o.Request.Username, o => o.Resume.Reason);
            Assert.Equal(ResumeReason.Succeeded, skipped["user0"]);
            Assert.Equal(ResumeReason.PermanentFailure, skipped["user1"]);
            Assert.Equal(ResumeReason.PermanentFailure, skipped["user3"]);
            Assert.Equal(5, skipped.Count);
            Assert.Equal(ResumeReason.Retry, outcomes.Single(o => o.Request.Username == "user2").Resume.Reason);
            // Skipped rows are not calls: the history has only the three sent.
            Assert.Equal(3, history.Count);

            var third = FakeCognitoClient.Succeeding();
            RunJournaled(third, Users(8), new ResumeOptions { RetryPermanentFailures = true });
            Assert.Equal(new[] { "user1", "user3" }, third.Usernames.OrderBy(u => u));

            var skippedLines = JournalFormatTests.ReadRecords(_path).Where(r => r.Event == JournalEvent.Skipped).ToList();
            Assert.Equal(5 + 6, skippedLines.Count);
        }

        [Fact]
        public void Rows_in_doubt_after_a_kill_are_sent_again_by_default_and_reported_with_SkipInDoubt()
        {
            // A killed batch: Intents for ann and bob, an answer only for ann.
            using (var journal = BatchJournal.Open(_path, Endpoint, null))
            {
                journal.TryWriteIntent(0, Request("ann"));
                journal.TryWriteIntent(1, Request("bob"));
                journal.TryWriteOutcome(0, new HistoryEntry { Username = "ann", ClientId = "client1", Outcome = HistoryOutcome.Succeeded }, inDoubt: false);
            }

            var skipping = FakeCognitoClient.Succeeding();
            var reported = RunJournaled(skipping, new[] { Request("ann"), Request("bob") }, new ResumeOptions { SkipInDoubt = true });
            Assert.Equal(0, skipping.Calls);
            Assert.Equal(ResumeReason.InDoubt, reported[1].Resume.Reason);
            Assert.Equal(SendOutcomeKind.Skipped, reported[1].Kind);

            var resending = FakeCognitoClient.Succeeding();
            var outcomes = RunJournaled(resending, new[] { Request("ann"), Request("bob") });
            Assert.Equal(new[] { "bob" }, resending.Usernames);
            Assert.Equal(SendOutcomeKind.Succeeded, outcomes[1].Kind);
            Assert.Equal(ResumeReason.InDoubt, outcomes[1].Resume.Reason);
        }

        [Fact]
        public async Task After_cancel_calls_in_flight_get_a_grace_to_answer_and_their_answers_are_journaled()
        {
            var release = new ManualResetEventSlim(false);
            var started = new CountdownEvent(4);
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                started.Signal();
                // Answers 300 ms after the stop: inside the grace, so never cancelled.
                await Task.Run(() => release.Wait(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
                await Task.Delay(300).ConfigureAwait(false);
                return FakeCognitoClient.Success(request);
            });
            var history = new CommandHistory(100);
            using (var journal = BatchJournal.Open(_path, Endpoint, null))
            using (var sender = new BulkSender(client, new BulkSendOptions { ThrottleLimit = 4, MaxRequestsPerSecond = 0, AnswerGracePeriod = TimeSpan.FromSeconds(3) }, history) { Journal = journal })
            {
                var outcomes = new List<SendOutcome>();
                var pipeline = Task.Run(() =>
                {
                    foreach (var request in Users(10)) outcomes.AddRange(sender.Submit(request));
                    outcomes.AddRange(sender.Complete());
                });
                Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
                sender.Cancel();
                release.Set();
                Assert.Same(pipeline, await Task.WhenAny(pipeline, Task.Delay(TimeSpan.FromSeconds(10))));
                await pipeline;

                Assert.Equal(4, outcomes.Count(o => o.Kind == SendOutcomeKind.Succeeded));
                Assert.Equal(6, outcomes.Count(o => o.Kind == SendOutcomeKind.NotSent && !o.InDoubt));
                Assert.Equal(0, sender.InDoubtCount);
                Assert.Equal(4, client.Calls);
            }
            var records = JournalFormatTests.ReadRecords(_path);
            Assert.Equal(4, records.Count(r => r.Event == JournalEvent.Succeeded));
            Assert.Equal(6, records.Count(r => r.Event == JournalEvent.NotSent));
            Assert.Equal(4, records.Count(r => r.Event == JournalEvent.Intent));
        }

        [Fact]
        public void Calls_unanswered_after_the_grace_are_cancelled_and_journaled_in_doubt()
        {
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                return null;
            });
            var options = new BulkSendOptions { ThrottleLimit = 3, MaxRequestsPerSecond = 0, AnswerGracePeriod = TimeSpan.FromMilliseconds(300), CancelGracePeriod = TimeSpan.FromMilliseconds(300) };
            using (var journal = BatchJournal.Open(_path, Endpoint, null))
            using (var sender = new BulkSender(client, options, new CommandHistory(10)) { Journal = journal })
            {
                for (var i = 0; i < 3; i++) Assert.Empty(sender.Submit(Request("user" + i)));
                sender.Cancel();
                var watch = Stopwatch.StartNew();
                var outcomes = sender.Complete().ToList();
                watch.Stop();
                Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"the grace was not waited for: {watch.Elapsed}");
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
                Assert.All(outcomes, o => Assert.True(o.Kind == SendOutcomeKind.NotSent && o.InDoubt));
                Assert.Equal(3, sender.InDoubtCount);
                Assert.Equal(0, client.InFlight);
            }
            var records = JournalFormatTests.ReadRecords(_path);
            Assert.Equal(3, records.Count(r => r.Event == JournalEvent.InDoubt));
            Assert.All(records.Where(r => r.Event == JournalEvent.InDoubt), r => Assert.Equal(HistoryEntryMapper.InDoubtMessage, r.ErrorMessage));
        }

        [Fact]
        public void Nothing_is_sent_that_could_not_be_journaled_and_the_batch_stops()
        {
            // Room for the header and a few lines, then the disk is full.
            var stream = new JournalFormatTests.FailingStream(failAfterBytes: 1200);
            var client = FakeCognitoClient.Succeeding();
            using (var journal = BatchJournal.Open(stream, "full.csv", Endpoint, null))
            using (var sender = new BulkSender(client, Options(1), new CommandHistory(100)) { Journal = journal })
            {
                var outcomes = Run(sender, Users(40));
                Assert.NotNull(sender.JournalFailure);
                Assert.Equal(40, outcomes.Count);
                // Every request made had its Intent written first.
                var written = System.Text.Encoding.UTF8.GetString(stream.ToArray());
                // The first rows fit before the disk fills: they were sent, so the per-call check below has calls to check.
                Assert.True(client.Calls >= 2 && client.Calls < 10, $"{client.Calls} calls");
                Assert.Equal(client.Calls, client.Usernames.Distinct().Count());
                foreach (var username in client.Usernames) Assert.Contains(",Intent," + username + ",", written);
                // Sent are exactly the first rows, those whose Intent was written; the row whose Intent failed was not.
                Assert.Equal(Users(40).Take(client.Calls).Select(r => r.Username), client.Usernames.OrderBy(u => u, StringComparer.Ordinal));
                Assert.DoesNotContain(",Intent," + Users(40).ElementAt(client.Calls).Username + ",", written);
                Assert.Equal(40 - client.Calls, outcomes.Count(o => o.Kind == SendOutcomeKind.NotSent && !o.InDoubt));
                Assert.True(sender.IsCancellationRequested);
            }
        }

        [Fact]
        public void A_duplicate_row_gets_its_own_outcome_line_but_no_intent()
        {
            var client = FakeCognitoClient.Succeeding();
            RunJournaled(client, new[] { Request("ann"), Request("ann"), Request("bob") });
            var records = JournalFormatTests.ReadRecords(_path);
            Assert.Equal(2, records.Count(r => r.Event == JournalEvent.Intent));
            // Every row has its outcome on file, so a rerun settles each of them.
            Assert.Equal(3, records.Count(r => r.Event == JournalEvent.Succeeded));
            Assert.Equal(2, client.Calls);
        }

        [Fact]
        public void Case_insensitive_rows_merged_in_one_run_are_settled_for_every_spelling_on_a_rerun()
        {
            var options = new BulkSendOptions { ThrottleLimit = 1, MaxRequestsPerSecond = 0, CaseSensitiveUsernames = false };
            var resume = new ResumeOptions { CaseInsensitiveUsernames = true };
            var first = FakeCognitoClient.Succeeding();
            using (var journal = BatchJournal.Open(_path, Endpoint, resume))
            using (var sender = new BulkSender(first, options, null) { Journal = journal })
            {
                Run(sender, new[] { Request("jane"), Request("JANE") });
            }
            Assert.Equal(1, first.Calls);

            // The rerun, and a CSV that spells the user differently: no second code.
            var second = FakeCognitoClient.Succeeding();
            List<SendOutcome> outcomes;
            using (var journal = BatchJournal.Open(_path, Endpoint, resume))
            using (var sender = new BulkSender(second, options, null) { Journal = journal })
            {
                outcomes = Run(sender, new[] { Request("JANE"), Request("jane"), Request("Jane") });
            }
            Assert.Equal(0, second.Calls);
            Assert.All(outcomes, o => Assert.Equal(SendOutcomeKind.Skipped, o.Kind));
        }
    }
}
