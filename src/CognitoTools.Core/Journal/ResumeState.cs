using System;
using System.Collections.Generic;

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
    }

    /// <summary>The journal's verdict on one row.</summary>
    public sealed class ResumeDecision
    {
        public static readonly ResumeDecision SendNew = new ResumeDecision(ResumeReason.New, false, null);

        public ResumeDecision(ResumeReason reason, bool skip, JournalRecord previous)
        {
            Reason = reason;
            Skip = skip;
            Previous = previous;
        }

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
        /// Failures a resend cannot fix: the user does not exist, is already confirmed, or the app client or its
        /// secret is wrong. Everything else (throttling, limits, delivery, network, 5xx) is worth another try.
        /// </summary>
        public static bool IsPermanentFailure(string errorCode, string errorMessage)
        {
            switch (errorCode)
            {
                case "UserNotFoundException":
                case "NotAuthorizedException":
                case "ResourceNotFoundException":
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
    /// Usernames and client ids compare ordinally: the journal never merges users the service would not.
    /// </summary>
    internal sealed class ResumeState
    {
        private readonly string _endpoint;
        // No ValueTuple here: on .NET Framework before 4.7 it would need an assembly the module does not ship.
        private readonly Dictionary<PairKey, KeyState> _keys = new Dictionary<PairKey, KeyState>();
        // Intents not answered yet (keyed by batch and sequence), with the key they belong to.
        private readonly Dictionary<PairKey, OpenIntent> _open = new Dictionary<PairKey, OpenIntent>();
        private readonly Dictionary<string, string> _shared = new Dictionary<string, string>(StringComparer.Ordinal);

        public ResumeState(string endpoint)
        {
            _endpoint = endpoint ?? string.Empty;
        }

        public int KeyCount => _keys.Count;

        public void Apply(JournalRecord record)
        {
            if (record.Event == JournalEvent.Skipped) return;
            if (!string.Equals(record.Endpoint ?? string.Empty, _endpoint, StringComparison.Ordinal)) return;
            // Repeating values share one string, so a journal of 100,000 rows costs little more than its users.
            var batch = record.Batch = Share(record.Batch);
            record.Event = Share(record.Event);
            record.ClientId = Share(record.ClientId ?? string.Empty);
            record.Endpoint = _endpoint;
            record.ErrorCode = Share(record.ErrorCode);
            record.ErrorMessage = Share(record.ErrorMessage);
            // Not needed to decide or to explain a decision: dropped, so a kept line costs little more than its user.
            record.DeliveryMedium = null;
            record.AttributeName = null;
            record.Destination = null;
            var key = new PairKey(record.ClientId, record.Username ?? string.Empty);
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
            if (!_keys.TryGetValue(new PairKey(clientId ?? string.Empty, username ?? string.Empty), out var state)) return ResumeDecision.SendNew;
            if (state.Succeeded != null) return new ResumeDecision(ResumeReason.Succeeded, true, state.Succeeded);
            if (state.InDoubt != null) return new ResumeDecision(ResumeReason.InDoubt, options.SkipInDoubt, state.InDoubt);
            var last = state.Last;
            if (last == null) return ResumeDecision.SendNew;
            if (last.Event == JournalEvent.Failed && ResumeRules.IsPermanentFailure(last.ErrorCode, last.ErrorMessage))
                return new ResumeDecision(ResumeReason.PermanentFailure, !options.RetryPermanentFailures, last);
            return new ResumeDecision(ResumeReason.Retry, false, last);
        }

        private string Share(string value)
        {
            if (value == null) return null;
            if (_shared.TryGetValue(value, out var shared)) return shared;
            _shared[value] = value;
            return value;
        }

        private static PairKey IntentKey(string batch, long sequence) => new PairKey(batch, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>Two strings compared ordinally.</summary>
        private struct PairKey : IEquatable<PairKey>
        {
            public PairKey(string first, string second) { First = first; Second = second; }
            public readonly string First;
            public readonly string Second;
            public bool Equals(PairKey other) => string.Equals(First, other.First, StringComparison.Ordinal) && string.Equals(Second, other.Second, StringComparison.Ordinal);
            public override bool Equals(object obj) => obj is PairKey other && Equals(other);
            public override int GetHashCode() => ((First == null ? 0 : StringComparer.Ordinal.GetHashCode(First)) * 31) ^ (Second == null ? 0 : StringComparer.Ordinal.GetHashCode(Second));
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
}
