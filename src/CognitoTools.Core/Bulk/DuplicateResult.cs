using System;
using System.Collections.Generic;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    /// <summary>
    /// A finished call's answer, kept for rows naming the same user later in the batch. Kept small, since up to
    /// <see cref="BulkSendOptions.DuplicateWindow"/> of them live at once: the response or exception itself (with its
    /// object headers, stack trace and unique strings) is not kept; its values are, with repeated strings shared
    /// through a <see cref="StringPool"/> and a GUID request id as 16 bytes. A later duplicate gets an equal copy.
    /// </summary>
    internal abstract class DuplicateResult
    {
        public abstract SendOutcomeKind Kind { get; }
        public abstract ResendConfirmationCodeResponse RebuildResponse();
        public abstract Exception RebuildError();

        public static DuplicateResult From(SendOutcome outcome, StringPool pool)
        {
            switch (outcome.Kind)
            {
                case SendOutcomeKind.Succeeded when outcome.Response != null:
                    return new Succeeded(outcome.Response, pool);
                case SendOutcomeKind.Failed when outcome.Error is CognitoServiceException service && service.GetType() == typeof(CognitoServiceException):
                    return new Failed(service, transport: false, pool);
                case SendOutcomeKind.Failed when outcome.Error is CognitoTransportException transport && transport.GetType() == typeof(CognitoTransportException):
                    return new Failed(transport, transport: true, pool);
                default:
                    // NotSent, and failures we cannot rebuild faithfully (rare): keep them as they are.
                    return new Kept(outcome);
            }
        }

        /// <summary>A request id is usually a lowercase GUID: 16 bytes instead of a 96-byte string.</summary>
        private struct CompactId
        {
            private Guid _guid;
            private string _text;

            public CompactId(string id)
            {
                _text = null;
                if (id != null && id.Length == 36 && Guid.TryParseExact(id, "D", out _guid) && string.Equals(_guid.ToString("D"), id, StringComparison.Ordinal)) return;
                _guid = Guid.Empty;
                _text = id;
            }

            public override string ToString() => _text ?? (_guid == Guid.Empty ? null : _guid.ToString("D"));
        }

        private sealed class Succeeded : DuplicateResult
        {
            private readonly CompactId _requestId;
            private readonly int _httpStatusCode;
            private readonly long _contentLength;
            private readonly int _attempts;
            private readonly TimeSpan _duration;
            private readonly bool _hasDetails;
            private readonly string _username;
            private readonly string _attributeName;
            private readonly string _deliveryMedium;
            private readonly string _destination;

            public Succeeded(ResendConfirmationCodeResponse response, StringPool pool)
            {
                _requestId = new CompactId(response.ResponseMetadata?.RequestId);
                _httpStatusCode = response.HttpStatusCode;
                _contentLength = response.ContentLength;
                _attempts = response.Attempts;
                _duration = response.Duration;
                var details = response.CodeDeliveryDetails;
                if (details == null) return;
                _hasDetails = true;
                _username = details.Username;
                _attributeName = pool.Share(details.AttributeName);
                _deliveryMedium = pool.Share(details.DeliveryMedium);
                // Masked destinations (j***@e***.com) repeat a lot across users.
                _destination = pool.Share(details.Destination);
            }

            public override SendOutcomeKind Kind => SendOutcomeKind.Succeeded;

            public override ResendConfirmationCodeResponse RebuildResponse() => new ResendConfirmationCodeResponse
            {
                CodeDeliveryDetails = _hasDetails
                    ? new CodeDeliveryDetailsType { Username = _username, AttributeName = _attributeName, DeliveryMedium = _deliveryMedium, Destination = _destination }
                    : null,
                ResponseMetadata = new ResponseMetadata { RequestId = _requestId.ToString() },
                HttpStatusCode = _httpStatusCode,
                ContentLength = _contentLength,
                Attempts = _attempts,
                Duration = _duration,
            };

            public override Exception RebuildError() => null;
        }

        private sealed class Failed : DuplicateResult
        {
            private readonly bool _transport;
            private readonly string _errorCode;
            private readonly string _message;
            private readonly int? _httpStatusCode;
            private readonly CompactId _requestId;
            private readonly int _attempts;

            public Failed(CognitoException error, bool transport, StringPool pool)
            {
                _transport = transport;
                _errorCode = pool.Share(error.ErrorCode);
                _message = pool.Share(error.Message);
                _httpStatusCode = error.HttpStatusCode;
                _requestId = new CompactId(error.RequestId);
                _attempts = error.Attempts;
            }

            public override SendOutcomeKind Kind => SendOutcomeKind.Failed;
            public override ResendConfirmationCodeResponse RebuildResponse() => null;

            public override Exception RebuildError()
            {
                CognitoException error = _transport
                    ? new CognitoTransportException(_errorCode, _message)
                    : new CognitoServiceException(_errorCode, _message, _httpStatusCode, _requestId.ToString());
                error.HttpStatusCode = _httpStatusCode;
                error.RequestId = _requestId.ToString();
                error.Attempts = _attempts;
                return error;
            }
        }

        private sealed class Kept : DuplicateResult
        {
            private readonly SendOutcomeKind _kind;
            private readonly ResendConfirmationCodeResponse _response;
            private readonly Exception _error;

            public Kept(SendOutcome outcome)
            {
                _kind = outcome.Kind;
                _response = outcome.Response;
                _error = outcome.Error;
            }

            public override SendOutcomeKind Kind => _kind;
            public override ResendConfirmationCodeResponse RebuildResponse() => _response;
            public override Exception RebuildError() => _error;
        }
    }

    /// <summary>
    /// Shares equal strings (like string.Intern, but bounded and collectable with its owner), so values that repeat
    /// across thousands of rows (client ids, delivery media, masked destinations, error messages) are held once.
    /// </summary>
    internal sealed class StringPool
    {
        private readonly Dictionary<string, string> _strings = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly int _capacity;

        public StringPool(int capacity = 4096)
        {
            _capacity = capacity;
        }

        public int Count => _strings.Count;

        public string Share(string value)
        {
            if (value == null) return null;
            if (_strings.TryGetValue(value, out var shared)) return shared;
            // Past capacity the values are evidently not repeating much: keep them as they are.
            if (_strings.Count < _capacity) _strings.Add(value, value);
            return value;
        }
    }
}
