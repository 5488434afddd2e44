using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

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
            var blocks = topic.Blocks;
            for (int i = 0; i < blocks.Count; i++)
            {
                var block = blocks[i];
                switch (block.Kind)
                {
                    case MarkdownBlockKind.Heading:
                        if (i == 0)
                        {
                            text.AppendLine("TOPIC");
                        }
                        else if (i == 1 && block.Level == 2)
                        {
                            text.Append(Indent).AppendLine(block.Text.ToLowerInvariant()).AppendLine();
                        }
                        else if (block.Level == 1)
                        {
                            text.AppendLine(block.Text.ToUpperInvariant());
                        }
                        else if (block.Level == 2)
                        {
                            text.AppendLine(block.Text);
                        }
                        else
                        {
                            text.Append(Indent).AppendLine(block.Text.ToUpperInvariant());
                        }
                        break;
                    case MarkdownBlockKind.Paragraph:
                        foreach (var line in block.LogicalLines())
                        {
                            AppendLogicalLine(text, line);
                        }
                        text.AppendLine();
                        break;
                    case MarkdownBlockKind.Code:
                        foreach (var line in block.Text.Split('\n'))
                        {
                            text.AppendLine((Indent + Indent + line).TrimEnd());
                        }
                        text.AppendLine();
                        break;
                }
            }
            return Normalize(text.ToString());
        }

        private static void AppendLogicalLine(StringBuilder text, MarkdownLine line)
        {
            if (line.IsTableRow)
            {
                // Tables are preformatted: wrapping would break the columns.
                text.Append(Indent).AppendLine(line.Text);
                return;
            }
            Wrap(text, line.Text, Indent, Indent + new string(' ', line.ListMarkerLength));
        }

        private static void Wrap(StringBuilder text, string content, string firstIndent, string nextIndent)
        {
            var words = content.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            var line = new StringBuilder(firstIndent);
            bool empty = true;
            foreach (var word in words)
            {
                if (!empty && line.Length + 1 + word.Length > MaxLineWidth)
                {
                    text.AppendLine(line.ToString());
                    line.Clear().Append(nextIndent);
                    empty = true;
                }
                if (!empty)
                {
                    line.Append(' ');
                }
                line.Append(word);
                empty = false;
            }
            if (!empty)
            {
                text.AppendLine(line.ToString());
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
