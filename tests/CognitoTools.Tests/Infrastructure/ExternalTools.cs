using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Xunit;

namespace CognitoTools.Tests.Infrastructure
{
    /// <summary>The result of one external process run.</summary>
    public sealed class ExternalProcessResult
    {
        public int ExitCode { get; init; }
        public string StandardOutput { get; init; }
        public string StandardError { get; init; }
    }

    /// <summary>
    /// Tools on the machine image that some tests need (python3 with botocore, node, moto_server), checked once, and a
    /// runner for them. A test whose tool is missing is skipped with the reason, never passed.
    /// </summary>
    public static class ExternalTools
    {
        private static readonly Lazy<string> BotocoreMissing = new Lazy<string>(() =>
            Probe("python3", new[] { "-c", "import botocore, boto3; print(botocore.__version__)" },
                "python3 with botocore and boto3 is not installed (the machine image has botocore 1.43.11)"));

        private static readonly Lazy<string> NodeMissing = new Lazy<string>(() =>
            Probe("node", new[] { "--version" }, "Node.js is not on PATH (the reference signer @smithy/signature-v4 runs in node)"));

        private static readonly Lazy<string> MotoMissing = new Lazy<string>(() =>
            Probe("python3", new[] { "-c", "import moto, boto3; print(moto.__version__)" },
                "moto (moto_server 5.2.1) with boto3 is not installed")
            ?? Probe("moto_server", new[] { "--help" }, "moto_server is not on PATH"));

        /// <summary>Null when python3 with botocore runs; else why not.</summary>
        public static string WhyNoBotocore => BotocoreMissing.Value;
        public static string WhyNoNode => NodeMissing.Value;
        public static string WhyNoMoto => MotoMissing.Value;

        /// <summary>Runs a process to its end; AWS_* variables removed unless given, so nothing on the machine changes its answer.</summary>
        public static ExternalProcessResult Run(string file, IEnumerable<string> arguments, string workingDirectory, IDictionary<string, string> environment, TimeSpan timeout)
        {
            var startInfo = new ProcessStartInfo(file)
            {
                WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
            foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                startInfo.Environment.Remove(name);
            }
            if (environment != null)
            {
                foreach (var pair in environment) startInfo.Environment[pair.Key] = pair.Value;
            }
            using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start " + file);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit((int)timeout.TotalMilliseconds))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw new TimeoutException($"'{file} {string.Join(" ", arguments)}' did not finish within {timeout.TotalSeconds:0} s.");
            }
            process.WaitForExit();
            return new ExternalProcessResult { ExitCode = process.ExitCode, StandardOutput = stdout.Result, StandardError = stderr.Result };
        }

        private static string Probe(string file, string[] arguments, string reason)
        {
            try
            {
                var result = Run(file, arguments, null, null, TimeSpan.FromSeconds(60));
                return result.ExitCode == 0 ? null : reason + $" ('{file} {string.Join(" ", arguments)}' exited with {result.ExitCode}).";
            }
            catch (Win32Exception)
            {
                return reason + $" ('{file}' could not be started).";
            }
        }
    }

    /// <summary>A fact that needs python3 with botocore; skipped with the reason where it is missing.</summary>
    public sealed class BotocoreFactAttribute : FactAttribute
    {
        public BotocoreFactAttribute() { Skip = ExternalTools.WhyNoBotocore; }
    }

    /// <summary>A fact that needs node; skipped with the reason where it is missing.</summary>
    public sealed class NodeFactAttribute : FactAttribute
    {
        public NodeFactAttribute() { Skip = ExternalTools.WhyNoNode; }
    }

    /// <summary>A fact that needs moto_server (with boto3 for setup); skipped with the reason where it is missing.</summary>
    public sealed class MotoFactAttribute : FactAttribute
    {
        public MotoFactAttribute() { Skip = ExternalTools.WhyNoMoto; }
    }
}
