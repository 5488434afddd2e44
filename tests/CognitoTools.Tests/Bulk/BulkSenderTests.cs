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
using static CognitoTools.Tests.Bulk.BulkTestHelpers;

namespace CognitoTools.Tests.Bulk
{
    public class BulkSenderTests
    {
        private static BulkSendOptions Options(int throttleLimit, bool unordered = false, double? rate = 0)
            => new BulkSendOptions { ThrottleLimit = throttleLimit, Unordered = unordered, MaxRequestsPerSecond = rate };

        /// <summary>-CaseInsensitiveUsernames: for a case-insensitive pool, spellings that differ only in case are one request.</summary>
        private static BulkSendOptions CaseInsensitive(BulkSendOptions options)
        {
            options.CaseSensitiveUsernames = false;
            return options;
        }

        [Fact]
        public void Thousands_in_thousands_out_in_input_order_within_the_throttle_limit()
        {
            var random = new ThreadLocal<Random>(() => new Random(Environment.CurrentManagedThreadId));
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Delay(random.Value.Next(0, 3), ct).ConfigureAwait(false);
                return FakeCognitoClient.Success(request);
            });
            using (var sender = new BulkSender(client, Options(16), new CommandHistory(0)))
            {
                var outcomes = Run(sender, Users(3000));

                Assert.Equal(3000, outcomes.Count);
                Assert.Equal(Enumerable.Range(0, 3000).Select(i => (long)i), outcomes.Select(o => o.Sequence));
                Assert.All(outcomes, o => Assert.Equal(SendOutcomeKind.Succeeded, o.Kind));
                Assert.All(outcomes, o => Assert.Equal("user" + o.Sequence, o.Response.CodeDeliveryDetails.Username));
                Assert.All(outcomes, o => Assert.Equal(o.Request.Username, o.Tag));
                Assert.Equal(3000, client.Calls);
                Assert.True(client.MaxInFlight <= 16, $"max in flight {client.MaxInFlight}");
                Assert.True(client.MaxInFlight > 1, "requests never overlapped");
            }
        }

        [Fact]
        public void Throttle_limit_one_sends_one_at_a_time()
        {
            var client = FakeCognitoClient.Succeeding(TimeSpan.FromMilliseconds(1));
            using (var sender = new BulkSender(client, Options(1), null))
            {
                var outcomes = Run(sender, Users(50));
                Assert.Equal(50, outcomes.Count);
                Assert.Equal(1, client.MaxInFlight);
                Assert.Equal(Enumerable.Range(0, 50).Select(i => "user" + i), client.Usernames);
            }
        }

        [Fact]
        public void Unordered_emits_every_outcome_as_it_arrives()
        {
            // Every 5th call is slow, so later fast ones finish first.
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Delay(int.Parse(request.Username.Substring(4)) % 5 == 0 ? 40 : 1, ct).ConfigureAwait(false);
                return FakeCognitoClient.Success(request);
            });
            using (var sender = new BulkSender(client, Options(8, unordered: true), null))
            {
                var outcomes = Run(sender, Users(400));

                Assert.Equal(400, outcomes.Count);
                Assert.Equal(Enumerable.Range(0, 400).Select(i => (long)i), outcomes.Select(o => o.Sequence).OrderBy(s => s));
                Assert.NotEqual(Enumerable.Range(0, 400).Select(i => (long)i), outcomes.Select(o => o.Sequence));
            }
        }

        [Fact]
        public void Every_kind_of_failure_yields_exactly_one_outcome()
        {
            var client = new FakeCognitoClient((request, call, ct) =>
            {
                var n = int.Parse(request.Username.Substring(4));
                switch (n % 8)
                {
                    case 0: return Task.FromResult(FakeCognitoClient.Success(request));
                    case 1: return Task.FromException<ResendConfirmationCodeResponse>(ServiceError("UserNotFoundException", 400, 1));
                    case 2: return Task.FromException<ResendConfirmationCodeResponse>(ServiceError("InternalErrorException", 500, 3));
                    case 3: return Task.FromException<ResendConfirmationCodeResponse>(new CognitoTransportException("ConnectionFailure", "connection dropped") { Attempts = 3 });
                    case 4: throw new RequestValidationException("Username", "length 1-128", "Username is too long.");
                    case 5: throw new InvalidOperationException("bug in the client");
                    case 6: return Task.FromResult<ResendConfirmationCodeResponse>(null);
                    default: return Task.FromCanceled<ResendConfirmationCodeResponse>(new CancellationToken(true)); // e.g. a timeout surfacing as cancellation
                }
            });
            var history = new CommandHistory(10000);
            using (var sender = new BulkSender(client, Options(4), history))
            {
                sender.Command = history.BeginCommand("Send-CGIPConfirmationCode");
                var outcomes = Run(sender, Users(2000));

                Assert.Equal(2000, outcomes.Count);
                Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), outcomes.Select(o => o.Sequence));
                Assert.Equal(250, outcomes.Count(o => o.Kind == SendOutcomeKind.Succeeded));
                Assert.Equal(1750, outcomes.Count(o => o.Kind == SendOutcomeKind.Failed));
                Assert.All(outcomes.Where(o => o.Kind == SendOutcomeKind.Failed), o => Assert.NotNull(o.Error));
                Assert.IsType<CognitoServiceException>(outcomes[1].Error);
                Assert.IsType<CognitoTransportException>(outcomes[3].Error);
                Assert.IsType<RequestValidationException>(outcomes[4].Error);
                Assert.IsType<InvalidOperationException>(outcomes[5].Error);
                Assert.Equal(0, sender.NotSentCount);

                Assert.Equal(250, sender.Command.Succeeded);
                Assert.Equal(1750, sender.Command.Failed);
                var progress = sender.GetProgress();
                Assert.Equal(2000, progress.Completed);
                Assert.Equal(1750, progress.Failed);
                Assert.Equal(0, progress.InFlight);

                var byUser = history.Entries.ToDictionary(e => e.Username);
                Assert.Equal(2000, byUser.Count);
                Assert.Equal("UserNotFoundException", byUser["user1"].ErrorCode);
                Assert.Equal(400, byUser["user1"].HttpStatusCode);
                Assert.Equal("rid-UserNotFoundException", byUser["user1"].RequestId);
                Assert.Equal(3, byUser["user2"].Attempts);
                Assert.Equal("ConnectionFailure", byUser["user3"].ErrorCode);
                Assert.Equal("RequestValidationFailed", byUser["user4"].ErrorCode);
                Assert.Equal(0, byUser["user4"].Attempts);
                Assert.Equal(HistoryOutcome.Succeeded, byUser["user0"].Outcome);
                Assert.Equal("req-user0", byUser["user0"].RequestId);
                Assert.Equal("EMAIL", byUser["user0"].CodeDeliveryDetails.DeliveryMedium);
                Assert.All(history.Entries, e => Assert.Equal("http://127.0.0.1:9/", e.Endpoint));
                Assert.All(history.Entries, e => Assert.Equal("Send-CGIPConfirmationCode", e.Command));
            }
        }

        [Fact]
        public void Ordered_output_waits_behind_a_slow_record_with_a_bounded_buffer()
        {
            var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var startedBeforeRelease = 0;
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                if (!release.Task.IsCompleted) Interlocked.Increment(ref startedBeforeRelease);
                if (call == 1) await release.Task.ConfigureAwait(false);
                else await Task.Yield();
                return FakeCognitoClient.Success(request);
            });
            var options = new BulkSendOptions { ThrottleLimit = 4, OrderedBufferSize = 10, MaxRequestsPerSecond = 0 };
            using (var sender = new BulkSender(client, options, null))
            {
                var released = Task.Delay(300).ContinueWith(_ => release.SetResult(true));
                var outcomes = Run(sender, Users(200));

                Assert.Equal(200, outcomes.Count);
                Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), outcomes.Select(o => o.Sequence));
                // While record 0 is held, at most ThrottleLimit + buffer records may be taken in.
                Assert.InRange(startedBeforeRelease, 4, 4 + 10 + 1);
            }
        }

        [Fact]
        public void Submit_returns_at_once_while_slots_are_free_and_answers_are_handled_only_on_the_calling_thread()
        {
            var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await release.Task.ConfigureAwait(false); // answered on a pool thread, after every Submit returned
                return FakeCognitoClient.Success(request);
            });
            var history = new CommandHistory(100);
            using (var sender = new BulkSender(client, Options(4), history))
            {
                sender.Command = history.BeginCommand("Send-CGIPConfirmationCode");
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < 4; i++) Assert.Empty(sender.Submit(Request("user" + i)));
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"Submit blocked for {watch.Elapsed} with free slots");
                Assert.Equal(4, client.InFlight); // all four went out while this thread kept reading input

                // The calls end on pool threads while this ("pipeline") thread does something else: nothing of theirs
                // may be recorded, counted or emitted until this thread calls in again.
                release.SetResult(true);
                var waited = Stopwatch.StartNew();
                while (client.InFlight > 0 && waited.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(5);
                Thread.Sleep(50);
                Assert.Equal(0, client.InFlight);
                Assert.Equal(0, history.Count);
                Assert.Equal(0, sender.Command.Succeeded);
                Assert.Equal(0, sender.GetProgress().Completed);

                Assert.Equal(4, sender.Complete().Count());
                Assert.Equal(4, history.Count);
                Assert.Equal(4, sender.Command.Succeeded);
            }
        }

        [Fact]
        public void Submit_returns_outcomes_that_became_ready_while_it_waited()
        {
            var client = FakeCognitoClient.Succeeding(TimeSpan.FromMilliseconds(2));
            using (var sender = new BulkSender(client, Options(2), null))
            {
                var fromSubmit = 0;
                for (var i = 0; i < 100; i++) fromSubmit += sender.Submit(Request("user" + i)).Count();
                var fromComplete = sender.Complete().Count();
                Assert.Equal(100, fromSubmit + fromComplete);
                Assert.True(fromSubmit >= 90, $"only {fromSubmit} outcomes came out of Submit");
            }
        }

        [Fact]
        public void The_options_make_a_capped_limiter_by_default_and_an_uncapped_adaptive_one_for_zero()
        {
            var defaulted = new BulkSendOptions().CreateRateLimiter();
            Assert.Equal(BulkSendOptions.DefaultMaxRequestsPerSecond, defaulted.MaxRequestsPerSecond);
            Assert.Equal(BulkSendOptions.DefaultMaxRequestsPerSecond, defaulted.CurrentRate);
            Assert.True(BulkSendOptions.DefaultMaxRequestsPerSecond < BulkSendOptions.LowestCandidateCategoryQuota, "the default must stay below the lowest candidate category quota");
            var uncapped = new BulkSendOptions { MaxRequestsPerSecond = 0 }.CreateRateLimiter();
            Assert.True(double.IsPositiveInfinity(uncapped.MaxRequestsPerSecond));
            Assert.True(double.IsPositiveInfinity(uncapped.CurrentRate));
        }

        [Fact]
        public void The_sender_uses_the_clients_limiter_and_has_none_of_its_own()
        {
            // One rate-limiter path: the client's per-attempt gate. A client without one (here a fake) is not gated.
            using (var sender = new BulkSender(FakeCognitoClient.Succeeding(), Options(4, rate: 5), null))
            {
                Assert.Null(sender.RateLimiter);
                var watch = Stopwatch.StartNew();
                Assert.Equal(40, Run(sender, Users(40)).Count);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the sender gated the requests itself: {watch.Elapsed}");
                Assert.Null(sender.GetSummary().Attempts);
            }
        }

        [Fact]
        public async Task Cancel_ends_calls_in_flight_within_a_second_and_reports_the_rest_as_not_sent()
        {
            var started = new CountdownEvent(4);
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                if (call <= 2) return FakeCognitoClient.Success(request);
                if (!started.IsSet) started.Signal();
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                return FakeCognitoClient.Success(request);
            });
            var history = new CommandHistory(1000);
            // A long grace period: ending within a second must come from the calls being cancelled, not abandoned.
            // No answer grace: this is about cancelling (the grace for answers has its own tests).
            var options = new BulkSendOptions { ThrottleLimit = 4, MaxRequestsPerSecond = 0, CancelGracePeriod = TimeSpan.FromSeconds(5), AnswerGracePeriod = TimeSpan.Zero };
            using (var sender = new BulkSender(client, options, history))
            {
                sender.Command = history.BeginCommand("Send-CGIPConfirmationCode");
                var outcomes = new List<SendOutcome>();
                var pipeline = Task.Run(() =>
                {
                    for (var i = 0; i < 50; i++) outcomes.AddRange(sender.Submit(Request("user" + i)));
                    outcomes.AddRange(sender.Complete());
                });
                Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
                var watch = Stopwatch.StartNew();
                sender.Cancel();
                Assert.Same(pipeline, await Task.WhenAny(pipeline, Task.Delay(TimeSpan.FromSeconds(5))));
                watch.Stop();

                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"cancel took {watch.Elapsed}");
                Assert.Equal(0, client.InFlight); // the calls themselves ended
                Assert.Equal(50, outcomes.Count);
                Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), outcomes.Select(o => o.Sequence));
                Assert.Equal(2, outcomes.Count(o => o.Kind == SendOutcomeKind.Succeeded));
                Assert.Equal(48, outcomes.Count(o => o.Kind == SendOutcomeKind.NotSent));
                Assert.Equal(48, sender.NotSentCount);
                Assert.Equal(48, sender.Command.NotSent);
                Assert.Equal(6, client.Calls); // 2 answered, 4 cancelled in flight; nothing sent after Cancel
                Assert.Equal(48, history.Query(new HistoryQuery { NotSent = true }).Count());

                var late = sender.Submit(Request("late")).Single();
                Assert.Equal(SendOutcomeKind.NotSent, late.Kind);
                Assert.Equal(6, client.Calls);
            }
        }

        [Fact]
        public void Calls_that_ignore_cancellation_are_abandoned_after_the_grace_period()
        {
            var never = new TaskCompletionSource<ResendConfirmationCodeResponse>();
            var client = new FakeCognitoClient((request, call, ct) => never.Task);
            var options = new BulkSendOptions { ThrottleLimit = 3, MaxRequestsPerSecond = 0, CancelGracePeriod = TimeSpan.FromMilliseconds(300), AnswerGracePeriod = TimeSpan.Zero };
            using (var sender = new BulkSender(client, options, null))
            {
                var first = new List<SendOutcome>();
                for (var i = 0; i < 3; i++) first.AddRange(sender.Submit(Request("user" + i)));
                Assert.Empty(first);
                var cancelled = Task.Delay(100).ContinueWith(_ => sender.Cancel());
                var watch = Stopwatch.StartNew();
                var blocked = sender.Submit(Request("user3")).ToList(); // waits for a slot until Cancel
                var rest = sender.Complete().ToList();
                watch.Stop();

                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
                var all = blocked.Concat(rest).ToList();
                Assert.Equal(new long[] { 0, 1, 2, 3 }, all.Select(o => o.Sequence));
                Assert.All(all, o => Assert.Equal(SendOutcomeKind.NotSent, o.Kind));
                Assert.Equal(4, sender.NotSentCount);
                never.SetResult(new ResendConfirmationCodeResponse()); // a late answer changes nothing
                Assert.Empty(sender.Complete());
            }
        }

        [Fact]
        public void A_service_error_that_arrives_after_cancel_is_still_a_failure()
        {
            var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await gate.Task.ConfigureAwait(false);
                throw ServiceError("UserNotFoundException");
            });
            using (var sender = new BulkSender(client, Options(1), null))
            {
                Assert.Empty(sender.Submit(Request("a")));
                sender.Cancel();
                gate.SetResult(true);
                var outcome = sender.Complete().Single();
                Assert.Equal(SendOutcomeKind.Failed, outcome.Kind);
                Assert.Equal(0, sender.NotSentCount);
            }
        }

        [Fact]
        public void Dispose_without_complete_still_records_every_record()
        {
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                return null;
            });
            var history = new CommandHistory(100);
            var options = Options(2);
            options.AnswerGracePeriod = TimeSpan.Zero;
            var sender = new BulkSender(client, options, history);
            sender.Submit(Request("a")).ToList();
            sender.Submit(Request("b")).ToList();
            var watch = Stopwatch.StartNew();
            sender.Dispose();
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1));
            Assert.Equal(2, sender.NotSentCount);
            // Recorded as they ended, which need not be input order.
            Assert.Equal(new[] { "a", "b" }, history.Query(new HistoryQuery { NotSent = true }).Select(e => e.Username).OrderBy(u => u));
        }

        [Fact]
        public void Duplicates_are_sent_once_and_reported_for_every_row_of_a_case_insensitive_pool()
        {
            var client = FakeCognitoClient.Succeeding(TimeSpan.FromMilliseconds(5));
            var history = new CommandHistory(100);
            var options = Options(4);
            options.CaseSensitiveUsernames = false; // -CaseInsensitiveUsernames
            using (var sender = new BulkSender(client, options, history))
            {
                var rows = new[] { "alice", "bob", "ALICE", "alice", "carol", "bob" }.Select(u => Request(u)).ToList();
                rows.Add(Request("alice", "client2")); // another app client: a different user
                var outcomes = Run(sender, rows);

                Assert.Equal(7, outcomes.Count);
                Assert.Equal(new[] { "alice", "alice", "bob", "carol" }, client.Usernames.OrderBy(u => u, StringComparer.Ordinal));
                Assert.Equal(4, client.Calls);
                Assert.Equal(new[] { false, false, true, true, false, true, false }, outcomes.Select(o => o.IsDuplicate));
                // Each duplicate carries its first row's answer (the same request id), not one of its own.
                Assert.Equal(outcomes[0].Response.ResponseMetadata.RequestId, outcomes[2].Response.ResponseMetadata.RequestId);
                Assert.Equal(outcomes[0].Response.ResponseMetadata.RequestId, outcomes[3].Response.ResponseMetadata.RequestId);
                Assert.Equal(outcomes[1].Response.ResponseMetadata.RequestId, outcomes[5].Response.ResponseMetadata.RequestId);
                Assert.Equal("alice", outcomes[3].Response.CodeDeliveryDetails.Username);
                Assert.NotEqual(outcomes[0].Response.ResponseMetadata.RequestId, outcomes[1].Response.ResponseMetadata.RequestId);
                Assert.Equal("ALICE", outcomes[2].Request.Username); // each row keeps its own request and tag
                Assert.Equal("ALICE", outcomes[2].Response.CodeDeliveryDetails.Username); // and its output names it
                Assert.Equal("ALICE", outcomes[2].Tag);
                Assert.All(outcomes, o => Assert.Equal(SendOutcomeKind.Succeeded, o.Kind));
                Assert.Equal(7, history.Count);
                Assert.Equal(3, history.Entries.Count(e => e.IsDuplicate));
                Assert.All(history.Entries.Where(e => e.IsDuplicate), e => Assert.Equal(0, e.Attempts));
            }
        }

        [Fact]
        public void A_duplicate_of_a_record_in_flight_waits_for_its_answer_even_unordered()
        {
            var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await gate.Task.ConfigureAwait(false);
                throw ServiceError("LimitExceededException");
            });
            using (var sender = new BulkSender(client, CaseInsensitive(Options(4, unordered: true)), null))
            {
                Assert.Empty(sender.Submit(Request("alice")));
                Assert.Empty(sender.Submit(Request("Alice")));
                gate.SetResult(true);
                var outcomes = sender.Complete().OrderBy(o => o.Sequence).ToList();

                Assert.Equal(1, client.Calls);
                Assert.Equal(2, outcomes.Count);
                Assert.All(outcomes, o => Assert.Equal(SendOutcomeKind.Failed, o.Kind));
                Assert.Same(outcomes[0].Error, outcomes[1].Error);
                Assert.True(outcomes[1].IsDuplicate);
            }
        }

        [Fact]
        public void A_duplicate_after_the_answer_gets_an_equal_copy_of_a_success()
        {
            var requestId = Guid.NewGuid().ToString("D");
            var client = new FakeCognitoClient((request, call, ct) =>
            {
                var response = FakeCognitoClient.Success(request);
                response.ResponseMetadata.RequestId = call == 1 ? requestId : "not-a-guid-" + call;
                response.Duration = TimeSpan.FromMilliseconds(12);
                return Task.FromResult(response);
            });
            using (var sender = new BulkSender(client, CaseInsensitive(Options(1)), null))
            {
                var first = sender.Submit(Request("alice")).Single();
                var other = sender.Submit(Request("bob")).Single();
                var again = sender.Submit(Request("Alice")).Single();
                var otherAgain = sender.Submit(Request("bob")).Single();
                Assert.Empty(sender.Complete());

                Assert.Equal(2, client.Calls);
                Assert.True(again.IsDuplicate);
                Assert.Equal(SendOutcomeKind.Succeeded, again.Kind);
                Assert.Equal(requestId, again.Response.ResponseMetadata.RequestId);
                Assert.Equal(first.Response.HttpStatusCode, again.Response.HttpStatusCode);
                Assert.Equal(first.Response.Duration, again.Response.Duration);
                // The row's own spelling, so each output object joins back to its own row.
                Assert.Equal("alice", first.Response.CodeDeliveryDetails.Username);
                Assert.Equal("Alice", again.Response.CodeDeliveryDetails.Username);
                Assert.Equal(first.Response.CodeDeliveryDetails.AttributeName, again.Response.CodeDeliveryDetails.AttributeName);
                Assert.Equal(first.Response.CodeDeliveryDetails.DeliveryMedium, again.Response.CodeDeliveryDetails.DeliveryMedium);
                Assert.Equal(first.Response.CodeDeliveryDetails.Destination, again.Response.CodeDeliveryDetails.Destination);
                Assert.Equal("not-a-guid-2", otherAgain.Response.ResponseMetadata.RequestId);
                Assert.Equal(other.Response.CodeDeliveryDetails.Destination, otherAgain.Response.CodeDeliveryDetails.Destination);
            }
        }

        [Fact]
        public void A_duplicate_after_the_answer_gets_an_equal_copy_of_a_failure()
        {
            var client = new FakeCognitoClient((request, call, ct) => request.Username == "svc"
                ? Task.FromException<ResendConfirmationCodeResponse>(ServiceError("CodeDeliveryFailureException", 400, 2))
                : Task.FromException<ResendConfirmationCodeResponse>(new CognitoTransportException("RequestTimeout", "timed out") { Attempts = 3 }));
            using (var sender = new BulkSender(client, CaseInsensitive(Options(1)), null))
            {
                var outcomes = Run(sender, new[] { Request("svc"), Request("net"), Request("SVC"), Request("net") });

                Assert.Equal(2, client.Calls);
                var service = Assert.IsType<CognitoServiceException>(outcomes[2].Error);
                var original = (CognitoServiceException)outcomes[0].Error;
                Assert.Equal(original.ErrorCode, service.ErrorCode);
                Assert.Equal(original.Message, service.Message);
                Assert.Equal(original.HttpStatusCode, service.HttpStatusCode);
                Assert.Equal(original.RequestId, service.RequestId);
                Assert.Equal(2, service.Attempts);
                var transport = Assert.IsType<CognitoTransportException>(outcomes[3].Error);
                Assert.Equal("RequestTimeout", transport.ErrorCode);
                Assert.Equal(3, transport.Attempts);
                Assert.All(outcomes.Skip(2), o => Assert.True(o.IsDuplicate && o.Kind == SendOutcomeKind.Failed));
            }
        }

        [Fact]
        public void A_row_whose_first_occurrence_failed_validation_is_checked_on_its_own()
        {
            var client = new FakeCognitoClient((request, call, ct) =>
            {
                if (request.SecretHash == "bad") throw new RequestValidationException("SecretHash", "length 1-128", "SecretHash is invalid.");
                return Task.FromResult(FakeCognitoClient.Success(request));
            });
            using (var sender = new BulkSender(client, Options(1), null))
            {
                var outcomes = Run(sender, new[]
                {
                    new ResendConfirmationCodeRequest { ClientId = "client1", Username = "alice", SecretHash = "bad" },
                    new ResendConfirmationCodeRequest { ClientId = "client1", Username = "alice" },
                    new ResendConfirmationCodeRequest { ClientId = "client1", Username = "alice" },
                });

                Assert.Equal(new[] { SendOutcomeKind.Failed, SendOutcomeKind.Succeeded, SendOutcomeKind.Succeeded }, outcomes.Select(o => o.Kind));
                Assert.Equal(new[] { false, false, true }, outcomes.Select(o => o.IsDuplicate));
                Assert.Equal(2, client.Calls);
            }
        }

        [Fact]
        public void Remembered_answers_do_not_keep_the_original_objects_alive()
        {
            var client = FakeCognitoClient.Succeeding();
            var weak = new List<WeakReference>();
            using (var sender = new BulkSender(client, Options(1), null))
            {
                TrackResponses(sender, weak, 20);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                Assert.All(weak, w => Assert.False(w.IsAlive));
                // ...yet the duplicates are still recognised and answered.
                var again = sender.Submit(Request("kept5")).Single();
                Assert.True(again.IsDuplicate);
                Assert.Equal("req-kept5", again.Response.ResponseMetadata.RequestId);
                Assert.Equal(20, client.Calls);
            }
        }

        private static void TrackResponses(BulkSender sender, List<WeakReference> weak, int count)
        {
            for (var i = 0; i < count; i++)
            {
                foreach (var outcome in sender.Submit(Request("kept" + i))) weak.Add(new WeakReference(outcome.Response));
            }
            foreach (var outcome in sender.Complete()) weak.Add(new WeakReference(outcome.Response));
        }

        [Fact]
        public void By_default_usernames_compare_ordinally_and_each_spelling_is_sent_with_its_own_answer()
        {
            // A pool created through the API is case-sensitive: jane and JANE are two users.
            Assert.True(new BulkSendOptions().CaseSensitiveUsernames);
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                var response = FakeCognitoClient.Success(request);
                response.CodeDeliveryDetails.Destination = request.Username + "@example.com";
                return response;
            });
            var history = new CommandHistory(100);
            using (var sender = new BulkSender(client, Options(4), history))
            {
                var outcomes = Run(sender, new[] { Request("jane"), Request("JANE"), Request("phil"), Request("jane") });
                Assert.Equal(3, client.Calls);
                Assert.Equal(new[] { "JANE", "jane", "phil" }, client.Usernames.OrderBy(u => u, StringComparer.Ordinal));
                Assert.Equal(new[] { false, false, false, true }, outcomes.Select(o => o.IsDuplicate));
                Assert.Equal("JANE@example.com", outcomes[1].Response.CodeDeliveryDetails.Destination);
                Assert.Equal("jane@example.com", outcomes[3].Response.CodeDeliveryDetails.Destination);
                Assert.Equal(1, history.Entries.Count(e => e.IsDuplicate));
            }
        }

        [Fact]
        public void Rows_differing_in_SecretHash_are_sent_separately_so_a_wrong_hash_cannot_poison_the_right_one()
        {
            var client = new FakeCognitoClient(async (request, call, ct) =>
            {
                await Task.Yield();
                if (request.SecretHash != "right") throw new CognitoServiceException("NotAuthorizedException", "Client secret hash is wrong.", 400, "req-wrong");
                return FakeCognitoClient.Success(request);
            });
            using (var sender = new BulkSender(client, Options(2), null))
            {
                var wrong = Request("jane");
                wrong.SecretHash = "wrong";
                var right = Request("jane");
                right.SecretHash = "right";
                var again = Request("jane");
                again.SecretHash = "right";
                var outcomes = Run(sender, new[] { wrong, right, again });
                Assert.Equal(2, client.Calls);
                Assert.Equal(new[] { SendOutcomeKind.Failed, SendOutcomeKind.Succeeded, SendOutcomeKind.Succeeded }, outcomes.Select(o => o.Kind));
                Assert.Equal(new[] { false, false, true }, outcomes.Select(o => o.IsDuplicate));
            }
        }

        [Fact]
        public void Rows_differing_in_any_optional_member_are_different_requests()
        {
            var client = FakeCognitoClient.Succeeding();
            ResendConfirmationCodeRequest With(Action<ResendConfirmationCodeRequest> change)
            {
                var request = Request("jane");
                change(request);
                return request;
            }
            var rows = new[]
            {
                With(r => { }),
                With(r => r.AnalyticsEndpointId = "a1"),
                With(r => r.UserContextDataEncodedData = "enc"),
                With(r => r.UserContextDataIpAddress = "192.0.2.1"),
                With(r => r.ClientMetadata = new Dictionary<string, string> { ["k"] = "v" }),
                With(r => r.ClientMetadata = new Dictionary<string, string> { ["k"] = "w" }),
                With(r => r.ClientMetadata = new Dictionary<string, string> { ["k"] = "v", ["x"] = "y" }),
                // The same members again, the metadata in another order: the same request, merged.
                With(r => r.ClientMetadata = new Dictionary<string, string> { ["x"] = "y", ["k"] = "v" }),
                With(r => r.UserContextDataIpAddress = "192.0.2.1"),
            };
            using (var sender = new BulkSender(client, Options(2), null))
            {
                var outcomes = Run(sender, rows);
                Assert.Equal(7, client.Calls);
                Assert.Equal(new[] { false, false, false, false, false, false, false, true, true }, outcomes.Select(o => o.IsDuplicate));
            }
        }

        [Fact]
        public void The_duplicate_window_is_bounded()
        {
            var client = FakeCognitoClient.Succeeding();
            var options = new BulkSendOptions { ThrottleLimit = 2, MaxRequestsPerSecond = 0, DuplicateWindow = 3 };
            using (var sender = new BulkSender(client, options, null))
            {
                // "a" is forgotten after three newer keys, so its second row is sent again; "d" is still remembered.
                var outcomes = Run(sender, new[] { "a", "b", "c", "d", "a", "d" }.Select(u => Request(u)));
                Assert.Equal(5, client.Calls);
                Assert.Equal(new[] { false, false, false, false, false, true }, outcomes.Select(o => o.IsDuplicate));
            }
        }

        [Fact]
        public async Task Progress_is_readable_from_another_thread_while_the_batch_runs()
        {
            var client = FakeCognitoClient.Succeeding(TimeSpan.FromMilliseconds(1));
            using (var sender = new BulkSender(client, Options(4), null) { ExpectedTotal = 500 })
            {
                var snapshots = new List<BulkProgress>();
                var done = false;
                var reader = Task.Run(() =>
                {
                    while (!Volatile.Read(ref done))
                    {
                        var p = sender.GetProgress();
                        Assert.True(p.Completed <= p.Submitted);
                        Assert.InRange(p.InFlight, 0, 4);
                        lock (snapshots) snapshots.Add(p);
                        Thread.Sleep(5);
                    }
                });
                Run(sender, Users(500));
                Volatile.Write(ref done, true);
                await reader;

                var final = sender.GetProgress();
                Assert.Equal(500, final.Submitted);
                Assert.Equal(500, final.Completed);
                Assert.Equal(100, final.PercentComplete);
                Assert.True(final.RequestsPerSecond > 0);
                Assert.True(final.Elapsed > TimeSpan.Zero);
                Assert.Contains(snapshots, p => p.Completed > 0 && p.Completed < 500);
            }
        }

        [Fact]
        public void Memory_per_item_is_released_once_its_outcome_is_out()
        {
            // Weak references to the tags of the first records: once handed out, the sender must not keep them.
            var client = FakeCognitoClient.Succeeding();
            var options = new BulkSendOptions { ThrottleLimit = 4, MaxRequestsPerSecond = 0, DuplicateWindow = 0 };
            var weak = new List<WeakReference>();
            using (var sender = new BulkSender(client, options, new CommandHistory(0)))
            {
                SubmitTagged(sender, weak, 20);
                foreach (var request in Users(2000)) sender.Submit(request).ToList();
                sender.Complete().ToList();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                Assert.All(weak, w => Assert.False(w.IsAlive));
                GC.KeepAlive(sender);
            }
        }

        private static void SubmitTagged(BulkSender sender, List<WeakReference> weak, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var tag = new byte[1024];
                weak.Add(new WeakReference(tag));
                sender.Submit(Request("tagged" + i), tag).ToList();
            }
        }

        [Fact]
        public void Request_keys_of_distinct_requests_never_meet_and_follow_the_case_rule()
        {
            RequestKey Key(string clientId, string username, bool caseSensitive = true, string secretHash = null, string endpoint = null)
                => RequestKey.Of(new ResendConfirmationCodeRequest { ClientId = clientId, Username = username, SecretHash = secretHash }, caseSensitive, endpoint);

            var keys = new HashSet<RequestKey>();
            for (var i = 0; i < 20000; i++) Assert.True(keys.Add(Key("client1", "u" + i)), "u" + i);
            for (var i = 0; i < 20000; i++) Assert.True(keys.Add(Key("client2", "u" + i)), "client2 u" + i);
            Assert.NotEqual(Key("ab", "c"), Key("a", "bc"));
            // A member moved to another member is another request.
            Assert.NotEqual(
                RequestKey.Of(new ResendConfirmationCodeRequest { ClientId = "c", Username = "u", AnalyticsEndpointId = "x" }, true),
                RequestKey.Of(new ResendConfirmationCodeRequest { ClientId = "c", Username = "u", UserContextDataIpAddress = "x" }, true));

            Assert.Equal(Key("c", "Bob.Smith@Example.com", false), Key("c", "bob.smith@example.COM", false));
            Assert.NotEqual(Key("c", "Bob"), Key("c", "bob"));
            Assert.NotEqual(Key("C", "bob", false), Key("c", "bob", false)); // client ids compare exactly
            Assert.NotEqual(Key("c", "bob", secretHash: "a"), Key("c", "bob", secretHash: "b"));
            Assert.NotEqual(Key("c", "bob"), Key("c", "bob", secretHash: "a"));
            Assert.NotEqual(Key("c", "bob", endpoint: "https://one/"), Key("c", "bob", endpoint: "https://two/"));
        }

        [Fact]
        public void Request_keys_are_seeded_per_batch_so_they_fingerprint_no_SecretHash()
        {
            var request = new ResendConfirmationCodeRequest { ClientId = "c", Username = "bob", SecretHash = "s3cr3tHash=" };
            var first = new RequestKey.Hasher("https://e/", caseSensitiveUsernames: true);
            var second = new RequestKey.Hasher("https://e/", caseSensitiveUsernames: true);
            Assert.Equal(first.Of(request), first.Of(request.Clone()));
            Assert.NotEqual(first.Of(request), second.Of(request));
        }
    }
}
