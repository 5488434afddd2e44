using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Module
{
    /// <summary>CHANGELOG.md in Keep a Changelog form, and the built manifest's release notes taken from it.</summary>
    public class ChangelogTests
    {
        private static readonly string[] ChangeKinds = { "Added", "Changed", "Deprecated", "Removed", "Fixed", "Security" };

        private static string[] Lines => File.ReadAllText(Path.Combine(RepositoryLayout.RepoRoot, "CHANGELOG.md")).Replace("\r\n", "\n").Split('\n');

        /// <summary>The lines of one version's section: after its '## [x.y.z]' heading, up to the next '## ' heading or the link references.</summary>
        private static string Section(string version)
        {
            var lines = Lines;
            int start = Array.FindIndex(lines, l => l.StartsWith("## [" + version + "]", StringComparison.Ordinal));
            Assert.True(start >= 0, $"CHANGELOG.md has no '## [{version}]' section");
            var body = lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal) && !Regex.IsMatch(l, @"^\[[^\]]+\]:"));
            return string.Join("\n", body).Trim();
        }

        [Fact]
        public void Has_the_Keep_a_Changelog_form()
        {
            var lines = Lines;
            Assert.Equal("# Changelog", lines[0]);
            var versions = lines.Where(l => l.StartsWith("## ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(versions);
            Assert.All(versions, v => Assert.Matches(@"^## (\[Unreleased\]|\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2})$", v));
            Assert.All(lines.Where(l => l.StartsWith("### ", StringComparison.Ordinal)), h => Assert.Contains(h.Substring(4), ChangeKinds));
            // Newest first, and every version links to its changes.
            var numbers = versions.Select(v => Regex.Match(v, @"\[(\d+\.\d+\.\d+)\]")).Where(m => m.Success).Select(m => Version.Parse(m.Groups[1].Value)).ToList();
            Assert.Equal(numbers.OrderByDescending(v => v), numbers);
            Assert.All(numbers, n => Assert.Contains(lines, l => l.StartsWith($"[{n}]: https://", StringComparison.Ordinal)));
        }

        [Fact]
        public void The_module_version_has_a_dated_section_with_changes()
        {
            var section = Section(RepositoryLayout.ModuleVersion);
            Assert.Contains(Lines, l => Regex.IsMatch(l, @"^## \[" + Regex.Escape(RepositoryLayout.ModuleVersion) + @"\] - \d{4}-\d{2}-\d{2}$"));
            Assert.Contains(section.Split('\n'), l => l.StartsWith("- ", StringComparison.Ordinal));
        }

        [Fact]
        public void The_built_manifests_release_notes_are_the_module_versions_section()
        {
            var manifest = PowerShellDataFile.Parse(File.ReadAllText(BuiltModule.Current.BuiltManifestPath));
            var data = (IDictionary<string, object>)((IDictionary<string, object>)manifest["PrivateData"])["PSData"];
            Assert.Equal(Section(RepositoryLayout.ModuleVersion), ((string)data["ReleaseNotes"]).Replace("\r\n", "\n"));
        }
    }
}
