using System;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>awsJson1.1 body of ListUsers and its answer (list-users.model.json).</summary>
    internal static class ListUsersProtocol
    {
        public const string Target = "AWSCognitoIdentityProviderService.ListUsers";
        public const string SigningService = "cognito-idp";

        /// <summary>Members in the model's order: UserPoolId, AttributesToGet, Limit, PaginationToken, Filter.</summary>
        public static string SerializeToString(ListUsersRequest request)
        {
            var text = new StringBuilder(128);
            text.Append('{');
            Member(text, "UserPoolId", request.UserPoolId, first: true);
            if (request.AttributesToGet != null && request.AttributesToGet.Count > 0)
            {
                text.Append(",\"AttributesToGet\":[");
                for (var i = 0; i < request.AttributesToGet.Count; i++)
                {
                    if (i > 0) text.Append(',');
                    JsonWriter.WriteString(text, request.AttributesToGet[i]);
                }
                text.Append(']');
            }
            if (request.Limit.HasValue) text.Append(",\"Limit\":").Append(request.Limit.Value.ToString(CultureInfo.InvariantCulture));
            Member(text, "PaginationToken", request.PaginationToken, first: false);
            Member(text, "Filter", request.Filter, first: false);
            return text.Append('}').ToString();
        }

        public static byte[] Serialize(ListUsersRequest request) => JsonWriter.ToUtf8(SerializeToString(request));

        private static void Member(StringBuilder text, string name, string value, bool first)
        {
            if (value == null) return;
            if (!first) text.Append(',');
            JsonWriter.WriteString(text, name);
            text.Append(':');
            JsonWriter.WriteString(text, value);
        }

        /// <summary>A 2xx answer's page; throws a MalformedResponse error when the body is not a ListUsers answer.</summary>
        public static ListUsersResponse ParseSuccess(RawResponse raw)
        {
            var page = new ListUsersResponse { HttpStatusCode = raw.StatusCode, RequestId = raw.RequestId };
            JsonValue root;
            try
            {
                root = JsonReader.Parse(raw.Body);
            }
            catch (JsonFormatException ex)
            {
                throw Malformed(raw, "a body that is not valid JSON (" + ex.Message + ")", ex);
            }
            if (root.Kind != JsonKind.Object) throw Malformed(raw, "a JSON " + root.Kind.ToString().ToLowerInvariant() + " where an object was expected", null);

            var token = root.Get("PaginationToken");
            // An empty token ends the listing as an absent one does (the SDKs' paginators stop on either).
            page.PaginationToken = token != null && token.Kind == JsonKind.String && token.Text.Length > 0 ? token.Text : null;
            var users = root.Get("Users");
            if (users == null || users.Kind == JsonKind.Null) return page;
            if (users.Kind != JsonKind.Array) throw Malformed(raw, "Users that is not a list", null);
            foreach (var item in users.Items)
            {
                if (item.Kind != JsonKind.Object) throw Malformed(raw, "an item of Users that is not an object", null);
                page.Users.Add(ParseUser(item, raw));
            }
            return page;
        }

        private static UserType ParseUser(JsonValue item, RawResponse raw)
        {
            var user = new UserType
            {
                Username = item.GetText("Username"),
                UserStatus = item.GetText("UserStatus"),
                UserCreateDate = ParseTimestamp(item.Get("UserCreateDate"), raw),
                UserLastModifiedDate = ParseTimestamp(item.Get("UserLastModifiedDate"), raw),
            };
            var enabled = item.Get("Enabled");
            user.Enabled = enabled != null && enabled.Kind == JsonKind.Boolean && enabled.Boolean;
            var attributes = item.Get("Attributes");
            if (attributes != null && attributes.Kind == JsonKind.Array)
            {
                foreach (var attribute in attributes.Items)
                {
                    if (attribute.Kind != JsonKind.Object) continue;
                    user.Attributes.Add(new AttributeType { Name = attribute.GetText("Name"), Value = attribute.GetText("Value") });
                }
            }
            var mfa = item.Get("MFAOptions");
            if (mfa != null && mfa.Kind == JsonKind.Array)
            {
                foreach (var option in mfa.Items)
                {
                    if (option.Kind != JsonKind.Object) continue;
                    user.MFAOptions.Add(new MFAOptionType { DeliveryMedium = option.GetText("DeliveryMedium"), AttributeName = option.GetText("AttributeName") });
                }
            }
            return user;
        }

        private static readonly DateTime UnixEpoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>awsJson timestamps are epoch seconds (a number, often with a fraction); local time as AWS.Tools gives it.</summary>
        internal static DateTime ParseTimestamp(JsonValue value, RawResponse raw)
        {
            if (value == null || value.Kind == JsonKind.Null) return default(DateTime);
            if (value.Kind == JsonKind.Number
                && double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                && !double.IsNaN(seconds) && !double.IsInfinity(seconds) && Math.Abs(seconds) < 253402300799d)
            {
                return UnixEpoch.AddTicks((long)Math.Round(seconds * 1000d) * TimeSpan.TicksPerMillisecond).ToLocalTime();
            }
            if (value.Kind == JsonKind.String
                && DateTimeOffset.TryParse(value.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                return date.UtcDateTime.ToLocalTime();
            }
            throw Malformed(raw, "a timestamp that is neither epoch seconds nor a date", null);
        }

        private static readonly Regex XmlCode = new Regex(@"<Code>\s*(?<v>[^<]*?)\s*</Code>", RegexOptions.CultureInvariant);
        private static readonly Regex XmlMessage = new Regex(@"<Message>(?<v>[^<]*)</Message>", RegexOptions.CultureInvariant);

        /// <summary>
        /// An error answer. A signature or IAM refusal can come from a layer in front of the JSON service that answers
        /// in AWS's XML error form (&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code&gt;, as moto and AWS's front ends do); the
        /// code and message are read from it, anything else is parsed as awsJson.
        /// </summary>
        public static CognitoServiceException ParseError(RawResponse raw)
        {
            var text = raw.Body == null ? string.Empty : Encoding.UTF8.GetString(raw.Body, 0, Math.Min(raw.Body.Length, 65536)).TrimStart();
            if (text.StartsWith("<", StringComparison.Ordinal))
            {
                var code = XmlCode.Match(text);
                if (code.Success && code.Groups["v"].Value.Length > 0)
                {
                    var sanitized = CognitoErrors.SanitizeErrorCode(code.Groups["v"].Value);
                    var message = XmlMessage.Match(text);
                    var messageText = message.Success ? System.Net.WebUtility.HtmlDecode(message.Groups["v"].Value.Trim()) : $"{sanitized} (HTTP {raw.StatusCode}); the service gave no message.";
                    return new CognitoServiceException(sanitized, messageText, raw.StatusCode, raw.RequestId);
                }
            }
            return ResponseParser.ParseError(raw);
        }

        private static CognitoServiceException Malformed(RawResponse raw, string what, Exception inner)
            => new CognitoServiceException(CognitoErrors.MalformedResponse,
                $"Cognito answered ListUsers with HTTP {raw.StatusCode} and {what}: {ResponseParser.Excerpt(raw.Body)}", raw.StatusCode, raw.RequestId, inner);
    }
}
