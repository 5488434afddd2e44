using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading;
using CognitoTools.Model;

namespace CognitoTools.History
{
    /// <summary>
    /// One recorded call. Property names match Send-CGIPConfirmationCode's parameters where they can, so entries bind
    /// back by property name: Get-CGIPHistory -Failed | Send-CGIPConfirmationCode retries the failures.
    /// </summary>
    public sealed class HistoryEntry
    {
        /// <summary>When the call was made (or, for a record never sent, when the batch gave it up).</summary>
        public DateTimeOffset Time { get; set; }
        public string Username { get; set; }
        public string ClientId { get; set; }
        /// <summary>The endpoint the call went to (that answered it, or would have for NotSent).</summary>
        public string Endpoint { get; set; }
        /// <summary>The Region of the command that made the call (the endpoint's Region).</summary>
        public string Region { get; set; }
        /// <summary>
        /// <see cref="Endpoint"/> under the name Send-CGIPConfirmationCode binds by property name, so a resend of this
        /// entry is refused (EndpointMismatch) when the resending command resolves to another endpoint.
        /// </summary>
        public string OriginalEndpoint => Endpoint;
        /// <summary>Succeeded, Failed or NotSent (see <see cref="HistoryOutcome"/>).</summary>
        public string Outcome { get; set; }
        public CodeDeliveryDetailsType CodeDeliveryDetails { get; set; }
        public string ErrorCode { get; set; }
        public string ErrorMessage { get; set; }
        public int? HttpStatusCode { get; set; }
        public string RequestId { get; set; }
        public int Attempts { get; set; }
        public TimeSpan Duration { get; set; }
        /// <summary>Name of the command that made the call.</summary>
        public string Command { get; set; }
        /// <summary>
        /// True when this row named a user already sent in the same batch: no request of its own was made and the
        /// result (and request id) is the earlier row's.
        /// </summary>
        public bool IsDuplicate { get; set; }

        // Recorded only when RecordRequests is on (so they bind back on retry); null otherwise.
        public string AnalyticsMetadata_AnalyticsEndpointId { get; set; }
        public string UserContextData_EncodedData { get; set; }
        public string UserContextData_IpAddress { get; set; }
        public Hashtable ClientMetadata { get; set; }
        /// <summary>Only with IncludeSecrets; otherwise null, never a placeholder that would bind as a wrong value.</summary>
        public string SecretHash { get; set; }
        /// <summary>True when the request members above were recorded (RecordRequests on).</summary>
        public bool RequestRecorded { get; set; }

        public override string ToString() => $"{Outcome} {Username}";
    }

    /// <summary>The values of <see cref="HistoryEntry.Outcome"/>.</summary>
    public static class HistoryOutcome
    {
        public const string Succeeded = "Succeeded";
        public const string Failed = "Failed";
        /// <summary>The record was never answered: the batch was stopped (Ctrl+C) before or while it was sent.</summary>
        public const string NotSent = "NotSent";
    }

    /// <summary>One command invocation (one pipeline run of a cmdlet).</summary>
    public sealed class CommandRecord
    {
        public string CommandName { get; set; }
        public DateTimeOffset StartTime { get; set; }
        public DateTimeOffset? EndTime { get; set; }
        public int Succeeded { get; set; }
        public int Failed { get; set; }
        public int NotSent { get; set; }
        /// <summary>Rows not sent because the journal (-JournalPath) showed them settled by an earlier run.</summary>
        public int Skipped { get; set; }

        public override string ToString() => $"{CommandName}: {Succeeded} succeeded, {Failed} failed, {NotSent} not sent" + (Skipped > 0 ? $", {Skipped} skipped" : string.Empty);
    }

