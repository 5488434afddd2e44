# Shared by the Pester tests (dot-sourced in BeforeAll): where the built module and the local endpoint are,
# and how to start and stop the endpoint. Nothing here talks to AWS: the endpoint listens on 127.0.0.1 only.

$script:RepoRoot = Split-Path -Parent $PSScriptRoot

function Get-TestModulePath {
    if ($env:COGNITOTOOLS_MODULE_PATH) {
        return $env:COGNITOTOOLS_MODULE_PATH
    }
    $version = (Import-PowerShellDataFile -Path (Join-Path $script:RepoRoot 'CognitoTools.psd1')).ModuleVersion
    $path = Join-Path $script:RepoRoot "out/CognitoTools/$version/CognitoTools.psd1"
    if (-not (Test-Path $path)) {
        throw "The built module is not at $path; run ./build.ps1 -Task Build (or dotnet build CognitoTools.sln) first."
    }
    return $path
}

function Get-TestEndpointDll {
    if ($env:COGNITOTOOLS_ENDPOINT_DLL -and (Test-Path $env:COGNITOTOOLS_ENDPOINT_DLL)) {
        return $env:COGNITOTOOLS_ENDPOINT_DLL
    }
    $candidates = @(Get-ChildItem -Path (Join-Path $script:RepoRoot 'tests/CognitoTools.TestEndpoint/bin') -Recurse -Filter 'CognitoTools.TestEndpoint.dll' -ErrorAction SilentlyContinue |
        Where-Object { $_.Directory.Name -eq 'net10.0' } | Sort-Object LastWriteTimeUtc -Descending)
    if ($candidates.Count -eq 0) {
        throw 'The test endpoint is not built; run ./build.ps1 -Task Build first.'
    }
    return $candidates[0].FullName
}

