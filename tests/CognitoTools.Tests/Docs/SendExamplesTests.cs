using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CognitoTools.HelpBuilder;
using Xunit;

namespace CognitoTools.Tests.Docs
{
    /// <summary>Get-Help Send-CGIPConfirmationCode -Full shows at least five examples covering the issue's cases.</summary>
    public class SendExamplesTests : IClassFixture<GeneratedHelpFixture>
    {
        private readonly GeneratedHelpFixture _help;

        public SendExamplesTests(GeneratedHelpFixture help)
        {
            _help = help;
        }

        /// <summary>Each case: a name and a test on the example's code.</summary>
        private static readonly (string Case, Func<string, bool> Covers)[] RequiredCases =
        {
            ("single user", code => Regex.IsMatch(code, @"^\s*Send-CGIPConfirmationCode\s+-Username\s+\S+.*-ClientId\s+\S+", RegexOptions.Multiline)),
            ("CSV pipeline", code => Regex.IsMatch(code, @"Import-Csv\b[^\n]*\|\s*(\n\s*)?Send-CGIPConfirmationCode", RegexOptions.IgnoreCase)),
            ("secret-bearing client", code => code.Contains("-ClientSecret") && Regex.IsMatch(code, @"Read-Host\b.*-AsSecureString", RegexOptions.IgnoreCase)),
            ("-WhatIf", code => Regex.IsMatch(code, @"Send-CGIPConfirmationCode\b[^\n]*-WhatIf\b")),
            ("history", code => Regex.IsMatch(code, @"Get-CGIPHistory\b[^\n|]*\|\s*Send-CGIPConfirmationCode")),
        };

        public static IEnumerable<object[]> Sources => new[] { new object[] { "markdown" }, new object[] { "maml" } };

        private DocumentedCommand Load(string source)
        {
            return source == "markdown"
                ? DocumentedCommand.FromMarkdown(MarkdownHelpParser.ParseCommandFile(Path.Combine(DocsPaths.DocsDirectory, "Send-CGIPConfirmationCode.md")))
                : DocumentedCommand.FromMaml(_help.MamlPath).Single(c => c.Name == "Send-CGIPConfirmationCode");
        }

        [Theory]
        [MemberData(nameof(Sources))]
        public void HasAtLeastFiveExamples(string source)
        {
            Assert.True(Load(source).Examples.Count >= 5, $"{source}: fewer than five examples.");
        }

        [Theory]
        [MemberData(nameof(Sources))]
        public void ExamplesCoverSingleUserCsvSecretWhatIfAndHistory(string source)
        {
            var examples = Load(source).Examples;
            var uncovered = RequiredCases.Where(c => !examples.Any(e => c.Covers(e.Code))).Select(c => c.Case).ToList();
            Assert.True(uncovered.Count == 0, $"{source}: no example for " + string.Join(", ", uncovered));
        }

        [Theory]
        [MemberData(nameof(Sources))]
        public void EveryExampleIsExplained(string source)
        {
            foreach (var example in Load(source).Examples)
            {
                Assert.False(string.IsNullOrWhiteSpace(example.Remarks), $"{source}: '{example.Title}' has no explanation.");
            }
        }

        [Fact]
        public void ExamplesUseOnlyParametersTheCmdletHas()
        {
            // A renamed parameter must not leave examples that no longer bind.
            var cmdletParameters = CmdletMetadata.Cmdlets.ToDictionary(c => c.Name, c => CmdletMetadata.DocumentedBindings(c).Select(b => b.Name)
                .Concat(CmdletMetadata.CommonParameterNames).SelectMany(n => new[] { n }).ToHashSet(StringComparer.OrdinalIgnoreCase));
            var aliases = CmdletMetadata.Cmdlets.ToDictionary(c => c.Name, c => c.Bindings.SelectMany(b => b.Aliases).ToHashSet(StringComparer.OrdinalIgnoreCase));
            var problems = new List<string>();
            foreach (var cmdlet in CmdletMetadata.Cmdlets)
            {
                var help = MarkdownHelpParser.ParseCommandFile(Path.Combine(DocsPaths.DocsDirectory, cmdlet.Name + ".md"));
                foreach (var code in help.Examples.SelectMany(e => e.Code))
                {
                    foreach (Match call in Regex.Matches(code, @"(?<name>(Send|Get|Set|Clear)-CGIP\w+)(?<args>[^|\n]*)"))
                    {
                        var name = call.Groups["name"].Value;
                        if (!cmdletParameters.ContainsKey(name))
                        {
                            problems.Add($"{cmdlet.Name} example calls unknown command {name}.");
                            continue;
                        }
                        foreach (Match parameter in Regex.Matches(call.Groups["args"].Value, @"(?<=\s)-(\w+)"))
                        {
                            var used = parameter.Groups[1].Value;
                            if (!cmdletParameters[name].Contains(used) && !aliases[name].Contains(used))
                            {
                                problems.Add($"{cmdlet.Name} example: {name} has no parameter -{used}.");
                            }
                        }
                    }
                }
            }
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }
    }
}
