using System;
using System.IO;
using System.Linq;
using CognitoTools.HelpBuilder;
using Xunit;

namespace CognitoTools.Tests.Docs
{
    /// <summary>docs/en-US/*.md against the cmdlet classes of the built module.</summary>
    public class MarkdownSurfaceTests
    {
        private static string PagePath(string cmdletName) => Path.Combine(DocsPaths.DocsDirectory, cmdletName + ".md");

        [Fact]
        public void EveryCmdletHasAMarkdownPage()
        {
            var missing = CmdletMetadata.Cmdlets.Where(c => !File.Exists(PagePath(c.Name))).Select(c => c.Name).ToList();
            Assert.True(missing.Count == 0, "No docs/en-US page for: " + string.Join(", ", missing));
        }

        [Fact]
        public void EveryMarkdownPageDocumentsAnExistingCmdlet()
        {
            var names = CmdletMetadata.Cmdlets.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var orphans = Directory.GetFiles(DocsPaths.DocsDirectory, "*.md")
                .Where(f => !MarkdownHelpParser.IsAboutTopic(f))
                .Select(Path.GetFileNameWithoutExtension)
                .Where(n => !names.Contains(n))
                .ToList();
            Assert.True(orphans.Count == 0, "Pages for cmdlets the module does not have: " + string.Join(", ", orphans));
        }

        [Fact]
        public void MarkdownParametersMatchTheCmdletClasses()
        {
            var problems = CmdletMetadata.Cmdlets
                .Where(c => File.Exists(PagePath(c.Name)))
                .SelectMany(c => SurfaceComparison.Compare(c, DocumentedCommand.FromMarkdown(MarkdownHelpParser.ParseCommandFile(PagePath(c.Name))), bySet: true))
                .ToList();
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }

        [Fact]
        public void PagesNameTheModuleAndItsHelpFile()
        {
            foreach (var cmdlet in CmdletMetadata.Cmdlets)
            {
                var help = MarkdownHelpParser.ParseCommandFile(PagePath(cmdlet.Name));
                Assert.Equal("CognitoTools", help.ModuleName);
                Assert.Equal("CognitoTools.dll-Help.xml", help.ExternalHelpFile);
                Assert.Equal(cmdlet.Name, help.Name);
                Assert.True(help.SupportsCommonParameters, $"{cmdlet.Name}: PARAMETERS has no '### CommonParameters' entry.");
            }
        }

        [Fact]
        public void ComparisonCatchesAnUndocumentedParameterAndAWrongBinding()
        {
            // The comparison itself must fail on drift, or the tests above prove nothing.
            var cmdlet = CmdletMetadata.Get("Get-CGIPSecretHash");
            var markdown = File.ReadAllText(PagePath(cmdlet.Name));
            var help = MarkdownHelpParser.ParseCommand(markdown, PagePath(cmdlet.Name));
            Assert.Empty(SurfaceComparison.Compare(cmdlet, DocumentedCommand.FromMarkdown(help), bySet: true));

            var withoutClientId = DocumentedCommand.FromMarkdown(help);
            withoutClientId.Parameters.RemoveAll(p => p.Name == "ClientId");
            Assert.Contains(SurfaceComparison.Compare(cmdlet, withoutClientId, bySet: true), p => p.Contains("-ClientId is declared") && p.Contains("not documented"));

            var wrongPipeline = DocumentedCommand.FromMarkdown(help);
            wrongPipeline.Parameters.Single(p => p.Name == "Username").PipelineInput = "True (ByValue)";
            Assert.Contains(SurfaceComparison.Compare(cmdlet, wrongPipeline, bySet: true), p => p.Contains("-Username Accept pipeline input"));

            var extra = DocumentedCommand.FromMarkdown(help);
            extra.Parameters.Add(new ParameterBinding { Name = "Verbose", TypeName = "SwitchParameter", ParameterSetName = ParameterBinding.AllSets, Position = "Named", PipelineInput = "False" });
            Assert.Contains(SurfaceComparison.Compare(cmdlet, extra, bySet: true), p => p.Contains("common parameter -Verbose"));
        }
    }
}