    /// <summary>What Set-CGIPHistoryConfiguration sets and outputs.</summary>
    public sealed class HistoryConfiguration
    {
        /// <summary>Successful entries kept (newest); 0 turns recording off.</summary>
        public int MaximumCount { get; set; } = CommandHistory.DefaultCapacity;
        /// <summary>Failed and NotSent entries kept besides the successes (never fewer than MaximumCount).</summary>
        public int MaximumFailedCount { get; set; } = CommandHistory.DefaultFailureCapacity;
        /// <summary>Record the request's optional members with each entry (never secrets unless IncludeSecrets).</summary>
        public bool RecordRequests { get; set; }
        /// <summary>Also record SecretHash. The client secret itself is never recorded.</summary>
        public bool IncludeSecrets { get; set; }
    }

    /// <summary>Get-CGIPHistory's filters. Outcome switches combine with OR; the other filters with AND.</summary>
    public sealed class HistoryQuery
    {
        public bool Failed { get; set; }
        public bool Succeeded { get; set; }
        public bool NotSent { get; set; }
        /// <summary>PowerShell-style wildcard (* ? [a-z], ` escapes), case-insensitive; null or empty matches all.</summary>
        public string UsernamePattern { get; set; }
        /// <summary>Exact (ordinal) app client id; null matches all.</summary>
        public string ClientId { get; set; }
        /// <summary>Only the N newest matching entries; null for all.</summary>
        public int? Newest { get; set; }
    }

    /// <summary>
    /// One PowerShell session's bounded, thread-safe history of calls, newest first; exposed as that session's
    /// $CGIPHistory (the module keeps one per session, see SessionHistory in the module assembly).
    /// Two ring buffers guarded by one lock: successes (<see cref="Capacity"/> entries) and the entries a retry needs,
    /// Failed and NotSent (<see cref="FailureCapacity"/>, much larger), so a long batch's successes never push its
    /// failures out: after a 10,000-row batch Get-CGIPHistory -Failed still has every failure. Recording is a few field
    /// writes, so the lock is never held long even with 64 requests completing at once, and memory stays bounded
    /// whatever the batch size (about 0.5 KB per kept entry).
    /// </summary>
    public sealed class CommandHistory
    {
        public const int DefaultCapacity = 1000;
        /// <summary>Upper bound Set-CGIPHistoryConfiguration accepts.</summary>
        public const int MaximumCapacity = 1000000;
        /// <summary>Default bound of the Failed and NotSent entries kept besides the successes.</summary>
        public const int DefaultFailureCapacity = 100000;

        private readonly object _gate = new object();
        private readonly EntryRing _succeeded = new EntryRing();
        private readonly EntryRing _retained = new EntryRing();
        private long _nextStamp;
        private int _capacity;
        private int _failureCapacity = DefaultFailureCapacity;
        private ResendConfirmationCodeResponse _lastServiceResponse;
        private CommandRecord _lastCommand;

        public CommandHistory() : this(DefaultCapacity) { }

        public CommandHistory(int capacity)
        {
            Capacity = capacity;
        }

        /// <summary>
        /// Successful entries kept (newest); 0 turns recording off. Lowering it drops the oldest entries at once.
        /// Failed and NotSent entries are bounded by <see cref="FailureCapacity"/> instead (never by fewer than this).
        /// </summary>
        public int Capacity
        {
            get { lock (_gate) return _capacity; }
            set
            {
                CheckRange(value);
                lock (_gate)
                {
                    if (value == _capacity) return;
                    _capacity = value;
                    _succeeded.Resize(value);
                    _retained.Resize(EffectiveFailureCapacity);
                }
            }
        }

        /// <summary>
        /// Failed and NotSent entries kept (newest), besides the successes: successes make way, these stay until this
        /// many newer failures arrive. Default 100,000. The effective bound is never below <see cref="Capacity"/>.
        /// </summary>
        public int FailureCapacity
        {
            get { lock (_gate) return _failureCapacity; }
            set
            {
                CheckRange(value);
                lock (_gate)
                {
                    _failureCapacity = value;
                    _retained.Resize(EffectiveFailureCapacity);
                }
            }
        }

        private int EffectiveFailureCapacity => _capacity == 0 ? 0 : Math.Max(_capacity, _failureCapacity);

        private static void CheckRange(int value)
        {
            if (value < 0 || value > MaximumCapacity)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The history capacity must be between 0 and {MaximumCapacity}.");
        }

