using System;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;

namespace CognitoTools.Tests.Docs
{
    /// <summary>Where the repository, the docs and the built module folder are, found from the test's output folder.</summary>
    internal static class DocsPaths
    {
        private static readonly Lazy<string> Root = new Lazy<string>(FindRepositoryRoot);

        public static string RepositoryRoot => Root.Value;
        public static string DocsDirectory => Path.Combine(RepositoryRoot, "docs", "en-US");
        public static string AboutTopicPath => Path.Combine(DocsDirectory, "about_CognitoTools.md");

        /// <summary>ModuleVersion from the one version source, CognitoTools.psd1.</summary>
        public static string ModuleVersion
        {
            get
            {
                var manifest = File.ReadAllText(Path.Combine(RepositoryRoot, "CognitoTools.psd1"));
                var match = Regex.Match(manifest, @"ModuleVersion\s*=\s*'([0-9.]+)'");
                Assert.True(match.Success, "CognitoTools.psd1 has no ModuleVersion.");
                return match.Groups[1].Value;
            }
        }

        public static string ModuleDirectory => Path.Combine(RepositoryRoot, "out", "CognitoTools", ModuleVersion);
        public static string ModuleAssemblyPath => Path.Combine(ModuleDirectory, "CognitoTools.dll");
        public static string CoreAssemblyPath => Path.Combine(ModuleDirectory, "CognitoTools.Core.dll");
        public static string BuiltHelpPath => Path.Combine(ModuleDirectory, "en-US", "CognitoTools.dll-Help.xml");

        /// <summary>The compile-time System.Management.Automation the module builds against (PowerShellStandard.Library).</summary>
        public static string PowerShellReferencePath
        {
            get
            {
                var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
                if (string.IsNullOrEmpty(packages))
                {
                    packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
                }
                return Path.Combine(packages, "powershellstandard.library", "5.1.0-preview-06", "lib", "netstandard2.0", "System.Management.Automation.dll");
            }
        }

        private static string FindRepositoryRoot()
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory != null && !File.Exists(Path.Combine(directory.FullName, "CognitoTools.sln")))
            {
                directory = directory.Parent;
            }
            if (directory == null)
            {
                throw new InvalidOperationException("CognitoTools.sln not found above " + AppContext.BaseDirectory);
            }
            return directory.FullName;
        }
    }
}
