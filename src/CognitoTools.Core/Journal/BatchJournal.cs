using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using CognitoTools.History;
using CognitoTools.Model;

namespace CognitoTools.Journal
{
    /// <summary>Why a journal cannot be used; <see cref="ErrorId"/> is the cmdlet's error id.</summary>
    public sealed class JournalException : Exception
    {
        public const string Locked = "JournalLocked";
        public const string NotRecognized = "JournalNotRecognized";
        public const string Unusable = "JournalUnusable";
        public const string WriteFailed = "JournalWriteFailed";

        public JournalException(string errorId, string path, string message, Exception inner = null) : base(message, inner)
        {
            ErrorId = errorId;
            Path = path;
        }

        public string ErrorId { get; }
        public string Path { get; }
    }

    /// <summary>
    /// The durable, append-only record of a batch (Send-CGIPConfirmationCode -JournalPath): a CSV with a header and one
    /// line per event (<see cref="JournalRecord"/>). An Intent line is written before each request goes out and an
    /// outcome line before the outcome is reported; every line goes to the operating system at once (unbuffered
    /// writes) and to the disk within a second (a timer) and at the end. Reopening the file resumes: <see cref="Decide"/>
    /// says which rows are settled.
    /// <para>
    /// One batch at a time: the file is held for writing until Dispose. Other programs may read it meanwhile
    /// (Import-Csv, Get-Content -Wait). On Windows the sharing mode refuses a second writer; elsewhere an exclusive
    /// flock(2) on a lock file beside the journal does (<see cref="JournalLockFile"/>: not dropped when this process opens
    /// and closes the journal elsewhere, released by the kernel when a killed process dies), and a second open in the
    /// same process is refused by a table of the paths held here.
    /// </para>
    /// </summary>
    public sealed class BatchJournal : IDisposable
    {
        /// <summary>Longest time a line may stay in the operating system's cache before it is forced to disk.</summary>
        public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(1);

        private static readonly HashSet<string> HeldPaths = new HashSet<string>(
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        private readonly object _gate = new object();
        private readonly Stream _stream;
        private readonly string _heldPath;
        private readonly ResumeState _state;
        private readonly ResumeOptions _options;
        private readonly Timer _syncTimer;
        // Outside Windows: held until Dispose (see JournalLockFile).
        private JournalLockFile _lockFile;
        private bool _dirty;
        private bool _disposed;

        private BatchJournal(string path, string heldPath, Stream stream, string endpoint, ResumeState state, ResumeOptions options, bool syncOnTimer)
        {
            Path = path;
            _heldPath = heldPath;
            _stream = stream;
            Endpoint = endpoint;
            _state = state;
            _options = options ?? new ResumeOptions();
            Batch = Guid.NewGuid().ToString("N").Substring(0, 12);
            if (syncOnTimer) _syncTimer = new Timer(_ => Sync(), null, SyncInterval, SyncInterval);
        }

        public string Path { get; }
        public string Endpoint { get; }
        /// <summary>This run's id in the Batch column.</summary>
        public string Batch { get; }
        /// <summary>Lines the file held when it was opened (header excluded).</summary>
        public long ExistingLines { get; private set; }
        /// <summary>Said once when the journal was opened (a cut-off last line was dropped).</summary>
        public IReadOnlyList<string> Warnings { get; private set; } = new string[0];
        /// <summary>The first write that failed (full disk, a removed drive); once set, nothing more is written.</summary>
        public Exception Failure { get; private set; }

        /// <summary>
        /// Opens (or creates) the journal at <paramref name="path"/> for a batch sent to <paramref name="endpoint"/>,
        /// reads what earlier runs recorded there, and holds the file until Dispose. Throws <see cref="JournalException"/>:
        /// Locked (another batch writes it), NotRecognized (not a journal of this module; left untouched) or Unusable
        /// (the path cannot be opened for writing).
        /// </summary>
        public static BatchJournal Open(string path, string endpoint, ResumeOptions options)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new JournalException(JournalException.Unusable, path, "The journal path is empty.");
            string fullPath;
            try { fullPath = System.IO.Path.GetFullPath(path); }
            catch (Exception error) when (error is ArgumentException || error is NotSupportedException || error is PathTooLongException || error is System.Security.SecurityException)
            {
                throw new JournalException(JournalException.Unusable, path, $"The journal path '{path}' is not a valid file path: {error.Message}", error);
            }
            if (Directory.Exists(fullPath))
                throw new JournalException(JournalException.Unusable, fullPath, $"The journal path '{fullPath}' is a directory; give a file name, for example '{System.IO.Path.Combine(fullPath, "journal.csv")}'.");

            lock (HeldPaths)
            {
                if (!HeldPaths.Add(fullPath)) throw LockedError(fullPath, null);
            }
            FileStream stream = null;
            JournalLockFile lockFile = null;
            try
            {
                stream = OpenLocked(fullPath, out lockFile);
                var journal = Load(fullPath, stream, endpoint, options, syncOnTimer: true);
                journal._lockFile = lockFile;
                stream = null;
                lockFile = null;
                return journal;
            }
            catch
            {
                stream?.Dispose();
                lockFile?.Dispose();
                lock (HeldPaths) HeldPaths.Remove(fullPath);
                throw;
            }
        }

