using System;
using System.IO;
using CognitoTools.Tests.Module;

namespace CognitoTools.Tests.Infrastructure
{
    /// <summary>
    /// Where the repository, the one version source and the built module folder are, found from the test's output
    /// folder. Needs no build: tests of the docs sources use it too.
    /// </summary>
    public static class RepositoryLayout
    {
        private static readonly Lazy<string> Root = new Lazy<string>(FindRepoRoot);
        private static readonly Lazy<string> Version = new Lazy<string>(
            () => (string)PowerShellDataFile.Parse(File.ReadAllText(SourceManifestPath))["ModuleVersion"]);

        public static string RepoRoot => Root.Value;

        /// <summary>CognitoTools.psd1 at the top level: the one version source.</summary>
        public static string SourceManifestPath => Path.Combine(RepoRoot, "CognitoTools.psd1");

        public static string ModuleVersion => Version.Value;

        /// <summary>out/CognitoTools/&lt;version&gt;/, where the build lays out the module.</summary>
        public static string ModuleDirectory => Path.Combine(RepoRoot, "out", "CognitoTools", ModuleVersion);

        public static string ModuleAssemblyPath => Path.Combine(ModuleDirectory, "CognitoTools.dll");

        public static string CoreAssemblyPath => Path.Combine(ModuleDirectory, "CognitoTools.Core.dll");

        /// <summary>PowerShellStandard.Library's reference assembly from the NuGet cache (what the module compiles against).</summary>
        public static string PowerShellReferenceAssemblyPath
        {
            get
            {
                var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
                if (string.IsNullOrEmpty(packages))
                {
                    packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
                }
                // The version the module project pins, so the two never drift apart.
                var project = File.ReadAllText(Path.Combine(RepoRoot, "src", "CognitoTools", "CognitoTools.csproj"));
                var version = System.Text.RegularExpressions.Regex.Match(project, "Include=\"PowerShellStandard.Library\" Version=\"([^\"]+)\"").Groups[1].Value;
                return Path.Combine(packages, "powershellstandard.library", version, "lib", "netstandard2.0", "System.Management.Automation.dll");
            }
        }

        private static string FindRepoRoot()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "CognitoTools.sln")))
                {
                    return directory.FullName;
                }
            }
            throw new InvalidOperationException("The repository root (CognitoTools.sln) was not found above " + AppContext.BaseDirectory);
        }
    }
}
