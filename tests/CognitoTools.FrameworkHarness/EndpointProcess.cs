using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace CognitoTools.FrameworkHarness
{
    /// <summary>
    /// The test endpoint (a net10.0 dll) as a child process: `dotnet CognitoTools.TestEndpoint.dll --port 0 --port-file F
    /// --exit-when-stdin-closes ...`. Its standard input is a pipe from this process, so it also exits if the harness dies
    /// without running Dispose; Dispose closes that pipe and kills the child if it is still there after a moment.
    /// </summary>
    internal sealed class EndpointProcess : IDisposable
    {
        private readonly Process _process;
        private readonly string _portFile;
        private readonly StringBuilder _stderr = new StringBuilder();

        private EndpointProcess(Process process, string portFile)
        {
            _process = process;
            _portFile = portFile;
        }

        public int Port { get; private set; }
        public Uri BaseUri => new Uri("http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + "/");

        public string StandardError
        {
            get { lock (_stderr) return _stderr.ToString(); }
        }

        public static EndpointProcess Start(string dotnet, string endpointDll, IEnumerable<string> options, TimeSpan startTimeout)
        {
            var portFile = Path.Combine(Path.GetTempPath(), "cgip-mono-harness-" + Guid.NewGuid().ToString("N") + ".port");
            var arguments = new List<string> { endpointDll, "--port", "0", "--port-file", portFile, "--exit-when-stdin-closes" };
            arguments.AddRange(options);
            var info = new ProcessStartInfo(dotnet, JoinArguments(arguments))
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + dotnet + ".");
            var endpoint = new EndpointProcess(process, portFile);
            // Drain both pipes so the child never blocks on a full one; keep stderr for failure messages.
            process.OutputDataReceived += (_, e) => { };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (endpoint._stderr) endpoint._stderr.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                endpoint.WaitForPort(startTimeout);
                return endpoint;
            }
            catch
            {
                endpoint.Dispose();
                throw;
            }
        }

        private void WaitForPort(TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                if (File.Exists(_portFile))
                {
                    var text = File.ReadAllText(_portFile).Trim();
                    if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) && port > 0)
                    {
                        Port = port;
                        return;
                    }
                }
                if (_process.HasExited)
                {
                    throw new InvalidOperationException("The test endpoint exited with code " + _process.ExitCode + " before listening: " + StandardError.Trim());
                }
                Thread.Sleep(25);
            }
            throw new TimeoutException("The test endpoint did not write its port within " + timeout.TotalSeconds + " s. " + StandardError.Trim());
        }

        public void Dispose()
        {
            try
            {
                try { _process.StandardInput.Close(); } catch (IOException) { } catch (InvalidOperationException) { }
                if (!_process.WaitForExit(3000))
                {
                    try { _process.Kill(); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
                    _process.WaitForExit(3000);
                }
            }
            catch (InvalidOperationException) { }
            finally
            {
                _process.Dispose();
                try { File.Delete(_portFile); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }

        /// <summary>Windows/Mono command-line quoting (ProcessStartInfo.ArgumentList does not exist on .NET Framework).</summary>
        private static string JoinArguments(IEnumerable<string> arguments)
        {
            var line = new StringBuilder();
            foreach (var argument in arguments)
            {
                if (line.Length > 0) line.Append(' ');
                if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '"', '\\' }) < 0)
                {
                    line.Append(argument);
                    continue;
                }
                line.Append('"');
                var backslashes = 0;
                foreach (var c in argument)
                {
                    if (c == '\\') { backslashes++; continue; }
                    if (c == '"') line.Append('\\', backslashes * 2 + 1);
                    else line.Append('\\', backslashes);
                    backslashes = 0;
                    line.Append(c);
                }
                line.Append('\\', backslashes * 2);
                line.Append('"');
            }
            return line.ToString();
        }
    }
}
