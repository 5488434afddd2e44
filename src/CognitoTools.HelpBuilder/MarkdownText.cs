using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace CognitoTools.HelpBuilder
{
    /// <summary>Turns markdown paragraphs into the plain text Get-Help shows.</summary>
    public static class MarkdownText
    {
        private static readonly Regex Link = new Regex(@"\[([^\]]+)\]\(([^)\s]+)\)");
        // Only **strong** between word boundaries, so masked values such as j***@e***.com stay as written.
        private static readonly Regex Strong = new Regex(@"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])");
        private static readonly Regex CodeSpan = new Regex(@"(`+)(.+?)\1");
        private static readonly Regex Escape = new Regex(@"\\([!-/:-@\[-`{-~])");
        private static readonly Regex ListItem = new Regex(@"^([-*+]|\d+[.)])\s+");

        /// <summary>
        /// Removes inline markup: links keep their text, code spans and strong emphasis lose their markers, backslash
        /// escapes are resolved. Code spans are taken literally, as markdown does.
        /// </summary>
        public static string Inline(string text)
        {
            var result = new System.Text.StringBuilder();
            int position = 0;
            foreach (Match span in CodeSpan.Matches(text))
            {
                result.Append(InlineOutsideCode(text.Substring(position, span.Index - position)));
                result.Append(span.Groups[2].Value);
                position = span.Index + span.Length;
            }
            result.Append(InlineOutsideCode(text.Substring(position)));
            return result.ToString();
        }

        private static string InlineOutsideCode(string text)
        {
            text = Link.Replace(text, "$1");
            text = Strong.Replace(text, "$1");
            return Escape.Replace(text, "$1");
        }

        public static bool IsListItem(string line) => ListItem.IsMatch(line);
        public static bool IsTableRow(string line) => line.StartsWith("|");

        /// <summary>
        /// The logical lines of a paragraph: soft-wrapped lines joined with a space, while each list item and each
        /// table row stays on its own line.
        /// </summary>
        public static List<string> LogicalLines(MarkdownBlock paragraph)
        {
            var result = new List<string>();
            foreach (var raw in paragraph.Lines)
            {
                bool startsNew = result.Count == 0 || IsListItem(raw) || IsTableRow(raw) || IsTableRow(result[result.Count - 1]);
                if (startsNew)
                {
                    result.Add(raw);
                }
                else
                {
                    result[result.Count - 1] += " " + raw;
                }
            }
            return result;
        }

        /// <summary>Paragraph text for MAML: one entry per logical line, inline markup removed; table separator rows dropped.</summary>
        public static IEnumerable<string> Paras(MarkdownBlock paragraph)
        {
            foreach (var line in LogicalLines(paragraph))
            {
                if (IsTableRow(line))
                {
                    if (Regex.IsMatch(line, @"^\|[\s:|-]+\|?$"))
                    {
                        continue;
                    }
                    yield return Inline(line);
                }
                else
                {
                    yield return Inline(line);
                }
            }
        }
    }
}
