using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Module
{
    /// <summary>The built module manifest, read with a small data-file parser (no PowerShell needed).</summary>
    public class ManifestTests
    {
        private static BuiltModule Module => BuiltModule.Current;

        private static IDictionary<string, object> Manifest => PowerShellDataFile.Parse(File.ReadAllText(Module.BuiltManifestPath));

        private static string[] Strings(object value)
            => value is List<object> list ? list.Cast<string>().ToArray() : new[] { (string)value };

        [Fact]
        public void RootModule_is_the_module_assembly_in_the_folder()
        {
            Assert.Equal("CognitoTools.dll", Manifest["RootModule"]);
            Assert.True(File.Exists(Path.Combine(Module.ModuleDirectory, (string)Manifest["RootModule"])));
        }

        [Fact]
        public void CmdletsToExport_lists_exactly_the_cmdlet_classes()
        {
            var exported = Strings(Manifest["CmdletsToExport"]).OrderBy(n => n).ToArray();
            var classes = Module.CmdletTypes().Select(BuiltModule.CmdletName).OrderBy(n => n).ToArray();
            Assert.Equal(classes, exported);
            Assert.DoesNotContain("*", exported);
        }

        [Theory]
        [InlineData("FunctionsToExport")]
        [InlineData("VariablesToExport")]
        [InlineData("AliasesToExport")]
        public void Every_other_export_is_an_explicit_empty_array(string key)
        {
            Assert.True(Manifest.ContainsKey(key), $"{key} must be present (absent means '*')");
            Assert.Empty(Assert.IsType<List<object>>(Manifest[key]));
        }

        [Fact]
        public void DscResourcesToExport_is_absent_or_empty()
        {
            if (Manifest.TryGetValue("DscResourcesToExport", out var value))
            {
                Assert.Empty(Assert.IsType<List<object>>(value));
            }
        }

        [Fact]
        public void Editions_and_PowerShell_version()
        {
            Assert.Equal(new[] { "Core", "Desktop" }, Strings(Manifest["CompatiblePSEditions"]).OrderBy(e => e).ToArray());
            Assert.Equal("5.1", Manifest["PowerShellVersion"]);
            Assert.True(Guid.TryParse((string)Manifest["GUID"], out _));
        }

        [Fact]
        public void FormatsToProcess_names_the_format_file_in_the_folder()
        {
            var formats = Strings(Manifest["FormatsToProcess"]);
            Assert.Equal(new[] { "CognitoTools.Format.ps1xml" }, formats);
            Assert.True(File.Exists(Path.Combine(Module.ModuleDirectory, formats[0])));
        }

        [Fact]
        public void Nothing_slow_or_foreign_is_loaded_at_import()
        {
            foreach (var key in new[] { "ScriptsToProcess", "NestedModules", "RequiredAssemblies", "TypesToProcess", "RequiredModules" })
            {
                if (Manifest.TryGetValue(key, out var value))
                {
                    Assert.Empty(Assert.IsType<List<object>>(value));
                }
            }
        }

        [Fact]
        public void PSData_has_gallery_tags_and_links()
        {
            var privateData = (IDictionary<string, object>)Manifest["PrivateData"];
            var data = (IDictionary<string, object>)privateData["PSData"];
            var tags = Strings(data["Tags"]);
            foreach (var tag in new[] { "PSEdition_Desktop", "PSEdition_Core", "Windows", "Linux", "MacOS" })
            {
                Assert.Contains(tag, tags);
            }
            Assert.All(tags, tag => Assert.DoesNotContain(" ", tag)); // the gallery rejects tags with spaces
            foreach (var key in new[] { "ProjectUri", "LicenseUri" })
            {
                Assert.True(Uri.TryCreate((string)data[key], UriKind.Absolute, out var uri) && uri.Scheme == "https", $"{key} must be an https URL");
            }
            Assert.False(string.IsNullOrWhiteSpace((string)data["ReleaseNotes"]));
        }

        [Fact]
        public void The_parser_reads_what_the_manifest_uses_and_refuses_what_it_does_not_know()
        {
            var parsed = PowerShellDataFile.Parse("# c\n@{ A = 'x''y'; B = @('1', \"2\"\n '3')\n C = @{ D = $true }\n E = @() }");
            Assert.Equal("x'y", parsed["A"]);
            Assert.Equal(new object[] { "1", "2", "3" }, (List<object>)parsed["B"]);
            Assert.Equal(true, ((IDictionary<string, object>)parsed["C"])["D"]);
            Assert.Empty((List<object>)parsed["E"]);
            Assert.Throws<FormatException>(() => PowerShellDataFile.Parse("@{ A = \"$x\" }"));
            Assert.Throws<FormatException>(() => PowerShellDataFile.Parse("@{ A = 'x'; A = 'y' }"));
        }
    }
}
