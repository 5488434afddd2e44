using System;
using System.IO;
using System.Text.Json;

namespace CognitoTools.Tests.Endpoints
{
    /// <summary>AWS's endpoint data, copied into TestData/Endpoints so the repository stands alone.</summary>
    internal static class EndpointTestData
    {
        public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData", "Endpoints");

        public static JsonDocument Load(string fileName) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, fileName)));
    }
}
