using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CognitoTools.TestEndpoint
{
    /// <summary>The members of a ResendConfirmationCode request as the fake read them from the JSON body.</summary>
    public sealed class ResendRequestData
    {
        public string ClientId { get; internal set; }
        public string Username { get; internal set; }
        public string SecretHash { get; internal set; }
        public string AnalyticsEndpointId { get; internal set; }
        public string UserContextIpAddress { get; internal set; }
        public string UserContextEncodedData { get; internal set; }
        /// <summary>Null when the request had no ClientMetadata.</summary>
        public IReadOnlyDictionary<string, string> ClientMetadata { get; internal set; }
    }

    /// <summary>Reads the awsJson1.1 body and checks it against the service model's constraints, as Cognito does.</summary>
    internal static class ResendRequestParser
    {
        private const int MaxStringLength = 131072;
        internal const string ClientIdPattern = @"[\w+]+";
        internal const string UsernamePattern = @"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";
        internal const string SecretHashPattern = @"[\w+=/]+";

        // Java's \w (the service's regex dialect) is ASCII only; .NET's is Unicode, so spell it out.
        private static readonly Regex ClientIdRegex = new Regex(@"^[A-Za-z0-9_+]+\z", RegexOptions.CultureInvariant | RegexOptions.Compiled);
        private static readonly Regex SecretHashRegex = new Regex(@"^[A-Za-z0-9_+=/]+\z", RegexOptions.CultureInvariant | RegexOptions.Compiled);

        /// <summary>Parses the body; on malformed JSON returns null and sets <paramref name="serializationError"/>.</summary>
        public static ResendRequestData Parse(byte[] body, out string serializationError)
        {
            serializationError = null;
            var data = new ResendRequestData();
            if (body == null || body.Length == 0) return data; // Cognito treats an empty body as {}: validation then names the missing members.
            try
            {
                var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    serializationError = reader.TokenType == JsonTokenType.StartArray
                        ? "Start of list found where not expected"
                        : "Unexpected content in request body; expected a JSON object.";
                    return null;
                }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString();
                    reader.Read();
                    switch (name)
                    {
                        case "ClientId": data.ClientId = ReadString(ref reader, name); break;
                        case "Username": data.Username = ReadString(ref reader, name); break;
                        case "SecretHash": data.SecretHash = ReadString(ref reader, name); break;
                        case "ClientMetadata": data.ClientMetadata = ReadStringMap(ref reader); break;
                        case "AnalyticsMetadata":
                            ReadStructure(ref reader, (string member, ref Utf8JsonReader r) =>
                            {
                                if (member == "AnalyticsEndpointId") data.AnalyticsEndpointId = ReadString(ref r, member); else r.Skip();
                            });
                            break;
                        case "UserContextData":
                            ReadStructure(ref reader, (string member, ref Utf8JsonReader r) =>
                            {
                                if (member == "IpAddress") data.UserContextIpAddress = ReadString(ref r, member);
                                else if (member == "EncodedData") data.UserContextEncodedData = ReadString(ref r, member);
                                else r.Skip();
                            });
                            break;
                        default: reader.Skip(); break; // unknown members are ignored, as the service does
                    }
                }
                if (reader.TokenType != JsonTokenType.EndObject) { serializationError = "Unexpected end of request body."; return null; }
                return data;
            }
            catch (JsonException ex)
            {
                serializationError = ex.Message;
                return null;
            }
            catch (InvalidOperationException ex)
            {
                serializationError = ex.Message;
                return null;
            }
        }

        private delegate void MemberReader(string member, ref Utf8JsonReader reader);

        private static void ReadStructure(ref Utf8JsonReader reader, MemberReader readMember)
        {
            if (reader.TokenType == JsonTokenType.Null) return;
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("Expected a structure.");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var member = reader.GetString();
                reader.Read();
                readMember(member, ref reader);
            }
        }

        private static string ReadString(ref Utf8JsonReader reader, string member)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.String) throw new JsonException("NUMBER_VALUE can not be converted to a String for member " + member + ".");
            return reader.GetString();
        }

        private static IReadOnlyDictionary<string, string> ReadStringMap(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("Expected a map.");
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = reader.GetString();
                reader.Read();
                map[key] = ReadString(ref reader, "ClientMetadata");
            }
            return map;
        }

        /// <summary>
        /// The service's validation message, e.g. "1 validation error detected: Value at 'username' failed to satisfy
        /// constraint: Member must satisfy regular expression pattern: [...]+", or null when the request is valid.
        /// Values of sensitive members (ClientId, Username, SecretHash) are not echoed, as Cognito does.
        /// </summary>
        public static string Validate(ResendRequestData data)
        {
            var errors = new List<string>(2);
            CheckSensitive(errors, "clientId", data.ClientId, required: true, ClientIdRegex, ClientIdPattern);
            CheckSensitive(errors, "secretHash", data.SecretHash, required: false, SecretHashRegex, SecretHashPattern);
            CheckSensitive(errors, "username", data.Username, required: true, null, UsernamePattern);
            CheckLength(errors, "analyticsMetadata.analyticsEndpointId", data.AnalyticsEndpointId);
            CheckLength(errors, "userContextData.ipAddress", data.UserContextIpAddress);
            CheckLength(errors, "userContextData.encodedData", data.UserContextEncodedData);
            if (data.ClientMetadata != null)
            {
                foreach (var pair in data.ClientMetadata)
                {
                    CheckLength(errors, "clientMetadata", pair.Key);
                    CheckLength(errors, "clientMetadata", pair.Value);
                }
            }
            if (errors.Count == 0) return null;
            return errors.Count + (errors.Count == 1 ? " validation error detected: " : " validation errors detected: ") + string.Join("; ", errors);
        }

        private static void CheckSensitive(List<string> errors, string member, string value, bool required, Regex regex, string pattern)
        {
            if (value == null)
            {
                if (required) errors.Add("Value null at '" + member + "' failed to satisfy constraint: Member must not be null");
                return;
            }
            if (value.Length < 1) errors.Add("Value at '" + member + "' failed to satisfy constraint: Member must have length greater than or equal to 1");
            if (value.Length > 128) errors.Add("Value at '" + member + "' failed to satisfy constraint: Member must have length less than or equal to 128");
            var matches = regex != null ? regex.IsMatch(value) : IsUsernameText(value);
            if (!matches) errors.Add("Value at '" + member + "' failed to satisfy constraint: Member must satisfy regular expression pattern: " + pattern);
        }

        /// <summary>
        /// [\p{L}\p{M}\p{S}\p{N}\p{P}]+ evaluated per code point as Java does: a .NET Regex sees the two halves of
        /// a surrogate pair (e.g. an emoji, category So) as Cs and would wrongly refuse them.
        /// </summary>
        private static bool IsUsernameText(string value)
        {
            if (value.Length == 0) return false;
            for (var i = 0; i < value.Length;)
            {
                if (!System.Text.Rune.TryGetRuneAt(value, i, out var rune)) return false;
                switch (System.Text.Rune.GetUnicodeCategory(rune))
                {
                    case System.Globalization.UnicodeCategory.Control:
                    case System.Globalization.UnicodeCategory.Format:
                    case System.Globalization.UnicodeCategory.Surrogate:
                    case System.Globalization.UnicodeCategory.PrivateUse:
                    case System.Globalization.UnicodeCategory.OtherNotAssigned:
                    case System.Globalization.UnicodeCategory.SpaceSeparator:
                    case System.Globalization.UnicodeCategory.LineSeparator:
                    case System.Globalization.UnicodeCategory.ParagraphSeparator:
                        return false;
                }
                i += rune.Utf16SequenceLength;
            }
            return true;
        }

        private static void CheckLength(List<string> errors, string member, string value)
        {
            if (value != null && value.Length > MaxStringLength)
                errors.Add("Value at '" + member + "' failed to satisfy constraint: Member must have length less than or equal to " + MaxStringLength);
        }
    }
}
