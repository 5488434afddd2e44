using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// Spots rows of one batch that are the same request as a row already seen (same endpoint, app client, username,
    /// SecretHash and every optional member), so that request is sent once and every row still gets an answer. Rows
    /// that differ in anything the service sees are different requests and are sent separately. Pipeline thread only.
    /// <para>
    /// Memory is what matters here, since up to <see cref="BulkSendOptions.DuplicateWindow"/> keys live at once: a key
    /// is a 128-bit hash of the request (not the username, never the SecretHash itself), and an answered key keeps a
    /// 40-byte <see cref="DuplicateAnswer"/> whose repeating parts (delivery details, error code and message) are shared
    /// between keys. About 90 bytes per key.
    /// </para>
    /// </summary>
    internal sealed class DuplicateMap<TRow> where TRow : class
    {
        private readonly int _window;
        private readonly RequestKey.Hasher _hasher;
        private readonly Dictionary<RequestKey, PendingKey> _inFlight = new Dictionary<RequestKey, PendingKey>();
        private readonly Dictionary<RequestKey, DuplicateAnswer> _answered = new Dictionary<RequestKey, DuplicateAnswer>();
        // Keys in the order first seen, to forget the oldest beyond the window.
        private readonly Queue<RequestKey> _order = new Queue<RequestKey>();
        private readonly AnswerShapes _shapes = new AnswerShapes();

        /// <param name="endpoint">The endpoint every request of this batch goes to (part of every key).</param>
        public DuplicateMap(int window, bool caseSensitiveUsernames, string endpoint = null)
        {
            _window = window;
            _hasher = new RequestKey.Hasher(endpoint, caseSensitiveUsernames);
        }

        public int Count => _inFlight.Count + _answered.Count;

        /// <summary>Rows waiting for an answer that is still in flight.</summary>
        public long WaitingRows { get; private set; }

        /// <summary>
        /// Looks the request up. Returns false for a request not seen yet (or one without a username or client id).
        /// Otherwise either <paramref name="pending"/> is set (the first row is still in flight) or
        /// <paramref name="answer"/> holds the first row's answer.
        /// </summary>
        public bool TryFind(ResendConfirmationCodeRequest request, out RequestKey key, out PendingKey pending, out DuplicateAnswer answer)
        {
            pending = null;
            answer = default(DuplicateAnswer);
            key = default(RequestKey);
            if (request?.Username == null || request.ClientId == null) return false;
            key = _hasher.Of(request);
            return _inFlight.TryGetValue(key, out pending) || _answered.TryGetValue(key, out answer);
        }

        /// <summary>A row repeating a request whose first row is in flight: it gets that row's answer when it comes.</summary>
        public void Follow(PendingKey pending, TRow row)
        {
            (pending.Followers ?? (pending.Followers = new List<TRow>())).Add(row);
            WaitingRows++;
        }

        /// <summary>The first row of a request is about to be sent.</summary>
        public PendingKey Start(RequestKey key)
        {
            var pending = new PendingKey(key);
            _inFlight[key] = pending;
            _order.Enqueue(key);
            while (Count > _window && _order.Count > 0)
            {
                var oldest = _order.Dequeue();
                // A key in flight that is forgotten still serves the rows already waiting for it (they hold its entry).
                if (!_answered.Remove(oldest) && _inFlight.TryGetValue(oldest, out var forgotten))
                {
                    _inFlight.Remove(oldest);
                    forgotten.Forgotten = true;
                }
            }
            return pending;
        }

        /// <summary>
        /// The first row's outcome: remembered for later rows (unless it failed validation: nothing was sent, so a later
        /// row is checked on its own), and returned to the rows that waited for it.
        /// </summary>
        public List<TRow> Finish(PendingKey pending, SendOutcome outcome)
        {
            if (!pending.Forgotten)
            {
                _inFlight.Remove(pending.Key);
                // The key stays in the order queue after a validation failure; if the request comes back, that stale
                // entry may forget it early, which costs at most a second send beyond the window, never a lost row.
                if (!(outcome.Error is RequestValidationException)) _answered[pending.Key] = DuplicateAnswer.From(outcome, _shapes);
            }
            var followers = pending.Followers;
            pending.Followers = null;
            if (followers != null) WaitingRows -= followers.Count;
            return followers;
        }

        internal sealed class PendingKey
        {
            public PendingKey(RequestKey key) { Key = key; }
            public readonly RequestKey Key;
            public List<TRow> Followers;
            public bool Forgotten;
        }
    }

    /// <summary>
    /// A whole request (endpoint, client id, username, SecretHash, analytics endpoint id, user context data and client
    /// metadata) as a 128-bit hash: two lanes, each a chain of bijective mixing steps over an unambiguous encoding of the
    /// members (a tag and the length before each present member, so no two different requests feed the same sequence).
    /// Different requests meet with odds of about 2^-128.
    /// <para>
    /// The lanes start from a random per-batch seed, so a key is no stable fingerprint of a SecretHash: it cannot be
    /// compared across batches or processes, and the SecretHash itself is never kept. Usernames are upper-cased first
    /// only when compared case-insensitively (the same rule as OrdinalIgnoreCase, for case-insensitive user pools).
    /// </para>
    /// </summary>
    internal readonly struct RequestKey : IEquatable<RequestKey>
    {
        private readonly ulong _high;
        private readonly ulong _low;

        private RequestKey(ulong high, ulong low)
        {
            _high = high;
            _low = low;
        }

        // Member tags: each present member is introduced by its own tag, an absent one by nothing.
        private const char ClientIdTag = '\u0001';
        private const char UsernameTag = '\u0002';
        private const char SecretHashTag = '\u0003';
        private const char AnalyticsTag = '\u0004';
        private const char EncodedDataTag = '\u0005';
        private const char IpAddressTag = '\u0006';
        private const char MetadataKeyTag = '\u0007';
        private const char MetadataValueTag = '\u0008';

        /// <summary>Hashes requests of one batch: its endpoint and random seed are mixed in once, up front.</summary>
        internal sealed class Hasher
        {
            private readonly ulong _seedHigh;
            private readonly ulong _seedLow;
            private readonly bool _caseSensitiveUsernames;

            public Hasher(string endpoint, bool caseSensitiveUsernames, ulong? seed = null)
            {
                _caseSensitiveUsernames = caseSensitiveUsernames;
                var random = seed ?? RandomSeed();
                var high = Mix(0x9E3779B97F4A7C15UL ^ random);
                var low = Mix(0xC2B2AE3D27D4EB4FUL + random);
                Member(ref high, ref low, '\u0000', endpoint ?? string.Empty, false);
                _seedHigh = high;
                _seedLow = low;
            }

            public RequestKey Of(ResendConfirmationCodeRequest request)
            {
                var high = _seedHigh;
                var low = _seedLow;
                Member(ref high, ref low, ClientIdTag, request.ClientId, false);
                Member(ref high, ref low, UsernameTag, request.Username, !_caseSensitiveUsernames);
                Member(ref high, ref low, SecretHashTag, request.SecretHash, false);
                Member(ref high, ref low, AnalyticsTag, request.AnalyticsEndpointId, false);
                Member(ref high, ref low, EncodedDataTag, request.UserContextDataEncodedData, false);
                Member(ref high, ref low, IpAddressTag, request.UserContextDataIpAddress, false);
                var metadata = request.ClientMetadata;
                if (metadata != null && metadata.Count > 0)
                {
                    // The service sees a JSON map: the order of its entries does not make another request.
                    var keys = new string[metadata.Count];
                    metadata.Keys.CopyTo(keys, 0);
                    Array.Sort(keys, StringComparer.Ordinal);
                    foreach (var name in keys)
                    {
                        Member(ref high, ref low, MetadataKeyTag, name, false);
                        Member(ref high, ref low, MetadataValueTag, metadata[name] ?? string.Empty, false);
                    }
                }
                return new RequestKey(high, low);
            }

            private static ulong RandomSeed()
            {
                var bytes = new byte[8];
                using (var random = RandomNumberGenerator.Create()) random.GetBytes(bytes);
                return BitConverter.ToUInt64(bytes, 0);
            }
        }

        /// <summary>Test hook: the key of one request under a fixed seed and no endpoint.</summary>
        internal static RequestKey Of(ResendConfirmationCodeRequest request, bool caseSensitiveUsernames, string endpoint = null)
            => new Hasher(endpoint, caseSensitiveUsernames, seed: 0).Of(request);

        private static void Member(ref ulong high, ref ulong low, char tag, string value, bool upperCase)
        {
            if (value == null) return;
            Step(ref high, ref low, tag);
            Step(ref high, ref low, (char)(value.Length & 0xFFFF));
            Step(ref high, ref low, (char)(value.Length >> 16));
            foreach (var c in value) Step(ref high, ref low, upperCase ? char.ToUpperInvariant(c) : c);
        }

        private static void Step(ref ulong high, ref ulong low, char c)
        {
            high = Mix(high ^ c);
            low = Mix(low ^ ((ulong)c << 17));
        }

        // MurmurHash3's 64-bit finalizer: a bijection with full avalanche.
        private static ulong Mix(ulong x)
        {
            x ^= x >> 33;
            x *= 0xFF51AFD7ED558CCDUL;
            x ^= x >> 33;
            x *= 0xC4CEB9FE1A85EC53UL;
            x ^= x >> 33;
            return x;
        }

        public bool Equals(RequestKey other) => _high == other._high && _low == other._low;
        public override bool Equals(object obj) => obj is RequestKey other && Equals(other);
        public override int GetHashCode() => unchecked((int)_low ^ (int)(_high >> 32));
    }

    /// <summary>
    /// A finished call's answer, kept for later rows naming the same user: the parts that repeat across users (delivery
    /// details, error code and message, status, attempts) as a shared shape, the request id (usually a GUID) and the
    /// duration inline. A later row gets an equal copy naming its own username; the original response or exception
    /// (with its stack trace and unique strings) is not kept.
    /// </summary>
    internal readonly struct DuplicateAnswer
    {
        // A SuccessShape, a FailureShape, or, for what cannot be rebuilt faithfully (NotSent, unusual failures), the outcome itself.
        private readonly object _shape;
        private readonly Guid _requestGuid;
        private readonly string _requestIdText;
        private readonly long _durationTicks;

        private DuplicateAnswer(object shape, string requestId, TimeSpan duration)
        {
            _shape = shape;
            _durationTicks = duration.Ticks;
            _requestIdText = null;
            if (requestId != null && requestId.Length == 36 && Guid.TryParseExact(requestId, "D", out _requestGuid)
                && string.Equals(_requestGuid.ToString("D"), requestId, StringComparison.Ordinal))
            {
                return;
            }
            _requestGuid = Guid.Empty;
            _requestIdText = requestId;
        }

        private string RequestId => _requestIdText ?? (_requestGuid == Guid.Empty ? null : _requestGuid.ToString("D"));

        public static DuplicateAnswer From(SendOutcome outcome, AnswerShapes shapes)
        {
            switch (outcome.Kind)
            {
                case SendOutcomeKind.Succeeded when outcome.Response != null:
                    var response = outcome.Response;
                    return new DuplicateAnswer(shapes.Share(new SuccessShape(response)), response.ResponseMetadata?.RequestId, response.Duration);
                case SendOutcomeKind.Failed when outcome.Error is CognitoException error && IsPlain(error):
                    return new DuplicateAnswer(shapes.Share(new FailureShape(error)), error.RequestId, TimeSpan.Zero);
                default:
                    return new DuplicateAnswer(outcome, null, TimeSpan.Zero);
            }
        }

        private static bool IsPlain(CognitoException error)
            => error.GetType() == typeof(CognitoServiceException) || error.GetType() == typeof(CognitoTransportException);

        /// <summary>The answer for a later row naming the same user.</summary>
        public SendOutcome OutcomeFor(long sequence, ResendConfirmationCodeRequest request, object tag)
        {
            var outcome = new SendOutcome { Sequence = sequence, Request = request, Tag = tag, IsDuplicate = true };
            switch (_shape)
            {
                case SuccessShape success:
                    outcome.Kind = SendOutcomeKind.Succeeded;
                    outcome.Response = success.Rebuild(request.Username, RequestId, new TimeSpan(_durationTicks));
                    break;
                case FailureShape failure:
                    outcome.Kind = SendOutcomeKind.Failed;
                    outcome.Error = failure.Rebuild(RequestId);
                    break;
                default:
                    var kept = (SendOutcome)_shape;
                    outcome.Kind = kept.Kind;
                    outcome.Response = kept.Response;
                    outcome.Error = kept.Error;
                    break;
            }
            return outcome;
        }
    }

    /// <summary>Shares equal answer shapes between keys (bounded: past the cap, shapes are evidently not repeating).</summary>
    internal sealed class AnswerShapes
    {
        private readonly Dictionary<object, object> _shapes = new Dictionary<object, object>();
        private readonly int _capacity;

        public AnswerShapes(int capacity = 4096)
        {
            _capacity = capacity;
        }

        public int Count => _shapes.Count;

        public T Share<T>(T shape) where T : class
        {
            if (_shapes.TryGetValue(shape, out var shared)) return (T)shared;
            if (_shapes.Count < _capacity) _shapes.Add(shape, shape);
            return shape;
        }
    }

    internal sealed class SuccessShape : IEquatable<SuccessShape>
    {
        private readonly bool _hasDetails;
        private readonly string _attributeName;
        private readonly string _deliveryMedium;
        private readonly string _destination;
        private readonly int _httpStatusCode;
        private readonly long _contentLength;
        private readonly int _attempts;

        public SuccessShape(ResendConfirmationCodeResponse response)
        {
            _httpStatusCode = response.HttpStatusCode;
            _contentLength = response.ContentLength;
            _attempts = response.Attempts;
            var details = response.CodeDeliveryDetails;
            if (details == null) return;
            _hasDetails = true;
            _attributeName = details.AttributeName;
            _deliveryMedium = details.DeliveryMedium;
            _destination = details.Destination;
        }

        public ResendConfirmationCodeResponse Rebuild(string username, string requestId, TimeSpan duration) => new ResendConfirmationCodeResponse
        {
            // The row's own spelling of the username, so each output object joins back to its own row.
            CodeDeliveryDetails = _hasDetails
                ? new CodeDeliveryDetailsType { Username = username, AttributeName = _attributeName, DeliveryMedium = _deliveryMedium, Destination = _destination }
                : null,
            ResponseMetadata = new ResponseMetadata { RequestId = requestId },
            HttpStatusCode = _httpStatusCode,
            ContentLength = _contentLength,
            Attempts = _attempts,
            Duration = duration,
        };

        public bool Equals(SuccessShape other)
            => other != null && _hasDetails == other._hasDetails && _httpStatusCode == other._httpStatusCode && _contentLength == other._contentLength
               && _attempts == other._attempts && string.Equals(_attributeName, other._attributeName, StringComparison.Ordinal)
               && string.Equals(_deliveryMedium, other._deliveryMedium, StringComparison.Ordinal)
               && string.Equals(_destination, other._destination, StringComparison.Ordinal);

        public override bool Equals(object obj) => Equals(obj as SuccessShape);

        public override int GetHashCode()
            => unchecked(((StringComparer.Ordinal.GetHashCode(_destination ?? string.Empty) * 31 + StringComparer.Ordinal.GetHashCode(_deliveryMedium ?? string.Empty)) * 31
                          + StringComparer.Ordinal.GetHashCode(_attributeName ?? string.Empty)) * 31 + _attempts);
    }

    internal sealed class FailureShape : IEquatable<FailureShape>
    {
        private readonly bool _transport;
        private readonly string _errorCode;
        private readonly string _message;
        private readonly int? _httpStatusCode;
        private readonly int _attempts;

        public FailureShape(CognitoException error)
        {
            _transport = error is CognitoTransportException;
            _errorCode = error.ErrorCode;
            _message = error.Message;
            _httpStatusCode = error.HttpStatusCode;
            _attempts = error.Attempts;
        }

        public Exception Rebuild(string requestId)
        {
            CognitoException error = _transport
                ? new CognitoTransportException(_errorCode, _message)
                : new CognitoServiceException(_errorCode, _message, _httpStatusCode, requestId);
            error.HttpStatusCode = _httpStatusCode;
            error.RequestId = requestId;
            error.Attempts = _attempts;
            return error;
        }

        public bool Equals(FailureShape other)
            => other != null && _transport == other._transport && _httpStatusCode == other._httpStatusCode && _attempts == other._attempts
               && string.Equals(_errorCode, other._errorCode, StringComparison.Ordinal) && string.Equals(_message, other._message, StringComparison.Ordinal);

        public override bool Equals(object obj) => Equals(obj as FailureShape);

        public override int GetHashCode()
            => unchecked((StringComparer.Ordinal.GetHashCode(_errorCode ?? string.Empty) * 31 + StringComparer.Ordinal.GetHashCode(_message ?? string.Empty)) * 31 + _attempts);
    }
}