        /// <summary>Record the request members (not secrets) with each entry.</summary>
        public bool RecordRequests { get; set; }
        /// <summary>Also record SecretHash; off by default. The client secret is never recorded.</summary>
        public bool IncludeSecrets { get; set; }

        /// <summary>Snapshot, newest first.</summary>
        public IReadOnlyList<HistoryEntry> Entries
        {
            get { lock (_gate) return SnapshotNewestFirst(); }
        }

        public int Count
        {
            get { lock (_gate) return _succeeded.Count + _retained.Count; }
        }

        /// <summary>
        /// Newest success's response, like AWS.Tools' $AWSHistory.LastServiceResponse. Kept even when Capacity is 0
        /// (it is one reference, not a growing record).
        /// </summary>
        public ResendConfirmationCodeResponse LastServiceResponse
        {
            get { lock (_gate) return _lastServiceResponse; }
        }

        public CommandRecord LastCommand
        {
            get { lock (_gate) return _lastCommand; }
        }

        public HistoryConfiguration GetConfiguration()
        {
            return new HistoryConfiguration { MaximumCount = Capacity, MaximumFailedCount = FailureCapacity, RecordRequests = RecordRequests, IncludeSecrets = IncludeSecrets };
        }

        public void Configure(HistoryConfiguration configuration)
        {
            if (configuration == null) throw new ArgumentNullException(nameof(configuration));
            Capacity = configuration.MaximumCount;
            FailureCapacity = configuration.MaximumFailedCount;
            RecordRequests = configuration.RecordRequests;
            IncludeSecrets = configuration.IncludeSecrets;
        }

        public CommandRecord BeginCommand(string commandName)
        {
            var record = new CommandRecord { CommandName = commandName, StartTime = DateTimeOffset.Now };
            lock (_gate) _lastCommand = record;
            return record;
        }

        public void EndCommand(CommandRecord command)
        {
            if (command == null) return;
            command.EndTime = DateTimeOffset.Now;
        }

        /// <summary>
        /// Adds an entry (newest first), trimming to Capacity. Honours RecordRequests/IncludeSecrets: the request's
        /// optional members are copied only with RecordRequests, SecretHash only with IncludeSecrets, and whatever the
        /// caller put in those members otherwise is cleared, so nothing secret is kept by accident.
        /// </summary>
        public void Record(HistoryEntry entry, ResendConfirmationCodeRequest request, ResendConfirmationCodeResponse response)
        {
            if (entry == null) throw new ArgumentNullException(nameof(entry));
            ApplyRequestMembers(entry, request, RecordRequests, IncludeSecrets);
            if (entry.CodeDeliveryDetails == null && response != null) entry.CodeDeliveryDetails = response.CodeDeliveryDetails;

            lock (_gate)
            {
                if (response != null) _lastServiceResponse = response;
                if (_capacity == 0) return;
                var ring = entry.Outcome == HistoryOutcome.Succeeded ? _succeeded : _retained;
                ring.Append(new Stamped(_nextStamp++, entry));
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _succeeded.Clear();
                _retained.Clear();
                _lastServiceResponse = null;
            }
        }

        /// <summary>Get-CGIPHistory: entries matching the query, newest first.</summary>
        public IEnumerable<HistoryEntry> Query(HistoryQuery query)
        {
            query = query ?? new HistoryQuery();
            var anyOutcome = query.Failed || query.Succeeded || query.NotSent;
            var pattern = string.IsNullOrEmpty(query.UsernamePattern) ? null : new WildcardMatcher(query.UsernamePattern);
            var remaining = query.Newest ?? int.MaxValue;
            if (remaining <= 0) yield break;

            foreach (var entry in Entries)
            {
                if (anyOutcome)
                {
                    var keep = (query.Failed && entry.Outcome == HistoryOutcome.Failed)
                               || (query.Succeeded && entry.Outcome == HistoryOutcome.Succeeded)
                               || (query.NotSent && entry.Outcome == HistoryOutcome.NotSent);
                    if (!keep) continue;
                }
                if (query.ClientId != null && !string.Equals(entry.ClientId, query.ClientId, StringComparison.Ordinal)) continue;
                if (pattern != null && !pattern.IsMatch(entry.Username ?? string.Empty)) continue;

                yield return entry;
                if (--remaining == 0) yield break;
            }
        }

