using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using static CognitoTools.HelpBuilder.MarkdownReader;

namespace CognitoTools.HelpBuilder
{
    /// <summary>
    /// Reads platyPS 0.14 (schema 2.0.0) cmdlet markdown and about_ topics from Markdig's syntax tree (MarkdownReader). Strict:
    /// anything that platyPS would mis-render or that Get-Help would show wrongly is a HelpFormatException naming the file and line.
    /// </summary>
    public static class MarkdownHelpParser
    {
        /// <summary>The sections of a cmdlet page, in the order platyPS writes them.</summary>
        public static readonly string[] CommandSections =
        {
            "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS",
        };

        private static readonly string[] RequiredYamlKeys =
        {
            "Type", "Parameter Sets", "Aliases", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters",
        };

        private static readonly HashSet<string> KnownYamlKeys = new HashSet<string>(RequiredYamlKeys.Concat(new[] { "Accepted values", "Applicable" }), StringComparer.Ordinal);

        private static readonly Regex CommandName = new Regex(@"^[A-Za-z]+-[A-Za-z0-9_]+$");
        private static readonly Regex SyntaxParameter = new Regex(@"(?<=^|[\s\[])-([A-Za-z_][A-Za-z0-9_]*)");
        private static readonly Regex PipelineInputValue = new Regex(@"^(False|True \((ByPropertyName|ByValue)(, (ByPropertyName|ByValue))?\))$");
        private static readonly Regex ExampleHeading = new Regex(@"^(Example|EXAMPLE)\s+\d+\b");

        private sealed record Section(string Name, int Line, List<Block> Blocks);

        public static bool IsAboutTopic(string path) => Path.GetFileName(path).StartsWith("about_", StringComparison.OrdinalIgnoreCase);

        public static CommandHelp ParseCommandFile(string path) => ParseCommand(File.ReadAllText(path), path);

        public static CommandHelp ParseCommand(string markdown, string path)
        {
            var blocks = Parse(markdown, path, out var frontMatter).Where(b => !(b is YamlFrontMatterBlock)).ToList();
            Check(frontMatter != null, path, 1, "missing the YAML front matter (external help file, Module Name, online version, schema).");
            string Front(string key)
            {
                Check(frontMatter.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value), path, 1, $"the front matter has no '{key}'.");
                return value;
            }
            var help = new CommandHelp { SourcePath = path, ExternalHelpFile = Front("external help file"), ModuleName = Front("Module Name") };
            help.OnlineVersion = frontMatter.TryGetValue("online version", out var online) && !string.IsNullOrWhiteSpace(online) ? online : null;
            var schema = Front("schema");
            Check(schema == "2.0.0", path, 1, $"schema is '{schema}'; only platyPS schema 2.0.0 is supported.");

            Check(blocks.FirstOrDefault() is HeadingBlock { Level: 1 }, path, blocks.Count > 0 ? LineNumber(blocks[0]) : 1, "the page must start with '# <Cmdlet-Name>'.");
            help.Name = HeadingText(blocks[0]);
            Check(CommandName.IsMatch(help.Name), path, LineNumber(blocks[0]), $"'{help.Name}' is not a Verb-Noun cmdlet name.");
            CheckFileName(path, help.Name, LineNumber(blocks[0]), "title");

