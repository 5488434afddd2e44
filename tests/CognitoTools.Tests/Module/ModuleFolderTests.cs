using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Module
{
    /// <summary>The installable folder out/CognitoTools/&lt;version&gt;/: its files, versions, references and format file.</summary>
    public class ModuleFolderTests
    {
        private static BuiltModule Module => BuiltModule.Current;

        [Fact]
        public void The_folder_holds_exactly_the_module_files()
        {
            var files = Directory.GetFiles(Module.ModuleDirectory, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Module.ModuleDirectory, f).Replace('\\', '/'))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
            var expected = new[]
            {
                "CognitoTools.Core.dll",
                "CognitoTools.Format.ps1xml",
                "CognitoTools.dll",
                "CognitoTools.psd1",
                "en-US/CognitoTools.dll-Help.xml",
                "en-US/about_CognitoTools.help.txt",
            };
            Assert.Equal(expected.OrderBy(f => f, StringComparer.Ordinal), files);
            // Spelled out because it is the mistake that breaks Windows PowerShell: a copied PowerShell assembly.
            Assert.DoesNotContain(files, f => f.EndsWith("System.Management.Automation.dll", StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public void The_folder_is_named_after_the_manifest_version()
        {
            var built = PowerShellDataFile.Parse(File.ReadAllText(Module.BuiltManifestPath));
            Assert.Equal(new DirectoryInfo(Module.ModuleDirectory).Name, (string)built["ModuleVersion"]);
            Assert.Equal("CognitoTools", new DirectoryInfo(Module.ModuleDirectory).Parent.Name);
            // The built manifest is the repository's one version source, copied as is but for the release notes, which
            // the build fills from CHANGELOG.md (ChangelogTests checks them).
            string WithoutReleaseNotes(string manifest) => System.Text.RegularExpressions.Regex.Replace(manifest, @"ReleaseNotes\s*=\s*'(?:[^']|'')*'", "ReleaseNotes = ...");
            Assert.Equal(WithoutReleaseNotes(File.ReadAllText(Module.SourceManifestPath)), WithoutReleaseNotes(File.ReadAllText(Module.BuiltManifestPath)));
        }

        [Theory]
        [InlineData("CognitoTools.dll")]
        [InlineData("CognitoTools.Core.dll")]
        public void Assembly_and_file_versions_equal_the_manifest_version(string fileName)
        {
            var manifestVersion = Pad(Version.Parse(Module.Version));
            var assembly = fileName == "CognitoTools.dll" ? Module.ModuleAssembly : Module.CoreAssembly;
            Assert.Equal(manifestVersion, Pad(assembly.GetName().Version));

            var fileVersionAttribute = assembly.GetCustomAttributesData()
                .Single(a => a.AttributeType.FullName == typeof(AssemblyFileVersionAttribute).FullName);
            Assert.Equal(manifestVersion, Pad(Version.Parse((string)fileVersionAttribute.ConstructorArguments[0].Value)));

            var fileVersion = FileVersionInfo.GetVersionInfo(Path.Combine(Module.ModuleDirectory, fileName));
            Assert.Equal(manifestVersion, Pad(Version.Parse(fileVersion.FileVersion)));
        }

        [Fact]
        public void The_core_references_no_PowerShell()
        {
            var references = Module.CoreAssembly.GetReferencedAssemblies().Select(a => a.Name).ToArray();
            Assert.DoesNotContain("System.Management.Automation", references);
            Assert.Equal(new[] { "netstandard" }, references);
        }

        [Fact]
        public void The_module_assembly_references_only_netstandard_PowerShell_and_the_core()
        {
            var references = Module.ModuleAssembly.GetReferencedAssemblies().Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "CognitoTools.Core", "netstandard", "System.Management.Automation" }.OrderBy(n => n, StringComparer.Ordinal), references);
        }

        [Fact]
        public void Both_assemblies_target_netstandard20()
        {
            foreach (var assembly in new[] { Module.ModuleAssembly, Module.CoreAssembly })
            {
                var framework = assembly.GetCustomAttributesData()
                    .Single(a => a.AttributeType.FullName == "System.Runtime.Versioning.TargetFrameworkAttribute");
                Assert.Equal(".NETStandard,Version=v2.0", framework.ConstructorArguments[0].Value);
            }
        }

        [Fact]
        public void The_format_file_is_valid_and_names_types_and_properties_that_exist()
        {
            var document = XDocument.Load(Path.Combine(Module.ModuleDirectory, "CognitoTools.Format.ps1xml"));
            var views = document.Root.Element("ViewDefinitions").Elements("View").ToList();
            Assert.NotEmpty(views);
            var viewNames = new HashSet<string>();
            foreach (var view in views)
            {
                Assert.True(viewNames.Add((string)view.Element("Name")), "view names are unique");
                var typeNames = view.Element("ViewSelectedBy").Elements("TypeName").Select(e => e.Value.Trim()).ToList();
                Assert.NotEmpty(typeNames);
                foreach (var typeName in typeNames)
                {
                    var type = Module.CoreAssembly.GetType(typeName) ?? Module.ModuleAssembly.GetType(typeName);
                    Assert.True(type != null, $"format file names {typeName}, which the module does not define");
                    foreach (var property in view.Descendants("PropertyName").Select(e => e.Value.Trim()))
                    {
                        Assert.True(type.GetProperty(property) != null, $"{typeName} has no property {property}");
                    }
                }
                var table = view.Element("TableControl");
                if (table != null)
                {
                    var headers = table.Element("TableHeaders").Elements("TableColumnHeader").Count();
                    foreach (var row in table.Descendants("TableColumnItems"))
                    {
                        Assert.Equal(headers, row.Elements("TableColumnItem").Count());
                    }
                }
            }
        }

        [Fact]
        public void The_default_table_for_code_delivery_details_shows_the_user_first()
        {
            var document = XDocument.Load(Path.Combine(Module.ModuleDirectory, "CognitoTools.Format.ps1xml"));
            var view = document.Descendants("View").Single(v => v.Element("ViewSelectedBy").Element("TypeName").Value == "CognitoTools.Model.CodeDeliveryDetailsType");
            var columns = view.Descendants("TableColumnItem").Select(i => (string)i.Element("PropertyName")).ToArray();
            Assert.Equal(new[] { "Username", "DeliveryMedium", "Destination", "AttributeName" }, columns);
        }

        [Fact]
        public void The_help_file_is_MAML_covering_every_cmdlet()
        {
            var help = XDocument.Load(Path.Combine(Module.ModuleDirectory, "en-US", "CognitoTools.dll-Help.xml"));
            XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
            var names = help.Descendants(command + "name").Where(e => e.Parent?.Name == command + "details").Select(e => e.Value.Trim()).OrderBy(n => n).ToArray();
            Assert.Equal(Module.CmdletTypes().Select(BuiltModule.CmdletName).OrderBy(n => n).ToArray(), names);
        }

        private static Version Pad(Version version)
            => new Version(version.Major, version.Minor, Math.Max(version.Build, 0), Math.Max(version.Revision, 0));
    }
}
