using System;
using System.Collections.Generic;
using System.Globalization;
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

    /// <summary>
    /// Parses platyPS markdown with Markdig (CommonMark and YAML front matter) and reads the help's text off its syntax tree.
    /// Pipe tables stay CommonMark paragraphs: Get-Help has no tables, so the help keeps them as written, one row a line.
    /// </summary>
    public static class MarkdownReader
    {
        private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();
        private static readonly Regex TableSeparator = new Regex(@"^\|[\s:|-]+\|?$");

        /// <summary>The document, once checked to hold only what the help can show; frontMatter is null when it has none.</summary>
        public static MarkdownDocument Parse(string text, string path, out Dictionary<string, string> frontMatter)
        {
            text = text.Replace("\r\n", "\n").Replace('\r', '\n');
            var document = Markdown.Parse(text, Pipeline);
            frontMatter = null;
            if (document.FirstOrDefault() is YamlFrontMatterBlock yaml)
            {
                frontMatter = KeyValues(yaml, path, line => $"front matter line '{line}' is not 'key: value'.")
                    .GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.OrdinalIgnoreCase);
            }
            else if (text.Split('\n')[0].Trim() == "---")
            {
                throw new HelpFormatException(path, 1, "the front matter starting with '---' is not closed by a '---' line.");
            }
            CheckSupported(document, path);
            return document;
        }

        /// <summary>Headings, paragraphs (tables included), code blocks, and lists whose items are a paragraph and perhaps nested lists.</summary>
        private static void CheckSupported(ContainerBlock container, string path)
        {
            foreach (var block in container)
            {
                switch (block)
                {
                    case FencedCodeBlock { ClosingFencedCharCount: 0 }:
                        throw new HelpFormatException(path, block.Line + 1, "code block is not closed.");
                    case HeadingBlock or CodeBlock or ParagraphBlock:
                        break;
                    case ListBlock list:
                        foreach (ListItemBlock item in list)
                        {
                            var odd = item.Where((child, i) => i == 0 ? !(child is ParagraphBlock) : !(child is ListBlock)).FirstOrDefault();
                            if (odd != null)
                            {
                                throw Unsupported(odd, path);
                            }
                            CheckSupported(item, path);
                        }
                        break;
                    default:
                        throw Unsupported(block, path);
                }
            }
        }

        private static HelpFormatException Unsupported(Block block, string path)
            => new HelpFormatException(path, block.Line + 1, $"unsupported markdown ({block.GetType().Name.Replace("Block", string.Empty).ToLowerInvariant()}); the help takes headings, paragraphs, lists, tables as written, and code blocks.");

        /// <summary>The "Key: value" lines of a YAML block (the front matter or a parameter's ```yaml), with their 1-based line; blank lines skipped.</summary>
        public static IEnumerable<(string Key, string Value, int Line)> KeyValues(LeafBlock block, string path, Func<string, string> notKeyValue)
        {
            foreach (var line in block.Lines.Lines.Take(block.Lines.Count))
            {
                var text = line.ToString();
                int colon = text.IndexOf(':');
                if (text.Trim().Length == 0)
                {
                    continue;
                }
                if (colon <= 0)
                {
                    throw new HelpFormatException(path, line.Line + 1, notKeyValue(text));
                }
                yield return (text.Substring(0, colon).Trim(), text.Substring(colon + 1).Trim(), line.Line + 1);
            }
        }

        public static int LineNumber(Block block) => block.Line + 1;

        /// <summary>Lists count as paragraphs: the help shows them as text.</summary>
        public static MarkdownBlockKind Kind(Block block)
            => block is HeadingBlock ? MarkdownBlockKind.Heading : block is CodeBlock ? MarkdownBlockKind.Code : MarkdownBlockKind.Paragraph;

        /// <summary>A heading's plain text; empty for any other block.</summary>
        public static string HeadingText(Block block) => PlainText((block as HeadingBlock)?.Inline).Trim();

        public static string CodeText(Block code) => string.Join("\n", ((LeafBlock)code).Lines.Lines.Take(((LeafBlock)code).Lines.Count).Select(l => l.ToString()));

        /// <summary>A block as the help shows it in one string: heading text, code, or a paragraph's or list's paras.</summary>
        public static string Text(Block block)
            => Kind(block) switch { MarkdownBlockKind.Heading => HeadingText(block), MarkdownBlockKind.Code => CodeText(block), _ => string.Join("\n", Paras(block)) };

        /// <summary>The paragraphs of a paragraph or list block in document order, each with the list marker ("- ", "4. ") that starts it.</summary>
        public static IEnumerable<(ParagraphBlock Paragraph, string Marker)> Paragraphs(Block block)
        {
            if (block is ParagraphBlock paragraph)
            {
                yield return (paragraph, string.Empty);
                yield break;
            }
            var list = (ListBlock)block;
            foreach (ListItemBlock item in list)
            {
                var marker = (list.IsOrdered ? item.Order.ToString(CultureInfo.InvariantCulture) + list.OrderedDelimiter : list.BulletType.ToString()) + " ";
                foreach (var child in item)
                {
                    foreach (var nested in Paragraphs(child))
                    {
                        yield return child is ParagraphBlock ? (nested.Paragraph, marker) : nested;
                    }
                }
            }
        }

        /// <summary>A paragraph's source lines as plain text.</summary>
        public static string[] Lines(ParagraphBlock paragraph) => PlainText(paragraph.Inline).Split('\n').Select(l => l.Trim()).ToArray();

        public static bool IsTableRow(string line) => line.StartsWith("|", StringComparison.Ordinal);

        /// <summary>
        /// The lines Get-Help shows of a paragraph: soft-wrapped lines joined with a space, while each table row stays a line of
        /// its own. A list item's marker starts the first line; MarkerLength is the hanging indent its wrapped lines need.
        /// </summary>
        public static List<(string Text, int MarkerLength)> LogicalLines(ParagraphBlock paragraph, string marker)
        {
            var result = new List<(string Text, int MarkerLength)>();
            foreach (var line in Lines(paragraph))
            {
                if (result.Count == 0 || IsTableRow(line) || IsTableRow(result[result.Count - 1].Text))
                {
                    result.Add(result.Count == 0 ? (marker + line, marker.Length) : (line, 0));
                }
                else
                {
                    result[result.Count - 1] = (result[result.Count - 1].Text + " " + line, result[result.Count - 1].MarkerLength);
                }
            }
            return result;
        }

        /// <summary>A paragraph's or list's MAML paras: its logical lines, less the tables' separator rows.</summary>
        public static IEnumerable<string> Paras(Block block)
            => Paragraphs(block).SelectMany(p => LogicalLines(p.Paragraph, p.Marker)).Select(l => l.Text).Where(t => !TableSeparator.IsMatch(t));

        /// <summary>Inline markup removed: emphasis and links keep their text, code spans their content, escapes resolved, HTML as written; a line break is '\n'.</summary>
        public static string PlainText(IEnumerable<Inline> inlines)
        {
            var text = new StringBuilder();
            foreach (var inline in inlines ?? Enumerable.Empty<Inline>())
            {
                text.Append(inline switch
                {
                    LiteralInline literal => literal.Content.ToString(),
                    CodeInline code => code.Content,
                    HtmlInline html => html.Tag,
                    HtmlEntityInline entity => entity.Transcoded.ToString(),
                    AutolinkInline autolink => autolink.Url,
                    LineBreakInline _ => "\n",
                    ContainerInline container => PlainText(container),
                    _ => string.Empty,
                });
            }
            return text.ToString();
        }
    }
}