            // The '## ' sections after the title: first each one once, then each known and in platyPS's order.
            var parts = Split(blocks.Skip(1), 2);
            var sections = parts.Select(p => new Section(HeadingText(p.Heading), p.Heading == null ? 0 : LineNumber(p.Heading), p.Body)).ToList();
            for (int i = 0; i < parts.Count; i++)
            {
                Check(parts[i].Heading != null, path, LineNumber((Block)parts[i].Heading ?? parts[i].Body[0]), "content before the first '## ' section.");
                Check(parts[i].Heading.Level == 2, path, sections[i].Line, $"a second title '# {sections[i].Name}'; a cmdlet page has one '#' heading.");
                Check(sections.FindIndex(s => s.Name == sections[i].Name) == i, path, sections[i].Line, $"section '## {sections[i].Name}' appears twice.");
            }
            for (int i = 0; i < sections.Count; i++)
            {
                // Sections are unique, so a known one at i is within CommandSections.
                Check(CommandSections.Contains(sections[i].Name), path, sections[i].Line, $"unknown section '## {sections[i].Name}'; expected one of {string.Join(", ", CommandSections)}.");
                Check(sections[i].Name == CommandSections[i], path, sections[i].Line, $"section '## {sections[i].Name}' is out of place; expected '## {CommandSections[i]}'.");
            }
            if (sections.Count < CommandSections.Length)
            {
                throw new HelpFormatException(path, 0, $"missing section '## {CommandSections[sections.Count]}'.");
            }
            var byName = sections.ToDictionary(s => s.Name);
            help.Synopsis = string.Join(" ", TextOf(byName["SYNOPSIS"].Blocks, "SYNOPSIS", path, allowCode: false));
            Check(!string.IsNullOrWhiteSpace(help.Synopsis), path, byName["SYNOPSIS"].Line, "the synopsis is empty.");
            help.Description.AddRange(TextOf(byName["DESCRIPTION"].Blocks, "DESCRIPTION", path, allowCode: true));
            Check(help.Description.Count > 0, path, byName["DESCRIPTION"].Line, "the description is empty.");
            ParseSyntax(help, byName["SYNTAX"], path);
            ParseExamples(help, byName["EXAMPLES"], path);
            ParseParameters(help, byName["PARAMETERS"], path);
            ParseTypes(help.Inputs, byName["INPUTS"], path);
            ParseTypes(help.Outputs, byName["OUTPUTS"], path);
            help.Notes.AddRange(TextOf(byName["NOTES"].Blocks, "NOTES", path, allowCode: true));
            ParseLinks(help, byName["RELATED LINKS"], path);

            CheckPlaceholders(help, path);
            CheckSyntaxAgainstParameters(help, path);
            return help;
        }

        public static AboutTopic ParseAboutFile(string path) => ParseAbout(File.ReadAllText(path), path);

        /// <summary>platyPS about topic: '# Title', '## about_Name', then level-1 sections (SHORT DESCRIPTION, LONG DESCRIPTION, ...).</summary>
        public static AboutTopic ParseAbout(string markdown, string path)
        {
            var blocks = Parse(markdown, path, out _).Where(b => !(b is YamlFrontMatterBlock)).ToList();
            Check(blocks.Count >= 2 && blocks[0] is HeadingBlock { Level: 1 } && blocks[1] is HeadingBlock { Level: 2 }, path, 1, "an about topic starts with '# <Title>' and '## about_<Name>'.");
            var name = HeadingText(blocks[1]);
            Check(name.StartsWith("about_", StringComparison.OrdinalIgnoreCase), path, LineNumber(blocks[1]), $"the second heading '{name}' must be the topic name, about_<Name>.");
            CheckFileName(path, name, LineNumber(blocks[1]), "topic name");
            var titles = blocks.Where(b => b is HeadingBlock { Level: 1 }).Select(b => HeadingText(b).ToUpperInvariant()).ToList();
            Check(titles.Contains("SHORT DESCRIPTION") && titles.Contains("LONG DESCRIPTION"), path, 0, "an about topic needs '# SHORT DESCRIPTION' and '# LONG DESCRIPTION' sections.");
            var placeholder = blocks.FirstOrDefault(b => Text(b).Contains("{{"));
            Check(placeholder == null, path, placeholder == null ? 0 : LineNumber(placeholder), "unfilled platyPS placeholder '{{ ... }}'.");
            var topic = new AboutTopic { Name = name, SourcePath = path };
            topic.Content.AddRange(blocks);
            return topic;
        }

        private static void Check(bool valid, string path, int line, string problem)
        {
            if (!valid)
            {
                throw new HelpFormatException(path, line, problem);
            }
        }

        /// <summary>A page names what its file is named ("&lt;...&gt;" stands for markdown that has no file).</summary>
        private static void CheckFileName(string path, string name, int line, string what)
        {
            var file = Path.GetFileNameWithoutExtension(path);
            Check(path.StartsWith("<", StringComparison.Ordinal) || file.Equals(name, StringComparison.OrdinalIgnoreCase), path, line, $"the {what} '{name}' does not match the file name '{file}'.");
        }

