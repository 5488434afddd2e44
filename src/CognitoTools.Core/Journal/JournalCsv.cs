using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CognitoTools.Journal
{
    /// <summary>
    /// RFC 4180 CSV as Import-Csv and Excel read it: comma-separated, CRLF line ends, a field quoted when it holds a
    /// comma, a quote, CR, LF or leading/trailing white space (quotes doubled inside). A field a spreadsheet would run
    /// as a formula (starting with = + - @, tab or CR) is written inert with a leading apostrophe, and the reader takes
    /// exactly that apostrophe off again (<see cref="Inert"/>, <see cref="Live"/>), so every value reads back exactly.
    /// </summary>
    internal static class JournalCsv
    {
        public const string LineEnd = "\r\n";
        public static readonly byte[] Utf8Bom = { 0xEF, 0xBB, 0xBF };
        /// <summary>No journal line comes near this; a longer one means the file is something else (and bounds memory).</summary>
        public const int MaxLineBytes = 1024 * 1024;
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        public static string FormatLine(IReadOnlyList<string> fields)
        {
            var line = new StringBuilder(256);
            for (var i = 0; i < fields.Count; i++)
            {
                if (i > 0) line.Append(',');
                AppendField(line, fields[i]);
            }
            return line.Append(LineEnd).ToString();
        }

        /// <summary>Starts a cell that spreadsheets evaluate (OWASP's CSV injection list).</summary>
        private static bool IsFormulaStart(char c) => c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';

        // A cell the reader takes one apostrophe off: an apostrophe before a formula start or another apostrophe. The
        // writer adds one exactly where the reader will take it off, so no value changes on the way through.
        private static bool StartsEscaped(string value)
            => value.Length > 1 && value[0] == '\'' && (IsFormulaStart(value[1]) || value[1] == '\'');

        /// <summary>The value as written: an apostrophe before a formula start (and before a value the reader would otherwise unescape).</summary>
        internal static string Inert(string value)
        {
            if (string.IsNullOrEmpty(value)) return value;
            return IsFormulaStart(value[0]) || StartsEscaped(value) ? "'" + value : value;
        }

        /// <summary>The inverse of <see cref="Inert"/>.</summary>
        internal static string Live(string cell)
            => cell != null && StartsEscaped(cell) ? cell.Substring(1) : cell;

        internal static void AppendField(StringBuilder line, string value)
        {
            if (string.IsNullOrEmpty(value)) return;
            value = Inert(value);
            if (!NeedsQuotes(value))
            {
                line.Append(value);
                return;
            }
            line.Append('"');
            foreach (var c in value)
            {
                if (c == '"') line.Append('"');
                line.Append(c);
            }
            line.Append('"');
        }

        private static bool NeedsQuotes(string value)
        {
            if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[value.Length - 1])) return true;
            foreach (var c in value)
            {
                if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
            }
            return false;
        }

        /// <summary>What <see cref="Read"/> found after the last complete line.</summary>
        public sealed class ReadResult
        {
            /// <summary>Byte offset just past the last complete line (where appending resumes).</summary>
            public long CompleteLength;
            /// <summary>Bytes after it: a line cut off by a crash (no line end, or an open quote at the end).</summary>
            public long TornLength;
            public string TornText;
            public bool HadBom;
        }

        /// <summary>
        /// Reads every complete line (ending in LF outside quotes) and hands its fields, 1-based line number and
        /// starting byte offset to <paramref name="onLine"/>; bytes after the last complete line are reported as torn, not parsed. Works on
        /// bytes (CSV's structure characters are ASCII, so UTF-8 needs no decoding until a field is complete) and
        /// streams, so a journal of any length costs one line of memory.
        /// </summary>
        public static ReadResult Read(Stream stream, Action<IReadOnlyList<string>, long, long> onLine)
        {
            var result = new ReadResult();
            var buffer = new byte[64 * 1024];
            var field = new MemoryStream();
            var fields = new List<string>();
            var inQuotes = false;
            var quoteSeen = false;   // inside quotes, a quote that may be the first of a doubled pair or the closing one
            var lineHasContent = false;
            long offset = 0;
            long lineNumber = 0;
            long lineBytes = 0;
            var first = true;

            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                var start = 0;
                if (first)
                {
                    first = false;
                    if (read >= 3 && buffer[0] == Utf8Bom[0] && buffer[1] == Utf8Bom[1] && buffer[2] == Utf8Bom[2])
                    {
                        start = 3;
                        result.HadBom = true;
                        result.CompleteLength = 3;
                    }
                }
                for (var i = start; i < read; i++, offset++)
                {
                    var b = buffer[i];
                    if (++lineBytes > MaxLineBytes) throw new InvalidDataException($"line {lineNumber + 1} is longer than {MaxLineBytes} bytes");
                    if (quoteSeen)
                    {
                        quoteSeen = false;
                        if (b == (byte)'"') { field.WriteByte(b); continue; }
                        inQuotes = false; // that quote closed the field; b is handled below
                    }
                    if (inQuotes)
                    {
                        if (b == (byte)'"') quoteSeen = true;
                        else field.WriteByte(b);
                        continue;
                    }
                    switch (b)
                    {
                        case (byte)'"':
                            inQuotes = true;
                            lineHasContent = true;
                            break;
                        case (byte)',':
                            fields.Add(Decode(field));
                            lineHasContent = true;
                            break;
                        case (byte)'\r':
                            break;
                        case (byte)'\n':
                            fields.Add(Decode(field));
                            lineNumber++;
                            if (lineHasContent || fields.Count > 1 || fields[0].Length > 0) onLine(fields, lineNumber, result.CompleteLength);
                            fields = new List<string>();
                            lineHasContent = false;
                            lineBytes = 0;
                            result.CompleteLength = offset + 1 + (result.HadBom ? 3 : 0);
                            break;
                        default:
                            field.WriteByte(b);
                            lineHasContent = true;
                            break;
                    }
                }
            }

            var total = offset + (result.HadBom ? 3 : 0);
            result.TornLength = total - result.CompleteLength;
            if (result.TornLength > 0)
            {
                stream.Seek(result.CompleteLength, SeekOrigin.Begin);
                var tail = new byte[(int)Math.Min(result.TornLength, 4096)];
                var got = stream.Read(tail, 0, tail.Length);
                result.TornText = Encoding.UTF8.GetString(tail, 0, got).TrimEnd('\0');
            }
            return result;
        }

        private static string Decode(MemoryStream field)
        {
            string text;
            try { text = StrictUtf8.GetString(field.GetBuffer(), 0, (int)field.Length); }
            catch (DecoderFallbackException) { text = null; }
            field.SetLength(0);
            // Not UTF-8: not a line this module wrote; the caller refuses the file.
            return text == null ? "\uFFFD" : Live(text);
        }
    }
}
