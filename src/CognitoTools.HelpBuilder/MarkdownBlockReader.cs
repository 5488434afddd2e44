using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace CognitoTools.HelpBuilder
{
    public enum MarkdownBlockKind { Heading, Paragraph, Code }

    /// <summary>A block of the small markdown subset platyPS uses: headings, paragraphs and code blocks.</summary>
    public sealed class MarkdownBlock
    {
        public MarkdownBlockKind Kind { get; set; }
        /// <summary>1-6 for headings.</summary>
        public int Level { get; set; }
        /// <summary>Heading text, or the code block's text (lines joined with \n).</summary>
        public string Text { get; set; }
        /// <summary>The fence's info string (e.g. powershell, yaml, Output); empty for indented code.</summary>
        public string Info { get; set; }
        /// <summary>A paragraph's source lines, unjoined, so lists and tables can be kept line by line.</summary>
        public List<string> Lines { get; } = new List<string>();
        /// <summary>1-based line in the source file.</summary>
        public int LineNumber { get; set; }

        public override string ToString() => $"{Kind} {Level} {Text ?? string.Join(" ", Lines)}";
    }

    /// <summary>Splits markdown into front matter and blocks.</summary>
    public static class MarkdownBlockReader
    {
        private static readonly Regex HeadingPattern = new Regex(@"^(#{1,6})\s+(.*?)\s*#*\s*$");
        private static readonly Regex FencePattern = new Regex(@"^ {0,3}(```+|~~~+)\s*([^\s`]*)");

        public sealed class Document
        {
            public Dictionary<string, string> FrontMatter { get; } = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);
            public bool HasFrontMatter { get; set; }
            public List<MarkdownBlock> Blocks { get; } = new List<MarkdownBlock>();
        }

        public static Document Read(string text, string path)
        {
            var document = new Document();
            var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
            int i = 0;

            if (lines.Length > 0 && lines[0].Trim() == "---")
            {
                document.HasFrontMatter = true;
                i = 1;
                while (true)
                {
                    if (i >= lines.Length)
                    {
                        throw new HelpFormatException(path, 1, "the front matter starting with '---' is not closed by a '---' line.");
                    }
                    var line = lines[i];
                    i++;
                    if (line.Trim() == "---")
                    {
                        break;
                    }
                    if (line.Trim().Length == 0)
                    {
                        continue;
                    }
                    int colon = line.IndexOf(':');
                    if (colon <= 0)
                    {
                        throw new HelpFormatException(path, i, $"front matter line '{line}' is not 'key: value'.");
                    }
                    document.FrontMatter[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
                }
            }

            MarkdownBlock paragraph = null;
            for (; i < lines.Length; i++)
            {
                var line = lines[i];
                var fence = FencePattern.Match(line);
                if (fence.Success)
                {
                    paragraph = null;
                    int start = i;
                    var marker = fence.Groups[1].Value;
                    var body = new List<string>();
                    bool closed = false;
                    for (i++; i < lines.Length; i++)
                    {
                        if (lines[i].TrimStart().StartsWith(marker, System.StringComparison.Ordinal) && lines[i].Trim().Trim(marker[0]).Length == 0)
                        {
                            closed = true;
                            break;
                        }
                        body.Add(lines[i]);
                    }
                    if (!closed)
                    {
                        throw new HelpFormatException(path, start + 1, "code block is not closed.");
                    }
                    document.Blocks.Add(new MarkdownBlock { Kind = MarkdownBlockKind.Code, Text = string.Join("\n", body), Info = fence.Groups[2].Value, LineNumber = start + 1 });
                    continue;
                }

                var heading = HeadingPattern.Match(line);
                if (heading.Success)
                {
                    paragraph = null;
                    document.Blocks.Add(new MarkdownBlock { Kind = MarkdownBlockKind.Heading, Level = heading.Groups[1].Value.Length, Text = heading.Groups[2].Value, LineNumber = i + 1 });
                    continue;
                }

                if (line.Trim().Length == 0)
                {
                    paragraph = null;
                    continue;
                }

                // An indented code block cannot interrupt a paragraph (CommonMark).
                if (paragraph == null && (line.StartsWith("    ") || line.StartsWith("\t")))
                {
                    int start = i;
                    var codeLines = new List<string>();
                    for (; i < lines.Length; i++)
                    {
                        if (lines[i].Trim().Length == 0)
                        {
                            codeLines.Add(string.Empty);
                            continue;
                        }
                        if (!(lines[i].StartsWith("    ") || lines[i].StartsWith("\t")))
                        {
                            break;
                        }
                        codeLines.Add(lines[i].StartsWith("\t") ? lines[i].Substring(1) : lines[i].Substring(4));
                    }
                    i--;
                    while (codeLines.Count > 0 && codeLines[codeLines.Count - 1].Length == 0)
                    {
                        codeLines.RemoveAt(codeLines.Count - 1);
                    }
                    document.Blocks.Add(new MarkdownBlock { Kind = MarkdownBlockKind.Code, Text = string.Join("\n", codeLines), Info = string.Empty, LineNumber = start + 1 });
                    continue;
                }

                if (paragraph == null)
                {
                    paragraph = new MarkdownBlock { Kind = MarkdownBlockKind.Paragraph, LineNumber = i + 1 };
                    document.Blocks.Add(paragraph);
                }
                paragraph.Lines.Add(line.Trim());
            }
            return document;
        }
    }
}