        /// <summary>Paragraphs and lists as paras, code blocks (where allowed) as one text each.</summary>
        private static List<string> TextOf(IEnumerable<Block> blocks, string where, string path, bool allowCode)
        {
            var result = new List<string>();
            foreach (var block in blocks)
            {
                var kind = Kind(block);
                Check(kind == MarkdownBlockKind.Paragraph || kind == MarkdownBlockKind.Code && allowCode, path, LineNumber(block), $"unexpected {kind.ToString().ToLowerInvariant()} in {where}.");
                result.AddRange(kind == MarkdownBlockKind.Code ? new[] { CodeText(block) } : Paras(block));
            }
            return result;
        }

        /// <summary>
        /// Blocks under headings of a level or above: each heading with the blocks up to the next one; blocks before the
        /// first heading come with a null heading. Level 2 gives a page's sections, level 3 a section's entries.
        /// </summary>
        private static List<(HeadingBlock Heading, List<Block> Body)> Split(IEnumerable<Block> blocks, int level)
        {
            var parts = new List<(HeadingBlock Heading, List<Block> Body)>();
            foreach (var block in blocks)
            {
                if (block is HeadingBlock heading && heading.Level <= level)
                {
                    parts.Add((heading, new List<Block>()));
                    continue;
                }
                if (parts.Count == 0)
                {
                    parts.Add((null, new List<Block>()));
                }
                parts[parts.Count - 1].Body.Add(block);
            }
            return parts;
        }

