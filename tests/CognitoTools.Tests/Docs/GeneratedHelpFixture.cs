using System;
using System.IO;
using CognitoTools.Tests.Infrastructure;

namespace CognitoTools.Tests.Docs
{
    /// <summary>Runs the HelpBuilder in-process on docs/en-US into a temporary folder, once per test class.</summary>
    public sealed class GeneratedHelpFixture : IDisposable
    {
        private readonly TemporaryDirectory _output = new TemporaryDirectory("cgip-help-");

        public GeneratedHelpFixture()
        {
            Result = CognitoTools.HelpBuilder.HelpBuilder.Build(DocsPaths.DocsDirectory, OutputDirectory);
        }

        public string OutputDirectory => _output.Path;
        public CognitoTools.HelpBuilder.HelpBuilder.Result Result { get; }
        public string MamlPath => Path.Combine(OutputDirectory, "CognitoTools.dll-Help.xml");
        public string AboutPath => Path.Combine(OutputDirectory, "about_CognitoTools.help.txt");

        public void Dispose() => _output.Dispose();
    }
}
