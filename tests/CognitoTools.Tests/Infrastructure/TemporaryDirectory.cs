using System;
using System.IO;

namespace CognitoTools.Tests.Infrastructure
{
    /// <summary>A new, empty folder under the temp path, deleted with its contents on dispose (a leftover is harmless).</summary>
    public sealed class TemporaryDirectory : IDisposable
    {
        public TemporaryDirectory(string prefix)
        {
            Path = Directory.CreateTempSubdirectory(prefix).FullName;
        }

        public string Path { get; }

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
