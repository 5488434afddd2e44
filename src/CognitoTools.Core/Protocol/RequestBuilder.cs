using System;
using System.Collections.Generic;
using System.Security;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// One input row as the cmdlet bound it: plain values, null where not given. The nested members come from AWS's
    /// JSON request shape (AnalyticsMetadata.AnalyticsEndpointId, UserContextData.*); the flattened ones win.
    /// </summary>
    public sealed class RequestRow
    {
        public string Username { get; set; }
        public string ClientId { get; set; }
        public string SecretHash { get; set; }
        public string AnalyticsEndpointId { get; set; }
        public string NestedAnalyticsEndpointId { get; set; }
        public string UserContextDataEncodedData { get; set; }
        public string NestedUserContextDataEncodedData { get; set; }
        public string UserContextDataIpAddress { get; set; }
        public string NestedUserContextDataIpAddress { get; set; }
        public IDictionary<string, string> ClientMetadata { get; set; }
        /// <summary>The endpoint a history entry's call went to (its OriginalEndpoint), when the row is a resend; else null.</summary>
        public string OriginalEndpoint { get; set; }
    }

    /// <summary>A row refused before anything was sent, for a reason other than the request's own validation.</summary>
    public sealed class RequestRejectedException : Exception
    {
        /// <summary>A record had both a SecretHash and -ClientSecret.</summary>
        public const string SecretHashAndClientSecret = "SecretHashAndClientSecret";
        /// <summary>A history entry's call went to another endpoint than this command's.</summary>
        public const string EndpointMismatch = "EndpointMismatch";

        public RequestRejectedException(string errorId, string parameterName, string message) : base(message)
        {
            ErrorId = errorId;
            ParameterName = parameterName;
        }

        /// <summary>Stable PascalCase id: <see cref="SecretHashAndClientSecret"/> or <see cref="EndpointMismatch"/>.</summary>
        public string ErrorId { get; }
        /// <summary>The parameter whose value is refused.</summary>
        public string ParameterName { get; }
    }

    /// <summary>
    /// Turns bound rows into requests for one command: picks flattened over nested members, computes the SecretHash
    /// from the client secret (whose HMAC key is derived once, here, and cleared on Dispose), refuses a row that is a
    /// resend of a call to another endpoint (unless the change is allowed), and validates the request. Everything the
    /// cmdlet does per row except writing.
    /// </summary>
    public sealed class RequestBuilder : IDisposable
    {
        private readonly SecretHashKey _secretKey;
        private readonly Uri _endpoint;
        private readonly string _region;
        private readonly bool _allowEndpointChange;

        /// <param name="clientSecret">The app client's secret, or null when rows carry their own SecretHash (or none).</param>
        /// <param name="endpoint">Where this command sends.</param>
        /// <param name="region">This command's Region, named in errors.</param>
        /// <param name="allowEndpointChange">Send resends of another endpoint's calls here instead of refusing them.</param>
        public RequestBuilder(SecureString clientSecret, Uri endpoint, string region, bool allowEndpointChange)
        {
            _secretKey = clientSecret == null ? null : SecretHashKey.FromSecureString(clientSecret);
            _endpoint = endpoint;
            _region = region;
            _allowEndpointChange = allowEndpointChange;
        }

        /// <summary>
        /// The request for one row. Throws <see cref="RequestRejectedException"/> or <see cref="RequestValidationException"/>
        /// when the row must not be sent; nothing has been sent then.
        /// </summary>
        public ResendConfirmationCodeRequest Build(RequestRow row)
        {
            if (row == null) throw new ArgumentNullException(nameof(row));
            CheckEndpoint(row);
            var request = new ResendConfirmationCodeRequest
            {
                Username = row.Username,
                ClientId = row.ClientId,
                SecretHash = Strings.NullIfEmpty(row.SecretHash),
                AnalyticsEndpointId = Strings.NullIfEmpty(row.AnalyticsEndpointId) ?? Strings.NullIfEmpty(row.NestedAnalyticsEndpointId),
                UserContextDataEncodedData = Strings.NullIfEmpty(row.UserContextDataEncodedData) ?? Strings.NullIfEmpty(row.NestedUserContextDataEncodedData),
                UserContextDataIpAddress = Strings.NullIfEmpty(row.UserContextDataIpAddress) ?? Strings.NullIfEmpty(row.NestedUserContextDataIpAddress),
                ClientMetadata = row.ClientMetadata != null && row.ClientMetadata.Count > 0 ? row.ClientMetadata : null,
            };

            if (_secretKey != null)
            {
                if (request.SecretHash != null)
                {
                    throw new RequestRejectedException(RequestRejectedException.SecretHashAndClientSecret, "SecretHash",
                        $"User '{row.Username}' has a SecretHash and -ClientSecret was given; give one or the other. Nothing was sent for this user.");
                }
                // Validation below reports a missing username or client id by name; the hash needs both.
                if (request.Username != null && request.ClientId != null) request.SecretHash = _secretKey.Compute(request.Username, request.ClientId);
            }

            RequestValidator.Validate(request);
            return request;
        }

        private void CheckEndpoint(RequestRow row)
        {
            if (_allowEndpointChange || string.IsNullOrEmpty(row.OriginalEndpoint) || _endpoint == null) return;
            if (SameEndpoint(row.OriginalEndpoint, _endpoint)) return;
            var region = string.IsNullOrEmpty(_region) ? string.Empty : $" (Region {_region})";
            throw new RequestRejectedException(RequestRejectedException.EndpointMismatch, "OriginalEndpoint",
                $"User '{row.Username}': this record was sent to {row.OriginalEndpoint}, but this command sends to {_endpoint}{region}. "
                + "Nothing was sent for this user. Resend it where it went with -EndpointUrl or -Region, or add -AllowEndpointChange to send it here.");
        }

        /// <summary>Scheme, host (any case), port and path (a trailing slash aside) equal.</summary>
        internal static bool SameEndpoint(string recorded, Uri endpoint)
        {
            if (!Uri.TryCreate(recorded.Trim(), UriKind.Absolute, out var other)) return false;
            return string.Equals(other.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
                   && string.Equals(other.IdnHost, endpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
                   && other.Port == endpoint.Port
                   && string.Equals(other.AbsolutePath.TrimEnd('/'), endpoint.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);
        }

        /// <summary>Clears the secret's key.</summary>
        public void Dispose() => _secretKey?.Dispose();
    }
}