function Get-PowerShellCommand {
    # The same PowerShell as this session, for tests that need a fresh process, as a command line prefix: the pwsh or
    # powershell.exe executable, or `dotnet <PSHOME>/pwsh.dll` when this session runs as the dotnet tool (`dotnet pwsh`).
    $current = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ($current -match '(?i)[\\/]dotnet(\.exe)?$') {
        return @($current, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return @($current)
}

function Invoke-PowerShellProcess {
    # Runs a fresh PowerShell process of the same kind as this one with these arguments; returns its output lines
    # ($LASTEXITCODE is its exit code).
    param([Parameter(Mandatory)] [string[]] $ArgumentList)
    $command = @(Get-PowerShellCommand)
    $prefix = @($command | Select-Object -Skip 1)
    & $command[0] @prefix @ArgumentList
}

function Start-TestEndpoint {
    # Starts the local Cognito stand-in on an ephemeral port; returns its process and base URL.
    param([string[]] $ExtraArguments = @())
    $stem = Join-Path ([System.IO.Path]::GetTempPath()) ('cognitotools-pester-' + [guid]::NewGuid().ToString('N'))
    $portFile = "$stem.port"
    $arguments = @("`"$(Get-TestEndpointDll)`"", '--port', '0', '--port-file', "`"$portFile`"") + $ExtraArguments
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -PassThru -NoNewWindow `
        -RedirectStandardOutput "$stem.out" -RedirectStandardError "$stem.err"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (-not ((Test-Path $portFile) -and (Get-Content -Path $portFile -Raw))) {
        if ($process.HasExited) {
            throw "The test endpoint exited with code $($process.ExitCode): $(Get-Content "$stem.err" -Raw)"
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
            throw 'The test endpoint did not start within 30 seconds.'
        }
        Start-Sleep -Milliseconds 100
    }
    $port = [int](Get-Content -Path $portFile -Raw).Trim()
    [pscustomobject]@{ Process = $process; Port = $port; Url = "http://127.0.0.1:$port/"; LogStem = $stem }
}

function Stop-TestEndpoint {
    param($Endpoint)
    if ($null -eq $Endpoint) { return }
    Stop-Process -Id $Endpoint.Process.Id -Force -ErrorAction SilentlyContinue
    $null = $Endpoint.Process.WaitForExit(5000)
    Remove-Item -Path "$($Endpoint.LogStem).*" -Force -ErrorAction SilentlyContinue
}

function Get-UnusedLocalPort {
    # A port nothing listens on: bind an ephemeral one and release it.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Invoke-WithoutHostUI {
    # Runs a script in a runspace whose host has no UI: any confirmation prompt fails instead of waiting for a
    # keypress, so a test can tell "prompted" from "did not prompt" without hanging.
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock, [object[]] $ArgumentList = @())
    $shell = [powershell]::Create()
    try {
        $null = $shell.AddScript($ScriptBlock.ToString())
        foreach ($argument in $ArgumentList) { $null = $shell.AddArgument($argument) }
        $output = $null
        $failure = $null
        try { $output = $shell.Invoke() } catch { $failure = $_.Exception }
        # ShouldProcess/ShouldContinue raise HostException (HostFunctionNotImplemented) when they try to prompt here.
        $promptErrors = @(@($shell.Streams.Error | ForEach-Object { $_.Exception }) + @($failure) | Where-Object {
                $exception = $_
                $found = $false
                while ($exception) {
                    if ($exception -is [System.Management.Automation.Host.HostException]) { $found = $true }
                    $exception = $exception.InnerException
                }
                $found
            })
        [pscustomobject]@{
            Output        = @($output)
            Errors        = @($shell.Streams.Error)
            Failure       = $failure
            Prompted      = $promptErrors.Count -gt 0
            PromptMessage = ($promptErrors | ForEach-Object { $_.Message }) -join "`n"
        }
    }
    finally {
        $shell.Dispose()
    }
}

function Start-DelayingCognitoStub {
    # A minimal ResendConfirmationCode answerer on 127.0.0.1 that holds the answer for one user, so a test can tell
    # input order from arrival order (-Unordered). Raw sockets rather than HttpListener: HttpListener needs a URL ACL on
    # Windows for 127.0.0.1. C# 5 only, so Windows PowerShell's compiler takes it too.
    param([Parameter(Mandatory)] [string] $SlowUsername, [int] $DelayMilliseconds = 1500)
    if (-not ('CognitoToolsTests.DelayingCognitoStub' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CognitoToolsTests
{
    public sealed class DelayingCognitoStub : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly string _slowMarker;
        private readonly int _delayMilliseconds;

        public DelayingCognitoStub(string slowUsername, int delayMilliseconds)
        {
            _slowMarker = "\"Username\":\"" + slowUsername + "\"";
            _delayMilliseconds = delayMilliseconds;
            _listener.Start();
            Task.Run(new Func<Task>(AcceptLoop));
        }

        public int Port { get { return ((IPEndPoint)_listener.LocalEndpoint).Port; } }

        private async Task AcceptLoop()
        {
            while (true)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); }
                catch (Exception) { return; }
                var ignored = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var received = new StringBuilder();
                    var buffer = new byte[8192];
                    while (true)
                    {
                        var text = received.ToString();
                        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (headerEnd >= 0)
                        {
                            var length = 0;
                            foreach (var line in text.Substring(0, headerEnd).Split(new[] { "\r\n" }, StringSplitOptions.None))
                            {
                                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) { length = int.Parse(line.Substring(15).Trim()); }
                            }
                            if (Encoding.UTF8.GetByteCount(text) - headerEnd - 4 >= length) { break; }
                        }
                        var read = await stream.ReadAsync(buffer, 0, buffer.Length);
                        if (read == 0) { return; }
                        received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                    }
                    var request = received.ToString().Replace(" ", string.Empty);
                    if (request.Contains(_slowMarker)) { await Task.Delay(_delayMilliseconds); }
                    var body = "{\"CodeDeliveryDetails\":{\"AttributeName\":\"email\",\"DeliveryMedium\":\"EMAIL\",\"Destination\":\"s***@e***.com\"}}";
                    var response = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: " + Guid.NewGuid() +
                                   "\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\nConnection: close\r\n\r\n" + body;
                    var bytes = Encoding.UTF8.GetBytes(response);
                    await stream.WriteAsync(bytes, 0, bytes.Length);
                }
                catch (Exception)
                {
                    // The client went away; nothing to answer.
                }
            }
        }

        public void Dispose() { _listener.Stop(); }
    }
}
'@
    }
    $stub = [CognitoToolsTests.DelayingCognitoStub]::new($SlowUsername, $DelayMilliseconds)
    [pscustomobject]@{ Stub = $stub; Url = "http://127.0.0.1:$($stub.Port)/" }
}

function Get-TestEndpointStats {
    # The endpoint's server-side counters (GET /_test/stats): what really reached it, whatever the client reports.
    param([Parameter(Mandatory)] $Endpoint)
    Invoke-RestMethod -Uri "$($Endpoint.Url)_test/stats"
}

