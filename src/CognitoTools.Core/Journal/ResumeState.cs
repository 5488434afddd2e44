using System;
using System.Collections.Generic;
using CognitoTools.Protocol;

namespace CognitoTools.Journal
{
    /// <summary>How a rerun treats rows the journal already knows.</summary>
    public sealed class ResumeOptions
    {
        /// <summary>Send rows whose last answer was a permanent failure (see <see cref="ResumeRules.IsPermanentFailure"/>) again.</summary>
        public bool RetryPermanentFailures { get; set; }

        /// <summary>
        /// Do not resend rows in doubt (sent, no answer recorded: the batch was killed or stopped while waiting). Off by
        /// default: a user without a code is a silent failure nobody sees, while a second code is at worst a second
        /// message (and its code is the one that works). At most -ThrottleLimit rows can be in doubt.
        /// </summary>
        public bool SkipInDoubt { get; set; }

        /// <summary>
        /// Usernames compare case-insensitively (OrdinalIgnoreCase, the rule the batch uses to merge rows with
        /// -CaseInsensitiveUsernames), so "jane" settled in the journal settles "JANE" too.
        /// </summary>
        public bool CaseInsensitiveUsernames { get; set; }

        /// <summary>
        /// Lines written for another endpoint count as this endpoint's (a deliberate change of the URL, for example
        /// 127.0.0.1 to localhost). Off: a row the journal knows only on another endpoint is refused (<see cref="ResumeReason.OtherEndpoint"/>).
        /// </summary>
        public bool AllowEndpointChange { get; set; }
    }

    /// <summary>Why a row the journal knows is sent again or skipped.</summary>
    public enum ResumeReason
    {
        /// <summary>The journal has no line for this user, client and endpoint.</summary>
        New,
        /// <summary>Skipped: it succeeded in an earlier run.</summary>
        Succeeded,
        /// <summary>Skipped (unless RetryPermanentFailures): it failed in a way a resend cannot fix.</summary>
        PermanentFailure,
        /// <summary>Sent again (or skipped with SkipInDoubt): its request went out but no answer was recorded.</summary>
        InDoubt,
        /// <summary>Sent again: it failed transiently, or was not sent, in an earlier run.</summary>
        Retry,
        /// <summary>
        /// Not sent: the journal has lines for this user and client only on another endpoint (<see cref="ResumeDecision.OtherEndpoint"/>);
        /// sending could give a second code through another URL of the same service. AllowEndpointChange reads them as this endpoint's.
        /// </summary>
        OtherEndpoint,
    }

    /// <summary>The journal's verdict on one row.</summary>
    public sealed class ResumeDecision
    {
        public static readonly ResumeDecision SendNew = new ResumeDecision(ResumeReason.New, false, null);

        public ResumeDecision(ResumeReason reason, bool skip, JournalRecord previous, string endpoint = null)
        {
            Reason = reason;
            Skip = skip;
            Previous = previous;
            Endpoint = endpoint;
        }

        /// <summary>This batch's endpoint (set for <see cref="ResumeReason.OtherEndpoint"/>).</summary>
        public string Endpoint { get; }

        /// <summary>The endpoint the journal's line was written for (<see cref="ResumeReason.OtherEndpoint"/>).</summary>
        public string OtherEndpoint => Previous?.Endpoint;

        public ResumeReason Reason { get; }
        /// <summary>True: no request is made for the row.</summary>
        public bool Skip { get; }
        /// <summary>The journal line the decision rests on (its time, error code and message), or null.</summary>
        public JournalRecord Previous { get; }

