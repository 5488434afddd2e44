using System;
using System.Globalization;
using System.Text;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>A complete HTTP answer, reduced to what the parser needs (so it is testable without sockets).</summary>
    internal sealed class RawResponse
    {
        public int StatusCode { get; set; }
        public string ReasonPhrase { get; set; }
        public string ContentType { get; set; }
        public string RequestId { get; set; }
        /// <summary>X-Amzn-ErrorType as sent (unsanitised), or null.</summary>
        public string ErrorTypeHeader { get; set; }
        public byte[] Body { get; set; } = new byte[0];
        public long? ContentLength { get; set; }
    }

    /// <summary>Turns awsJson1.1 answers into a response or a CognitoServiceException.</summary>
    internal static class ResponseParser
    {
        public const int ExcerptLength = 200;

        /// <summary>A successful (2xx) answer's response, or a MalformedResponse error when the body is not a JSON object.</summary>
        public static ResendConfirmationCodeResponse ParseSuccess(RawResponse raw, string username, out CognitoServiceException error)
        {
            error = null;
            var response = new ResendConfirmationCodeResponse
            {
                HttpStatusCode = raw.StatusCode,
                ContentLength = raw.ContentLength ?? raw.Body.Length,
            };
            response.ResponseMetadata.RequestId = raw.RequestId;

            if (IsBlank(raw.Body)) return response;

            JsonValue root;
            try
            {
                root = JsonReader.Parse(raw.Body);
            }
            catch (JsonFormatException ex)
            {
                error = Malformed(raw, "a body that is not valid JSON (" + ex.Message + ")", ex);
                return null;
            }
            if (root.Kind == JsonKind.Null) return response;
            if (root.Kind != JsonKind.Object)
            {
                error = Malformed(raw, "a JSON " + root.Kind.ToString().ToLowerInvariant() + " where an object was expected", null);
                return null;
            }

            var details = root.Get("CodeDeliveryDetails");
            if (details != null && details.Kind == JsonKind.Object)
            {
                response.CodeDeliveryDetails = new CodeDeliveryDetailsType
                {
                    Username = username,
                    Destination = details.GetText("Destination"),
                    DeliveryMedium = details.GetText("DeliveryMedium"),
                    AttributeName = details.GetText("AttributeName"),
                };
            }
            return response;
        }

        /// <summary>
        /// An error answer. The code comes from the body's __type, then its code, then the X-Amzn-ErrorType header (the
        /// AWS JS SDK's awsJson order), sanitised; the message from message or Message.
        /// </summary>
        public static CognitoServiceException ParseError(RawResponse raw)
        {
            JsonValue root = null;
            JsonFormatException parseError = null;
            if (!IsBlank(raw.Body))
            {
                try { root = JsonReader.Parse(raw.Body); }
                catch (JsonFormatException ex) { parseError = ex; }
            }

            string rawCode = null;
            string message = null;
            if (root != null && root.Kind == JsonKind.Object)
            {
                rawCode = root.GetText("__type") ?? root.GetText("code", ignoreCase: true);
                message = root.GetText("message") ?? root.GetText("Message");
            }
            if (string.IsNullOrEmpty(rawCode)) rawCode = raw.ErrorTypeHeader;
            var code = CognitoErrors.SanitizeErrorCode(rawCode);
            if (string.IsNullOrEmpty(code)) code = null;

            if (parseError != null)
            {
                // The service (or something in front of it) answered an error with a body we cannot read: keep the
                // header's code if there is one, and show what came back.
                var describe = "a body that is not valid JSON (" + parseError.Message + ")";
                if (code == null) return Malformed(raw, describe, parseError);
                return new CognitoServiceException(code,
                    $"Cognito answered HTTP {StatusText(raw)} {code} with {describe}{ContentTypeNote(raw)}: {Excerpt(raw.Body)}",
                    raw.StatusCode, raw.RequestId, parseError);
            }

            if (code == null)
            {
                var text = message != null
                    ? message
                    : $"Cognito answered HTTP {StatusText(raw)} without an error code" + (IsBlank(raw.Body) ? " and with an empty body." : $": {Excerpt(raw.Body)}");
                return new CognitoServiceException(CognitoErrors.UnknownError, text, raw.StatusCode, raw.RequestId);
            }

            if (message == null) message = $"{code} (HTTP {StatusText(raw)}); the service gave no message.";
            return new CognitoServiceException(code, message, raw.StatusCode, raw.RequestId);
        }

        /// <summary>The answer's body stopped before its announced length (or the connection dropped while reading it).</summary>
        public static CognitoServiceException Truncated(RawResponse raw, Exception inner)
        {
            var announced = raw.ContentLength.HasValue ? " of " + raw.ContentLength.Value.ToString(CultureInfo.InvariantCulture) : string.Empty;
            return new CognitoServiceException(CognitoErrors.MalformedResponse,
                $"Cognito answered HTTP {StatusText(raw)} but the body was cut off after {raw.Body.Length}{announced} bytes{ContentTypeNote(raw)}: {Excerpt(raw.Body)}",
                raw.StatusCode, raw.RequestId, inner);
        }

        private static CognitoServiceException Malformed(RawResponse raw, string what, Exception inner)
        {
            return new CognitoServiceException(CognitoErrors.MalformedResponse,
                $"Cognito answered HTTP {StatusText(raw)} with {what}{ContentTypeNote(raw)}: {Excerpt(raw.Body)}",
                raw.StatusCode, raw.RequestId, inner);
        }

        private static string StatusText(RawResponse raw)
        {
            var reason = string.IsNullOrEmpty(raw.ReasonPhrase) ? null : raw.ReasonPhrase;
            return reason == null ? raw.StatusCode.ToString(CultureInfo.InvariantCulture) : raw.StatusCode.ToString(CultureInfo.InvariantCulture) + " (" + reason + ")";
        }

        private static string ContentTypeNote(RawResponse raw)
        {
            if (string.IsNullOrEmpty(raw.ContentType)) return string.Empty;
            return raw.ContentType.IndexOf("json", StringComparison.OrdinalIgnoreCase) >= 0 ? string.Empty : " (Content-Type " + raw.ContentType + ")";
        }

        /// <summary>At most 200 characters of the body, quoted, with control characters made visible.</summary>
        internal static string Excerpt(byte[] body)
        {
            if (body == null || body.Length == 0) return "(empty body)";
            // Decode a bounded prefix only: bodies can be large.
            var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, ExcerptLength * 4));
            var sb = new StringBuilder(ExcerptLength + 8);
            sb.Append('\'');
            var shown = 0;
            foreach (var c in text)
            {
                if (shown == ExcerptLength) break;
                sb.Append(c < 0x20 || c == 0x7F ? ' ' : c);
                shown++;
            }
            sb.Append('\'');
            if (text.Length > ExcerptLength || body.Length > ExcerptLength * 4) sb.Append("...");
            return sb.ToString();
        }

        private static bool IsBlank(byte[] body)
        {
            if (body == null) return true;
            foreach (var b in body)
            {
                if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n') return false;
            }
            return true;
        }

        internal static bool IsSuccess(int status) => status >= 200 && status <= 299;
    }
}
