using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Tests.Infrastructure;

namespace CognitoTools.Tests.Conformance
{
    /// <summary>
    /// Runs tests/conformance/reference-client.mjs: AWS's JavaScript SDK v3 sending the same
    /// ResendConfirmationCode calls as our client, so the tests can compare the two on the wire.
    /// </summary>
    public static class ReferenceClient
    {
        private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
        private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
        private static readonly object InstallLock = new object();

        public static string PackageDirectory => Path.Combine(RepositoryLayout.RepoRoot, "tests", "conformance");
        public static string DriverPath => Path.Combine(PackageDirectory, "reference-client.mjs");

        /// <summary>One case of reference-client.mjs's input: the call to send, where to, and with how many attempts.</summary>
        public static JsonObject Case(string id, string endpoint, int maxAttempts, JsonObject input)
            => new JsonObject { ["id"] = id, ["endpoint"] = endpoint, ["maxAttempts"] = maxAttempts, ["input"] = input };

        /// <summary>A string member of one case's result line; null when absent or not a string.</summary>
        public static string ResultString(JsonElement result, string name)
            => result.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        /// <summary>Installs the pinned SDK with `npm ci` when node_modules is missing, so a fresh clone's `dotnet test` works.</summary>
        public static void EnsureInstalled()
        {
            lock (InstallLock)
            {
                var marker = Path.Combine(PackageDirectory, "node_modules", "@aws-sdk", "client-cognito-identity-provider", "package.json");
                RequireTool("node", "--version");
                if (File.Exists(marker)) return;
                RequireTool("npm", "--version");
                var result = Run(NpmCommand(), new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" }, PackageDirectory, null, InstallTimeout);
                if (result.ExitCode != 0 || !File.Exists(marker))
                {
                    throw new InvalidOperationException($"`npm ci` in {PackageDirectory} failed (exit {result.ExitCode}); the conformance tests need the pinned AWS SDK from package-lock.json.\n{result.StandardError}");
                }
            }
        }

        /// <summary>Sends every case with the JS SDK in one node process; returns each case's result by id.</summary>
        public static async Task<IReadOnlyDictionary<string, JsonElement>> RunAsync(JsonArray cases)
        {
            EnsureInstalled();
            var casesFile = Path.Combine(Path.GetTempPath(), "cognitotools-conformance-" + Guid.NewGuid().ToString("N") + ".json");
            await File.WriteAllTextAsync(casesFile, cases.ToJsonString());
            try
            {
                var result = await Task.Run(() => Run(NodeCommand(), new[] { DriverPath, casesFile }, PackageDirectory, IsolatedEnvironment(), RunTimeout));
                if (result.ExitCode != 0)
                {
                    throw new InvalidOperationException($"The reference client failed (exit {result.ExitCode}).\nstderr:\n{result.StandardError}\nstdout:\n{result.StandardOutput}");
                }
                using var document = JsonDocument.Parse(result.StandardOutput);
                return document.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString(), r => r.Clone());
            }
            finally
            {
                File.Delete(casesFile);
            }
        }

        /// <summary>Runs one of the package's other scripts (no input) and returns its JSON output.</summary>
        public static async Task<JsonElement> RunScriptAsync(string scriptName)
        {
            EnsureInstalled();
            var result = await Task.Run(() => Run(NodeCommand(), new[] { Path.Combine(PackageDirectory, scriptName) }, PackageDirectory, IsolatedEnvironment(), RunTimeout));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"{scriptName} failed (exit {result.ExitCode}).\nstderr:\n{result.StandardError}\nstdout:\n{result.StandardOutput}");
            }
            using var document = JsonDocument.Parse(result.StandardOutput);
            return document.RootElement.Clone();
        }

        /// <summary>
        /// No AWS_* variables and no shared config/credentials files: nothing on this machine may change what the SDK
        /// sends (max attempts, retry mode, endpoint, app id in the User-Agent, credentials).
        /// </summary>
        private static Dictionary<string, string> IsolatedEnvironment()
        {
            var missing = Path.Combine(Path.GetTempPath(), "cognitotools-conformance-no-such-file");
            return new Dictionary<string, string>
            {
                ["AWS_CONFIG_FILE"] = missing,
                ["AWS_SHARED_CREDENTIALS_FILE"] = missing,
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            };
        }

        private static bool IsWindows => OperatingSystem.IsWindows();
        private static string NodeCommand() => "node";
        // npm is a .cmd script on Windows, which Process cannot start without the shell.
        private static string NpmCommand() => IsWindows ? "npm.cmd" : "npm";

        private static void RequireTool(string tool, string versionArgument)
        {
            var file = tool == "npm" ? NpmCommand() : tool;
            try
            {
                var result = Run(file, new[] { versionArgument }, PackageDirectory, null, TimeSpan.FromSeconds(30));
                if (result.ExitCode == 0) return;
            }
            catch (Win32Exception) { }
            throw new InvalidOperationException(
                $"The conformance tests need Node.js 20 or later and npm on PATH ('{file} {versionArgument}' did not run). " +
                "Install Node.js, or run the other tests with --filter \"FullyQualifiedName!~CognitoTools.Tests.Conformance\".");
        }

        // One process runner for every external tool of the tests (AWS_* variables removed unless given).
        private static ExternalProcessResult Run(string file, IEnumerable<string> arguments, string workingDirectory, IDictionary<string, string> environment, TimeSpan timeout)
            => ExternalTools.Run(file, arguments, workingDirectory, environment, timeout);
    }
}
