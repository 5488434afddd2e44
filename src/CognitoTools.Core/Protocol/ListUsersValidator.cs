using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// ListUsers' constraints (list-users.model.json, and the filter syntax of Cognito's ListUsers documentation),
    /// checked before any request so a typo costs no call and names the parameter and the rule.
    /// </summary>
    public static class ListUsersValidator
    {
        public const int MaxFilterLength = 256;
        public const int MinLimit = 1;
        public const int MaxLimit = 60;
        public const string UserPoolIdPattern = @"[\w-]+_[0-9a-zA-Z]+";

        /// <summary>The attributes ListUsers can filter on (Cognito's documentation).</summary>
        public static IReadOnlyList<string> SearchableAttributes { get; } = new[]
        {
            "username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username",
            "cognito:user_status", "status", "sub",
        };

        private static readonly Regex UserPoolIdRegex = new Regex("^" + UserPoolIdPattern + "$", RegexOptions.CultureInvariant);

        // name, then = or ^=, then a double-quoted value in which \" and \\ are escapes.
        private static readonly Regex FilterRegex = new Regex(@"^\s*(?<name>[^\s=^""]+)\s*(?<op>\^=|=)\s*""(?<value>(?:[^""\\]|\\.)*)""\s*$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);

        public static void Validate(ListUsersRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            ValidateUserPoolId(request.UserPoolId);
            if (request.Filter != null) ValidateFilter(request.Filter);
            if (request.Limit.HasValue) ValidateLimit(request.Limit.Value);
            if (request.AttributesToGet != null) ValidateAttributesToGet(request.AttributesToGet);
            if (request.PaginationToken != null) ValidatePaginationToken(request.PaginationToken);
        }

        public static void ValidateUserPoolId(string userPoolId)
        {
            if (string.IsNullOrEmpty(userPoolId))
            {
                throw Fail("UserPoolId", "required", "UserPoolId is required (required); no value was given.");
            }
            var length = RequestValidator.CodePointCount(userPoolId);
            if (length > 55)
            {
                throw Fail("UserPoolId", "length 1-55", $"UserPoolId must be 1 to 55 characters long (length 1-55); the value has {length} characters.");
            }
            if (!UserPoolIdRegex.IsMatch(userPoolId))
            {
                throw Fail("UserPoolId", "pattern " + UserPoolIdPattern,
                    $"UserPoolId '{userPoolId}' is not a user pool ID (pattern {UserPoolIdPattern}): the Region, an underscore and the pool's code, e.g. us-east-1_Ab12Cd34E.");
            }
        }

        /// <summary>Checks the form, the attribute name and the 256-character limit; returns the attribute name.</summary>
        public static string ValidateFilter(string filter)
        {
            if (filter == null) throw new ArgumentNullException(nameof(filter));
            var length = RequestValidator.CodePointCount(filter);
            if (length > MaxFilterLength)
            {
                throw Fail("Filter", "length 0-" + MaxFilterLength,
                    $"Filter must be at most {MaxFilterLength} characters long (length 0-{MaxFilterLength}); the value has {length} characters.");
            }
            if (filter.Trim().Length == 0) return null;
            var match = FilterRegex.Match(filter);
            if (!match.Success)
            {
                throw Fail("Filter", "form name = \"value\" or name ^= \"value\"",
                    $"Filter '{filter}' is not of the form name = \"value\" (exact) or name ^= \"value\" (starts with), with the value in double quotes (one attribute only; for example: email ^= \"ann\" or cognito:user_status = \"UNCONFIRMED\").");
            }
            var name = match.Groups["name"].Value;
            if (Array.IndexOf((string[])SearchableAttributes, name) < 0)
            {
                throw Fail("Filter", "searchable attribute",
                    $"Filter attribute '{name}' cannot be searched; ListUsers filters on one of: {string.Join(", ", (string[])SearchableAttributes)}. " +
                    "Custom attributes cannot be filtered by the service: list without -Filter and filter the output (Where-Object).");
            }
            return name;
        }

        public static void ValidateLimit(int limit)
        {
            if (limit < MinLimit || limit > MaxLimit)
            {
                throw Fail("Limit", $"range {MinLimit}-{MaxLimit}",
                    $"Limit (the page size) must be {MinLimit} to {MaxLimit} (range {MinLimit}-{MaxLimit}); the value is {limit.ToString(CultureInfo.InvariantCulture)}. Every page is fetched whatever the page size; use Select-Object -First to stop early.");
            }
        }

        public static void ValidateAttributesToGet(IList<string> names)
        {
            for (var i = 0; i < names.Count; i++)
            {
                var name = names[i];
                if (string.IsNullOrEmpty(name))
                {
                    throw Fail("AttributesToGet", "length 1-32", $"AttributesToGet must name attributes of 1 to 32 characters (length 1-32); item {i + 1} is empty.");
                }
                var length = RequestValidator.CodePointCount(name);
                if (length > 32)
                {
                    throw Fail("AttributesToGet", "length 1-32", $"AttributesToGet must name attributes of 1 to 32 characters (length 1-32); '{name}' has {length} characters.");
                }
                for (var c = 0; c < name.Length; c++)
                {
                    var ch = name[c];
                    if (ch == '\t' || ch == '\n' || ch == '\r' || ch == ' ') continue;
                    var category = CharUnicodeInfo.GetUnicodeCategory(name, c);
                    if (!RequestValidator.IsUsernameCharacter(category))
                    {
                        throw Fail("AttributesToGet", @"pattern [\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+",
                            $"AttributesToGet item '{name}' has a character that is not allowed in an attribute name (U+{((int)ch).ToString("X4", CultureInfo.InvariantCulture)}) at position {c + 1}.");
                    }
                }
            }
        }

        public static void ValidatePaginationToken(string token)
        {
            if (token.Length == 0 || HasWhiteSpace(token))
            {
                throw Fail("PaginationToken", @"pattern [\S]+",
                    "PaginationToken must be a token from an earlier page, without spaces (pattern [\\S]+); " + (token.Length == 0 ? "the value is empty." : "the value has white space."));
            }
        }

        private static bool HasWhiteSpace(string value)
        {
            foreach (var c in value)
            {
                if (char.IsWhiteSpace(c)) return true;
            }
            return false;
        }

        private static RequestValidationException Fail(string parameter, string rule, string message) => new RequestValidationException(parameter, rule, message);
    }
}
