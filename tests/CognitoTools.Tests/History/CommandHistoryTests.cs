using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using CognitoTools.History;
using CognitoTools.Model;
using Xunit;

namespace CognitoTools.Tests.History
{
    public class CommandHistoryTests
    {
        private static HistoryEntry Entry(string username, string outcome = HistoryOutcome.Succeeded, string clientId = "client1")
            => new HistoryEntry { Username = username, ClientId = clientId, Outcome = outcome, Time = DateTimeOffset.Now };

        private static ResendConfirmationCodeRequest Request(string username) => new ResendConfirmationCodeRequest
        {
            ClientId = "client1",
            Username = username,
            SecretHash = "c2VjcmV0LWhhc2gtdmFsdWU=",
            AnalyticsEndpointId = "endpoint-1",
            UserContextDataEncodedData = "encoded",
            UserContextDataIpAddress = "192.0.2.1",
            ClientMetadata = new Dictionary<string, string> { ["source"] = "migration" },
        };

        [Fact]
        public void Entries_come_newest_first_and_are_bounded_by_capacity()
        {
            var history = new CommandHistory(5);
            for (var i = 0; i < 12; i++) history.Record(Entry("user" + i), null, null);

            Assert.Equal(5, history.Count);
            Assert.Equal(new[] { "user11", "user10", "user9", "user8", "user7" }, history.Entries.Select(e => e.Username));
        }

        [Fact]
        public void Default_capacity_keeps_the_last_thousand()
        {
            var history = new CommandHistory();
            for (var i = 0; i < 1500; i++) history.Record(Entry("user" + i), null, null);

            Assert.Equal(CommandHistory.DefaultCapacity, history.Count);
            Assert.Equal("user1499", history.Entries[0].Username);
            Assert.Equal("user500", history.Entries[999].Username);
        }

        [Fact]
        public void Lowering_capacity_trims_the_oldest_and_raising_it_keeps_what_is_there()
        {
            var history = new CommandHistory(10);
            for (var i = 0; i < 10; i++) history.Record(Entry("user" + i), null, null);

            history.Capacity = 3;
            Assert.Equal(new[] { "user9", "user8", "user7" }, history.Entries.Select(e => e.Username));

            history.Capacity = 100;
            for (var i = 10; i < 40; i++) history.Record(Entry("user" + i), null, null);
            Assert.Equal(33, history.Count);
            Assert.Equal("user39", history.Entries.First().Username);
            Assert.Equal("user7", history.Entries.Last().Username);
        }

        [Fact]
        public void Capacity_zero_records_nothing_but_keeps_the_last_response()
        {
            var history = new CommandHistory(0);
            var response = new ResendConfirmationCodeResponse();
            history.Record(Entry("a"), null, response);

            Assert.Equal(0, history.Count);
            Assert.Empty(history.Entries);
            Assert.Same(response, history.LastServiceResponse);
        }

        [Fact]
        public void Capacity_outside_the_allowed_range_is_refused()
        {
            var history = new CommandHistory();
            Assert.Throws<ArgumentOutOfRangeException>(() => history.Capacity = -1);
            Assert.Throws<ArgumentOutOfRangeException>(() => history.Capacity = CommandHistory.MaximumCapacity + 1);
        }

        [Fact]
        public void Concurrent_records_lose_nothing_and_never_exceed_capacity()
        {
            var history = new CommandHistory(50000);
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
            {
                for (var i = 0; i < 4000; i++) history.Record(Entry($"w{worker}-{i}"), null, null);
            });
            Assert.Equal(32000, history.Count);
            Assert.Equal(32000, history.Entries.Select(e => e.Username).Distinct().Count());