        /// <summary>One sentence for verbose output and the journal's Skipped line.</summary>
        public string Describe()
        {
            var when = Previous == null ? string.Empty : " at " + Previous.Time.ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);
            switch (Reason)
            {
                case ResumeReason.Succeeded:
                    return $"was sent a code{when} (request {Previous?.RequestId ?? "unknown"}); not sent again.";
                case ResumeReason.PermanentFailure:
                    return Skip
                        ? $"failed{when} with {Previous?.ErrorCode}, which a resend cannot fix; not sent again (use -RetryPermanentFailures to send it anyway)."
                        : $"failed{when} with {Previous?.ErrorCode}; sent again because of -RetryPermanentFailures.";
                case ResumeReason.InDoubt:
                    return Skip
                        ? $"was in doubt: its request{when} may have reached Cognito but no answer was recorded; not sent again because of -SkipInDoubt."
                        : $"was in doubt: its request{when} may have reached Cognito but no answer was recorded; sent again.";
                case ResumeReason.OtherEndpoint:
                    return $"has a line ({Previous?.Event}{when}) for another endpoint, '{OtherEndpoint}', and none for this command's endpoint, '{Endpoint}'; not sent, " +
                           "because a request to the same service through another URL could give the user a second code. Add -AllowEndpointChange to read the journal's lines as this endpoint's, or give another -JournalPath.";
                case ResumeReason.Retry:
                    return $"{(Previous?.Event == JournalEvent.Failed ? "failed" + when + " with " + Previous.ErrorCode : "was not sent" + when)}; sent again.";
                default:
                    return "is not in the journal; sent.";
            }
        }
    }

    public static class ResumeRules
    {
        /// <summary>
        /// Failures a resend cannot fix: the user does not exist, is already confirmed, or the row's own SecretHash is
        /// wrong. Everything else (throttling, limits, delivery, network, 5xx) is worth another try, and so is a row
        /// that failed with a scope-wide cause (<see cref="StopClassifier"/>: a missing app client, a client secret the
        /// requests lacked): that is a setting of the pool or the command, fixed by the user before resuming.
        /// </summary>
        public static bool IsPermanentFailure(string errorCode, string errorMessage)
        {
            if (StopClassifier.Classify(errorCode, errorMessage).Reach == ErrorReach.Scope) return false;
            switch (errorCode)
            {
                case "UserNotFoundException":
                case "NotAuthorizedException":
                    return true;
                case "InvalidParameterException":
                    return errorMessage != null && errorMessage.IndexOf("already confirmed", StringComparison.OrdinalIgnoreCase) >= 0;
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// What the journal says about each (client id, username) of one endpoint, built line by line. A key's state is
    /// that of its latest batch (a rerun's answer replaces an earlier one), except that a success is final. Within a
    /// batch a row is in doubt when its Intent has no outcome line (a kill) or its outcome is InDoubt (a stop).
    /// Client ids compare ordinally, usernames ordinally unless <see cref="ResumeOptions.CaseInsensitiveUsernames"/>
    /// (the rule the batch merges rows by), so the journal never merges users the batch would not. Endpoints compare
    /// after <see cref="JournalEndpoint.Normalize"/>; lines for another endpoint are kept apart, so a row known only
    /// there is refused (or, with AllowEndpointChange, decided by them).
    /// </summary>
    internal sealed class ResumeState
    {
        private readonly string _endpoint;
        private readonly string _normalizedEndpoint;
        private readonly bool _allowEndpointChange;
        // No ValueTuple here: on .NET Framework before 4.7 it would need an assembly the module does not ship.
        private readonly Dictionary<PairKey, KeyState> _keys;
        // Keys seen only on other endpoints: the latest such line, to name the endpoint.
        private readonly Dictionary<PairKey, JournalRecord> _elsewhere;
        // Intents not answered yet (keyed by batch and sequence), with the key they belong to.
        private readonly Dictionary<PairKey, OpenIntent> _open = new Dictionary<PairKey, OpenIntent>(PairKeyComparer.Ordinal);
        private readonly Dictionary<string, string> _shared = new Dictionary<string, string>(StringComparer.Ordinal);

        public ResumeState(string endpoint, ResumeOptions options = null)
        {
            _endpoint = endpoint ?? string.Empty;
            _normalizedEndpoint = JournalEndpoint.Normalize(_endpoint);
            _allowEndpointChange = options?.AllowEndpointChange ?? false;
            var comparer = options?.CaseInsensitiveUsernames == true ? PairKeyComparer.IgnoreCaseSecond : PairKeyComparer.Ordinal;
            _keys = new Dictionary<PairKey, KeyState>(comparer);
            _elsewhere = new Dictionary<PairKey, JournalRecord>(comparer);
        }

        public int KeyCount => _keys.Count;

        /// <summary>Lines for other endpoints, by endpoint as written (for one warning when the journal is opened).</summary>
        public SortedDictionary<string, long> OtherEndpointLines { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

        public void Apply(JournalRecord record)
        {
            if (record.Event == JournalEvent.Skipped) return;
            var key = new PairKey(record.ClientId ?? string.Empty, record.Username ?? string.Empty);
            if (!IsThisEndpoint(record.Endpoint))
            {
                var other = record.Endpoint ?? string.Empty;
                OtherEndpointLines[other] = OtherEndpointLines.TryGetValue(other, out var count) ? count + 1 : 1;
                if (!_allowEndpointChange)
                {
                    // Kept only to refuse (and name the endpoint): never decides a row of this endpoint.
                    record.Endpoint = Share(other);
                    record.Batch = Share(record.Batch);
                    record.Event = Share(record.Event);
                    record.ClientId = Share(record.ClientId);
                    record.ErrorCode = null;
                    record.ErrorMessage = null;
                    record.DeliveryMedium = null;
                    record.AttributeName = null;
                    record.Destination = null;
                    _elsewhere[key] = record;
                    return;
                }
            }
            // Repeating values share one string, so a journal of 100,000 rows costs little more than its users.
            var batch = record.Batch = Share(record.Batch);
            record.Event = Share(record.Event);
            record.ClientId = Share(record.ClientId ?? string.Empty);
            record.Endpoint = Share(record.Endpoint ?? string.Empty);
            record.ErrorCode = Share(record.ErrorCode);
            record.ErrorMessage = Share(record.ErrorMessage);
            // Not needed to decide or to explain a decision: dropped, so a kept line costs little more than its user.
            record.DeliveryMedium = null;
            record.AttributeName = null;
            record.Destination = null;
            if (!_keys.TryGetValue(key, out var state))
            {
                state = new KeyState();
                _keys[key] = state;
            }
            if (!ReferenceEquals(state.Batch, batch))
            {
                state.Batch = batch;
                state.InDoubt = null;
                state.Last = null;
            }

            switch (record.Event)
            {
                case JournalEvent.Intent:
                    _open[IntentKey(batch, record.Sequence)] = new OpenIntent { State = state, Intent = record };
                    return;
                case JournalEvent.Succeeded:
                    state.Succeeded = record;
                    break;
                case JournalEvent.InDoubt:
                    state.InDoubt = record;
                    break;
            }
            _open.Remove(IntentKey(batch, record.Sequence));
            state.Last = record;
        }

        /// <summary>After the last line: Intents without an outcome in their key's latest batch are in doubt.</summary>
        public void Complete()
        {
            foreach (var open in _open)
            {
                var state = open.Value.State;
                if (ReferenceEquals(state.Batch, open.Key.First) && state.InDoubt == null) state.InDoubt = open.Value.Intent;
            }
            _open.Clear();
        }

        public ResumeDecision Decide(string clientId, string username, ResumeOptions options)
        {
            var key = new PairKey(clientId ?? string.Empty, username ?? string.Empty);
            if (!_keys.TryGetValue(key, out var state))
            {
                return _elsewhere.TryGetValue(key, out var other)
                    ? new ResumeDecision(ResumeReason.OtherEndpoint, true, other, _endpoint)
                    : ResumeDecision.SendNew;
            }
            if (state.Succeeded != null) return new ResumeDecision(ResumeReason.Succeeded, true, state.Succeeded);
            if (state.InDoubt != null) return new ResumeDecision(ResumeReason.InDoubt, options.SkipInDoubt, state.InDoubt);
            var last = state.Last;
            if (last == null) return ResumeDecision.SendNew;
            if (last.Event == JournalEvent.Failed && ResumeRules.IsPermanentFailure(last.ErrorCode, last.ErrorMessage))
                return new ResumeDecision(ResumeReason.PermanentFailure, !options.RetryPermanentFailures, last);
            return new ResumeDecision(ResumeReason.Retry, false, last);
        }

        // Lines repeat one endpoint string: normalise each distinct string once.
        private readonly Dictionary<string, bool> _endpointVerdicts = new Dictionary<string, bool>(StringComparer.Ordinal);

        private bool IsThisEndpoint(string endpoint)
        {
            endpoint = endpoint ?? string.Empty;
            if (_endpointVerdicts.TryGetValue(endpoint, out var same)) return same;
            same = JournalEndpoint.Same(endpoint, _normalizedEndpoint);
            if (_endpointVerdicts.Count < 64) _endpointVerdicts[endpoint] = same;
            return same;
        }

        private string Share(string value)
        {
            if (value == null) return null;
            if (_shared.TryGetValue(value, out var shared)) return shared;
            _shared[value] = value;
            return value;
        }

        private static PairKey IntentKey(string batch, long sequence) => new PairKey(batch, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>Two strings.</summary>
        private struct PairKey
        {
            public PairKey(string first, string second) { First = first; Second = second; }
            public readonly string First;
            public readonly string Second;
        }

        /// <summary>First always ordinal (client id, batch); Second (username) ordinal or OrdinalIgnoreCase.</summary>
        private sealed class PairKeyComparer : IEqualityComparer<PairKey>
        {
            public static readonly PairKeyComparer Ordinal = new PairKeyComparer(StringComparer.Ordinal);
            public static readonly PairKeyComparer IgnoreCaseSecond = new PairKeyComparer(StringComparer.OrdinalIgnoreCase);
            private readonly StringComparer _second;

            private PairKeyComparer(StringComparer second) { _second = second; }

            public bool Equals(PairKey x, PairKey y) => string.Equals(x.First, y.First, StringComparison.Ordinal) && _second.Equals(x.Second, y.Second);

            public int GetHashCode(PairKey key)
                => ((key.First == null ? 0 : StringComparer.Ordinal.GetHashCode(key.First)) * 31) ^ (key.Second == null ? 0 : _second.GetHashCode(key.Second));
        }

        private sealed class OpenIntent
        {
            public KeyState State;
            public JournalRecord Intent;
        }

        private sealed class KeyState
        {
            public string Batch;
            public JournalRecord Last;
            public JournalRecord InDoubt;
            public JournalRecord Succeeded;
        }
    }

    /// <summary>Which endpoint strings are the same endpoint for the journal.</summary>
    public static class JournalEndpoint
    {
        /// <summary>
        /// Scheme and host in lower case, the default port dropped, the path without its trailing slash (and no query or
        /// fragment): "HTTP://LocalHost:80/" and "http://localhost" are one endpoint. A host's other names (127.0.0.1
        /// and localhost) are not: which server a name reaches cannot be known from the string.
        /// </summary>
        public static string Normalize(string endpoint)
        {
            if (string.IsNullOrWhiteSpace(endpoint)) return string.Empty;
            var text = endpoint.Trim();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return text;
            var port = uri.IsDefaultPort ? string.Empty : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return uri.Scheme.ToLowerInvariant() + "://" + uri.Host.ToLowerInvariant() + port + uri.AbsolutePath.TrimEnd('/');
        }

        internal static bool Same(string endpoint, string normalized) => string.Equals(Normalize(endpoint), normalized, StringComparison.Ordinal);
    }
}
