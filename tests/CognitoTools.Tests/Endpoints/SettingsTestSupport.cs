using System;
using System.Collections.Generic;
using System.IO;
using CognitoTools.Endpoints;
using CognitoTools.Tests.Infrastructure;

namespace CognitoTools.Tests.Endpoints
{
    /// <summary>An environment made of a dictionary and a home directory, so tests never see the machine's own AWS setup.</summary>
    internal sealed class FakeEnvironment : IEnvironmentReader
    {
        private readonly Dictionary<string, string> variables = new Dictionary<string, string>(StringComparer.Ordinal);

        public FakeEnvironment(string homeDirectory) { HomeDirectory = homeDirectory; }

        public string HomeDirectory { get; }

        public string this[string name]
        {
            set
            {
                if (value == null) variables.Remove(name);
                else variables[name] = value;
            }
        }

        public string GetVariable(string name) => variables.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>A temporary home directory with ~/.aws files written on demand; deleted on dispose.</summary>
    internal sealed class TemporaryHome : IDisposable
    {
        private readonly TemporaryDirectory _directory = new TemporaryDirectory("cgip-endpoints-");

        public TemporaryHome()
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, ".aws"));
            Environment = new FakeEnvironment(Path);
        }

        public string Path => _directory.Path;
        public FakeEnvironment Environment { get; }

        public string ConfigPath => System.IO.Path.Combine(Path, ".aws", "config");
        public string CredentialsPath => System.IO.Path.Combine(Path, ".aws", "credentials");

        public string WriteConfig(string text) => Write(ConfigPath, text);
        public string WriteCredentials(string text) => Write(CredentialsPath, text);

        public string Write(string path, string text)
        {
            var fullPath = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(Path, path);
            File.WriteAllText(fullPath, text);
            return fullPath;
        }

        public ResolvedClientSettings Resolve(ClientSettingsInput input = null)
            => ClientSettingsResolver.Resolve(input ?? new ClientSettingsInput(), Environment);

        public void Dispose() => _directory.Dispose();
    }
}
