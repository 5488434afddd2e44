using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml;
using System.Xml.Linq;
using Xunit;

namespace CognitoTools.Tests.Docs
{
    /// <summary>The MAML that Get-Help reads, generated from the docs, against the cmdlet classes; and its shape.</summary>
    public class MamlSurfaceTests : IClassFixture<GeneratedHelpFixture>
    {
        private static readonly XNamespace Msh = "http://msh";
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        private readonly GeneratedHelpFixture _help;

        public MamlSurfaceTests(GeneratedHelpFixture help)
        {
            _help = help;
        }

        [Fact]
        public void MamlHasOneCommandPerCmdlet()
        {
            var documented = DocumentedCommand.FromMaml(_help.MamlPath).Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal);
            var declared = CmdletMetadata.Cmdlets.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal);
            Assert.Equal(declared, documented);
        }

        [Fact]
        public void MamlParametersMatchTheCmdletClasses()
        {
            var commands = DocumentedCommand.FromMaml(_help.MamlPath);
            var problems = new List<string>();
            foreach (var cmdlet in CmdletMetadata.Cmdlets)
            {
                var command = commands.SingleOrDefault(c => c.Name == cmdlet.Name);
                if (command == null)
                {
                    problems.Add($"{cmdlet.Name}: not in the MAML.");
                    continue;
                }
                problems.AddRange(SurfaceComparison.Compare(cmdlet, command, bySet: false));
            }
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }

        /// <summary>
        /// Well-formed, and the elements and attributes Get-Help reads are there. Not a validation against PowerShell's
        /// MAML schema (Schemas/PSMaml), which platyPS-style MAML does not follow to the letter.
        /// </summary>
        [Fact]
        public void MamlIsWellFormedWithTheElementsGetHelpReads()
        {
            // XmlReader with default settings rejects anything not well-formed.
            using (var reader = XmlReader.Create(_help.MamlPath))
            {
                while (reader.Read())
                {
                }
            }
            var root = XDocument.Load(_help.MamlPath).Root;
            Assert.Equal(Msh + "helpItems", root.Name);
            Assert.Equal("maml", (string)root.Attribute("schema"));
            foreach (var command in root.Elements(Command + "command"))
            {
                var details = command.Element(Command + "details");
                var name = (string)details.Element(Command + "name");
                Assert.Equal(name, details.Element(Command + "verb").Value + "-" + details.Element(Command + "noun").Value);
                foreach (var required in new[] { Maml + "description", Command + "syntax", Command + "parameters", Command + "inputTypes", Command + "returnValues", Maml + "alertSet", Command + "examples", Command + "relatedLinks" })
                {
                    Assert.True(command.Element(required) != null, $"{name}: no {required.LocalName} element.");
                }
                foreach (var parameter in command.Descendants(Command + "parameter"))
                {
                    foreach (var attribute in new[] { "required", "variableLength", "globbing", "pipelineInput", "position", "aliases" })
                    {
                        Assert.True(parameter.Attribute(attribute) != null, $"{name}: a parameter has no {attribute} attribute.");
                    }
                    Assert.NotNull(parameter.Element(Dev + "type")?.Element(Maml + "name"));
                    Assert.NotNull(parameter.Element(Dev + "defaultValue"));
                    Assert.False(string.IsNullOrWhiteSpace(parameter.Element(Maml + "Description")?.Value), $"{name}: -{parameter.Element(Maml + "name").Value} has no description.");
                }
                foreach (var example in command.Descendants(Command + "example"))
                {
                    // platyPS pads titles with dashes to 64 columns: "----- Example 1: title -----".
                    Assert.Matches(@"^(-+ )?Example \d+: .+?( -+)?$", example.Element(Maml + "title").Value);
                    Assert.False(string.IsNullOrWhiteSpace(example.Element(Dev + "code").Value), $"{name}: an example has no code.");
                }
            }
        }

        [Fact]
        public void EveryCommandHasASynopsisAndADescription()
        {
            foreach (var command in DocumentedCommand.FromMaml(_help.MamlPath))
            {
                Assert.False(string.IsNullOrWhiteSpace(command.Synopsis), $"{command.Name}: empty synopsis.");
                Assert.False(string.IsNullOrWhiteSpace(command.Description), $"{command.Name}: empty description.");
                Assert.DoesNotContain("{{", command.Synopsis + command.Description);
            }
        }

        [Fact]
        public void SwitchesInTheSyntaxHaveNoValueAndOtherParametersDo()
        {
            // Get-Help renders "[-Force]" for a switch and "[-Region <String>]" otherwise, from these elements.
            var root = XDocument.Load(_help.MamlPath).Root;
            var syntaxParameters = root.Descendants(Command + "syntaxItem").Elements(Command + "parameter").ToList();
            Assert.NotEmpty(syntaxParameters);
            foreach (var parameter in syntaxParameters)
            {
                bool isSwitch = parameter.Element(Dev + "type").Element(Maml + "name").Value == "SwitchParameter";
                Assert.Equal(!isSwitch, parameter.Element(Command + "parameterValue") != null);
            }
        }

        [Fact]
        public void BuiltModuleCarriesTheCurrentHelp()
        {
            // The module build runs the HelpBuilder; its output must be what the builder makes from the docs now, in
            // full (not stale, not missing): both files compared after normalising only what does not reach Get-Help.
            Assert.True(File.Exists(DocsPaths.BuiltHelpPath), $"The built module has no help file: {DocsPaths.BuiltHelpPath}");
            AssertSameText(NormalisedMaml(_help.MamlPath), NormalisedMaml(DocsPaths.BuiltHelpPath), DocsPaths.BuiltHelpPath);

            var builtAbout = Path.Combine(DocsPaths.ModuleDirectory, "en-US", "about_CognitoTools.help.txt");
            Assert.True(File.Exists(builtAbout), "The built module has no about_CognitoTools.help.txt.");
            AssertSameText(NormalisedText(_help.AboutPath), NormalisedText(builtAbout), builtAbout);
        }

        /// <summary>The MAML re-serialised: whitespace between elements, attribute quoting and line endings do not count.</summary>
        private static string NormalisedMaml(string path)
            => XDocument.Load(path, LoadOptions.None).Root.ToString(SaveOptions.None).Replace("\r\n", "\n");

        /// <summary>The text as read (BOM dropped) with LF line endings.</summary>
        private static string NormalisedText(string path) => File.ReadAllText(path).Replace("\r\n", "\n");

        /// <summary>Equal, or fails naming the first line that differs (a whole-file diff would drown the message).</summary>
        private static void AssertSameText(string fresh, string built, string builtPath)
        {
            if (fresh == built) return;
            var freshLines = fresh.Split('\n');
            var builtLines = built.Split('\n');
            var at = 0;
            while (at < freshLines.Length && at < builtLines.Length && freshLines[at] == builtLines[at]) at++;
            Assert.Fail($"{builtPath} is not what the help builder makes from docs/en-US now (rebuild the module). First difference at line {at + 1}:" +
                        $"{Environment.NewLine}  docs now: {(at < freshLines.Length ? freshLines[at].Trim() : "(end)")}" +
                        $"{Environment.NewLine}  built:    {(at < builtLines.Length ? builtLines[at].Trim() : "(end)")}");
        }

        [Fact]
        public void AboutTopicIsPlainTextGetHelpCanShow()
        {
            // UTF-8 with a BOM, so Windows PowerShell 5.1 does not read it in the ANSI code page.
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, File.ReadAllBytes(_help.AboutPath).Take(3));
            var lines = File.ReadAllLines(_help.AboutPath);
            Assert.Equal("TOPIC", lines[0]);
            Assert.Equal("    about_cognitotools", lines[1]);
            Assert.Contains("SHORT DESCRIPTION", lines);
            Assert.Contains("LONG DESCRIPTION", lines);
            // Prose is wrapped at 80 columns; only tables and code may be wider.
            // A single word longer than a line (a URL) cannot be wrapped either.
            var tooWide = lines.Where(l => l.Length > 80 && !l.TrimStart().StartsWith("|") && !l.StartsWith("        ")
                && l.Trim().TrimStart('-', ' ').Contains(' ')).ToList();
            Assert.True(tooWide.Count == 0, "Lines over 80 columns: " + string.Join(Environment.NewLine, tooWide));
            Assert.DoesNotContain(lines, l => l.Contains("](") || l.Contains("`"));
        }
    }
}
