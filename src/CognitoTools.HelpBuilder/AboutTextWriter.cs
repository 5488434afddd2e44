using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Markdig.Syntax;

namespace CognitoTools.HelpBuilder
{
    /// <summary>
    /// Renders an about_ topic as the plain text Get-Help shows (about_Name.help.txt), following platyPS's
    /// TextRenderer: "TOPIC" and the lower-case name first, level-1 headings upper case, text indented by four
    /// spaces and wrapped at 80 columns, code blocks indented. Lists wrap with a hanging indent and tables are
    /// kept as written, so that they stay readable.
    /// </summary>
    public static class AboutTextWriter
    {
        private const string Indent = "    ";
        public const int MaxLineWidth = 80;

        public static string Render(AboutTopic topic)
        {
            var text = new StringBuilder();
            // A blank line follows a paragraph unless the next paragraph (a list item, say) starts on the very next source line.
            int paragraphEnd = -1;
            void StartBlock(bool continuesParagraph)
            {
                if (paragraphEnd >= 0 && !continuesParagraph)
                {
                    text.AppendLine();
                }
                paragraphEnd = -1;
            }

            for (int i = 0; i < topic.Content.Count; i++)
            {
                switch (topic.Content[i])
                {
                    case HeadingBlock heading:
                        StartBlock(false);
                        var title = MarkdownReader.HeadingText(heading);
                        if (i == 0)
                        {
                            text.AppendLine("TOPIC");
                        }
                        else if (i == 1)
                        {
                            text.Append(Indent).AppendLine(title.ToLowerInvariant()).AppendLine();
                        }
                        else
                        {
                            text.Append(heading.Level > 2 ? Indent : string.Empty).AppendLine(heading.Level == 2 ? title : title.ToUpperInvariant());
                        }
                        break;
                    case CodeBlock code:
                        StartBlock(false);
                        foreach (var line in MarkdownReader.CodeText(code).Split('\n'))
                        {
                            text.AppendLine((Indent + Indent + line).TrimEnd());
                        }
                        text.AppendLine();
                        break;
                    default:
                        foreach (var (paragraph, marker) in MarkdownReader.Paragraphs(topic.Content[i]))
                        {
                            StartBlock(paragraph.Line == paragraphEnd + 1);
                            foreach (var (line, markerLength) in MarkdownReader.LogicalLines(paragraph, marker))
                            {
                                if (MarkdownReader.IsTableRow(line))
                                {
                                    // Tables are preformatted: wrapping would break the columns.
                                    text.Append(Indent).AppendLine(line);
                                }
                                else
                                {
                                    Wrap(text, line, Indent, Indent + new string(' ', markerLength));
                                }
                            }
                            paragraphEnd = paragraph.Line + MarkdownReader.Lines(paragraph).Length - 1;
                        }
                        break;
                }
            }
            return Normalize(text.ToString());
        }

        /// <summary>Words filled into lines of at most MaxLineWidth columns (a longer word gets a line of its own).</summary>
        private static void Wrap(StringBuilder text, string content, string firstIndent, string nextIndent)
        {
            var line = new List<string>();
            var indent = firstIndent;
            // A null after the last word writes out the last line.
            foreach (var word in content.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append(null))
            {
                if (line.Count > 0 && (word == null || indent.Length + line.Sum(w => w.Length + 1) + word.Length > MaxLineWidth))
                {
                    text.Append(indent).AppendLine(string.Join(" ", line));
                    line.Clear();
                    indent = nextIndent;
                }
                line.Add(word);
            }
        }

        /// <summary>Trailing spaces removed, at most one blank line in a row, one newline at the end, CRLF as Windows help files use.</summary>
        private static string Normalize(string text)
        {
            var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToList();
            var result = new List<string>();
            foreach (var line in lines)
            {
                if (line.Length == 0 && (result.Count == 0 || result[result.Count - 1].Length == 0))
                {
                    continue;
                }
                result.Add(line);
            }
            while (result.Count > 0 && result[result.Count - 1].Length == 0)
            {
                result.RemoveAt(result.Count - 1);
            }
            return string.Join("\r\n", result) + "\r\n";
        }
    }
}