        /// <summary>Over any stream (tests: a stream that fails like a full disk). Syncs only when asked and at Dispose.</summary>
        internal static BatchJournal Open(Stream stream, string path, string endpoint, ResumeOptions options)
            => Load(path, stream, endpoint, options, syncOnTimer: false);

        private static FileStream OpenLocked(string fullPath, out JournalLockFile lockFile)
        {
            var windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            // Elsewhere the lock file comes first: a second batch is refused before it touches the journal.
            lockFile = JournalLockFile.IsUsed ? JournalLockFile.Acquire(fullPath, error => LockedError(fullPath, error)) : null;
            try
            {
                // bufferSize 1: no FileStream buffer, every Write is a write(2)/WriteFile, so a line reaches the OS at once.
                // FileShare.Read: readers (Import-Csv, Get-Content -Wait) may open it; on Windows a second writer may not.
                return new FileStream(fullPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
            }
            catch (IOException error) when (windows && IsSharingViolation(error))
            {
                throw LockedError(fullPath, error);
            }
            catch (Exception error) when (error is IOException || error is UnauthorizedAccessException || error is NotSupportedException || error is ArgumentException)
            {
                lockFile?.Dispose();
                lockFile = null;
                throw new JournalException(JournalException.Unusable, fullPath, $"The journal '{fullPath}' cannot be opened for writing: {error.Message}", error);
            }
        }

        private static bool IsSharingViolation(IOException error)
        {
            var code = error.HResult & 0xFFFF;
            return code == 32 || code == 33; // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
        }

        private static JournalException LockedError(string fullPath, Exception inner)
            => new JournalException(JournalException.Locked, fullPath,
                $"The journal '{fullPath}' is in use by another running batch (or another program holds it open for writing). Nothing was sent. Wait for that batch to end, or give another -JournalPath.", inner);

        private static BatchJournal Load(string path, Stream stream, string endpoint, ResumeOptions options, bool syncOnTimer)
        {
            if (!stream.CanSeek)
            {
                // A device or a pipe: it cannot be read back to resume, and /dev/zero-like sources never end.
                throw new JournalException(JournalException.Unusable, path, $"The journal '{path}' is not a regular file; give the path of a file.");
            }
            var state = new ResumeState(endpoint, options);
            var warnings = new List<string>();
            long lines = 0;
            var headerSeen = false;
            string refusal = null;
            long lastBadLine = 0, lastBadOffset = 0;
            JournalCsv.ReadResult read;
            try
            {
                stream.Seek(0, SeekOrigin.Begin);
                read = JournalCsv.Read(stream, (fields, number, offset) =>
                {
                    if (refusal != null) return;
                    if (!headerSeen)
                    {
                        headerSeen = true;
                        if (!IsHeader(fields)) refusal = $"its first line is not the journal header ({JournalRecord.Header})";
                        return;
                    }
                    if (lastBadLine != 0)
                    {
                        refusal = $"line {lastBadLine} is not a journal line";
                        return;
                    }
                    var record = JournalRecord.FromFields(fields);
                    if (record == null)
                    {
                        // Tolerated only as the very last line (a crash can leave a damaged final line that ends in a line feed).
                        lastBadLine = number;
                        lastBadOffset = offset;
                        return;
                    }
                    lines++;
                    state.Apply(record);
                });
                if (refusal == null && lastBadLine != 0)
                {
                    warnings.Add($"The journal's last line ({lastBadLine}) is damaged, probably by a crash while it was written, and was removed. The row it was about is treated as in doubt or not sent.");
                    // Appending after it would leave it inside the file, which the next run would refuse.
                    read.TornLength += read.CompleteLength - lastBadOffset;
                    read.CompleteLength = lastBadOffset;
                    read.TornText = null;
                }
            }
            catch (InvalidDataException error)
            {
                refusal = error.Message;
                read = null;
            }
            catch (IOException error)
            {
                throw new JournalException(JournalException.Unusable, path, $"The journal '{path}' cannot be read: {error.Message}", error);
            }

            if (refusal == null && !headerSeen && read.TornLength > 0 && !IsHeaderPrefix(read.TornText))
                refusal = "it is not empty and has no journal header";
            if (refusal != null)
            {
                throw new JournalException(JournalException.NotRecognized, path,
                    $"The file '{path}' is not a journal of Send-CGIPConfirmationCode: {refusal}. It was left untouched; give a new file or an existing journal as -JournalPath.");
            }
            state.Complete();
            if (state.OtherEndpointLines.Count > 0) warnings.Add(OtherEndpointWarning(path, endpoint, state.OtherEndpointLines, options?.AllowEndpointChange == true));

            var journal = new BatchJournal(path, path, stream, endpoint, state, options, syncOnTimer) { ExistingLines = lines };
            try
            {
                if (!headerSeen)
                {
                    // New (or a header cut off at creation): start over with the BOM (Excel and Windows PowerShell's
                    // Import-Csv then read UTF-8 usernames right) and the header.
                    stream.SetLength(0);
                    journal.WriteRaw(Concat(JournalCsv.Utf8Bom, Utf8.GetBytes(JournalRecord.Header + JournalCsv.LineEnd)));
                }
                else
                {
                    if (read.TornLength > 0 && read.TornText != null)
                    {
                        warnings.Add($"The journal's last line was cut off (the previous batch stopped while writing it) and was removed: \"{Shorten(read.TornText)}\". The row it was about is treated as in doubt or not sent.");
                    }
                    if (read.TornLength > 0) stream.SetLength(read.CompleteLength);
                    stream.Seek(0, SeekOrigin.End);
                }
                journal.SyncNow();
            }
            catch (IOException error)
            {
                journal.Dispose();
                throw new JournalException(JournalException.Unusable, path, $"The journal '{path}' cannot be written: {error.Message}", error);
            }
            journal.Warnings = warnings;
            return journal;
        }

        private static string OtherEndpointWarning(string path, string endpoint, SortedDictionary<string, long> others, bool allowChange)
        {
            var named = new List<string>();
            foreach (var pair in others) named.Add($"'{pair.Key}' ({pair.Value} line(s))");
            return allowChange
                ? $"The journal '{path}' has lines for another endpoint: {string.Join(", ", named)}. Because of -AllowEndpointChange they are read as lines of this command's endpoint, '{endpoint}': rows they settle are not sent again."
                : $"The journal '{path}' has lines for another endpoint: {string.Join(", ", named)}; this command sends to '{endpoint}'. Rows the journal knows only there are not sent (EndpointMismatch), since the same service under another URL could give a user a second code. If it is the same service, run again with -AllowEndpointChange; for another service, use another -JournalPath.";
        }

        private static bool IsHeader(IReadOnlyList<string> fields)
        {
            if (fields.Count != JournalRecord.Columns.Count) return false;
            for (var i = 0; i < fields.Count; i++)
                if (!string.Equals(fields[i], JournalRecord.Columns[i], StringComparison.Ordinal)) return false;
            return true;
        }

        private static bool IsHeaderPrefix(string text)
            => text != null && JournalRecord.Header.StartsWith(text.TrimStart('\uFEFF').TrimEnd('\r', '\n'), StringComparison.Ordinal);

        private static string Shorten(string text)
        {
            text = (text ?? string.Empty).Replace("\r", "\\r").Replace("\n", "\\n");
            return text.Length > 200 ? text.Substring(0, 200) + "..." : text;
        }

        private static byte[] Concat(byte[] a, byte[] b)
        {
            var all = new byte[a.Length + b.Length];
            Buffer.BlockCopy(a, 0, all, 0, a.Length);
            Buffer.BlockCopy(b, 0, all, a.Length, b.Length);
            return all;
        }

        /// <summary>What the journal says about this row of this endpoint (usernames and client ids compare ordinally).</summary>
        public ResumeDecision Decide(string clientId, string username) => _state.Decide(clientId, username, _options);

        /// <summary>Writes the row's Intent; false (nothing may be sent) when the journal cannot be written.</summary>
        public bool TryWriteIntent(long sequence, ResendConfirmationCodeRequest request)
            => TryWrite(LineOf(sequence, JournalEvent.Intent, request?.Username, request?.ClientId));

        /// <summary>The outcome line of a row, from the same mapping as its history entry.</summary>
        public bool TryWriteOutcome(long sequence, HistoryEntry entry, bool inDoubt)
        {
            var details = entry.CodeDeliveryDetails;
            var record = LineOf(sequence, inDoubt ? JournalEvent.InDoubt : entry.Outcome, entry.Username, entry.ClientId);
            record.DeliveryMedium = details?.DeliveryMedium;
            record.AttributeName = details?.AttributeName;
            record.Destination = details?.Destination;
            record.ErrorCode = entry.ErrorCode;
            // Belt and braces: a proxy URL's user info never reaches the file (the client already removed it).
            record.ErrorMessage = CognitoTools.Protocol.ProxyRedaction.Redact(entry.ErrorMessage);
            record.HttpStatusCode = entry.HttpStatusCode;
            record.RequestId = entry.RequestId;
            record.Attempts = entry.Outcome == HistoryOutcome.NotSent && !inDoubt ? (int?)null : entry.Attempts;
            return TryWrite(record);
        }

        /// <summary>A row a rerun did not send; the message says why.</summary>
        public bool TryWriteSkipped(long sequence, ResendConfirmationCodeRequest request, ResumeDecision decision)
        {
            var record = LineOf(sequence, JournalEvent.Skipped, request?.Username, request?.ClientId);
            record.ErrorCode = decision.Previous?.ErrorCode;
            record.ErrorMessage = decision.Describe();
            record.RequestId = decision.Previous?.RequestId;
            return TryWrite(record);
        }

        // The fields every line of this batch has: when, which batch and row (1-based), what, whom, and where.
        private JournalRecord LineOf(long sequence, string journalEvent, string username, string clientId)
            => new JournalRecord
            {
                Time = DateTimeOffset.Now,
                Batch = Batch,
                Sequence = sequence + 1,
                Event = journalEvent,
                Username = username,
                ClientId = clientId,
                Endpoint = Endpoint,
            };

        public bool TryWrite(JournalRecord record)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            var bytes = Utf8.GetBytes(JournalCsv.FormatLine(record.ToFields()));
            lock (_gate)
            {
                if (Failure != null || _disposed) return false;
                try
                {
                    WriteRaw(bytes);
                    return true;
                }
                catch (Exception error) when (error is IOException || error is UnauthorizedAccessException || error is ObjectDisposedException || error is NotSupportedException)
                {
                    Failure = error;
                    return false;
                }
            }
        }

        private void WriteRaw(byte[] bytes)
        {
            _stream.Write(bytes, 0, bytes.Length);
            _stream.Flush();
            _dirty = true;
        }

        /// <summary>Forces what was written to the disk (the timer does this every second).</summary>
        public void Sync()
        {
            lock (_gate)
            {
                if (!_dirty || _disposed || Failure != null) return;
                try { SyncNow(); }
                catch (Exception error) when (error is IOException || error is ObjectDisposedException)
                {
                    Failure = error;
                }
            }
        }

        private void SyncNow()
        {
            if (_stream is FileStream file) file.Flush(true);
            else _stream.Flush();
            _dirty = false;
        }

        /// <summary>Syncs to disk and releases the file.</summary>
        public void Dispose()
        {
            _syncTimer?.Dispose();
            lock (_gate)
            {
                if (_disposed) return;
                try { if (Failure == null && _dirty) SyncNow(); }
                catch (Exception error) when (error is IOException || error is ObjectDisposedException) { Failure = error; }
                _disposed = true;
                _stream.Dispose();
                _lockFile?.Dispose();
            }
            if (_heldPath != null && _stream is FileStream) lock (HeldPaths) HeldPaths.Remove(_heldPath);
        }
    }
}
