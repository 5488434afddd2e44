using System;
using System.Collections.Generic;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// ClientMetadata given as text, as a CSV cell holds it: a JSON object of strings ({"campaign":"spring"}, what
    /// ConvertTo-Json -Compress writes) or the AWS CLI's shorthand key=value pairs separated by commas
    /// (campaign=spring,wave=2). Anything else is refused with a message naming the forms, rather than dropped.
    /// </summary>
    public static class ClientMetadataText
    {
        /// <summary>Null for empty or white space (no metadata); else the pairs in order.</summary>
        /// <exception cref="FormatException">The text is neither form.</exception>
        public static IList<KeyValuePair<string, string>> Parse(string text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            var trimmed = text.Trim();
            return trimmed[0] == '{' ? ParseJson(trimmed) : ParseShorthand(trimmed);
        }

        private static IList<KeyValuePair<string, string>> ParseJson(string text)
        {
            JsonValue value;
            try
            {
                value = JsonReader.Parse(text);
            }
            catch (JsonFormatException error)
            {
                throw Refused(text, "it starts with '{' but is not valid JSON (" + error.Message + ")");
            }
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var member in value.Members)
            {
                if (member.Value.Kind == JsonKind.Object || member.Value.Kind == JsonKind.Array)
                    throw Refused(text, "the value of '" + member.Key + "' is not a string, number or boolean");
                var memberText = member.Value.Kind == JsonKind.Null ? null
                    : member.Value.Kind == JsonKind.Boolean ? (member.Value.Boolean ? "true" : "false")
                    : member.Value.Text;
                if (memberText != null) pairs.Add(new KeyValuePair<string, string>(member.Key, memberText));
            }
            return pairs;
        }

        private static IList<KeyValuePair<string, string>> ParseShorthand(string text)
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var part in text.Split(','))
            {
                var equals = part.IndexOf('=');
                if (equals <= 0) throw Refused(text, "'" + part.Trim() + "' is not key=value");
                pairs.Add(new KeyValuePair<string, string>(part.Substring(0, equals).Trim(), part.Substring(equals + 1).Trim()));
            }
            return pairs;
        }

        private static FormatException Refused(string text, string why)
            => new FormatException("ClientMetadata text '" + (text.Length > 80 ? text.Substring(0, 80) + "..." : text) + "' cannot be read: " + why
                + ". Give a JSON object of strings ({\"key\":\"value\"}), key=value pairs separated by commas, or a hashtable.");
    }
}
