using System;
using System.IO;
using System.Text.Json;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>AWS's model of ResendConfirmationCode (botocore data), copied into TestData/Protocol.</summary>
    internal static class ModelFile
    {
        public static JsonDocument Load()
            => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Protocol", "resend-confirmation-code.model.json")));
    }
}
