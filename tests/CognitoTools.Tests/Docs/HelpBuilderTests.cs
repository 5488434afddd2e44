using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using CognitoTools.HelpBuilder;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Docs
{
    /// <summary>The markdown-to-MAML builder on small hand-written pages: what it accepts, renders and refuses.</summary>
    public class HelpBuilderTests : IDisposable
    {
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        private readonly TemporaryDirectory _root = new TemporaryDirectory("cgip-helpbuilder-");

        private string DocsDir => Path.Combine(_root.Path, "docs");
        private string OutDir => Path.Combine(_root.Path, "out");

        public HelpBuilderTests()
        {
            Directory.CreateDirectory(DocsDir);
        }

        public void Dispose() => _root.Dispose();

        private const string ValidPage = @"---
external help file: Test.dll-Help.xml
Module Name: Test
online version: https://example.com/Get-Thing.md
schema: 2.0.0
---

# Get-Thing

## SYNOPSIS
Gets a thing.

## SYNTAX

### ByName (Default)
```
Get-Thing [-Name] <String> [-Force] [<CommonParameters>]
```

### ById
```
Get-Thing -Id <Int32> [-Force] [<CommonParameters>]
```

## DESCRIPTION
Gets a thing
by name or id.

Second paragraph with `code`, **strong** text and a [link](https://example.com).

## EXAMPLES

### Example 1: Get one thing
```powershell
Get-Thing -Name a
```

```Output
a
```

It gets a.

## PARAMETERS

### -Force
Forces it.

```yaml
Type: SwitchParameter
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

### -Id
The id.

```yaml
Type: Int32
Parameter Sets: ById
Aliases:

Required: True
Position: Named
Default value: None
Accept pipeline input: True (ByPropertyName)
Accept wildcard characters: False
```

### -Name
The name.

```yaml
Type: String
Parameter Sets: ByName
Aliases: ThingName, N
Accepted values: a, b

Required: True
Position: 0
Default value: None
Accept pipeline input: True (ByPropertyName, ByValue)
Accept wildcard characters: True
```

### CommonParameters
This cmdlet supports the common parameters.

## INPUTS

### System.String

## OUTPUTS

### Test.Thing
A thing.

## NOTES

## RELATED LINKS

[Online docs](https://example.com/things)

[Set-Thing](Set-Thing.md)
";

        private void WritePage(string name, string text) => File.WriteAllText(Path.Combine(DocsDir, name), text);

        private HelpFormatException BuildFails(string page)
        {
            WritePage("Get-Thing.md", page);
            return Assert.Throws<HelpFormatException>(() => HelpBuilder.HelpBuilder.Build(DocsDir, OutDir));
        }

        [Fact]
        public void RendersParametersAsPlatyPSDoes()
        {
            WritePage("Get-Thing.md", ValidPage);
            HelpBuilder.HelpBuilder.Build(DocsDir, OutDir);
            var command = XDocument.Load(Path.Combine(OutDir, "Test.dll-Help.xml")).Root.Elements(Command + "command").Single();

            var name = command.Element(Command + "parameters").Elements(Command + "parameter").Single(p => p.Element(Maml + "name").Value == "Name");
            Assert.Equal("true", (string)name.Attribute("required"));
            Assert.Equal("true", (string)name.Attribute("globbing"));
            Assert.Equal("True (ByPropertyName, ByValue)", (string)name.Attribute("pipelineInput"));
            Assert.Equal("0", (string)name.Attribute("position"));
            Assert.Equal("ThingName, N", (string)name.Attribute("aliases"));
            Assert.Equal("String", name.Element(Dev + "type").Element(Maml + "name").Value);
            Assert.Equal("None", name.Element(Dev + "defaultValue").Value);

            var force = command.Element(Command + "parameters").Elements(Command + "parameter").Single(p => p.Element(Maml + "name").Value == "Force");
            Assert.Equal("named", (string)force.Attribute("position"));
            Assert.Equal("none", (string)force.Attribute("aliases"));
            Assert.Equal("False", force.Element(Dev + "defaultValue").Value);
            Assert.Equal("false", (string)force.Element(Command + "parameterValue").Attribute("required"));
        }

        [Fact]
        public void RendersOneSyntaxItemPerParameterSetWithTheSetsBinding()
        {
            WritePage("Get-Thing.md", ValidPage);
            HelpBuilder.HelpBuilder.Build(DocsDir, OutDir);
            var items = XDocument.Load(Path.Combine(OutDir, "Test.dll-Help.xml")).Descendants(Command + "syntaxItem").ToList();
            Assert.Equal(2, items.Count);
            Assert.Equal(new[] { "Name", "Force" }, items[0].Elements(Command + "parameter").Select(p => p.Element(Maml + "name").Value));
            Assert.Equal(new[] { "Id", "Force" }, items[1].Elements(Command + "parameter").Select(p => p.Element(Maml + "name").Value));
            // Accepted values become the value group Get-Help shows as {a | b}; a switch gets no value in the syntax.
            Assert.Equal(new[] { "a", "b" }, items[0].Descendants(Command + "parameterValueGroup").Elements().Select(e => e.Value));
            Assert.Null(items[0].Elements(Command + "parameter").Last().Element(Command + "parameterValue"));
        }

        [Fact]
        public void RendersTextExamplesAndLinks()
        {
            WritePage("Get-Thing.md", ValidPage);
            HelpBuilder.HelpBuilder.Build(DocsDir, OutDir);
            var command = XDocument.Load(Path.Combine(OutDir, "Test.dll-Help.xml")).Root.Elements(Command + "command").Single();

            Assert.Equal("Gets a thing.", command.Element(Command + "details").Element(Maml + "description").Value);
            var description = command.Element(Maml + "description").Elements(Maml + "para").Select(p => p.Value).ToList();
            Assert.Equal(new[] { "Gets a thing by name or id.", "Second paragraph with code, strong text and a link." }, description);

            var example = command.Element(Command + "examples").Element(Command + "example");
            var dashes = new string('-', (64 - "Example 1: Get one thing".Length - 2) / 2);
            Assert.Equal(dashes + " Example 1: Get one thing " + dashes, example.Element(Maml + "title").Value);
            Assert.Equal("Get-Thing -Name a\n\na", example.Element(Dev + "code").Value.Replace("\r\n", "\n"));
            Assert.Equal("It gets a.", example.Element(Dev + "remarks").Element(Maml + "para").Value);

            var links = command.Element(Command + "relatedLinks").Elements(Maml + "navigationLink")
                .Select(l => (l.Element(Maml + "linkText").Value, l.Element(Maml + "uri").Value)).ToList();
            Assert.Equal(new[] { ("Online Version:", "https://example.com/Get-Thing.md"), ("Online docs", "https://example.com/things"), ("Set-Thing", "") }, links);
        }

        [Theory]
        [InlineData("Required: True\nPosition: 0", "Required: Yes\nPosition: 0", "expected True or False")]
        [InlineData("Accept pipeline input: True (ByPropertyName)", "Accept pipeline input: Yes", "Accept pipeline input of -Id")]
        [InlineData("Position: 0", "Position: first", "Position of -Name")]
        [InlineData("## NOTES\n", "", "expected '## NOTES'")]
        [InlineData("## RELATED LINKS", "## SEE ALSO", "unknown section '## SEE ALSO'")]
        [InlineData("## INPUTS", "## OUTPUTS\n\n### X\n\n## INPUTS", "appears twice")]
        [InlineData("Get-Thing -Id <Int32> [-Force]", "Get-Thing -Id <Int32> [-Force] [-Extra]", "the syntax shows -Extra")]
        [InlineData("Gets a thing.\n", "{{ Fill in the Synopsis }}\n", "placeholder")]
        [InlineData("schema: 2.0.0", "schema: 1.0.0", "schema 2.0.0")]
        [InlineData("### Example 1: Get one thing", "### First example", "### Example N: title")]
        [InlineData("Aliases: ThingName, N", "Aliases ThingName", "not 'Key: value'")]
        [InlineData("```yaml\nType: Int32", "```yaml\nTyp: Int32", "unknown yaml key 'Typ'")]
        [InlineData("## NOTES\n", "## NOTES\n\n```\nnever closed\n", "code block is not closed")]
        [InlineData("## NOTES\n", "## NOTES\n\n> A quote Get-Help cannot show.\n", "unsupported markdown (quote)")]
        public void RefusesMalformedPagesNamingTheProblem(string original, string replacement, string expectedProblem)
        {
            var page = ValidPage.Replace("\r\n", "\n");
            Assert.Contains(original, page);
            var error = BuildFails(page.Replace(original, replacement));
            Assert.Contains(expectedProblem, error.Message);
            Assert.Contains("Get-Thing.md", error.Message);
        }

        [Fact]
        public void RefusesAParameterWithoutYaml()
        {
            var page = ValidPage.Replace("\r\n", "\n");
            var start = page.IndexOf("```yaml\nType: SwitchParameter", StringComparison.Ordinal);
            var end = page.IndexOf("```\n", start + 8, StringComparison.Ordinal) + 4;
            var error = BuildFails(page.Remove(start, end - start));
            Assert.Contains("-Force has no ```yaml block", error.Message);
        }

        [Fact]
        public void ErrorsNameTheLine()
        {
            var page = ValidPage.Replace("\r\n", "\n").Replace("Required: True\nPosition: 0", "Required: maybe\nPosition: 0");
            var error = BuildFails(page);
            var yamlLine = page.Split('\n').ToList().FindLastIndex(page.Split('\n').ToList().FindIndex(l => l.StartsWith("Required: maybe")), l => l == "```yaml") + 1;
            Assert.Equal(yamlLine, error.Line);
        }

        [Fact]
        public void MalformedPageLeavesTheOutputFolderUntouched()
        {
            WritePage("Get-Thing.md", ValidPage);
            WritePage("Set-Thing.md", "# Set-Thing\n");
            Assert.Throws<HelpFormatException>(() => HelpBuilder.HelpBuilder.Build(DocsDir, OutDir));
            Assert.False(Directory.Exists(OutDir) && Directory.EnumerateFileSystemEntries(OutDir).Any());
        }

        [Fact]
        public void CommandLineReturnsZeroAndWritesTheHelpFiles()
        {
            WritePage("Get-Thing.md", ValidPage);
            WritePage("about_Thing.md", "# Thing\n## about_Thing\n\n# SHORT DESCRIPTION\nThings.\n\n# LONG DESCRIPTION\nAll about things.\n");
            Assert.Equal(0, Program.Main(new[] { "--docs", DocsDir, "--out", OutDir }));
            Assert.True(File.Exists(Path.Combine(OutDir, "Test.dll-Help.xml")));
            Assert.True(File.Exists(Path.Combine(OutDir, "about_Thing.help.txt")));
        }

        [Fact]
        public void CommandLineFailsOnMalformedDocsAndOnBadArguments()
        {
            WritePage("Get-Thing.md", ValidPage.Replace("## SYNOPSIS", "## SUMMARY"));
            var stderr = Console.Error;
            try
            {
                Console.SetError(TextWriter.Null);
                Assert.Equal(Program.MalformedDocs, Program.Main(new[] { "--docs", DocsDir, "--out", OutDir }));
                Assert.Equal(Program.UsageError, Program.Main(new[] { "--docs", DocsDir }));
                Assert.Equal(Program.UsageError, Program.Main(new[] { "--docs", DocsDir, "--out", OutDir, "--extra" }));
                Assert.Equal(Program.MalformedDocs, Program.Main(new[] { "--docs", Path.Combine(_root.Path, "missing"), "--out", OutDir }));
            }
            finally
            {
                Console.SetError(stderr);
            }
        }

        [Fact]
        public void AboutTopicRendersAsPlatyPSPlainText()
        {
            var longSentence = string.Join(" ", Enumerable.Repeat("word", 40));
            WritePage("about_Thing.md",
                "# Thing\n## about_Thing\n\n# SHORT DESCRIPTION\nThings.\n\n# LONG DESCRIPTION\n" + longSentence + "\n\n## Details\n- item one\n- item two is long " + longSentence + "\n\n| A | B |\n| --- | --- |\n| `x` | y |\n\n```powershell\nGet-Thing\n```\n");
            var result = HelpBuilder.HelpBuilder.Build(DocsDir, OutDir);
            var lines = File.ReadAllText(Path.Combine(OutDir, "about_Thing.help.txt")).Split("\r\n");
            Assert.Equal(new[] { "TOPIC", "    about_thing", "", "SHORT DESCRIPTION", "    Things.", "", "LONG DESCRIPTION" }, lines.Take(7));
            Assert.All(lines, l => Assert.True(l.Length <= 80, l));
            Assert.Contains("Details", lines);
            Assert.Contains("    - item one", lines);
            Assert.Contains(lines, l => l.StartsWith("      word"));
            Assert.Contains("    | x | y |", lines);
            Assert.Contains("        Get-Thing", lines);
        }

        [Fact]
        public void RefusesAnAboutTopicWithoutItsSections()
        {
            WritePage("about_Thing.md", "# Thing\n## about_Thing\n\nJust text.\n");
            var error = Assert.Throws<HelpFormatException>(() => HelpBuilder.HelpBuilder.Build(DocsDir, OutDir));
            Assert.Contains("SHORT DESCRIPTION", error.Message);
        }

        [Theory]
        [InlineData("Example 1: a")]
        [InlineData("Example 12: an odd-length title")]
        public void PadsExampleTitlesTo64Columns(string title)
        {
            var padded = MamlWriter.PadExampleTitle(title);
            Assert.Equal(64 - (64 - title.Length - 2) % 2, padded.Length);
            Assert.Equal(" " + title + " ", padded.Trim('-'));
            Assert.Equal(padded.Length - padded.TrimStart('-').Length, padded.Length - padded.TrimEnd('-').Length);
            var longTitle = "Example 2: " + new string('x', 60);
            Assert.Equal(longTitle, MamlWriter.PadExampleTitle(longTitle));
        }
    }
}
