using System;
using System.Text;
using System.Text.RegularExpressions;

namespace CognitoTools.History
{
    /// <summary>
    /// PowerShell-style wildcard matching without a PowerShell reference (the core has none): * any run, ? one character,
    /// [abc] / [a-z] one of a set, ` escapes the next character. Whole-string, case-insensitive (invariant culture).
    /// A '[' with no closing ']' is taken literally.
    /// </summary>
    public sealed class WildcardMatcher
    {
        private readonly Regex _regex;

        public WildcardMatcher(string pattern)
        {
            if (pattern == null) throw new ArgumentNullException(nameof(pattern));
            Pattern = pattern;
            _regex = new Regex(ToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
        }

        public string Pattern { get; }

        public bool IsMatch(string value) => value != null && _regex.IsMatch(value);

        /// <summary>True when the text has an unescaped wildcard character.</summary>
        public static bool ContainsWildcard(string pattern)
        {
            if (pattern == null) return false;
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (c == '`') { i++; continue; }
                if (c == '*' || c == '?' || c == '[') return true;
            }
            return false;
        }

        private static string ToRegex(string pattern)
        {
            var sb = new StringBuilder("^");
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                switch (c)
                {
                    case '`':
                        if (i + 1 < pattern.Length) { i++; sb.Append(Regex.Escape(pattern[i].ToString())); }
                        else sb.Append(Regex.Escape("`"));
                        break;
                    case '*':
                        sb.Append(".*");
                        break;
                    case '?':
                        sb.Append('.');
                        break;
                    case '[':
                        var close = FindClosingBracket(pattern, i + 1);
                        if (close < 0) { sb.Append(Regex.Escape("[")); break; }
                        sb.Append('[').Append(CharacterClass(pattern, i + 1, close)).Append(']');
                        i = close;
                        break;
                    default:
                        sb.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }
            return sb.Append('$').ToString();
        }

        private static int FindClosingBracket(string pattern, int from)
        {
            for (var j = from; j < pattern.Length; j++)
            {
                if (pattern[j] == '`') { j++; continue; }
                if (pattern[j] == ']' && j > from) return j;
            }
            return -1;
        }

        private static string CharacterClass(string pattern, int start, int end)
        {
            var sb = new StringBuilder();
            for (var j = start; j < end; j++)
            {
                var c = pattern[j];
                if (c == '`' && j + 1 < end)
                {
                    // Escaped: literal. Letters and digits stay bare (\d would mean "any digit" to the regex).
                    j++; c = pattern[j];
                    if (!char.IsLetterOrDigit(c) && c != '_') sb.Append('\\');
                    sb.Append(c);
                    continue;
                }
                // A dash between two characters is a range; elsewhere it is literal.
                if (c == '-' && j > start && j + 1 < end) { sb.Append('-'); continue; }
                if (c == '\\' || c == ']' || c == '[' || c == '^' || c == '-') sb.Append('\\');
                sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
