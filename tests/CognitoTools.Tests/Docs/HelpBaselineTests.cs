using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Docs
{
    /// <summary>
    /// The help built from docs/en-US, page by page, byte for byte against TestData/HelpBaseline: each command page's
    /// &lt;command:command&gt; element as the MAML file holds it, and each about topic's .help.txt. The baseline was
    /// captured from the hand-written markdown parser before the builder moved to Markdig, so this is what proves the
    /// switch changed nothing; after that it catches any unintended change to what Get-Help shows.
    /// A deliberate change (a docs edit, a new page, a layout change in MamlWriter): run these tests once with
    /// COGNITOTOOLS_UPDATE_HELP_BASELINE=1, which rewrites the baseline files (and fails, so it is never mistaken for
    /// a pass), review the diff, commit it.
    /// </summary>
    public class HelpBaselineTests : IClassFixture<GeneratedHelpFixture>
    {
        private const string MamlHeader = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<helpItems schema=\"maml\" xmlns=\"http://msh\">\r\n";
        private const string MamlFooter = "</helpItems>";
        private static readonly Regex CommandElement = new Regex(@"^  <command:command .*?^  </command:command>\r\n", RegexOptions.Singleline | RegexOptions.Multiline);
        private static readonly Regex CommandName = new Regex(@"<command:name>([^<]+)</command:name>");

        private readonly GeneratedHelpFixture _help;

        public HelpBaselineTests(GeneratedHelpFixture help)
        {
            _help = help;
        }

        private static string BaselineDirectory => Path.Combine(RepositoryLayout.RepoRoot, "tests", "CognitoTools.Tests", "TestData", "HelpBaseline");

        private static bool Updating => Environment.GetEnvironmentVariable("COGNITOTOOLS_UPDATE_HELP_BASELINE") == "1";

        public static IEnumerable<object[]> Pages()
            => Directory.GetFiles(DocsPaths.DocsDirectory, "*.md").Select(Path.GetFileNameWithoutExtension).OrderBy(n => n, StringComparer.Ordinal).Select(n => new object[] { n });

        private static string BaselinePath(string page)
            => Path.Combine(BaselineDirectory, page.StartsWith("about_", StringComparison.OrdinalIgnoreCase) ? page + ".help.txt" : page + ".maml.xml");

        /// <summary>Latin-1 maps every byte to one char (a BOM included, none decoded): comparing these strings compares bytes, with a readable diff.</summary>
        private static string ReadBytesAsText(string path) => Encoding.Latin1.GetString(File.ReadAllBytes(path));

        /// <summary>The MAML file's command elements by command name, exactly as written (indentation and CRLF included).</summary>
        private Dictionary<string, string> CommandElements()
        {
            var maml = ReadBytesAsText(_help.MamlPath);
            var elements = CommandElement.Matches(maml).Cast<Match>().ToList();
            Assert.NotEmpty(elements);
            // Nothing between or around the command elements but the declaration and the helpItems element.
            Assert.Equal(MamlHeader, maml.Substring(0, elements[0].Index));
            Assert.Equal(MamlFooter, maml.Substring(elements[elements.Count - 1].Index + elements[elements.Count - 1].Length));
            for (int i = 1; i < elements.Count; i++)
            {
                Assert.Equal(elements[i - 1].Index + elements[i - 1].Length, elements[i].Index);
            }
            return elements.ToDictionary(m => CommandName.Match(m.Value).Groups[1].Value, m => m.Value, StringComparer.Ordinal);
        }

        [Theory]
        [MemberData(nameof(Pages))]
        public void Page_renders_as_the_baseline(string page)
        {
            var isAbout = page.StartsWith("about_", StringComparison.OrdinalIgnoreCase);
            string built;
            if (isAbout)
            {
                built = ReadBytesAsText(Path.Combine(_help.OutputDirectory, page + ".help.txt"));
            }
            else
            {
                var elements = CommandElements();
                Assert.True(elements.TryGetValue(page, out built), $"the MAML has no command {page}");
            }

            var baselinePath = BaselinePath(page);
            if (Updating)
            {
                Directory.CreateDirectory(BaselineDirectory);
                File.WriteAllBytes(baselinePath, Encoding.Latin1.GetBytes(built));
                Assert.Fail($"COGNITOTOOLS_UPDATE_HELP_BASELINE=1: wrote {baselinePath}; review the diff and run again without it.");
            }
            Assert.True(File.Exists(baselinePath), $"no baseline for {page} at {baselinePath}; run this test once with COGNITOTOOLS_UPDATE_HELP_BASELINE=1 and review the file it writes.");
            var expected = ReadBytesAsText(baselinePath);
            if (expected != built)
            {
                int at = Enumerable.Range(0, Math.Min(expected.Length, built.Length)).FirstOrDefault(i => expected[i] != built[i], Math.Min(expected.Length, built.Length));
                int line = expected.Take(at).Count(c => c == '\n') + 1;
                string Around(string text) => text.Substring(Math.Max(0, at - 80), Math.Min(text.Length - Math.Max(0, at - 80), 200));
                Assert.Fail($"{page} differs from {baselinePath} at line {line}:\nexpected: ...{Around(expected)}...\nbuilt:    ...{Around(built)}...");
            }
        }

        [Fact]
        public void Every_baseline_file_has_its_page()
        {
            var pages = new HashSet<string>(Pages().Select(p => BaselinePath((string)p[0])), StringComparer.Ordinal);
            var baselines = Directory.GetFiles(BaselineDirectory, "*.maml.xml").Concat(Directory.GetFiles(BaselineDirectory, "*.help.txt"));
            Assert.All(baselines, file => Assert.Contains(file, pages));
        }

        [Fact]
        public void The_MAML_holds_one_command_element_per_command_page()
        {
            var commandPages = Pages().Select(p => (string)p[0]).Where(p => !p.StartsWith("about_", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.Equal(commandPages, CommandElements().Keys.OrderBy(n => n, StringComparer.Ordinal));
        }
    }
}
