using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using CognitoTools.TestEndpoint;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.TestEndpoint
{
    /// <summary>Starts the built endpoint as a child process, as the build script and the Pester tests do.</summary>
    public sealed class StandaloneEndpointTests : IDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
        private readonly List<Process> _processes = new List<Process>();
        private readonly TemporaryDirectory _tempDir = new TemporaryDirectory("cgip-endpoint-");

        public void Dispose()
        {
            foreach (var process in _processes)
            {
                try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.Dispose();
            }
            _tempDir.Dispose();
        }

        private Process Start(params string[] arguments)
        {
            // The test project references the endpoint, so its dll and runtimeconfig sit next to the tests.
            var dll = EndpointProcessStart.AssemblyPath;
            Assert.True(File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), "no runtimeconfig next to " + dll);
            var process = Process.Start(EndpointProcessStart.StartInfo(arguments));
            _processes.Add(process);
            return process;
        }

        private static async Task<int> ReadPortFromStdoutAsync(Process process)
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(StartTimeout);
            var match = Regex.Match(line ?? string.Empty, @"^Listening on http://127\.0\.0\.1:(\d+)/$");
            Assert.True(match.Success, "first line was: " + line + " / stderr: " + (process.HasExited ? process.StandardError.ReadToEnd() : ""));
            return int.Parse(match.Groups[1].Value);
        }

        private static async Task<WireResponse> ResendAsync(int port, string clientId, string username, string secretHash = null)
        {
            using (var http = Wire.NewClient())
            {
                return await Wire.SendAsync(http, Wire.Request(new Uri("http://127.0.0.1:" + port + "/"), Wire.Body(clientId, username, secretHash)));
            }
        }

        [Fact]
        public async Task Starts_on_an_ephemeral_port_serves_the_demo_pool_and_exits_when_stdin_closes()
        {
            var portFile = Path.Combine(_tempDir.Path, "port.txt");
            var process = Start("--port", "0", "--port-file", portFile, "--seed-users", "3", "--exit-when-stdin-closes");

            var port = await ReadPortFromStdoutAsync(process);
            Assert.Equal(port.ToString(), File.ReadAllText(portFile));
            var secretLine = await process.StandardOutput.ReadLineAsync();
            var clientsShown = secretLine + "\n" + await process.StandardOutput.ReadLineAsync();
            Assert.Contains(FakeCognitoService.DemoClientSecret, clientsShown);

            var ann = await ResendAsync(port, "demoappclient1", "ann");
            var seeded = await ResendAsync(port, "secretclient1", "user0003",
                FakeCognitoService.ComputeSecretHash(FakeCognitoService.DemoClientSecret, "user0003", "secretclient1"));
            var dave = await ResendAsync(port, "demoappclient1", "dave");
            var erin = await ResendAsync(port, "demoappclient1", "erin");

            Assert.Equal("a***@e***.com", ann.Destination);
            Assert.Equal("u***@e***.com", seeded.Destination);
            Assert.Equal("+*******0123", dave.Destination);
            Assert.Equal("InvalidParameterException", erin.ErrorType);

            process.StandardInput.Close();
            Assert.True(process.WaitForExit(15000), "did not exit after stdin closed");
            Assert.Equal(0, process.ExitCode);
            Assert.False(File.Exists(portFile), "port file should be removed on exit");
        }

        [Fact]
        public async Task Options_add_a_client_users_from_csv_and_faults()
        {
            var csv = Path.Combine(_tempDir.Path, "users.csv");
            // As Windows PowerShell's Export-Csv writes it: a #TYPE line and every field quoted.
            File.WriteAllLines(csv, new[]
            {
                "#TYPE System.Management.Automation.PSCustomObject",
                "\"Username\",\"Email\",\"PhoneNumber\",\"Status\"",
                "frank,frank@example.net,,Unconfirmed",
                "\"grace,jr\",,+15555550999,",
                "heidi,heidi@example.com,,Confirmed",
            });
            var process = Start("--port", "0", "--users-csv", csv, "--client-id", "myclient", "--client-secret", "mysecret",
                "--fault", "503", "--fault-rate", "0", "--prevent-user-existence-errors", "--rate-limit", "0.001", "--rate-burst", "5", "--throttle-429");
            var port = await ReadPortFromStdoutAsync(process);

            string Hash(string user) => FakeCognitoService.ComputeSecretHash("mysecret", user, "myclient");
            var frank = await ResendAsync(port, "myclient", "frank", Hash("frank"));
            var grace = await ResendAsync(port, "myclient", "grace,jr", Hash("grace,jr"));
            var heidi = await ResendAsync(port, "myclient", "heidi", Hash("heidi"));
            var noHash = await ResendAsync(port, "myclient", "frank");
            var unknown = await ResendAsync(port, "demoappclient1", "nobody-at-all");
            var overRate = await ResendAsync(port, "demoappclient1", "ann");

            Assert.Equal("f***@e***.net", frank.Destination);
            Assert.Equal("+*******0999", grace.Destination);
            Assert.Equal("InvalidParameterException", heidi.ErrorType);
            Assert.Equal("NotAuthorizedException", noHash.ErrorType);
            Assert.Equal(200, unknown.Status); // --prevent-user-existence-errors
            // The sixth request exceeds the burst of 5 at 0.001/s.
            Assert.Equal(429, overRate.Status);
            Assert.Equal("TooManyRequestsException", overRate.ErrorType);
        }

        [Fact]
        public async Task Fault_option_injects_faults()
        {
            var process = Start("--port", "0", "--fault", "503,throttle", "--fault-rate", "1", "--latency-ms", "250", "--seed", "7");
            var port = await ReadPortFromStdoutAsync(process);

            var watch = Stopwatch.StartNew();
            var answers = new List<WireResponse>();
            for (var i = 0; i < 8; i++) answers.Add(await ResendAsync(port, "demoappclient1", "ann"));
            watch.Stop();

            // Every request faults, split between the two kinds; none is delivered.
            Assert.All(answers, a => Assert.True(a.Status == 503 || a.ErrorType == "TooManyRequestsException", a.ToString()));
            Assert.Contains(answers, a => a.Status == 503);
            Assert.Contains(answers, a => a.ErrorType == "TooManyRequestsException");
            // --latency-ms applies to every answer (without it, eight local requests take a few ms).
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(8 * 180), watch.Elapsed.ToString());
        }

        [Fact]
        public async Task Fault_user_option_spoils_only_that_users_first_requests()
        {
            var process = Start("--port", "0", "--seed-users", "3", "--fault-user", "user0001=500:2", "--fault-user", "user0002=drop");
            var port = await ReadPortFromStdoutAsync(process);

            var first = await ResendAsync(port, "demoappclient1", "user0001");
            var other = await ResendAsync(port, "demoappclient1", "user0003");
            var second = await ResendAsync(port, "demoappclient1", "user0001");
            var third = await ResendAsync(port, "demoappclient1", "user0001");
            await Assert.ThrowsAnyAsync<Exception>(() => ResendAsync(port, "demoappclient1", "user0002"));
            var afterDrop = await ResendAsync(port, "demoappclient1", "user0002");

            Assert.Equal(500, first.Status);
            Assert.Equal("InternalErrorException", first.ErrorType);
            Assert.Equal(200, other.Status);
            Assert.Equal(500, second.Status);
            Assert.Equal(200, third.Status);
            Assert.Equal("u***@e***.com", third.Destination);
            Assert.Equal(200, afterDrop.Status);

            var bad = Start("--fault-user", "user0001");
            var error = await bad.StandardError.ReadToEndAsync().WaitAsync(StartTimeout);
            Assert.True(bad.WaitForExit(15000));
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("--fault-user expects USER=KIND[:N]", error);
        }

        [Fact]
        public async Task A_busy_fixed_port_is_refused_with_exit_code_1()
        {
            var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            busy.Start();
            try
            {
                var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
                var process = Start("--port", port.ToString());
                var error = await process.StandardError.ReadToEndAsync().WaitAsync(StartTimeout);
                Assert.True(process.WaitForExit(15000));
                Assert.Equal(1, process.ExitCode);
                Assert.Contains("Cannot listen on 127.0.0.1:" + port, error);
            }
            finally
            {
                busy.Stop();
            }
        }

        [Fact]
        public async Task Help_lists_the_options_and_bad_options_fail_with_exit_code_2()
        {
            var help = Start("--help");
            var text = await help.StandardOutput.ReadToEndAsync().WaitAsync(StartTimeout);
            Assert.True(help.WaitForExit(15000));
            Assert.Equal(0, help.ExitCode);
            foreach (var option in new[] { "--port", "--port-file", "--latency-ms", "--seed-users", "--users-csv", "--client-id", "--client-secret",
                "--prevent-user-existence-errors", "--rate-limit", "--fault-rate", "--fault", "--fault-user", "--exit-when-stdin-closes", "--verbose" })
            {
                Assert.Contains(option, text);
            }

            var bad = Start("--fault", "explode");
            var error = await bad.StandardError.ReadToEndAsync().WaitAsync(StartTimeout);
            Assert.True(bad.WaitForExit(15000));
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("Unknown fault 'explode'", error);
        }
    }
}
