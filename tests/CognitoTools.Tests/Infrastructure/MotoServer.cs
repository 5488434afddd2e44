// How to use MotoServer (xunit and Pester):
//   var plan = new[] { MotoSetupStep.Create("signer", "iam", "create_user", new { UserName = "signer" }), ... };
//   using var moto = MotoServer.Start(plan);          // skip first when MotoServer.WhyUnavailable != null
//   moto.Endpoint                                      // http://127.0.0.1:<free port>/ for every service (IAM, STS, cognito-idp)
//   moto.Value("signerKey", "AccessKey.SecretAccessKey")  // a step's result, by a dotted path
// Start runs `moto_server -H 127.0.0.1 -p <free port>` with INITIAL_NO_AUTH_ACTION_COUNT = 1 + plan.Count: one
// readiness probe (an unsigned GET /, which moto counts), then each step (boto3, tests/moto/moto-setup.py, one request
// per step, retries off). An unsigned GET / right after the plan must be refused (proves the count). From then on moto checks every SigV4 signature (403 SignatureDoesNotMatch, InvalidClientTokenId)
// and every IAM policy (403 AccessDenied). Steps may refer to earlier results: "${signerKey:AccessKey.AccessKeyId}".
// Dispose stops the server (its own process only). In Pester: Add-Type -Path CognitoTools.Tests.dll, then the same calls;
// or run tests/moto/moto-setup.py yourself with the same plan JSON.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;

namespace CognitoTools.Tests.Infrastructure
{
    /// <summary>One setup action: a boto3 call (snake_case operation) made before moto starts checking signatures.</summary>
    public sealed class MotoSetupStep
    {
        public string Name { get; set; }
        public string Service { get; set; }
        public string Operation { get; set; }
        public JsonObject Args { get; set; } = new JsonObject();
        public string Region { get; set; } = "us-east-1";

        public static MotoSetupStep Create(string name, string service, string operation, object args, string region = "us-east-1")
            => new MotoSetupStep
            {
                Name = name,
                Service = service,
                Operation = operation,
                Args = args == null ? new JsonObject() : JsonSerializer.SerializeToNode(args).AsObject(),
                Region = region,
            };
    }

    /// <summary>A moto_server of our own on 127.0.0.1, set up and then checking signatures and IAM policies.</summary>
    public sealed class MotoServer : IDisposable
    {
        private static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(60);
        private readonly Process _process;
        private readonly StringBuilder _log = new StringBuilder();
        private JsonElement _results;

        private MotoServer(Process process, int port, int noAuthActionCount)
        {
            _process = process;
            Port = port;
            NoAuthActionCount = noAuthActionCount;
            Endpoint = new Uri("http://127.0.0.1:" + port + "/");
        }

        /// <summary>Null when moto_server and boto3 are installed; else why not (the reason a test is skipped with).</summary>
        public static string WhyUnavailable => ExternalTools.WhyNoMoto;

        public Uri Endpoint { get; }
        public int Port { get; }
        /// <summary>INITIAL_NO_AUTH_ACTION_COUNT: the probe plus the setup steps.</summary>
        public int NoAuthActionCount { get; }
        /// <summary>What moto printed (requests, tracebacks), for failure messages.</summary>
        public string Log { get { lock (_log) return _log.ToString(); } }

        /// <summary>Starts moto, probes it once, runs the plan; throws with moto's log when any of it fails.</summary>
        public static MotoServer Start(IReadOnlyList<MotoSetupStep> plan, TimeSpan? startTimeout = null)
        {
            if (WhyUnavailable != null) throw new InvalidOperationException(WhyUnavailable);
            var port = FreePort();
            var count = 1 + plan.Count;
            var startInfo = new ProcessStartInfo("moto_server")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            foreach (var argument in new[] { "-H", "127.0.0.1", "-p", port.ToString() }) startInfo.ArgumentList.Add(argument);
            foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)).ToList()) startInfo.Environment.Remove(name);
            startInfo.Environment["INITIAL_NO_AUTH_ACTION_COUNT"] = count.ToString();
            var process = Process.Start(startInfo) ?? throw new InvalidOperationException("moto_server did not start.");
            var server = new MotoServer(process, port, count);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                server.WaitUntilListening(startTimeout ?? DefaultStartTimeout);
                server.Probe();
                server.RunPlan(plan);
                server.VerifySignatureChecking();
                return server;
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }

        /// <summary>A step's result at a dotted path ("AccessKey.SecretAccessKey", "Users.0.Username").</summary>
        public string Value(string stepName, string path)
        {
            var element = _results.GetProperty(stepName);
            foreach (var part in path.Split('.'))
            {
                element = element.ValueKind == JsonValueKind.Array ? element[int.Parse(part)] : element.GetProperty(part);
            }
            return element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
        }

        private void Append(string line)
        {
            if (line == null) return;
            lock (_log) _log.AppendLine(line);
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        /// <summary>TCP connects until moto listens: a refused connection is not a request, so it is not counted.</summary>
        private void WaitUntilListening(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                if (_process.HasExited) throw new InvalidOperationException("moto_server exited with " + _process.ExitCode + ":\n" + Log);
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, Port);
                    return;
                }
                catch (SocketException)
                {
                    if (DateTime.UtcNow > deadline) throw new TimeoutException("moto_server did not listen on port " + Port + " within " + timeout.TotalSeconds + " s:\n" + Log);
                    Thread.Sleep(200);
                }
            }
        }

        /// <summary>The readiness probe: one unsigned GET / (moto counts it as one of the no-auth actions).</summary>
        private void Probe()
        {
            using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
            using var response = http.GetAsync(Endpoint).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException("moto_server's readiness probe answered " + (int)response.StatusCode + ":\n" + Log);
        }

        /// <summary>
        /// Proves the count: right after the plan, an unsigned GET / (S3 ListBuckets) must be refused. Were the count one
        /// too high, moto would still serve it (and a test would pass on a request moto never checked).
        /// </summary>
        private void VerifySignatureChecking()
        {
            using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
            using var response = http.GetAsync(Endpoint).GetAwaiter().GetResult();
            if (response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException("moto served an unsigned request after the " + NoAuthActionCount + " counted setup actions: the count is wrong.\n" + Log);
            }
            SignatureCheckingVerified = true;
        }

        /// <summary>True once an unsigned request after the setup was refused.</summary>
        public bool SignatureCheckingVerified { get; private set; }

        private void RunPlan(IReadOnlyList<MotoSetupStep> plan)
        {
            var planJson = new JsonArray(plan.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["service"] = s.Service,
                ["operation"] = s.Operation,
                ["args"] = JsonNode.Parse(s.Args.ToJsonString()),
                ["region"] = s.Region,
            }).ToArray());
            var planFile = Path.Combine(Path.GetTempPath(), "cognitotools-moto-plan-" + Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(planFile, planJson.ToJsonString());
            try
            {
                var script = Path.Combine(RepositoryLayout.RepoRoot, "tests", "moto", "moto-setup.py");
                var result = ExternalTools.Run("python3", new[] { script, Endpoint.ToString().TrimEnd('/'), planFile }, null,
                    new Dictionary<string, string> { ["NO_PROXY"] = "127.0.0.1", ["no_proxy"] = "127.0.0.1" }, TimeSpan.FromSeconds(120));
                if (result.ExitCode != 0) throw new InvalidOperationException("The moto setup failed:\n" + result.StandardError + "\nmoto log:\n" + Log);
                using var document = JsonDocument.Parse(result.StandardOutput);
                _results = document.RootElement.GetProperty("results").Clone();
            }
            finally
            {
                File.Delete(planFile);
            }
        }
    }
}
