using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CognitoTools.Journal;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Journal
{
    /// <summary>
    /// Issue 14's journal rules in Core: case-insensitive keys, endpoints compared after normalising, lines for another
    /// endpoint refused per row, a cap on stored values, inert formula cells with an exact round trip, and a lock that
    /// this process's own reading of the journal does not drop.
    /// </summary>
    public class JournalReviewTests : IDisposable
    {
        private const string Endpoint = "http://127.0.0.1:5057/";
        private readonly TemporaryDirectory _dir = new TemporaryDirectory("cognitotools-review-");
        private readonly string _path;
        private long _sequence;

        public JournalReviewTests()
        {
            _path = Path.Combine(_dir.Path, "journal.csv");
        }

        public void Dispose() => _dir.Dispose();

        private void Write(string endpoint, params JournalRecord[] records)
        {
            using (var journal = BatchJournal.Open(_path, endpoint, null))
            {
                foreach (var record in records) Assert.True(journal.TryWrite(record));
            }
        }

        private JournalRecord[] Row(string evt, string username, string endpoint = Endpoint, string message = null, string destination = null)
        {
            var sequence = ++_sequence;
            return new[]
            {
                new JournalRecord { Time = DateTimeOffset.Now, Batch = "b1", Sequence = sequence, Event = JournalEvent.Intent, Username = username, ClientId = "client1", Endpoint = endpoint },
                new JournalRecord { Time = DateTimeOffset.Now, Batch = "b1", Sequence = sequence, Event = evt, Username = username, ClientId = "client1", Endpoint = endpoint, ErrorMessage = message, Destination = destination },
            };
        }

        private ResumeDecision Decide(string username, string endpoint = Endpoint, ResumeOptions options = null)
        {
            using (var journal = BatchJournal.Open(_path, endpoint, options))
            {
                return journal.Decide("client1", username);
            }
        }

        private List<JournalRecord> ReadBack()
        {
            var records = new List<JournalRecord>();
            using (var stream = File.OpenRead(_path))
            {
                var header = true;
                JournalCsv.Read(stream, (fields, number, offset) =>
                {
                    if (header) { header = false; return; }
                    records.Add(JournalRecord.FromFields(fields));
                });
            }
            return records;
        }

        [Fact]
        public void With_case_insensitive_usernames_a_settled_user_settles_every_spelling()
        {
            Write(Endpoint, Row(JournalEvent.Succeeded, "jane"));
            Assert.Equal(ResumeReason.Succeeded, Decide("JANE", options: new ResumeOptions { CaseInsensitiveUsernames = true }).Reason);
            Assert.True(Decide("Jane", options: new ResumeOptions { CaseInsensitiveUsernames = true }).Skip);
            // Without the switch usernames stay case-sensitive, as the batch's merging is.
            Assert.Equal(ResumeReason.New, Decide("JANE").Reason);
        }

        [Theory]
        [InlineData("HTTP://127.0.0.1:5057")]
        [InlineData("http://127.0.0.1:5057")]
        [InlineData("http://127.0.0.1:5057//")]
        public void Spellings_of_the_same_endpoint_are_one_endpoint(string spelling)
        {
            Write(Endpoint, Row(JournalEvent.Succeeded, "ann"));
            Assert.Equal(ResumeReason.Succeeded, Decide("ann", spelling).Reason);
            Assert.Equal("https://cognito-idp.us-east-1.amazonaws.com", JournalEndpoint.Normalize("HTTPS://Cognito-IDP.us-east-1.amazonaws.com:443/"));
        }

        [Fact]
        public void A_row_known_only_on_another_endpoint_is_refused_naming_both_unless_the_change_is_allowed()
        {
            Write(Endpoint, Row(JournalEvent.Succeeded, "ann"));
            const string other = "http://localhost:5057/";
            using (var journal = BatchJournal.Open(_path, other, null))
            {
                var decision = journal.Decide("client1", "ann");
                Assert.Equal(ResumeReason.OtherEndpoint, decision.Reason);
                Assert.True(decision.Skip);
                Assert.Contains(Endpoint, decision.Describe());
                Assert.Contains(other, decision.Describe());
                Assert.Contains("-AllowEndpointChange", decision.Describe());
                // The journal says so once when it is opened, naming both endpoints.
                var warning = Assert.Single(journal.Warnings);
                Assert.Contains(Endpoint, warning);
                Assert.Contains(other, warning);
                // A user the journal does not know anywhere is sent.
                Assert.Equal(ResumeReason.New, journal.Decide("client1", "bob").Reason);
            }
            var allowed = Decide("ann", other, new ResumeOptions { AllowEndpointChange = true });
            Assert.Equal(ResumeReason.Succeeded, allowed.Reason);
        }

        [Fact]
        public void A_huge_error_message_is_cut_and_the_journal_stays_readable()
        {
            var huge = new string('x', 1100 * 1024) + "END";
            Write(Endpoint, Row(JournalEvent.Failed, "ann", message: huge));
            var read = ReadBack();
            var stored = read[1].ErrorMessage;
            Assert.True(stored.Length <= JournalRecord.MaxFieldLength, $"{stored.Length} characters");
            Assert.StartsWith("xxxx", stored);
            Assert.Contains("[cut: ", stored);
            // The next run opens it (before the cap, JournalNotRecognized: "line 3 is longer than 1048576 bytes").
            Assert.Equal(ResumeReason.Retry, Decide("ann").Reason);
        }

        [Fact]
        public void A_cut_never_splits_a_surrogate_pair()
        {
            var value = new string('a', JournalRecord.MaxFieldLength - 40) + string.Concat(Enumerable.Repeat("😀", 100));
            var cut = JournalRecord.Cap(value);
            Assert.True(cut.Length <= JournalRecord.MaxFieldLength);
            var text = cut.Substring(0, cut.IndexOf(" [cut:", StringComparison.Ordinal));
            Assert.False(char.IsHighSurrogate(text[text.Length - 1]));
        }

        public static IEnumerable<object[]> FormulaValues() => new[]
        {
            new object[] { "+15550100" }, new object[] { "=cmd|' /C calc'!A0" }, new object[] { "-2+3" }, new object[] { "@SUM(1)" },
            new object[] { "\tx" }, new object[] { "\rx" }, new object[] { "+*******0123" },
            // Values the reader would otherwise take an apostrophe off: escaped too, so they read back exactly.
            new object[] { "'=x" }, new object[] { "''" }, new object[] { "'+1" },
        };

        [Theory]
        [MemberData(nameof(FormulaValues))]
        public void Formula_cells_are_written_inert_and_read_back_exactly(string value)
        {
            Write(Endpoint, Row(JournalEvent.Succeeded, value, destination: value));
            var raw = File.ReadAllText(_path, Encoding.UTF8);
            foreach (var line in raw.Split(new[] { "\r\n" }, StringSplitOptions.RemoveEmptyEntries).Skip(1))
            {
                foreach (var cell in SplitCells(line))
                {
                    Assert.False(cell.Length > 0 && "=+-@\t\r".IndexOf(cell[0]) >= 0, $"live cell '{cell}' in: {line}");
                }
            }
            var read = ReadBack();
            Assert.Equal(value, read[0].Username);
            Assert.Equal(value, read[1].Destination);
            Assert.Equal(ResumeReason.Succeeded, Decide(value).Reason);
        }

        [Theory]
        [InlineData("'")]
        [InlineData("'abc")]
        [InlineData("it's")]
        public void Other_apostrophes_are_left_as_they_are(string value)
        {
            Assert.Equal(value, JournalCsv.Inert(value));
            Assert.Equal(value, JournalCsv.Live(value));
        }

        // Cells as a spreadsheet sees them: the value after unquoting.
        private static IEnumerable<string> SplitCells(string line)
        {
            var cell = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                    else if (c == '"') quoted = false;
                    else cell.Append(c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { yield return cell.ToString(); cell.Clear(); }
                else cell.Append(c);
            }
            yield return cell.ToString();
        }

        [Fact]
        public void The_lock_holds_while_this_process_opens_and_closes_the_journal_to_read_it()
        {
            if (!JournalLockFile.IsUsed) return; // Windows: the sharing mode locks the journal itself
            using (var journal = BatchJournal.Open(_path, Endpoint, null))
            {
                // Another runspace's Get-Content: open, read, close. fcntl record locks were dropped here.
                using (var reader = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) reader.ReadByte();
                Assert.Contains("Time,Batch", File.ReadAllText(_path));
                // What a second process does first: take the lock file. It is refused.
                var error = Assert.Throws<JournalException>(() => JournalLockFile.Acquire(_path, e => new JournalException(JournalException.Locked, _path, "locked", e)));
                Assert.Equal(JournalException.Locked, error.ErrorId);
            }
            // Released with the journal.
            using (JournalLockFile.Acquire(_path, e => new JournalException(JournalException.Locked, _path, "locked", e))) { }
        }
    }
}
