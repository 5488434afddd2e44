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
    /// <summary>The journal file: CSV quoting, header, BOM, refusing foreign files, torn lines, locking.</summary>
    public class JournalFormatTests : IDisposable
    {
        private const string Endpoint = "https://cognito-idp.us-east-1.amazonaws.com/";
        private readonly TemporaryDirectory _dir = new TemporaryDirectory("cognitotools-journal-");

        public void Dispose() => _dir.Dispose();

        private string PathOf(string name = "journal.csv") => Path.Combine(_dir.Path, name);

        internal static List<JournalRecord> ReadRecords(string path)
        {
            var records = new List<JournalRecord>();
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                var header = true;
                JournalCsv.Read(stream, (fields, number, offset) =>
                {
                    if (header) { header = false; Assert.Equal(JournalRecord.Columns, fields); return; }
                    records.Add(JournalRecord.FromFields(fields) ?? throw new InvalidDataException("line " + number));
                });
            }
            return records;
        }

        private static JournalRecord Record(string username, string evt = JournalEvent.Succeeded, string message = null) => new JournalRecord
        {
            Time = new DateTimeOffset(2026, 12, 1, 10, 0, 0, 123, TimeSpan.FromHours(2)),
            Batch = "b1",
            Sequence = 7,
            Event = evt,
            Username = username,
            ClientId = "client1",
            Endpoint = Endpoint,
            DeliveryMedium = "EMAIL",
            AttributeName = "email",
            Destination = "a***@e***.com",
            ErrorCode = evt == JournalEvent.Failed ? "UserNotFoundException" : null,
            ErrorMessage = message,
            HttpStatusCode = 400,
            RequestId = "3f1c",
            Attempts = 2,
        };

        public static IEnumerable<object[]> AwkwardValues => new[]
        {
            new object[] { "plain" },
            new object[] { "with,comma" },
            new object[] { "with \"quotes\"" },
            new object[] { "\"" },
            new object[] { "line1\nline2" },
            new object[] { "line1\r\nline2\r" },
            new object[] { " leading and trailing " },
            new object[] { "=HYPERLINK(\"http://x\",\"y\")" },
            new object[] { "+15550100" },
            new object[] { "-minus" },
            new object[] { "@at" },
            new object[] { "ünïcødé 用户 😀" },
            new object[] { "tab\there" },
            new object[] { ",\"\r\n" },
        };

        [Theory]
        [MemberData(nameof(AwkwardValues))]
        public void Every_value_reads_back_exactly(string value)
        {
            var path = PathOf();
            using (var journal = BatchJournal.Open(path, Endpoint, null))
            {
                Assert.True(journal.TryWrite(Record(value, JournalEvent.Failed, "message: " + value)));
            }
            var read = ReadRecords(path).Single();
            Assert.Equal(value, read.Username);
            Assert.Equal("message: " + value, read.ErrorMessage);
            Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, 123, TimeSpan.FromHours(2)), read.Time);
            Assert.Equal(7, read.Sequence);
            Assert.Equal(400, read.HttpStatusCode);
            Assert.Equal(2, read.Attempts);
            Assert.Equal("UserNotFoundException", read.ErrorCode);
            Assert.Equal(Endpoint, read.Endpoint);
        }

        [Fact]
        public void A_new_journal_starts_with_a_utf8_bom_and_the_header_and_uses_crlf()
        {
            var path = PathOf();
            using (var journal = BatchJournal.Open(path, Endpoint, null))
            {
                journal.TryWrite(Record("ann"));
            }
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes.Take(3));
            var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
            Assert.StartsWith("Time,Batch,Sequence,Event,Username,ClientId,Endpoint,DeliveryMedium,AttributeName,Destination,ErrorCode,ErrorMessage,HttpStatusCode,RequestId,Attempts\r\n", text);
            Assert.EndsWith("\r\n", text);
            Assert.Equal(2, text.Split(new[] { "\r\n" }, StringSplitOptions.RemoveEmptyEntries).Length);
        }

        [Fact]
        public void The_journal_never_holds_a_secret_column()
        {
            Assert.DoesNotContain(JournalRecord.Columns, c => c.IndexOf("Secret", StringComparison.OrdinalIgnoreCase) >= 0);
        }

        [Fact]
        public void Reopening_appends_after_the_existing_lines()
        {
            var path = PathOf();
            using (var journal = BatchJournal.Open(path, Endpoint, null)) journal.TryWrite(Record("ann"));
            using (var journal = BatchJournal.Open(path, Endpoint, null))
            {
                Assert.Equal(1, journal.ExistingLines);
                Assert.Empty(journal.Warnings);
                journal.TryWrite(Record("bob"));
            }
            Assert.Equal(new[] { "ann", "bob" }, ReadRecords(path).Select(r => r.Username));
        }

        [Theory]
        [InlineData("Username,ClientId\r\nann,client1\r\n")]
        [InlineData("Time,Batch,Sequence,Event,Username,ClientId,Endpoint\r\n")]
        [InlineData("just some text without a line end")]
        [InlineData("\0\0\0binary")]
        public void A_file_that_is_not_a_journal_is_refused_and_left_untouched(string content)
        {
            var path = PathOf();
            File.WriteAllText(path, content);
            var before = File.ReadAllBytes(path);
            var error = Assert.Throws<JournalException>(() => BatchJournal.Open(path, Endpoint, null));
            Assert.Equal(JournalException.NotRecognized, error.ErrorId);
            Assert.Contains(path, error.Message);
            Assert.Equal(before, File.ReadAllBytes(path));
            // And it was released: nothing holds it.
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
        }

        [Fact]
        public void A_damaged_line_in_the_middle_is_refused_and_left_untouched()
        {
            var path = PathOf();
            File.WriteAllText(path, JournalRecord.Header + "\r\n" + Line("ann") + "x,y\r\n" + Line("bob"));
            var before = File.ReadAllBytes(path);
            var error = Assert.Throws<JournalException>(() => BatchJournal.Open(path, Endpoint, null));
            Assert.Equal(JournalException.NotRecognized, error.ErrorId);
            Assert.Contains("line 3", error.Message);
            Assert.Equal(before, File.ReadAllBytes(path));
        }

        private static string Line(string username) => JournalCsv.FormatLine(Record(username).ToFields());

        [Fact]
        public void A_torn_last_line_is_removed_with_a_warning_and_the_rest_resumes()
        {
            var path = PathOf();
            using (var journal = BatchJournal.Open(path, Endpoint, null))
            {
                journal.TryWrite(Record("ann"));
                journal.TryWrite(new JournalRecord { Time = DateTimeOffset.Now, Batch = "b1", Sequence = 8, Event = JournalEvent.Intent, Username = "bob", ClientId = "client1", Endpoint = Endpoint });
            }
            // A crash in the middle of bob's outcome line, inside a quoted message.
            var torn = Line("bob").Replace("Succeeded", "Failed");
            File.AppendAllText(path, torn.Substring(0, 60) + ",\"half a message\r\nwith a line feed");
            var lengthBefore = new FileInfo(path).Length;

            using (var journal = BatchJournal.Open(path, Endpoint, null))
            {
                var warning = Assert.Single(journal.Warnings);
                Assert.Contains("cut off", warning);
                Assert.Equal(ResumeReason.Succeeded, journal.Decide("client1", "ann").Reason);
                var bob = journal.Decide("client1", "bob");
                Assert.Equal(ResumeReason.InDoubt, bob.Reason);
                Assert.False(bob.Skip);
                Assert.True(journal.TryWrite(Record("carol")));
            }
            Assert.True(new FileInfo(path).Length < lengthBefore + 300);
            Assert.Equal(new[] { "ann", "bob", "carol" }, ReadRecords(path).Select(r => r.Username));
            using (var journal = BatchJournal.Open(path, Endpoint, null)) Assert.Empty(journal.Warnings);
        }

        [Fact]
        public void A_damaged_complete_last_line_is_removed_with_a_warning()
        {
            var path = PathOf();
            using (var journal = BatchJournal.Open(path, Endpoint, null)) journal.TryWrite(Record("ann"));
            File.AppendAllText(path, "2026-12-01T10:00,b1,8,Succ\r\n");
            using (var journal = BatchJournal.Open(path, Endpoint, null))
            {
                Assert.Contains("damaged", Assert.Single(journal.Warnings));
                journal.TryWrite(Record("bob"));
            }
            Assert.Equal(new[] { "ann", "bob" }, ReadRecords(path).Select(r => r.Username));
        }

        [Fact]
        public void A_trailing_run_of_zero_bytes_after_a_power_loss_counts_as_torn()
        {
            var path = PathOf();
            using (var journal = BatchJournal.Open(path, Endpoint, null)) journal.TryWrite(Record("ann"));
            using (var stream = new FileStream(path, FileMode.Append)) stream.Write(new byte[512], 0, 512);
            using (var journal = BatchJournal.Open(path, Endpoint, null))
            {
                Assert.Single(journal.Warnings);
                Assert.Equal(ResumeReason.Succeeded, journal.Decide("client1", "ann").Reason);
            }
        }

        [Fact]
        public void An_empty_file_or_a_header_cut_off_at_creation_becomes_a_new_journal()
        {
            var path = PathOf();
            File.WriteAllBytes(path, new byte[0]);
            using (BatchJournal.Open(path, Endpoint, null)) { }
            Assert.Empty(ReadRecords(path));

            var cut = PathOf("cut.csv");
            File.WriteAllBytes(cut, JournalCsv.Utf8Bom.Concat(Encoding.UTF8.GetBytes("Time,Batch,Seq")).ToArray());
            using (var journal = BatchJournal.Open(cut, Endpoint, null)) journal.TryWrite(Record("ann"));
            Assert.Equal("ann", ReadRecords(cut).Single().Username);
        }

        [Fact]
        public void A_file_with_an_endless_line_is_refused_without_reading_it_all()
        {
            var path = PathOf();
            File.WriteAllBytes(path, Enumerable.Repeat((byte)'x', JournalCsv.MaxLineBytes + 10).ToArray());
            var error = Assert.Throws<JournalException>(() => BatchJournal.Open(path, Endpoint, null));
            Assert.Equal(JournalException.NotRecognized, error.ErrorId);
        }

        [FactWhenPathExists("/dev/full", "the endless device this test opens is Unix's (Windows has no such path)")]
        public void An_endless_device_is_refused()
        {
            // Reads as endless zero bytes, fails every write: refused as not a journal (or unusable), never written.
            var error = Assert.Throws<JournalException>(() => BatchJournal.Open("/dev/full", Endpoint, null));
            Assert.Contains(error.ErrorId, new[] { JournalException.NotRecognized, JournalException.Unusable });
        }

        [Fact]
        public void A_directory_or_an_unwritable_path_is_unusable()
        {
            Assert.Equal(JournalException.Unusable, Assert.Throws<JournalException>(() => BatchJournal.Open(_dir.Path, Endpoint, null)).ErrorId);
            Assert.Equal(JournalException.Unusable, Assert.Throws<JournalException>(() => BatchJournal.Open(Path.Combine(_dir.Path, "missing", "j.csv"), Endpoint, null)).ErrorId);
        }

        [Fact]
        public void A_journal_in_use_by_another_batch_is_refused_until_it_is_released()
        {
            var path = PathOf();
            using (var first = BatchJournal.Open(path, Endpoint, null))
            {
                first.TryWrite(Record("ann"));
                var before = File.ReadAllBytes(path);
                var error = Assert.Throws<JournalException>(() => BatchJournal.Open(path, Endpoint, null));
                Assert.Equal(JournalException.Locked, error.ErrorId);
                Assert.Contains(path, error.Message);
                // The same file by another spelling of its path is the same journal.
                var other = Path.Combine(_dir.Path, ".", "journal.csv");
                Assert.Equal(JournalException.Locked, Assert.Throws<JournalException>(() => BatchJournal.Open(other, Endpoint, null)).ErrorId);
                Assert.Equal(before, File.ReadAllBytes(path));
                // Readers (Import-Csv, Get-Content) are not locked out.
                using (var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) Assert.True(reader.Length > 0);
            }
            using (BatchJournal.Open(path, Endpoint, null)) { }
        }

        [Fact]
        public void Lines_reach_the_file_as_soon_as_they_are_written()
        {
            var path = PathOf();
            using (var journal = BatchJournal.Open(path, Endpoint, null))
            {
                journal.TryWrite(Record("ann"));
                // Read through another handle while the journal is open: no buffering in between.
                using (var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                using (var text = new StreamReader(reader))
                {
                    Assert.Contains("ann", text.ReadToEnd());
                }
            }
        }

        [Fact]
        public void A_write_failure_is_kept_and_nothing_more_is_written()
        {
            var stream = new FailingStream(failAfterBytes: 400);
            using (var journal = BatchJournal.Open(stream, "fake.csv", Endpoint, null))
            {
                Assert.True(journal.TryWrite(Record("ann")));
                Assert.False(journal.TryWrite(Record(new string('x', 500))));
                Assert.IsType<IOException>(journal.Failure);
                var length = stream.Length;
                Assert.False(journal.TryWrite(Record("bob")));
                Assert.Equal(length, stream.Length);
            }
        }

        /// <summary>A stream that fails like a full disk once it holds a given number of bytes.</summary>
        internal sealed class FailingStream : MemoryStream
        {
            private readonly long _failAfterBytes;

            public FailingStream(long failAfterBytes)
            {
                _failAfterBytes = failAfterBytes;
            }

            public override void Write(byte[] buffer, int offset, int count)
            {
                if (Length + count > _failAfterBytes) throw new IOException("No space left on device");
                base.Write(buffer, offset, count);
            }
        }
    }
}
