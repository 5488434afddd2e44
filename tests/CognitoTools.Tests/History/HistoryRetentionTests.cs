using System;
using System.Linq;
using CognitoTools.Bulk;
using CognitoTools.History;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.Tests.Bulk;
using Xunit;
using static CognitoTools.Tests.Bulk.BulkTestHelpers;

namespace CognitoTools.Tests.History
{
    /// <summary>Failed and NotSent entries outlive the successes of a long batch; the outcome-to-entry mapping.</summary>
    public class HistoryRetentionTests
    {
        private static HistoryEntry Entry(string username, string outcome)
            => new HistoryEntry { Username = username, ClientId = "client1", Outcome = outcome, Time = DateTimeOffset.Now };

        [Fact]
        public void Successes_never_push_out_failures()
        {
            var history = new CommandHistory(1000);
            for (var i = 0; i < 10000; i++)
            {
                var outcome = i % 100 == 0 ? HistoryOutcome.Failed : i % 250 == 1 ? HistoryOutcome.NotSent : HistoryOutcome.Succeeded;
                history.Record(Entry("user" + i, outcome), null, null);
            }

            var failed = history.Query(new HistoryQuery { Failed = true }).ToList();
            Assert.Equal(100, failed.Count);
            Assert.Equal("user9900", failed[0].Username);
            Assert.Equal("user0", failed[99].Username);
            Assert.Equal(40, history.Query(new HistoryQuery { NotSent = true }).Count());
            Assert.Equal(1000, history.Query(new HistoryQuery { Succeeded = true }).Count());
            Assert.Equal(1140, history.Count);
        }

        [Fact]
        public void Entries_of_both_kinds_come_out_newest_first_in_recording_order()
        {
            var history = new CommandHistory(3);
            history.Record(Entry("a", HistoryOutcome.Failed), null, null);
            history.Record(Entry("b", HistoryOutcome.Succeeded), null, null);
            history.Record(Entry("c", HistoryOutcome.NotSent), null, null);
            history.Record(Entry("d", HistoryOutcome.Succeeded), null, null);
            history.Record(Entry("e", HistoryOutcome.Succeeded), null, null);
            history.Record(Entry("f", HistoryOutcome.Succeeded), null, null);
            Assert.Equal(new[] { "f", "e", "d", "c", "a" }, history.Entries.Select(e => e.Username));
            Assert.Equal(new[] { "e", "c" }, history.Query(new HistoryQuery { Newest = 2, UsernamePattern = "[ce]" }).Select(e => e.Username));
        }

        [Fact]
        public void Failures_have_their_own_bound_never_below_the_capacity()
        {
            var history = new CommandHistory(10) { FailureCapacity = 50 };
            for (var i = 0; i < 80; i++) history.Record(Entry("f" + i, HistoryOutcome.Failed), null, null);
            Assert.Equal(50, history.Count);
            Assert.Equal("f79", history.Entries[0].Username);
            Assert.Equal("f30", history.Entries[49].Username);

            history.FailureCapacity = 5; // below the capacity: the capacity wins
            Assert.Equal(10, history.Count);
            history.Capacity = 0;
            Assert.Equal(0, history.Count);
        }

        [Fact]
        public void Configuration_carries_the_failure_bound()
        {
            var history = new CommandHistory();
            Assert.Equal(CommandHistory.DefaultFailureCapacity, history.GetConfiguration().MaximumFailedCount);
            history.Configure(new HistoryConfiguration { MaximumCount = 20, MaximumFailedCount = 300 });
            Assert.Equal(300, history.FailureCapacity);
            Assert.Throws<ArgumentOutOfRangeException>(() => history.FailureCapacity = CommandHistory.MaximumCapacity + 1);
        }

        [Fact]
        public void A_ten_thousand_row_batch_keeps_every_failed_row()
        {
            var client = new FakeCognitoClient((request, call, ct) =>
                request.Username.EndsWith("7", StringComparison.Ordinal) && request.Username.Length == 8
                    ? System.Threading.Tasks.Task.FromException<ResendConfirmationCodeResponse>(ServiceError("UserNotFoundException"))
                    : System.Threading.Tasks.Task.FromResult(FakeCognitoClient.Success(request)));
            var history = new CommandHistory();
            using (var sender = new BulkSender(client, new BulkSendOptions { ThrottleLimit = 8, MaxRequestsPerSecond = 0 }, history))
            {
                Run(sender, Enumerable.Range(0, 10000).Select(i => Request("u" + i.ToString("D7"))));
            }
            Assert.Equal(1000, history.Query(new HistoryQuery { Failed = true }).Count());
            Assert.Equal(CommandHistory.DefaultCapacity, history.Query(new HistoryQuery { Succeeded = true }).Count());
        }

        [Fact]
        public void The_mapper_describes_successes_failures_and_rows_not_sent()
        {
            var request = Request("ann");
            var success = HistoryEntryMapper.FromOutcome(new SendOutcome { Request = request, Kind = SendOutcomeKind.Succeeded, Response = FakeCognitoClient.Success(request) },
                "http://e/", "us-east-1", "Send-CGIPConfirmationCode", DateTimeOffset.Now, TimeSpan.FromMilliseconds(5));
            Assert.Equal(HistoryOutcome.Succeeded, success.Outcome);
            Assert.Equal("req-ann", success.RequestId);
            Assert.Equal("EMAIL", success.CodeDeliveryDetails.DeliveryMedium);
            Assert.Equal("http://e/", success.Endpoint);
            Assert.Equal("us-east-1", success.Region);
            Assert.Equal(TimeSpan.FromMilliseconds(5), success.Duration);

            var failure = HistoryEntryMapper.FromOutcome(new SendOutcome { Request = request, Kind = SendOutcomeKind.Failed, Error = ServiceError("LimitExceededException", 400, 1) },
                "http://e/", null, null, null, TimeSpan.Zero);
            Assert.Equal(HistoryOutcome.Failed, failure.Outcome);
            Assert.Equal("LimitExceededException", failure.ErrorCode);
            Assert.Equal(400, failure.HttpStatusCode);
            Assert.Equal("rid-LimitExceededException", failure.RequestId);

            var validation = HistoryEntryMapper.FromOutcome(new SendOutcome { Request = request, Kind = SendOutcomeKind.Failed, Error = new RequestValidationException("Username", "length", "too long") },
                null, null, null, null, TimeSpan.Zero);
            Assert.Equal(CognitoErrors.RequestValidationFailed, validation.ErrorCode);

            var notSent = HistoryEntryMapper.FromOutcome(new SendOutcome { Request = request, Kind = SendOutcomeKind.NotSent }, null, null, null, null, TimeSpan.Zero);
            var inDoubt = HistoryEntryMapper.FromOutcome(new SendOutcome { Request = request, Kind = SendOutcomeKind.NotSent, InDoubt = true }, null, null, null, null, TimeSpan.Zero);
            Assert.Equal(HistoryOutcome.NotSent, notSent.Outcome);
            Assert.Equal(HistoryEntryMapper.NotSentMessage, notSent.ErrorMessage);
            Assert.Equal(HistoryOutcome.NotSent, inDoubt.Outcome);
            Assert.Equal(HistoryEntryMapper.InDoubtMessage, inDoubt.ErrorMessage);
        }
    }
}