            var bounded = new CommandHistory(100);
            Parallel.For(0, 8, worker =>
            {
                for (var i = 0; i < 2000; i++)
                {
                    bounded.Record(Entry($"w{worker}-{i}"), null, null);
                    if (i % 97 == 0) Assert.True(bounded.Entries.Count <= 100);
                }
            });
            Assert.Equal(100, bounded.Count);
            // Each worker's own entries stay in its order (newest first) within the snapshot.
            foreach (var group in bounded.Entries.GroupBy(e => e.Username.Split('-')[0]))
            {
                var numbers = group.Select(e => int.Parse(e.Username.Split('-')[1])).ToList();
                Assert.Equal(numbers.OrderByDescending(n => n), numbers);
            }
        }

        [Fact]
        public void Request_members_are_not_recorded_by_default_and_secrets_never()
        {
            var history = new CommandHistory();
            var entry = Entry("alice");
            entry.SecretHash = "caller-put-it-here"; // must be cleared: recording is the history's decision
            history.Record(entry, Request("alice"), null);

            var recorded = history.Entries.Single();
            Assert.False(recorded.RequestRecorded);
            Assert.Null(recorded.SecretHash);
            Assert.Null(recorded.AnalyticsMetadata_AnalyticsEndpointId);
            Assert.Null(recorded.UserContextData_EncodedData);
            Assert.Null(recorded.UserContextData_IpAddress);
            Assert.Null(recorded.ClientMetadata);
        }

        [Fact]
        public void RecordRequests_copies_the_optional_members_but_not_the_secret_hash()
        {
            var history = new CommandHistory { RecordRequests = true };
            history.Record(Entry("alice"), Request("alice"), null);

            var recorded = history.Entries.Single();
            Assert.True(recorded.RequestRecorded);
            Assert.Equal("endpoint-1", recorded.AnalyticsMetadata_AnalyticsEndpointId);
            Assert.Equal("encoded", recorded.UserContextData_EncodedData);
            Assert.Equal("192.0.2.1", recorded.UserContextData_IpAddress);
            Assert.Equal("migration", recorded.ClientMetadata["source"]);
            Assert.Equal("migration", recorded.ClientMetadata["SOURCE"]); // PowerShell hashtables ignore key case
            Assert.Null(recorded.SecretHash);
        }

        [Fact]
        public void IncludeSecrets_records_the_secret_hash()
        {
            var history = new CommandHistory { RecordRequests = true, IncludeSecrets = true };
            history.Record(Entry("alice"), Request("alice"), null);
            Assert.Equal("c2VjcmV0LWhhc2gtdmFsdWU=", history.Entries.Single().SecretHash);
        }

        [Fact]
        public void Configuration_round_trips_and_configure_applies_it()
        {
            var history = new CommandHistory();
            history.Configure(new HistoryConfiguration { MaximumCount = 7, RecordRequests = true, IncludeSecrets = true });
            var config = history.GetConfiguration();
            Assert.Equal(7, config.MaximumCount);
            Assert.True(config.RecordRequests);
            Assert.True(config.IncludeSecrets);
            Assert.Equal(7, history.Capacity);
        }

        [Fact]
        public void Last_service_response_is_the_newest_success_and_clear_empties_everything()
        {
            var history = new CommandHistory();
            var first = new ResendConfirmationCodeResponse { CodeDeliveryDetails = new CodeDeliveryDetailsType { Destination = "a***" } };
            var second = new ResendConfirmationCodeResponse();
            history.Record(Entry("a"), null, first);
            history.Record(Entry("b", HistoryOutcome.Failed), null, null);
            Assert.Same(first, history.LastServiceResponse);
            Assert.Equal("a***", history.Entries.Last().CodeDeliveryDetails.Destination);
            history.Record(Entry("c"), null, second);
            Assert.Same(second, history.LastServiceResponse);

            history.Clear();
            Assert.Equal(0, history.Count);
            Assert.Empty(history.Entries);
            Assert.Null(history.LastServiceResponse);
            history.Record(Entry("d"), null, null);
            Assert.Equal("d", history.Entries.Single().Username);
        }

