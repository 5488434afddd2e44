using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace CognitoTools.HelpBuilder
{
    public enum MarkdownBlockKind { Heading, Paragraph, Code }

    /// <summary>One source line of a paragraph or list, as the plain text Get-Help shows (inline markup removed).</summary>
    public sealed class MarkdownLine
    {
        public string Text { get; set; }
        /// <summary>0-based line in the source file.</summary>
        public int SourceLine { get; set; }
        /// <summary>The length of the list marker and its space ("- ", "4. ") when the line starts a list item; else 0.</summary>
        public int ListMarkerLength { get; set; }
        /// <summary>The link's target when the line is one link and nothing else; the line's text is then the link's text.</summary>
        public string LinkTarget { get; set; }

        public bool IsListItem => ListMarkerLength > 0;
        /// <summary>Tables are kept as written (Get-Help has no tables); a paragraph line starting with '|' is a row.</summary>
        public bool IsTableRow => Text.StartsWith("|", StringComparison.Ordinal);
    }

    /// <summary>
    /// A block as the help needs it: a heading, a code block, or a paragraph: source lines with no blank line between
    /// them (list items and table rows included), so the about text keeps the source's spacing.
    /// </summary>
    public sealed class MarkdownBlock
    {
        private static readonly Regex TableSeparator = new Regex(@"^\|[\s:|-]+\|?$");

        public MarkdownBlockKind Kind { get; set; }
        /// <summary>1-6 for headings.</summary>
        public int Level { get; set; }
        /// <summary>Heading text, or the code block's text (lines joined with \n).</summary>
        public string Text { get; set; }
        /// <summary>The fence's info string (e.g. powershell, yaml, Output); empty for indented code.</summary>
        public string Info { get; set; }
        /// <summary>A paragraph's lines, one per source line.</summary>
        public List<MarkdownLine> Lines { get; } = new List<MarkdownLine>();
        /// <summary>1-based line in the source file.</summary>
        public int LineNumber { get; set; }

        /// <summary>Soft-wrapped lines joined with a space, while each list item and each table row stays on its own line.</summary>
        public List<MarkdownLine> LogicalLines()
        {
            var result = new List<MarkdownLine>();
            foreach (var line in Lines)
            {
                var last = result.Count > 0 ? result[result.Count - 1] : null;
                if (last == null || line.IsListItem || line.IsTableRow || last.IsTableRow)
                {
                    result.Add(line);
                }
                else
                {
                    result[result.Count - 1] = new MarkdownLine { Text = last.Text + " " + line.Text, SourceLine = last.SourceLine, ListMarkerLength = last.ListMarkerLength };
                }
            }
            return result;
        }

        /// <summary>The paragraph's text for MAML: one para per logical line, table separator rows dropped.</summary>
        public IEnumerable<string> Paras() => LogicalLines().Where(l => !(l.IsTableRow && TableSeparator.IsMatch(l.Text))).Select(l => l.Text);
    }

    /// <summary>Reads platyPS markdown with Markdig (CommonMark and YAML front matter) into front matter and blocks.</summary>
    public static class MarkdownReader
    {
        private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

        public sealed class Document
        {
            public Dictionary<string, string> FrontMatter { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            public bool HasFrontMatter { get; set; }
            public List<MarkdownBlock> Blocks { get; } = new List<MarkdownBlock>();
        }

        public static Document Read(string text, string path)
        {
            text = text.Replace("\r\n", "\n").Replace('\r', '\n');
            var document = new Document();
            var parsed = Markdown.Parse(text, Pipeline);
            if (text.Split('\n')[0].Trim() == "---" && !(parsed.FirstOrDefault() is YamlFrontMatterBlock))
            {
                throw new HelpFormatException(path, 1, "the front matter starting with '---' is not closed by a '---' line.");
            }
            foreach (var block in parsed)
            {
                switch (block)
                {
                    case YamlFrontMatterBlock frontMatter:
                        ReadFrontMatter(document, frontMatter, path);
                        break;
                    case HeadingBlock heading:
                        document.Blocks.Add(new MarkdownBlock { Kind = MarkdownBlockKind.Heading, Level = heading.Level, Text = PlainText(heading.Inline), LineNumber = heading.Line + 1 });
                        break;
                    case FencedCodeBlock fenced:
                        if (fenced.ClosingFencedCharCount == 0)
                        {
                            throw new HelpFormatException(path, fenced.Line + 1, "code block is not closed.");
                        }
                        document.Blocks.Add(CodeBlock(fenced, fenced.Info ?? string.Empty));
                        break;
                    case CodeBlock indented:
                        document.Blocks.Add(CodeBlock(indented, string.Empty));
                        break;
                    case ParagraphBlock paragraph:
                        AddParagraphLines(document, paragraph, null);
                        break;
                    case ListBlock list:
                        AddListLines(document, list, path);
                        break;
                    default:
                        throw Unsupported(block, path);
                }
            }
            return document;
        }

        private static HelpFormatException Unsupported(Block block, string path)
            => new HelpFormatException(path, block.Line + 1, $"unsupported markdown ({block.GetType().Name.Replace("Block", string.Empty).ToLowerInvariant()}); the help takes headings, paragraphs, lists, tables as written, and code blocks.");

        private static void ReadFrontMatter(Document document, YamlFrontMatterBlock frontMatter, string path)
        {
            document.HasFrontMatter = true;
            var lines = frontMatter.Lines.Lines;
            for (int i = 0; i < frontMatter.Lines.Count; i++)
            {
                var line = lines[i].ToString();
                if (line.Trim().Length == 0)
                {
                    continue;
                }
                int colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    throw new HelpFormatException(path, lines[i].Line + 1, $"front matter line '{line}' is not 'key: value'.");
                }
                document.FrontMatter[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
            }
        }

        private static MarkdownBlock CodeBlock(LeafBlock code, string info)
        {
            var lines = code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString());
            return new MarkdownBlock { Kind = MarkdownBlockKind.Code, Text = string.Join("\n", lines), Info = info, LineNumber = code.Line + 1 };
        }

        /// <summary>Lines of one paragraph block join the previous block's when no blank line separates them.</summary>
        private static void AddLine(Document document, MarkdownLine line)
        {
            var last = document.Blocks.Count > 0 ? document.Blocks[document.Blocks.Count - 1] : null;
            if (last == null || last.Kind != MarkdownBlockKind.Paragraph || last.Lines[last.Lines.Count - 1].SourceLine + 1 != line.SourceLine)
            {
                last = new MarkdownBlock { Kind = MarkdownBlockKind.Paragraph, LineNumber = line.SourceLine + 1 };
                document.Blocks.Add(last);
            }
            last.Lines.Add(line);
        }

        private static void AddParagraphLines(Document document, ParagraphBlock paragraph, string listMarker)
        {
            var segments = new List<List<Inline>> { new List<Inline>() };
            foreach (var inline in paragraph.Inline)
            {
                if (inline is LineBreakInline)
                {
                    segments.Add(new List<Inline>());
                }
                else
                {
                    segments[segments.Count - 1].Add(inline);
                }
            }
            for (int i = 0; i < segments.Count; i++)
            {
                var content = segments[i].Where(s => !(s is LiteralInline literal && literal.Content.IsEmptyOrWhitespace())).ToList();
                var link = content.Count == 1 && content[0] is LinkInline single && !single.IsImage ? single : null;
                var text = PlainText(segments[i]).Trim();
                var marker = i == 0 ? listMarker : null;
                AddLine(document, new MarkdownLine
                {
                    Text = marker == null ? text : marker + text,
                    SourceLine = paragraph.Line + i,
                    ListMarkerLength = marker?.Length ?? 0,
                    LinkTarget = link?.Url,
                });
            }
        }

        private static void AddListLines(Document document, ListBlock list, string path)
        {
            foreach (ListItemBlock item in list)
            {
                var marker = (list.IsOrdered ? item.Order.ToString(System.Globalization.CultureInfo.InvariantCulture) + list.OrderedDelimiter : list.BulletType.ToString()) + " ";
                for (int i = 0; i < item.Count; i++)
                {
                    switch (item[i])
                    {
                        case ParagraphBlock paragraph when i == 0:
                            AddParagraphLines(document, paragraph, marker);
                            break;
                        case ListBlock nested when i > 0:
                            AddListLines(document, nested, path);
                            break;
                        default:
                            throw Unsupported(item[i], path);
                    }
                }
            }
        }

        /// <summary>Inline markup removed: emphasis and links keep their text, code spans their content, escapes resolved, HTML as written.</summary>
        public static string PlainText(IEnumerable<Inline> inlines)
        {
            var text = new StringBuilder();
            foreach (var inline in inlines ?? Enumerable.Empty<Inline>())
            {
                switch (inline)
                {
                    case LiteralInline literal:
                        text.Append(literal.Content.ToString());
                        break;
                    case CodeInline code:
                        text.Append(code.Content);
                        break;
                    case HtmlInline html:
                        text.Append(html.Tag);
                        break;
                    case HtmlEntityInline entity:
                        text.Append(entity.Transcoded.ToString());
                        break;
                    case AutolinkInline autolink:
                        text.Append(autolink.Url);
                        break;
                    case LineBreakInline _:
                        text.Append(' ');
                        break;
                    case ContainerInline container:
                        text.Append(PlainText(container));
                        break;
                }
            }
            return text.ToString();
        }
    }
}