function Reset-TestEndpointStats {
    # POST /_test/reset: zero the counters and per-user records (and every user's hourly limit).
    param([Parameter(Mandatory)] $Endpoint)
    $null = Invoke-RestMethod -Method Post -Uri "$($Endpoint.Url)_test/reset"
}

function New-CapturingHost {
    # A PowerShell host that keeps the warnings written to it, so a test can read the warning a stopped pipeline leaves
    # on the host ($host.Warnings). C# 5 only, so Windows PowerShell's compiler takes it too.
    if (-not ('CognitoToolsTests.CapturingHost' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace CognitoToolsTests
{
    public sealed class CapturingHost : PSHost
    {
        private readonly Guid _id = Guid.NewGuid();
        private readonly CapturingUI _ui = new CapturingUI();
        public List<string> Warnings { get { return _ui.Warnings; } }
        public override string Name { get { return "CapturingHost"; } }
        public override Version Version { get { return new Version(1, 0); } }
        public override Guid InstanceId { get { return _id; } }
        public override PSHostUserInterface UI { get { return _ui; } }
        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }
        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() { throw new NotSupportedException(); }
        public override void ExitNestedPrompt() { throw new NotSupportedException(); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }

    public sealed class CapturingUI : PSHostUserInterface
    {
        public readonly List<string> Warnings = new List<string>();
        public override PSHostRawUserInterface RawUI { get { return null; } }
        public override string ReadLine() { throw new NotSupportedException(); }
        public override SecureString ReadLineAsSecureString() { throw new NotSupportedException(); }
        public override void Write(string value) { }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
        public override void WriteLine(string value) { }
        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { lock (Warnings) Warnings.Add(message); }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw new NotSupportedException(); }
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) { throw new NotSupportedException(); }
    }
}
'@
    }
    [CognitoToolsTests.CapturingHost]::new()
}

function Start-PowerShellScript([string] $Path, [string[]] $Arguments, [string] $OutputDirectory) {
    # A child PowerShell of the same kind as this one running a script file, its output and errors in files under
    # $OutputDirectory; returns its process.
    $command = @(Get-PowerShellCommand)
    $quoted = @($command | Select-Object -Skip 1 | ForEach-Object { '"' + $_ + '"' }) + @('-NoProfile', '-NonInteractive', '-File', ('"' + $Path + '"')) +
        @($Arguments | ForEach-Object { '"' + $_ + '"' })
    $stem = Join-Path $OutputDirectory ([guid]::NewGuid().ToString('N'))
    Start-Process -FilePath $command[0] -ArgumentList $quoted -PassThru -NoNewWindow -RedirectStandardOutput "$stem.out" -RedirectStandardError "$stem.err"
}

function Start-BasicAuthProxy($Endpoint) {
    # A proxy on 127.0.0.1 that asks for Basic auth (user corp, password Right-Pa55word) on CONNECT and absolute-URI
    # requests and forwards them to the test endpoint. Dispose it when done.
    if (-not ('CognitoTools.TestEndpoint.Http.BasicAuthProxy' -as [type])) {
        Add-Type -Path (Join-Path $script:RepoRoot 'tests/CognitoTools.TestEndpoint/Http/BasicAuthProxy.cs')
    }
    $upstream = [System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, $Endpoint.Port)
    [CognitoTools.TestEndpoint.Http.BasicAuthProxy]::new('corp', 'Right-Pa55word', $upstream)
}

$script:ProxyVariableNames = 'HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'all_proxy', 'no_proxy'

function Get-ProxyVariables {
    # The proxy variables as they are, for Restore-ProxyVariables.
    $saved = @{}
    foreach ($name in $script:ProxyVariableNames) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    $saved
}

function Restore-ProxyVariables([hashtable] $Saved) {
    foreach ($name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $Saved[$name]) }
}

function Set-ProxyVariables($Proxy, [string] $Password) {
    # Only HTTPS_PROXY and HTTP_PROXY, both to $Proxy as corp:$Password (every other proxy variable cleared).
    foreach ($name in $script:ProxyVariableNames) { [Environment]::SetEnvironmentVariable($name, $null) }
    $url = "http://corp:$Password@127.0.0.1:$($Proxy.Port)/"
    $env:HTTPS_PROXY = $url
    $env:HTTP_PROXY = $url
}