        [Fact]
        public void Begin_and_end_command_track_the_last_command()
        {
            var history = new CommandHistory();
            var command = history.BeginCommand("Send-CGIPConfirmationCode");
            Assert.Same(command, history.LastCommand);
            Assert.Null(command.EndTime);
            history.EndCommand(command);
            Assert.NotNull(command.EndTime);
            Assert.True(command.EndTime >= command.StartTime);
        }

        [Fact]
        public void Query_filters_by_outcome_username_pattern_client_and_newest()
        {
            var history = new CommandHistory();
            history.Record(Entry("alice", HistoryOutcome.Succeeded), null, null);
            history.Record(Entry("Bob", HistoryOutcome.Failed), null, null);
            history.Record(Entry("bobby", HistoryOutcome.NotSent), null, null);
            history.Record(Entry("carol", HistoryOutcome.Failed, "client2"), null, null);
            history.Record(Entry("dave", HistoryOutcome.Failed), null, null);

            Assert.Equal(new[] { "dave", "carol", "Bob" }, history.Query(new HistoryQuery { Failed = true }).Select(e => e.Username));
            Assert.Equal(new[] { "alice" }, history.Query(new HistoryQuery { Succeeded = true }).Select(e => e.Username));
            Assert.Equal(new[] { "bobby" }, history.Query(new HistoryQuery { NotSent = true }).Select(e => e.Username));
            Assert.Equal(new[] { "dave", "carol", "bobby", "Bob" }, history.Query(new HistoryQuery { Failed = true, NotSent = true }).Select(e => e.Username));
            Assert.Equal(new[] { "bobby", "Bob" }, history.Query(new HistoryQuery { UsernamePattern = "bob*" }).Select(e => e.Username));
            Assert.Equal(new[] { "Bob" }, history.Query(new HistoryQuery { UsernamePattern = "BOB" }).Select(e => e.Username));
            Assert.Equal(new[] { "carol" }, history.Query(new HistoryQuery { ClientId = "client2" }).Select(e => e.Username));
            Assert.Empty(history.Query(new HistoryQuery { ClientId = "CLIENT2" }));
            Assert.Equal(new[] { "dave", "carol" }, history.Query(new HistoryQuery { Failed = true, Newest = 2 }).Select(e => e.Username));
            Assert.Equal(5, history.Query(new HistoryQuery()).Count());
            Assert.Empty(history.Query(new HistoryQuery { Newest = 0 }));
        }
    }

    public class WildcardMatcherTests
    {
        [Theory]
        [InlineData("*", "anything", true)]
        [InlineData("*", "", true)]
        [InlineData("a*", "Alice", true)]
        [InlineData("a*", "bob", false)]
        [InlineData("?ob", "Bob", true)]
        [InlineData("?ob", "Bobby", false)]
        [InlineData("user[0-9]", "user7", true)]
        [InlineData("user[0-9]", "userx", false)]
        [InlineData("user[abc]", "userB", true)]
        [InlineData("j.doe@*.com", "J.Doe@example.com", true)]
        [InlineData("j.doe@*.com", "jxdoe@example.com", false)]
        [InlineData("a`*b", "a*b", true)]
        [InlineData("a`*b", "axb", false)]
        [InlineData("[x", "[x", true)]
        [InlineData("a+b(c)", "a+b(c)", true)]
        [InlineData("[`]]", "]", true)]
        [InlineData("[a`d]", "d", true)]
        [InlineData("[a`d]", "5", false)]
        [InlineData("[_x]", "_", true)]
        public void Matches_like_PowerShell_wildcards(string pattern, string value, bool expected)
        {
            Assert.Equal(expected, new WildcardMatcher(pattern).IsMatch(value));
        }

        [Fact]
        public void Detects_wildcard_characters()
        {
            Assert.True(WildcardMatcher.ContainsWildcard("a*"));
            Assert.True(WildcardMatcher.ContainsWildcard("[ab]"));
            Assert.False(WildcardMatcher.ContainsWildcard("plain"));
            Assert.False(WildcardMatcher.ContainsWildcard("a`*"));
        }
    }
}
