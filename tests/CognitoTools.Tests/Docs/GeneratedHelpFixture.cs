using System;
using System.IO;

namespace CognitoTools.Tests.Docs
{
    /// <summary>Runs the HelpBuilder in-process on docs/en-US into a temporary folder, once per test class.</summary>
    public sealed class GeneratedHelpFixture : IDisposable
    {
        public GeneratedHelpFixture()
        {
            OutputDirectory = Path.Combine(Path.GetTempPath(), "cgip-help-" + Guid.NewGuid().ToString("N"));
            Result = CognitoTools.HelpBuilder.HelpBuilder.Build(DocsPaths.DocsDirectory, OutputDirectory);
        }

        public string OutputDirectory { get; }
        public CognitoTools.HelpBuilder.HelpBuilder.Result Result { get; }
        public string MamlPath => Path.Combine(OutputDirectory, "CognitoTools.dll-Help.xml");
        public string AboutPath => Path.Combine(OutputDirectory, "about_CognitoTools.help.txt");

        public void Dispose()
        {
            try
            {
                Directory.Delete(OutputDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }
}