        private static void ParseSyntax(CommandHelp help, Section section, string path)
        {
            foreach (var (heading, body) in Split(section.Blocks, 3))
            {
                var title = HeadingText(heading);
                bool isDefault = title.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase);
                var setName = heading == null ? null : isDefault ? title.Substring(0, title.Length - "(Default)".Length).Trim() : title;
                Check(body.Count > 0, path, section.Line, $"parameter set '{setName}' has no syntax code block.");
                foreach (var block in body)
                {
                    Check(block is CodeBlock, path, LineNumber(block), "SYNTAX holds only '### ParameterSetName' headings and code blocks.");
                    // A heading names the one code block under it; more blocks there are unnamed sets, refused below.
                    var syntax = new SyntaxBlock { ParameterSetName = block == body[0] ? setName : null, IsDefault = block == body[0] && isDefault, Text = CodeText(block).Trim() };
                    Check(syntax.Text == help.Name || syntax.Text.StartsWith(help.Name + " ", StringComparison.Ordinal), path, LineNumber(block), $"the syntax must start with the cmdlet name '{help.Name}'.");
                    foreach (Match match in SyntaxParameter.Matches(syntax.Text.Substring(help.Name.Length)))
                    {
                        var name = match.Groups[1].Value;
                        Check(!syntax.ParameterNames.Contains(name, StringComparer.OrdinalIgnoreCase), path, LineNumber(block), $"parameter -{name} appears twice in one syntax block.");
                        syntax.ParameterNames.Add(name);
                    }
                    help.Syntax.Add(syntax);
                }
            }
            Check(help.Syntax.Count > 0, path, section.Line, "SYNTAX has no code block.");
            Check(help.Syntax.Count == 1 || help.Syntax.All(s => s.ParameterSetName != null), path, section.Line, "with several syntax blocks each needs a '### ParameterSetName' heading.");
        }

        private static void ParseExamples(CommandHelp help, Section section, string path)
        {
            foreach (var (heading, body) in Split(section.Blocks, 3))
            {
                Check(heading != null, path, LineNumber((Block)heading ?? body[0]), "EXAMPLES content before the first '### Example N: title'.");
                var example = new ExampleHelp { Title = HeadingText(heading) };
                Check(ExampleHeading.IsMatch(example.Title), path, LineNumber(heading), $"example heading '### {example.Title}' must be '### Example N: title'.");
                foreach (var block in body)
                {
                    Check(!(block is HeadingBlock), path, LineNumber(block), $"unexpected heading '{HeadingText(block)}' in an example.");
                    if (block is CodeBlock)
                    {
                        example.Code.Add(CodeText(block));
                    }
                    else
                    {
                        example.Remarks.AddRange(Paras(block));
                    }
                }
                Check(example.Code.Count > 0, path, section.Line, $"'{example.Title}' has no code block.");
                help.Examples.Add(example);
            }
        }

        private static void ParseParameters(CommandHelp help, Section section, string path)
        {
            foreach (var (heading, body) in Split(section.Blocks, 3))
            {
                Check(heading != null, path, LineNumber((Block)heading ?? body[0]), "PARAMETERS content before the first '### -Name'.");
                var title = HeadingText(heading);
                Check(!help.SupportsCommonParameters, path, LineNumber(heading), "'### CommonParameters' must be the last entry of PARAMETERS.");
                if (title == "CommonParameters")
                {
                    // Get-Help writes its own text about the common parameters; the entry's text is not used.
                    help.SupportsCommonParameters = true;
                    continue;
                }
                Check(title.Length > 1 && title[0] == '-' && !title.Contains(' '), path, LineNumber(heading), $"parameter heading '### {title}' must be '### -Name'.");
                Check(help.FindParameter(title.Substring(1)) == null, path, LineNumber(heading), $"parameter {title} is documented twice.");
                var parameter = new ParameterHelp { Name = title.Substring(1) };
                foreach (var block in body)
                {
                    if (block is FencedCodeBlock yaml && string.Equals(yaml.Info, "yaml", StringComparison.OrdinalIgnoreCase))
                    {
                        parameter.Metadata.Add(ParseYaml(yaml, parameter.Name, path));
                        continue;
                    }
                    Check(Kind(block) == MarkdownBlockKind.Paragraph, path, LineNumber(block), $"unexpected {Kind(block).ToString().ToLowerInvariant()} under {title} (a parameter has a description and ```yaml blocks).");
                    Check(parameter.Metadata.Count == 0, path, LineNumber(block), $"text after the yaml block of {title}; the description goes above it.");
                    parameter.Description.AddRange(Paras(block));
                }
                Check(parameter.Metadata.Count > 0, path, section.Line, $"parameter {title} has no ```yaml block.");
                Check(parameter.Description.Count > 0, path, section.Line, $"parameter {title} has no description.");
                help.Parameters.Add(parameter);
            }
        }

        /// <summary>The ```yaml block under a parameter; a wrong value is reported at the block's first line.</summary>
        private static ParameterMetadata ParseYaml(FencedCodeBlock block, string name, string path)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value, line) in KeyValues(block, path, text => $"yaml line '{text}' of -{name} is not 'Key: value'."))
            {
                Check(KnownYamlKeys.Contains(key), path, line, $"unknown yaml key '{key}' for -{name}.");
                Check(values.TryAdd(key, value), path, line, $"yaml key '{key}' appears twice for -{name}.");
            }
            int at = LineNumber(block);
            var missing = RequiredYamlKeys.FirstOrDefault(k => !values.ContainsKey(k));
            Check(missing == null, path, at, $"the yaml block of -{name} has no '{missing}'.");
            bool Bool(string key)
            {
                Check(values[key] == "True" || values[key] == "False", path, at, $"{key} of -{name} is '{values[key]}'; expected True or False.");
                return values[key] == "True";
            }

            var metadata = new ParameterMetadata
            {
                Type = values["Type"],
                Required = Bool("Required"),
                Position = values["Position"],
                DefaultValue = values["Default value"],
                PipelineInput = values["Accept pipeline input"],
                AcceptsWildcards = Bool("Accept wildcard characters"),
            };
            Check(metadata.Type.Length > 0, path, at, $"-{name} has an empty Type.");
            Check(metadata.Position == "Named" || int.TryParse(metadata.Position, out var position) && position >= 0, path, at, $"Position of -{name} is '{metadata.Position}'; expected Named or a number.");
            Check(PipelineInputValue.IsMatch(metadata.PipelineInput), path, at, $"Accept pipeline input of -{name} is '{metadata.PipelineInput}'; expected False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue).");
            metadata.ParameterSets.AddRange(SplitList(values["Parameter Sets"]));
            Check(metadata.ParameterSets.Count > 0, path, at, $"-{name} has no Parameter Sets; use (All).");
            metadata.Aliases.AddRange(SplitList(values["Aliases"]));
            metadata.AcceptedValues.AddRange(SplitList(values.GetValueOrDefault("Accepted values", string.Empty)));
            return metadata;
        }

        private static IEnumerable<string> SplitList(string value)
            => value.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0 && !s.Equals("None", StringComparison.OrdinalIgnoreCase));

        private static void ParseTypes(List<TypeHelp> types, Section section, string path)
        {
            foreach (var (heading, body) in Split(section.Blocks, 3))
            {
                Check(heading != null, path, LineNumber((Block)heading ?? body[0]), $"{section.Name} lists types as '### TypeName' headings.");
                var type = new TypeHelp { TypeName = HeadingText(heading) };
                type.Description.AddRange(TextOf(body, section.Name, path, allowCode: false));
                types.Add(type);
            }
            Check(types.Count > 0, path, section.Line, $"{section.Name} lists no type; use '### None' when there is none.");
        }

        /// <summary>Links, each its own paragraph or line: Get-Help shows the text, and the address of a web page (not of another markdown file).</summary>
        private static void ParseLinks(CommandHelp help, Section section, string path)
        {
            if (help.OnlineVersion != null)
            {
                // platyPS makes the online version the first related link; Get-Help -Online opens it.
                help.RelatedLinks.Add(new LinkHelp { Text = "Online Version:", Uri = help.OnlineVersion });
            }
            foreach (var block in section.Blocks)
            {
                const string OnlyLinks = "RELATED LINKS holds only links, one per paragraph or line.";
                Check(block is ParagraphBlock, path, LineNumber(block), OnlyLinks);
                foreach (var inline in ((ParagraphBlock)block).Inline.Where(i => !(i is LineBreakInline || i is LiteralInline literal && literal.Content.IsEmptyOrWhitespace())))
                {
                    Check(inline is LinkInline { IsImage: false }, path, LineNumber(block), OnlyLinks);
                    var link = (LinkInline)inline;
                    bool web = Uri.TryCreate(link.Url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
                    help.RelatedLinks.Add(new LinkHelp { Text = PlainText(link).Trim(), Uri = web ? link.Url : null });
                }
            }
        }

        private static void CheckPlaceholders(CommandHelp help, string path)
        {
            IEnumerable<string> texts = new[] { help.Synopsis }
                .Concat(help.Description)
                .Concat(help.Notes)
                .Concat(help.Examples.SelectMany(e => e.Code.Concat(e.Remarks).Concat(new[] { e.Title })))
                .Concat(help.Parameters.SelectMany(p => p.Description))
                .Concat(help.Inputs.Concat(help.Outputs).SelectMany(t => t.Description.Concat(new[] { t.TypeName })));
            var placeholder = texts.FirstOrDefault(t => t != null && Regex.IsMatch(t, @"\{\{.*\}\}"));
            Check(placeholder == null, path, 0, $"unfilled platyPS placeholder: '{placeholder}'.");
        }

        /// <summary>Every parameter in a syntax block is documented for that set, and every documented parameter appears in some syntax block.</summary>
        private static void CheckSyntaxAgainstParameters(CommandHelp help, string path)
        {
            foreach (var syntax in help.Syntax)
            {
                foreach (var name in syntax.ParameterNames)
                {
                    var parameter = help.FindParameter(name);
                    Check(parameter != null, path, 0, $"the syntax shows -{name}, but PARAMETERS does not document it.");
                    Check(parameter.ForSet(syntax.ParameterSetName) != null, path, 0, $"-{name} is in the syntax of set '{syntax.ParameterSetName}', but its yaml does not list that set.");
                }
            }
            var undocumented = help.Parameters.FirstOrDefault(p => !help.Syntax.Any(s => s.ParameterNames.Contains(p.Name, StringComparer.OrdinalIgnoreCase)));
            Check(undocumented == null, path, 0, $"-{undocumented?.Name} is documented but appears in no syntax block.");
        }
    }
}
