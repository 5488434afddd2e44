using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace CognitoTools.HelpBuilder
{
    /// <summary>
    /// Reads platyPS 0.14 (schema 2.0.0) cmdlet markdown and about_ topics, as parsed by Markdig (MarkdownReader). Strict: anything that platyPS would
    /// mis-render or that Get-Help would show wrongly is a HelpFormatException naming the file and line.
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

        public static bool IsAboutTopic(string path) => Path.GetFileName(path).StartsWith("about_", StringComparison.OrdinalIgnoreCase);

        public static CommandHelp ParseCommandFile(string path) => ParseCommand(File.ReadAllText(path), path);

        public static CommandHelp ParseCommand(string markdown, string path)
        {
            var document = MarkdownReader.Read(markdown, path);
            var help = new CommandHelp { SourcePath = path };

            if (!document.HasFrontMatter)
            {
                throw new HelpFormatException(path, 1, "missing the YAML front matter (external help file, Module Name, online version, schema).");
            }
            help.ExternalHelpFile = RequireFrontMatter(document, "external help file", path);
            help.ModuleName = RequireFrontMatter(document, "Module Name", path);
            document.FrontMatter.TryGetValue("online version", out var online);
            help.OnlineVersion = string.IsNullOrWhiteSpace(online) ? null : online;
            var schema = RequireFrontMatter(document, "schema", path);
            if (schema != "2.0.0")
            {
                throw new HelpFormatException(path, 1, $"schema is '{schema}'; only platyPS schema 2.0.0 is supported.");
            }

            var blocks = document.Blocks;
            if (blocks.Count == 0 || blocks[0].Kind != MarkdownBlockKind.Heading || blocks[0].Level != 1)
            {
                throw new HelpFormatException(path, blocks.Count > 0 ? blocks[0].LineNumber : 1, "the page must start with '# <Cmdlet-Name>'.");
            }
            help.Name = blocks[0].Text.Trim();
            if (!CommandName.IsMatch(help.Name))
            {
                throw new HelpFormatException(path, blocks[0].LineNumber, $"'{help.Name}' is not a Verb-Noun cmdlet name.");
            }
            var expectedFile = Path.GetFileNameWithoutExtension(path);
            if (!string.Equals(expectedFile, help.Name, StringComparison.OrdinalIgnoreCase) && !path.StartsWith("<", StringComparison.Ordinal))
            {
                throw new HelpFormatException(path, blocks[0].LineNumber, $"the title '{help.Name}' does not match the file name '{expectedFile}'.");
            }

            var sections = SplitSections(blocks, 1, path);
            int expectedIndex = 0;
            foreach (var section in sections)
            {
                int index = Array.IndexOf(CommandSections, section.Name);
                if (index < 0)
                {
                    throw new HelpFormatException(path, section.Line, $"unknown section '## {section.Name}'; expected one of {string.Join(", ", CommandSections)}.");
                }
                if (index != expectedIndex)
                {
                    throw new HelpFormatException(path, section.Line, $"section '## {section.Name}' is out of place; expected '## {CommandSections[Math.Min(expectedIndex, CommandSections.Length - 1)]}'.");
                }
                expectedIndex++;
            }
            if (expectedIndex != CommandSections.Length)
            {
                throw new HelpFormatException(path, 0, $"missing section '## {CommandSections[expectedIndex]}'.");
            }

            var byName = sections.ToDictionary(s => s.Name);
            help.Synopsis = string.Join(" ", Paragraphs(byName["SYNOPSIS"], path, allowCode: false));
            if (string.IsNullOrWhiteSpace(help.Synopsis))
            {
                throw new HelpFormatException(path, byName["SYNOPSIS"].Line, "the synopsis is empty.");
            }
            help.Description.AddRange(Paragraphs(byName["DESCRIPTION"], path, allowCode: true));
            if (help.Description.Count == 0)
            {
                throw new HelpFormatException(path, byName["DESCRIPTION"].Line, "the description is empty.");
            }
            ParseSyntax(help, byName["SYNTAX"], path);
            ParseExamples(help, byName["EXAMPLES"], path);
            ParseParameters(help, byName["PARAMETERS"], path);
            ParseTypes(help.Inputs, byName["INPUTS"], path);
            ParseTypes(help.Outputs, byName["OUTPUTS"], path);
            help.Notes.AddRange(Paragraphs(byName["NOTES"], path, allowCode: true));
            ParseLinks(help, byName["RELATED LINKS"], path);

            CheckPlaceholders(help, path);
            CheckSyntaxAgainstParameters(help, path);
            return help;
        }

        public static AboutTopic ParseAboutFile(string path) => ParseAbout(File.ReadAllText(path), path);

        /// <summary>platyPS about topic: '# Title', '## about_Name', then level-1 sections (SHORT DESCRIPTION, LONG DESCRIPTION, ...).</summary>
        public static AboutTopic ParseAbout(string markdown, string path)
        {
            var document = MarkdownReader.Read(markdown, path);
            var blocks = document.Blocks;
            if (blocks.Count < 2 || blocks[0].Kind != MarkdownBlockKind.Heading || blocks[0].Level != 1
                || blocks[1].Kind != MarkdownBlockKind.Heading || blocks[1].Level != 2)
            {
                throw new HelpFormatException(path, 1, "an about topic starts with '# <Title>' and '## about_<Name>'.");
            }
            var name = blocks[1].Text.Trim();
            if (!name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            {
                throw new HelpFormatException(path, blocks[1].LineNumber, $"the second heading '{name}' must be the topic name, about_<Name>.");
            }
            var expectedFile = Path.GetFileNameWithoutExtension(path);
            if (!string.Equals(expectedFile, name, StringComparison.OrdinalIgnoreCase) && !path.StartsWith("<", StringComparison.Ordinal))
            {
                throw new HelpFormatException(path, blocks[1].LineNumber, $"the topic name '{name}' does not match the file name '{expectedFile}'.");
            }
            bool hasShortDescription = blocks.Any(b => b.Kind == MarkdownBlockKind.Heading && b.Level == 1 && b.Text.Trim().Equals("SHORT DESCRIPTION", StringComparison.OrdinalIgnoreCase));
            bool hasLongDescription = blocks.Any(b => b.Kind == MarkdownBlockKind.Heading && b.Level == 1 && b.Text.Trim().Equals("LONG DESCRIPTION", StringComparison.OrdinalIgnoreCase));
            if (!hasShortDescription || !hasLongDescription)
            {
                throw new HelpFormatException(path, 0, "an about topic needs '# SHORT DESCRIPTION' and '# LONG DESCRIPTION' sections.");
            }
            var topic = new AboutTopic { Name = name, SourcePath = path };
            topic.Blocks.AddRange(blocks);
            foreach (var block in blocks)
            {
                var text = block.Kind == MarkdownBlockKind.Paragraph ? string.Join(" ", block.Lines.Select(l => l.Text)) : block.Text;
                if (text.Contains("{{"))
                {
                    throw new HelpFormatException(path, block.LineNumber, "unfilled platyPS placeholder '{{ ... }}'.");
                }
            }
            return topic;
        }

        private sealed class Section
        {
            public string Name { get; set; }
            public int Line { get; set; }
            public List<MarkdownBlock> Blocks { get; } = new List<MarkdownBlock>();
        }

        /// <summary>Splits blocks after the title into '## NAME' sections.</summary>
        private static List<Section> SplitSections(List<MarkdownBlock> blocks, int start, string path)
        {
            var sections = new List<Section>();
            for (int i = start; i < blocks.Count; i++)
            {
                var block = blocks[i];
                if (block.Kind == MarkdownBlockKind.Heading && block.Level <= 2)
                {
                    if (block.Level == 1)
                    {
                        throw new HelpFormatException(path, block.LineNumber, $"a second title '# {block.Text}'; a cmdlet page has one '#' heading.");
                    }
                    var name = block.Text.Trim();
                    if (sections.Any(s => s.Name == name))
                    {
                        throw new HelpFormatException(path, block.LineNumber, $"section '## {name}' appears twice.");
                    }
                    sections.Add(new Section { Name = name, Line = block.LineNumber });
                    continue;
                }
                if (sections.Count == 0)
                {
                    throw new HelpFormatException(path, block.LineNumber, "content before the first '## ' section.");
                }
                sections[sections.Count - 1].Blocks.Add(block);
            }
            return sections;
        }

        private static string RequireFrontMatter(MarkdownReader.Document document, string key, string path)
        {
            if (!document.FrontMatter.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
            {
                throw new HelpFormatException(path, 1, $"the front matter has no '{key}'.");
            }
            return value;
        }

        private static List<string> Paragraphs(Section section, string path, bool allowCode)
        {
            return Paragraphs(section.Blocks, path, allowCode, section.Name);
        }

        private static List<string> Paragraphs(IEnumerable<MarkdownBlock> blocks, string path, bool allowCode, string where)
        {
            var result = new List<string>();
            foreach (var block in blocks)
            {
                switch (block.Kind)
                {
                    case MarkdownBlockKind.Paragraph:
                        result.AddRange(block.Paras());
                        break;
                    case MarkdownBlockKind.Code when allowCode:
                        result.Add(block.Text);
                        break;
                    default:
                        throw new HelpFormatException(path, block.LineNumber, $"unexpected {block.Kind.ToString().ToLowerInvariant()} in {where}.");
                }
            }
            return result;
        }

        private static void ParseSyntax(CommandHelp help, Section section, string path)
        {
            SyntaxBlock current = null;
            foreach (var block in section.Blocks)
            {
                if (block.Kind == MarkdownBlockKind.Heading && block.Level == 3)
                {
                    var title = block.Text.Trim();
                    bool isDefault = title.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase);
                    if (isDefault)
                    {
                        title = title.Substring(0, title.Length - "(Default)".Length).Trim();
                    }
                    current = new SyntaxBlock { ParameterSetName = title, IsDefault = isDefault };
                    continue;
                }
                if (block.Kind != MarkdownBlockKind.Code)
                {
                    throw new HelpFormatException(path, block.LineNumber, "SYNTAX holds only '### ParameterSetName' headings and code blocks.");
                }
                var syntax = current ?? new SyntaxBlock();
                current = null;
                if (syntax.Text != null)
                {
                    throw new HelpFormatException(path, block.LineNumber, "two syntax code blocks for one parameter set.");
                }
                syntax.Text = block.Text.Trim();
                if (!syntax.Text.StartsWith(help.Name + " ", StringComparison.Ordinal) && syntax.Text != help.Name)
                {
                    throw new HelpFormatException(path, block.LineNumber, $"the syntax must start with the cmdlet name '{help.Name}'.");
                }
                var rest = syntax.Text.Substring(help.Name.Length);
                foreach (Match match in SyntaxParameter.Matches(rest))
                {
                    var name = match.Groups[1].Value;
                    if (syntax.ParameterNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                    {
                        throw new HelpFormatException(path, block.LineNumber, $"parameter -{name} appears twice in one syntax block.");
                    }
                    syntax.ParameterNames.Add(name);
                }
                help.Syntax.Add(syntax);
            }
            if (current != null)
            {
                throw new HelpFormatException(path, section.Line, $"parameter set '{current.ParameterSetName}' has no syntax code block.");
            }
            if (help.Syntax.Count == 0)
            {
                throw new HelpFormatException(path, section.Line, "SYNTAX has no code block.");
            }
            if (help.Syntax.Count > 1 && help.Syntax.Any(s => s.ParameterSetName == null))
            {
                throw new HelpFormatException(path, section.Line, "with several syntax blocks each needs a '### ParameterSetName' heading.");
            }
        }

        private static void ParseExamples(CommandHelp help, Section section, string path)
        {
            ExampleHelp current = null;
            foreach (var block in section.Blocks)
            {
                if (block.Kind == MarkdownBlockKind.Heading && block.Level == 3)
                {
                    var title = block.Text.Trim();
                    if (!ExampleHeading.IsMatch(title))
                    {
                        throw new HelpFormatException(path, block.LineNumber, $"example heading '### {title}' must be '### Example N: title'.");
                    }
                    current = new ExampleHelp { Title = title };
                    help.Examples.Add(current);
                    continue;
                }
                if (current == null)
                {
                    throw new HelpFormatException(path, block.LineNumber, "EXAMPLES content before the first '### Example N: title'.");
                }
                if (block.Kind == MarkdownBlockKind.Code)
                {
                    current.Code.Add(block.Text);
                }
                else if (block.Kind == MarkdownBlockKind.Paragraph)
                {
                    current.Remarks.AddRange(block.Paras());
                }
                else
                {
                    throw new HelpFormatException(path, block.LineNumber, $"unexpected heading '{block.Text}' in an example.");
                }
            }
            foreach (var example in help.Examples)
            {
                if (example.Code.Count == 0)
                {
                    throw new HelpFormatException(path, section.Line, $"'{example.Title}' has no code block.");
                }
            }
        }

        private static void ParseParameters(CommandHelp help, Section section, string path)
        {
            ParameterHelp current = null;
            bool inCommon = false;
            foreach (var block in section.Blocks)
            {
                if (block.Kind == MarkdownBlockKind.Heading && block.Level == 3)
                {
                    var title = block.Text.Trim();
                    if (title == "CommonParameters")
                    {
                        help.SupportsCommonParameters = true;
                        inCommon = true;
                        current = null;
                        continue;
                    }
                    if (inCommon)
                    {
                        throw new HelpFormatException(path, block.LineNumber, "'### CommonParameters' must be the last entry of PARAMETERS.");
                    }
                    if (!title.StartsWith("-", StringComparison.Ordinal) || title.Length < 2 || title.Contains(" "))
                    {
                        throw new HelpFormatException(path, block.LineNumber, $"parameter heading '### {title}' must be '### -Name'.");
                    }
                    var name = title.Substring(1);
                    if (help.FindParameter(name) != null)
                    {
                        throw new HelpFormatException(path, block.LineNumber, $"parameter -{name} is documented twice.");
                    }
                    current = new ParameterHelp { Name = name };
                    help.Parameters.Add(current);
                    continue;
                }
                if (inCommon)
                {
                    continue;
                }
                if (current == null)
                {
                    throw new HelpFormatException(path, block.LineNumber, "PARAMETERS content before the first '### -Name'.");
                }
                if (block.Kind == MarkdownBlockKind.Code && block.Info.Equals("yaml", StringComparison.OrdinalIgnoreCase))
                {
                    current.Metadata.Add(ParseYaml(block, current.Name, path));
                }
                else if (block.Kind == MarkdownBlockKind.Paragraph)
                {
                    if (current.Metadata.Count > 0)
                    {
                        throw new HelpFormatException(path, block.LineNumber, $"text after the yaml block of -{current.Name}; the description goes above it.");
                    }
                    current.Description.AddRange(block.Paras());
                }
                else
                {
                    throw new HelpFormatException(path, block.LineNumber, $"unexpected {block.Kind.ToString().ToLowerInvariant()} under -{current.Name} (a parameter has a description and ```yaml blocks).");
                }
            }
            foreach (var parameter in help.Parameters)
            {
                if (parameter.Metadata.Count == 0)
                {
                    throw new HelpFormatException(path, section.Line, $"parameter -{parameter.Name} has no ```yaml block.");
                }
                if (parameter.Description.Count == 0)
                {
                    throw new HelpFormatException(path, section.Line, $"parameter -{parameter.Name} has no description.");
                }
            }
        }

        private static ParameterMetadata ParseYaml(MarkdownBlock block, string parameterName, string path)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var lines = block.Text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                int lineNumber = block.LineNumber + 1 + i;
                if (line.Trim().Length == 0)
                {
                    continue;
                }
                int colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    throw new HelpFormatException(path, lineNumber, $"yaml line '{line}' of -{parameterName} is not 'Key: value'.");
                }
                var key = line.Substring(0, colon).Trim();
                if (!KnownYamlKeys.Contains(key))
                {
                    throw new HelpFormatException(path, lineNumber, $"unknown yaml key '{key}' for -{parameterName}.");
                }
                if (values.ContainsKey(key))
                {
                    throw new HelpFormatException(path, lineNumber, $"yaml key '{key}' appears twice for -{parameterName}.");
                }
                values[key] = line.Substring(colon + 1).Trim();
            }
            foreach (var key in RequiredYamlKeys)
            {
                if (!values.ContainsKey(key))
                {
                    throw new HelpFormatException(path, block.LineNumber, $"the yaml block of -{parameterName} has no '{key}'.");
                }
            }

            var metadata = new ParameterMetadata
            {
                Type = values["Type"],
                Required = ParseBool(values["Required"], "Required", parameterName, block, path),
                Position = values["Position"],
                DefaultValue = values["Default value"],
                PipelineInput = values["Accept pipeline input"],
                AcceptsWildcards = ParseBool(values["Accept wildcard characters"], "Accept wildcard characters", parameterName, block, path),
            };
            if (string.IsNullOrEmpty(metadata.Type))
            {
                throw new HelpFormatException(path, block.LineNumber, $"-{parameterName} has an empty Type.");
            }
            if (!(metadata.Position == "Named" || int.TryParse(metadata.Position, out var position) && position >= 0))
            {
                throw new HelpFormatException(path, block.LineNumber, $"Position of -{parameterName} is '{metadata.Position}'; expected Named or a number.");
            }
            if (!PipelineInputValue.IsMatch(metadata.PipelineInput))
            {
                throw new HelpFormatException(path, block.LineNumber, $"Accept pipeline input of -{parameterName} is '{metadata.PipelineInput}'; expected False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue).");
            }
            metadata.ParameterSets.AddRange(SplitList(values["Parameter Sets"]));
            if (metadata.ParameterSets.Count == 0)
            {
                throw new HelpFormatException(path, block.LineNumber, $"-{parameterName} has no Parameter Sets; use (All).");
            }
            metadata.Aliases.AddRange(SplitList(values["Aliases"]));
            if (values.TryGetValue("Accepted values", out var accepted))
            {
                metadata.AcceptedValues.AddRange(SplitList(accepted));
            }
            return metadata;
        }

        private static IEnumerable<string> SplitList(string value)
        {
            return value.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0 && !s.Equals("None", StringComparison.OrdinalIgnoreCase));
        }

        private static bool ParseBool(string value, string key, string parameterName, MarkdownBlock block, string path)
        {
            if (value == "True")
            {
                return true;
            }
            if (value == "False")
            {
                return false;
            }
            throw new HelpFormatException(path, block.LineNumber, $"{key} of -{parameterName} is '{value}'; expected True or False.");
        }

        private static void ParseTypes(List<TypeHelp> types, Section section, string path)
        {
            TypeHelp current = null;
            foreach (var block in section.Blocks)
            {
                if (block.Kind == MarkdownBlockKind.Heading && block.Level == 3)
                {
                    current = new TypeHelp { TypeName = block.Text.Trim() };
                    types.Add(current);
                    continue;
                }
                if (current == null)
                {
                    throw new HelpFormatException(path, block.LineNumber, $"{section.Name} lists types as '### TypeName' headings.");
                }
                current.Description.AddRange(Paragraphs(new[] { block }, path, allowCode: false, section.Name));
            }
            if (types.Count == 0)
            {
                throw new HelpFormatException(path, section.Line, $"{section.Name} lists no type; use '### None' when there is none.");
            }
        }

        private static void ParseLinks(CommandHelp help, Section section, string path)
        {
            if (help.OnlineVersion != null)
            {
                // platyPS makes the online version the first related link; Get-Help -Online opens it.
                help.RelatedLinks.Add(new LinkHelp { Text = "Online Version:", Uri = help.OnlineVersion });
            }
            foreach (var block in section.Blocks)
            {
                if (block.Kind != MarkdownBlockKind.Paragraph)
                {
                    throw new HelpFormatException(path, block.LineNumber, "RELATED LINKS holds only links, one per paragraph or line.");
                }
                foreach (var line in block.Lines)
                {
                    var target = line.LinkTarget;
                    bool absolute = Uri.TryCreate(target, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
                    help.RelatedLinks.Add(new LinkHelp { Text = line.Text, Uri = absolute ? target : null });
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
            if (placeholder != null)
            {
                throw new HelpFormatException(path, 0, $"unfilled platyPS placeholder: '{placeholder}'.");
            }
        }

        /// <summary>Every parameter in a syntax block is documented for that set, and every documented parameter appears in some syntax block.</summary>
        private static void CheckSyntaxAgainstParameters(CommandHelp help, string path)
        {
            foreach (var syntax in help.Syntax)
            {
                foreach (var name in syntax.ParameterNames)
                {
                    var parameter = help.FindParameter(name);
                    if (parameter == null)
                    {
                        throw new HelpFormatException(path, 0, $"the syntax shows -{name}, but PARAMETERS does not document it.");
                    }
                    if (parameter.ForSet(syntax.ParameterSetName) == null)
                    {
                        throw new HelpFormatException(path, 0, $"-{name} is in the syntax of set '{syntax.ParameterSetName}', but its yaml does not list that set.");
                    }
                }
            }
            foreach (var parameter in help.Parameters)
            {
                if (!help.Syntax.Any(s => s.ParameterNames.Contains(parameter.Name, StringComparer.OrdinalIgnoreCase)))
                {
                    throw new HelpFormatException(path, 0, $"-{parameter.Name} is documented but appears in no syntax block.");
                }
            }
        }
    }
}
