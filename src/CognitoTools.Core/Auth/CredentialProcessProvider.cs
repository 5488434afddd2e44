using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CognitoTools.Auth
{
    /// <summary>
    /// A profile's credential_process: runs the command (through cmd.exe on Windows, /bin/sh elsewhere, as the CLI
    /// does), reads JSON Version 1 from its standard output, and runs it again before the credentials expire. SSO users
    /// point it at `aws configure export-credentials --profile NAME --format process`. Standard output holds the
    /// secret: it is parsed, never shown; an error shows the exit code and the start of standard error only.
    /// </summary>
    public sealed class CredentialProcessProvider : RefreshingCredentialsProvider
    {
        /// <summary>A credential process that prompts or hangs must not stop a scheduled job forever.</summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);
        private const int MaxErrorExcerpt = 400;

        private readonly string _command;
        private readonly TimeSpan _timeout;

        internal CredentialProcessProvider(string command, string profileDescription, TimeSpan? timeout, Func<DateTimeOffset> utcNow) : base(utcNow)
        {
            _command = command;
            _timeout = timeout ?? DefaultTimeout;
            Source = "credential_process of " + profileDescription;
        }

        public override string Source { get; }

        protected override async Task<AwsCredentials> FetchAsync(CancellationToken cancellationToken)
        {
            // The separator tells Windows apart without RuntimeInformation, which old .NET Framework builds lack.
            var windows = Path.DirectorySeparatorChar == '\\';
            var startInfo = new ProcessStartInfo(windows ? "cmd.exe" : "/bin/sh", windows ? "/d /s /c \"" + _command + "\"" : "-c " + QuoteForSh(_command))
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                CreateNoWindow = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            Process process;
            try
            {
                process = Process.Start(startInfo);
            }
            catch (Exception error) when (error is System.ComponentModel.Win32Exception || error is InvalidOperationException)
            {
                throw new AwsCredentialsException(CredentialErrorIds.CredentialProcessFailed, Source + " could not be started: " + error.Message, Source, error);
            }
            using (process)
            {
                process.StandardInput.Close();
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                var exited = new TaskCompletionSource<bool>();
                var waiter = Task.Run(() => process.WaitForExit((int)Math.Min(int.MaxValue, _timeout.TotalMilliseconds)));
                using (cancellationToken.Register(() => exited.TrySetCanceled()))
                {
                    var finished = await Task.WhenAny(waiter, exited.Task).ConfigureAwait(false);
                    if (finished != waiter || !waiter.Result)
                    {
                        try { process.Kill(); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new AwsCredentialsException(CredentialErrorIds.CredentialProcessFailed,
                            Source + " did not finish within " + _timeout.TotalSeconds + " s (does it wait for input, e.g. an SSO login? Run 'aws sso login' first).", Source);
                    }
                }
                process.WaitForExit();
                var output = await stdout.ConfigureAwait(false);
                var errorText = (await stderr.ConfigureAwait(false) ?? string.Empty).Trim();
                if (process.ExitCode != 0)
                {
                    throw new AwsCredentialsException(CredentialErrorIds.CredentialProcessFailed,
                        Source + " exited with code " + process.ExitCode + (errorText.Length > 0 ? ": " + Excerpt(errorText) : " and wrote nothing to standard error."), Source);
                }
                return CredentialsJson.Parse(output, Source, CredentialErrorIds.CredentialProcessFailed, isCredentialProcess: true);
            }
        }

        private static string Excerpt(string text) => text.Length <= MaxErrorExcerpt ? text : text.Substring(0, MaxErrorExcerpt) + "...";

        /// <summary>
        /// netstandard2.0 has no ArgumentList: .NET splits Arguments by the Windows (CommandLineToArgvW) rules on every
        /// OS, so the command is quoted by those rules to reach /bin/sh as the one argument after -c.
        /// </summary>
        internal static string QuoteForSh(string argument)
        {
            var builder = new StringBuilder("\"");
            for (var i = 0; i < argument.Length; i++)
            {
                var backslashes = 0;
                while (i < argument.Length && argument[i] == '\\')
                {
                    backslashes++;
                    i++;
                }
                if (i == argument.Length)
                {
                    builder.Append('\\', backslashes * 2);
                    break;
                }
                if (argument[i] == '"') builder.Append('\\', backslashes * 2 + 1).Append('"');
                else builder.Append('\\', backslashes).Append(argument[i]);
            }
            return builder.Append('"').ToString();
        }
    }
}
