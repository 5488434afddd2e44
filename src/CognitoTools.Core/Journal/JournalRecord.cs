using System;
using System.Collections.Generic;
using System.Globalization;

namespace CognitoTools.Journal
{
    /// <summary>The values of <see cref="JournalRecord.Event"/>.</summary>
    public static class JournalEvent
    {
        /// <summary>Written before the request goes out: the row is in doubt until its outcome line follows.</summary>
        public const string Intent = "Intent";
        public const string Succeeded = "Succeeded";
        public const string Failed = "Failed";
        /// <summary>The row was read but no request was made for it (the batch stopped first).</summary>
        public const string NotSent = "NotSent";
        /// <summary>The request went out but no answer was recorded before the batch stopped: it may have reached Cognito.</summary>
        public const string InDoubt = "InDoubt";
        /// <summary>A rerun did not send the row because the journal already settles it (the message says why).</summary>
        public const string Skipped = "Skipped";
    }

    /// <summary>
    /// One line of the journal: a CSV that Import-Csv and Excel read. Never holds a secret: there is no SecretHash
    /// column, and the client secret is never known to the journal.
    /// </summary>
    public sealed class JournalRecord
    {
        /// <summary>The columns, in order; a journal whose header differs is refused, not rewritten.</summary>
        public static readonly IReadOnlyList<string> Columns = new[]
        {
            "Time", "Batch", "Sequence", "Event", "Username", "ClientId", "Endpoint", "DeliveryMedium", "AttributeName",
            "Destination", "ErrorCode", "ErrorMessage", "HttpStatusCode", "RequestId", "Attempts",
        };

        /// <summary>The header line, as written.</summary>
        public static string Header => string.Join(",", Columns);

        public DateTimeOffset Time { get; set; }
        /// <summary>Identifies one run of the command; Intent and outcome lines of a row pair by Batch and Sequence.</summary>
        public string Batch { get; set; }
        /// <summary>1-based order of the request in its batch.</summary>
        public long Sequence { get; set; }
        /// <summary>See <see cref="JournalEvent"/>.</summary>
        public string Event { get; set; }
        public string Username { get; set; }
        public string ClientId { get; set; }
        public string Endpoint { get; set; }
        public string DeliveryMedium { get; set; }
        public string AttributeName { get; set; }
        public string Destination { get; set; }
        public string ErrorCode { get; set; }
        public string ErrorMessage { get; set; }
        public int? HttpStatusCode { get; set; }
        public string RequestId { get; set; }
        public int? Attempts { get; set; }

        internal const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";

        /// <summary>
        /// Longest value written (characters). What the service or a proxy sends back (an error message, a request id)
        /// has no bound of its own; cut here, every line stays far below the reader's line limit
        /// (<see cref="JournalCsv.MaxLineBytes"/>), so no answer can make the journal unreadable.
        /// </summary>
        public const int MaxFieldLength = 4096;

        /// <summary>Ends a value cut at <see cref="MaxFieldLength"/>; the count says how much is missing.</summary>
        internal const string CutMarkerFormat = " [cut: {0} more characters]";

        internal string[] ToFields() => new[]
        {
            Time.ToString(TimeFormat, CultureInfo.InvariantCulture),
            Cap(Batch),
            Sequence.ToString(CultureInfo.InvariantCulture),
            Cap(Event),
            Cap(Username),
            Cap(ClientId),
            Cap(Endpoint),
            Cap(DeliveryMedium),
            Cap(AttributeName),
            Cap(Destination),
            Cap(ErrorCode),
            Cap(ErrorMessage),
            HttpStatusCode?.ToString(CultureInfo.InvariantCulture),
            Cap(RequestId),
            Attempts?.ToString(CultureInfo.InvariantCulture),
        };

        /// <summary>The value, or its first characters and a marker saying how many were cut (never half a surrogate pair).</summary>
        internal static string Cap(string value)
        {
            if (value == null || value.Length <= MaxFieldLength) return value;
            // The count has at most as many digits as the length, so the marker fits in what is left.
            var keep = MaxFieldLength - string.Format(CultureInfo.InvariantCulture, CutMarkerFormat, value.Length).Length;
            if (char.IsHighSurrogate(value[keep - 1])) keep--;
            var marker = string.Format(CultureInfo.InvariantCulture, CutMarkerFormat, value.Length - keep);
            return value.Substring(0, keep) + marker;
        }

        /// <summary>Null when the fields are not a journal line (wrong count, unreadable time or number).</summary>
        internal static JournalRecord FromFields(IReadOnlyList<string> fields)
        {
            if (fields.Count != Columns.Count) return null;
            if (!DateTimeOffset.TryParseExact(fields[0], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)) return null;
            if (!long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)) return null;
            if (!TryParseOptionalInt(fields[12], out var status) || !TryParseOptionalInt(fields[14], out var attempts)) return null;
            return new JournalRecord
            {
                Time = time,
                Batch = fields[1],
                Sequence = sequence,
                Event = fields[3],
                Username = fields[4],
                ClientId = fields[5],
                Endpoint = fields[6],
                DeliveryMedium = Strings.NullIfEmpty(fields[7]),
                AttributeName = Strings.NullIfEmpty(fields[8]),
                Destination = Strings.NullIfEmpty(fields[9]),
                ErrorCode = Strings.NullIfEmpty(fields[10]),
                ErrorMessage = Strings.NullIfEmpty(fields[11]),
                HttpStatusCode = status,
                RequestId = Strings.NullIfEmpty(fields[13]),
                Attempts = attempts,
            };
        }

        private static bool TryParseOptionalInt(string text, out int? value)
        {
            value = null;
            if (string.IsNullOrEmpty(text)) return true;
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) return false;
            value = parsed;
            return true;
        }

        public override string ToString() => $"{Event} {Username}";
    }
}
