using System;
using System.IO;
using CognitoTools.Journal;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Journal
{
    /// <summary>What a rerun does with each row the journal knows.</summary>
    public class ResumeDecisionTests : IDisposable
    {
        private const string Endpoint = "https://cognito-idp.us-east-1.amazonaws.com/";
        private readonly TemporaryDirectory _dir = new TemporaryDirectory("cognitotools-resume-");
        private readonly string _path;
        private long _sequence;

        public ResumeDecisionTests()
        {
            _path = Path.Combine(_dir.Path, "journal.csv");
        }

        public void Dispose() => _dir.Dispose();

        private void Write(params JournalRecord[] records)
        {
            using (var journal = BatchJournal.Open(_path, Endpoint, null))
            {
                foreach (var record in records) Assert.True(journal.TryWrite(record));
            }
        }

        private JournalRecord Line(string evt, string username, string batch = "b1", long? sequence = null, string errorCode = null, string message = null, string clientId = "client1", string endpoint = Endpoint)
            => new JournalRecord
            {
                Time = DateTimeOffset.Now, Batch = batch, Sequence = sequence ?? ++_sequence, Event = evt, Username = username,
                ClientId = clientId, Endpoint = endpoint, ErrorCode = errorCode, ErrorMessage = message,
            };

        // An Intent and its outcome, as the sender writes them.
        private JournalRecord[] Row(string outcome, string username, string batch = "b1", string errorCode = null, string message = null, string clientId = "client1", string endpoint = Endpoint)
        {
            var sequence = ++_sequence;
            return new[]
            {
                Line(JournalEvent.Intent, username, batch, sequence, clientId: clientId, endpoint: endpoint),
                Line(outcome, username, batch, sequence, errorCode, message, clientId, endpoint),
            };
        }

        private ResumeDecision Decide(string username, ResumeOptions options = null, string clientId = "client1", string endpoint = Endpoint)
        {
            using (var journal = BatchJournal.Open(_path, endpoint, options))
            {
                return journal.Decide(clientId, username);
            }
        }

        [Fact]
        public void A_user_not_in_the_journal_is_sent()
        {
            Write(Row(JournalEvent.Succeeded, "ann"));
            var decision = Decide("bob");
            Assert.False(decision.Skip);
            Assert.Equal(ResumeReason.New, decision.Reason);
        }

        [Fact]
        public void Succeeded_is_skipped_even_with_every_switch()
        {
            Write(Row(JournalEvent.Succeeded, "ann"));
            var decision = Decide("ann", new ResumeOptions { RetryPermanentFailures = true, SkipInDoubt = false });
            Assert.True(decision.Skip);
            Assert.Equal(ResumeReason.Succeeded, decision.Reason);
            Assert.Contains("was sent a code", decision.Describe());
        }

        [Theory]
        [InlineData("UserNotFoundException", "Username/client id combination not found.")]
        [InlineData("NotAuthorizedException", "Unable to verify secret hash for client client1")]
        [InlineData("InvalidParameterException", "User is already confirmed.")]
        public void Permanent_failures_are_skipped_unless_RetryPermanentFailures(string code, string message)
        {
            Write(Row(JournalEvent.Failed, "ann", errorCode: code, message: message));
            var skipped = Decide("ann");
            Assert.True(skipped.Skip);
            Assert.Equal(ResumeReason.PermanentFailure, skipped.Reason);
            Assert.Equal(code, skipped.Previous.ErrorCode);
            Assert.Contains("-RetryPermanentFailures", skipped.Describe());

            var retried = Decide("ann", new ResumeOptions { RetryPermanentFailures = true });
            Assert.False(retried.Skip);
            Assert.Equal(ResumeReason.PermanentFailure, retried.Reason);
        }

        [Theory]
        [InlineData("TooManyRequestsException", "Rate exceeded")]
        [InlineData("LimitExceededException", "Attempt limit exceeded, please try after some time.")]
        [InlineData("InvalidParameterException", "Cannot resend codes. Auto verification not turned on.")]
        [InlineData("CodeDeliveryFailureException", "Unable to deliver the code.")]
        [InlineData("InternalErrorException", "Internal error")]
        [InlineData("ConnectionFailure", "Connection refused")]
        [InlineData("RequestTimeout", "No answer")]
        public void Transient_failures_are_sent_again(string code, string message)
        {
            Write(Row(JournalEvent.Failed, "ann", errorCode: code, message: message));
            var decision = Decide("ann");
            Assert.False(decision.Skip);
            Assert.Equal(ResumeReason.Retry, decision.Reason);
        }

        // A scope-wide cause (StopClassifier) is a setting the user fixes before resuming, not the row's own failure:
        // the rows that failed with it are sent again without -RetryPermanentFailures.
        [Theory]
        [InlineData("ResourceNotFoundException", "User pool client client1 does not exist.")]
        [InlineData("NotAuthorizedException", "Client client1 is configured for secret but secret was not received")]
        public void Rows_that_failed_with_a_scope_wide_cause_are_sent_again_without_RetryPermanentFailures(string code, string message)
        {
            Write(Row(JournalEvent.Failed, "ann", errorCode: code, message: message));
            var decision = Decide("ann");
            Assert.False(decision.Skip);
            Assert.Equal(ResumeReason.Retry, decision.Reason);
            Assert.Equal(code, decision.Previous.ErrorCode);
        }

        [Fact]
        public void NotSent_rows_are_sent()
        {
            Write(Line(JournalEvent.NotSent, "ann"));
            var decision = Decide("ann");
            Assert.False(decision.Skip);
            Assert.Equal(ResumeReason.Retry, decision.Reason);
        }

        [Fact]
        public void An_intent_without_an_outcome_is_in_doubt_and_sent_again_by_default()
        {
            Write(Line(JournalEvent.Intent, "ann"));
            var decision = Decide("ann");
            Assert.Equal(ResumeReason.InDoubt, decision.Reason);
            Assert.False(decision.Skip);

            var skipped = Decide("ann", new ResumeOptions { SkipInDoubt = true });
            Assert.Equal(ResumeReason.InDoubt, skipped.Reason);
            Assert.True(skipped.Skip);
        }

        [Fact]
        public void An_InDoubt_outcome_is_in_doubt()
        {
            Write(Row(JournalEvent.InDoubt, "ann"));
            Assert.Equal(ResumeReason.InDoubt, Decide("ann").Reason);
            Assert.True(Decide("ann", new ResumeOptions { SkipInDoubt = true }).Skip);
        }

        [Fact]
        public void A_later_run_replaces_an_earlier_answer_and_a_success_is_final()
        {
            Write(Row(JournalEvent.Failed, "ann", "b1", "TooManyRequestsException"));
            Write(Row(JournalEvent.Succeeded, "ann", "b2"));
            Assert.Equal(ResumeReason.Succeeded, Decide("ann").Reason);

            Write(Line(JournalEvent.Intent, "bob", "b1"));                      // killed: in doubt
            Write(Row(JournalEvent.Failed, "bob", "b2", "LimitExceededException")); // the rerun's answer
            var bob = Decide("bob", new ResumeOptions { SkipInDoubt = true });
            Assert.Equal(ResumeReason.Retry, bob.Reason);
            Assert.False(bob.Skip);

            Write(Row(JournalEvent.Succeeded, "carol", "b1"));
            Write(Row(JournalEvent.Failed, "carol", "b2", "UserNotFoundException"));
            Assert.Equal(ResumeReason.Succeeded, Decide("carol").Reason);
        }

        [Fact]
        public void Skipped_lines_do_not_change_a_row_state()
        {
            Write(Line(JournalEvent.Intent, "ann", "b1", 1));
            Write(Line(JournalEvent.Skipped, "ann", "b2", 1));
            Assert.Equal(ResumeReason.InDoubt, Decide("ann").Reason);
        }

        [Fact]
        public void Rows_of_another_client_or_endpoint_never_settle_this_batch_rows()
        {
            Write(Row(JournalEvent.Succeeded, "ann", clientId: "otherclient"));
            Write(Row(JournalEvent.Succeeded, "bob", endpoint: "http://127.0.0.1:5057/"));
            Assert.Equal(ResumeReason.New, Decide("ann").Reason);
            // Known only on another endpoint: not sent either, but refused (issue 14: no silent second code elsewhere).
            var bob = Decide("bob");
            Assert.Equal(ResumeReason.OtherEndpoint, bob.Reason);
            Assert.True(bob.Skip);
            Assert.Equal(ResumeReason.Succeeded, Decide("ann", clientId: "otherclient").Reason);
            Assert.Equal(ResumeReason.Succeeded, Decide("bob", endpoint: "http://127.0.0.1:5057/").Reason);
        }

        [Fact]
        public void Usernames_compare_case_sensitively()
        {
            Write(Row(JournalEvent.Succeeded, "jane"));
            Assert.Equal(ResumeReason.Succeeded, Decide("jane").Reason);
            Assert.Equal(ResumeReason.New, Decide("JANE").Reason);
        }

        [Fact]
        public void Two_requests_for_one_user_in_one_batch_leave_it_in_doubt_when_either_is_unanswered()
        {
            Write(Line(JournalEvent.Intent, "ann", "b1", 1), Line(JournalEvent.Intent, "ann", "b1", 2),
                Line(JournalEvent.Failed, "ann", "b1", 1, "NotAuthorizedException"));
            Assert.Equal(ResumeReason.InDoubt, Decide("ann").Reason);
        }
    }
}
