using System.IO;
using CognitoTools.Tests.Infrastructure;

namespace CognitoTools.Tests.Docs
{
    /// <summary>Where the docs and the built help are; the repository and module folder come from the shared layout.</summary>
    internal static class DocsPaths
    {
        public static string RepositoryRoot => RepositoryLayout.RepoRoot;
        public static string DocsDirectory => Path.Combine(RepositoryRoot, "docs", "en-US");
        public static string AboutTopicPath => Path.Combine(DocsDirectory, "about_CognitoTools.md");
        public static string ModuleDirectory => RepositoryLayout.ModuleDirectory;
        public static string BuiltHelpPath => Path.Combine(ModuleDirectory, "en-US", "CognitoTools.dll-Help.xml");
    }
}
