using System.Collections.Generic;
using System.Globalization;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// The service model's constraints (resend-confirmation-code.model.json), checked before any request. Lengths are
    /// counted in Unicode code points and patterns matched per code point, as Smithy defines them, so a username such
    /// as an emoji (one symbol, two UTF-16 units) is accepted where a UTF-16 regex would refuse it.
    /// </summary>
    public static class RequestValidator
    {
        /// <summary>StringType's maximum length (AnalyticsEndpointId, UserContextData members, ClientMetadata keys and values).</summary>
        public const int MaxStringLength = 131072;

        public const string ClientIdPattern = @"[\w+]+";
        public const string UsernamePattern = @"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";
        public const string SecretHashPattern = @"[\w+=/]+";

        /// <summary>Throws RequestValidationException naming the parameter (AWS.Tools' parameter name, e.g. Username, ClientId, SecretHash, AnalyticsMetadata_AnalyticsEndpointId) and the rule.</summary>
        public static void Validate(ResendConfirmationCodeRequest request)
        {
            if (request == null) throw new System.ArgumentNullException(nameof(request));

            CheckRequired("ClientId", request.ClientId);
            CheckLength("ClientId", request.ClientId, 1, 128);
            CheckPattern("ClientId", request.ClientId, IsWordCategory, "+", "letters, digits, underscores or '+'", ClientIdPattern, showCharacter: true);

            CheckRequired("Username", request.Username);
            CheckLength("Username", request.Username, 1, 128);
            CheckPattern("Username", request.Username, IsUsernameCharacter, "", "letters, marks, symbols, numbers or punctuation", UsernamePattern, showCharacter: true);

            if (request.SecretHash != null)
            {
                CheckLength("SecretHash", request.SecretHash, 1, 128);
                // The secret's value (even one character of it) never goes into a message.
                CheckPattern("SecretHash", request.SecretHash, IsWordCategory, "+=/", "letters, digits, underscores, '+', '=' or '/' (a Base64 value)", SecretHashPattern, showCharacter: false);
            }

            CheckMaxLength("AnalyticsMetadata_AnalyticsEndpointId", request.AnalyticsEndpointId);
            CheckMaxLength("UserContextData_EncodedData", request.UserContextDataEncodedData);
            CheckMaxLength("UserContextData_IpAddress", request.UserContextDataIpAddress);

            if (request.ClientMetadata != null)
            {
                foreach (KeyValuePair<string, string> pair in request.ClientMetadata)
                {
                    if (pair.Key == null) continue;
                    var keyLength = CodePointCount(pair.Key);
                    if (keyLength > MaxStringLength)
                    {
                        throw Fail("ClientMetadata", "length 0-" + MaxStringLength,
                            $"ClientMetadata keys and values must be at most {MaxStringLength} characters (length 0-{MaxStringLength}); a key has {keyLength} characters.");
                    }
                    if (pair.Value == null) continue;
                    var valueLength = CodePointCount(pair.Value);
                    if (valueLength > MaxStringLength)
                    {
                        throw Fail("ClientMetadata", "length 0-" + MaxStringLength,
                            $"ClientMetadata keys and values must be at most {MaxStringLength} characters (length 0-{MaxStringLength}); the value of key '{Shorten(pair.Key)}' has {valueLength} characters.");
                    }
                }
            }
        }

        private static void CheckRequired(string parameter, string value)
        {
            if (value == null)
            {
                throw Fail(parameter, "required", $"{parameter} is required (required); no value was given.");
            }
        }

        private static void CheckLength(string parameter, string value, int min, int max)
        {
            var length = CodePointCount(value);
            if (length < min || length > max)
            {
                var actual = length == 0 ? "the value is empty" : $"the value has {length} characters";
                throw Fail(parameter, $"length {min}-{max}", $"{parameter} must be {min} to {max} characters long (length {min}-{max}); {actual}.");
            }
        }

        private static void CheckMaxLength(string parameter, string value)
        {
            if (value == null) return;
            var length = CodePointCount(value);
            if (length > MaxStringLength)
            {
                throw Fail(parameter, "length 0-" + MaxStringLength,
                    $"{parameter} must be at most {MaxStringLength} characters long (length 0-{MaxStringLength}); the value has {length} characters.");
            }
        }

        private delegate bool CategoryTest(UnicodeCategory category);

        // allowedLiterals: the characters inside the pattern's brackets besides its categories (e.g. "+" of [\w+]).
        private static void CheckPattern(string parameter, string value, CategoryTest allowed, string allowedLiterals, string description, string pattern, bool showCharacter)
        {
            var position = 0;
            for (var i = 0; i < value.Length; i++)
            {
                position++;
                var isPair = char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
                var category = CharUnicodeInfo.GetUnicodeCategory(value, i);
                if (!allowed(category) && allowedLiterals.IndexOf(value[i]) < 0)
                {
                    var what = showCharacter ? DescribeCharacter(value, i, category) : "a character that is not allowed";
                    throw Fail(parameter, "pattern " + pattern,
                        $"{parameter} must be 1 to 128 characters of {description} (pattern {pattern}); the value has {what} at position {position}.");
                }
                if (isPair) i++;
            }
        }

        /// <summary>.NET's \w: letters, non-spacing marks, decimal digits and connector punctuation (underscore).</summary>
        internal static bool IsWordCategory(UnicodeCategory c)
        {
            switch (c)
            {
                case UnicodeCategory.UppercaseLetter:
                case UnicodeCategory.LowercaseLetter:
                case UnicodeCategory.TitlecaseLetter:
                case UnicodeCategory.ModifierLetter:
                case UnicodeCategory.OtherLetter:
                case UnicodeCategory.NonSpacingMark:
                case UnicodeCategory.DecimalDigitNumber:
                case UnicodeCategory.ConnectorPunctuation:
                    return true;
                default:
                    return false;
            }
        }


        /// <summary>[\p{L}\p{M}\p{S}\p{N}\p{P}]: everything except separators (spaces, line breaks) and the C* categories (but see unassigned).</summary>
        internal static bool IsUsernameCharacter(UnicodeCategory c)
        {
            switch (c)
            {
                case UnicodeCategory.SpaceSeparator:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                case UnicodeCategory.Control:
                case UnicodeCategory.Format:
                case UnicodeCategory.Surrogate:
                case UnicodeCategory.PrivateUse:
                    return false;
                // Unassigned here may be assigned for the service: .NET Framework's Unicode tables are years older than
                // .NET's, so a newer emoji would be refused on Windows PowerShell only. The service has the last word.
                case UnicodeCategory.OtherNotAssigned:
                default:
                    return true;
            }
        }

        private static string DescribeCharacter(string value, int index, UnicodeCategory category)
        {
            var c = value[index];
            var codePoint = char.IsHighSurrogate(c) && index + 1 < value.Length && char.IsLowSurrogate(value[index + 1])
                ? char.ConvertToUtf32(c, value[index + 1])
                : c;
            var code = "U+" + codePoint.ToString("X4", CultureInfo.InvariantCulture);
            if (c == ' ') return "a space";
            if (c == '\t') return "a tab (" + code + ")";
            if (c == '\r' || c == '\n') return "a line break (" + code + ")";
            switch (category)
            {
                case UnicodeCategory.Control: return "a control character (" + code + ")";
                case UnicodeCategory.SpaceSeparator: return "a space character (" + code + ")";
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator: return "a line separator (" + code + ")";
                case UnicodeCategory.Format: return "an invisible formatting character (" + code + ")";
                case UnicodeCategory.Surrogate: return "an unpaired surrogate (" + code + ")";
                case UnicodeCategory.PrivateUse: return "a private-use character (" + code + ")";
                case UnicodeCategory.OtherNotAssigned: return "an unassigned character (" + code + ")";
                default:
                    var text = codePoint == c ? c.ToString() : char.ConvertFromUtf32(codePoint);
                    return "'" + text + "' (" + code + ")";
            }
        }

        /// <summary>Unicode code points, counting an unpaired surrogate as one.</summary>
        internal static int CodePointCount(string value)
        {
            var count = 0;
            for (var i = 0; i < value.Length; i++)
            {
                if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) i++;
                count++;
            }
            return count;
        }

        private static string Shorten(string text) => text.Length <= 40 ? text : text.Substring(0, 40) + "...";

        private static RequestValidationException Fail(string parameter, string rule, string message)
            => new RequestValidationException(parameter, rule, message);
    }
}