        internal static void ApplyRequestMembers(HistoryEntry entry, ResendConfirmationCodeRequest request, bool recordRequests, bool includeSecrets)
        {
            var record = recordRequests && request != null;
            entry.RequestRecorded = record;
            entry.AnalyticsMetadata_AnalyticsEndpointId = record ? request.AnalyticsEndpointId : null;
            entry.UserContextData_EncodedData = record ? request.UserContextDataEncodedData : null;
            entry.UserContextData_IpAddress = record ? request.UserContextDataIpAddress : null;
            entry.ClientMetadata = record && request.ClientMetadata != null && request.ClientMetadata.Count > 0 ? ToHashtable(request.ClientMetadata) : null;
            // SecretHash is opt-in on its own: it is what a retry of a secret-bearing client needs, and it is only
            // kept when the user explicitly asked for secrets.
            entry.SecretHash = includeSecrets && request != null ? request.SecretHash : null;
        }

        private static Hashtable ToHashtable(IDictionary<string, string> map)
        {
            var table = new Hashtable(map.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var pair in map) table[pair.Key] = pair.Value;
            return table;
        }

        // Both rings merged newest first by their recording order.
        private HistoryEntry[] SnapshotNewestFirst()
        {
            var a = _succeeded.NewestFirst();
            var b = _retained.NewestFirst();
            var result = new HistoryEntry[a.Length + b.Length];
            int i = 0, j = 0, k = 0;
            while (i < a.Length || j < b.Length)
            {
                if (j >= b.Length || (i < a.Length && a[i].Stamp > b[j].Stamp)) result[k++] = a[i++].Entry;
                else result[k++] = b[j++].Entry;
            }
            return result;
        }

        private struct Stamped
        {
            public Stamped(long stamp, HistoryEntry entry) { Stamp = stamp; Entry = entry; }
            public readonly long Stamp;
            public readonly HistoryEntry Entry;
        }

        /// <summary>A bounded ring, oldest overwritten first; grows lazily, so a large bound costs nothing until used.</summary>
        private sealed class EntryRing
        {
            private Stamped[] _ring = new Stamped[0];
            private int _head;   // index of the next write
            private int _count;
            private int _capacity;

            public int Count => _count;

            public void Resize(int capacity)
            {
                var kept = NewestFirst();
                if (kept.Length > capacity) Array.Resize(ref kept, capacity);
                _ring = new Stamped[Math.Min(capacity, Math.Max(kept.Length, 16))];
                _capacity = capacity;
                _count = 0;
                _head = 0;
                for (var i = kept.Length - 1; i >= 0; i--) Append(kept[i]);
            }

            public void Clear()
            {
                _ring = new Stamped[Math.Min(_capacity, 16)];
                _head = 0;
                _count = 0;
            }

            public void Append(Stamped entry)
            {
                if (_capacity == 0) return;
                if (_count < _capacity && _count == _ring.Length)
                {
                    // Grow (doubling, capped at capacity); while growing the ring is never wrapped, so the order is simply 0.._count-1.
                    var grown = new Stamped[Math.Min(_capacity, Math.Max(16, _ring.Length * 2))];
                    Array.Copy(_ring, grown, _count);
                    _ring = grown;
                    _head = _count;
                }
                _ring[_head] = entry;
                _head = (_head + 1) % _ring.Length;
                if (_count < _ring.Length) _count++;
            }

            public Stamped[] NewestFirst()
            {
                var result = new Stamped[_count];
                var index = _head;
                for (var i = 0; i < result.Length; i++)
                {
                    index = (index - 1 + _ring.Length) % _ring.Length;
                    result[i] = _ring[index];
                }
                return result;
            }
        }
    }
}
