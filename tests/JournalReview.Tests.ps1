#Requires -Version 5.1
# Pester 5. Issue 14, each item through Send-CGIPConfirmationCode against the local endpoint: case-insensitive rows and
# the journal, a lock that holds from a second process after the owner read its own journal, our own rate cap is not
# "in flight" or a stall, -MaxRequestsPerSecond bounds, endpoint spellings, a huge error message, non-file-system
# paths, inert formula cells, TRUSTED CERTIFICATE bundles, truthful stop messages, and proxy credentials.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:WorkDir = Join-Path ([System.IO.Path]::GetTempPath()) ('cognitotools-review-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:WorkDir

    function Wait-Until([scriptblock] $Condition, [int] $TimeoutSeconds = 30, [string] $What = 'the condition') {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting for $What." }
            Start-Sleep -Milliseconds 50
        }
    }

    function Get-LiveCells([string] $Path) {
        # Cells a spreadsheet would run: what Import-Csv reads (the value after unquoting) starting with = + - @, tab or CR.
        foreach ($row in Import-Csv -Path $Path) {
            foreach ($property in $row.PSObject.Properties) {
                $value = [string]$property.Value
                if ($value.Length -gt 0 -and "=+-@`t`r".IndexOf($value[0]) -ge 0) { "$($property.Name)=$value" }
            }
        }
    }
}

AfterAll {
    Remove-Item -Path $script:WorkDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The journal and the batch agree' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '40', '--resend-limit', '0', '--record')
        $script:Target = @{ ClientId = 'demoappclient1'; EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1'; Force = $true }
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }
    BeforeEach { Reset-TestEndpointStats $script:Endpoint }

    It 'item 1: with -CaseInsensitiveUsernames, a rerun or another spelling sends no second code' {
        $journal = Join-Path $script:WorkDir 'case.csv'
        $first = @('user0001', 'USER0001' | CognitoTools\Send-CGIPConfirmationCode @Target -CaseInsensitiveUsernames -JournalPath $journal)
        $first.Count | Should -Be 2
        $again = @('user0001', 'USER0001', 'User0001' | CognitoTools\Send-CGIPConfirmationCode @Target -CaseInsensitiveUsernames -JournalPath $journal)
        $again.Count | Should -Be 0 -Because 'every spelling is settled in the journal'
        (Get-TestEndpointStats $script:Endpoint).Deliveries | Should -Be 1
        # Every row of the first run has its outcome line.
        @(Import-Csv $journal | Where-Object Event -eq 'Succeeded').Count | Should -Be 2
    }

    It 'item 5: another spelling of the same endpoint resumes; another endpoint is refused per row (EndpointMismatch), naming both, unless -AllowEndpointChange' {
        $journal = Join-Path $script:WorkDir 'endpoint.csv'
        $null = 'user0002' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $journal
        $port = $script:Endpoint.Port
        # Scheme and host case, default-less port, no trailing slash: the same endpoint, so the row is settled.
        $same = @('user0002' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl "HTTP://127.0.0.1:$port" -Region us-east-1 -Force -JournalPath $journal)
        $same.Count | Should -Be 0
        # localhost is another endpoint string: refused, with a warning naming both.
        $other = "http://localhost:$port/"
        $out = @('user0002', 'user0003' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $other -Region us-east-1 -Force -JournalPath $journal `
                -ErrorVariable refused -ErrorAction SilentlyContinue -WarningVariable warned -WarningAction SilentlyContinue)
        $out.Username | Should -Be @('user0003') -Because 'a user the journal does not know is sent'
        $refused | Should -HaveCount 1
        $refused[0].FullyQualifiedErrorId | Should -Be 'EndpointMismatch,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        $refused[0].TargetObject | Should -Be 'user0002'
        "$($refused[0])" | Should -BeLike "*$($script:Endpoint.Url)*"
        "$($refused[0])" | Should -BeLike "*$other*"
        @($warned | Where-Object { "$_" -like "*$($script:Endpoint.Url)*" -and "$_" -like "*$other*" }).Count | Should -Be 1
        $stats = Get-TestEndpointStats $script:Endpoint
        $stats.DeliveriesByUser.user0002 | Should -Be 1 -Because 'no second code through another URL'
        # A deliberate change: the journal's lines count as this endpoint's.
        @('user0002' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $other -Region us-east-1 -Force -JournalPath $journal -AllowEndpointChange -WarningAction SilentlyContinue).Count | Should -Be 0
        (Get-TestEndpointStats $script:Endpoint).DeliveriesByUser.user0002 | Should -Be 1
    }

    It 'item 7: a path on another provider is JournalUnusable naming it; a relative path lands in $PWD' {
        $before = (Get-TestEndpointStats $script:Endpoint).Requests
        { 'user0004' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath 'env:cgipjournal.csv' } |
            Should -Throw -ErrorId 'JournalUnusable,CognitoTools.Commands.SendCGIPConfirmationCodeCommand' -ExpectedMessage '*Environment provider*'
        { 'user0004' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath 'variable:cgipjournal' } |
            Should -Throw -ErrorId 'JournalUnusable,CognitoTools.Commands.SendCGIPConfirmationCodeCommand' -ExpectedMessage '*Variable provider*'
        (Get-TestEndpointStats $script:Endpoint).Requests | Should -Be $before
        Test-Path (Join-Path ([Environment]::CurrentDirectory) 'cgipjournal.csv') | Should -BeFalse

        $folder = Join-Path $script:WorkDir 'relative'
        $null = New-Item -ItemType Directory -Path $folder
        Push-Location $folder
        try {
            $null = 'user0004' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath 'rel-journal.csv'
        }
        finally { Pop-Location }
        Test-Path (Join-Path $folder 'rel-journal.csv') | Should -BeTrue
    }

    It 'item 8: formula cells are written inert and read back exactly' {
        $journal = Join-Path $script:WorkDir 'formula.csv'
        # Users the pool does not have: UserNotFoundException, a failure a rerun skips (if it reads the username back exactly).
        $null = '+15550100', '=cmd', '@SUM(A1)', '-1' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $journal -ErrorAction SilentlyContinue
        @(Get-LiveCells $journal) | Should -HaveCount 0
        (Get-Content $journal -Raw) | Should -Match ",'\+15550100,"
        $requests = (Get-TestEndpointStats $script:Endpoint).Requests
        $null = '+15550100', '=cmd', '@SUM(A1)', '-1' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $journal -WarningVariable warned -WarningAction SilentlyContinue
        (Get-TestEndpointStats $script:Endpoint).Requests | Should -Be $requests -Because 'each username resumed as itself'
        "$warned" | Should -Match '4 row\(s\) were not sent again'
    }
}

Describe 'item 2: the journal lock holds from a second process' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '200', '--resend-limit', '0')
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'refuses a second process with JournalLocked after the owner read its own journal in another runspace' {
        $journal = Join-Path $script:WorkDir 'held.csv'
        $ready = Join-Path $script:WorkDir 'held.ready'
        $owner = Join-Path $script:WorkDir 'owner.ps1'
        Set-Content -Path $owner -Encoding UTF8 -Value @'
param($ModulePath, $Url, $Journal, $Ready)
Import-Module $ModulePath
# The batch, one request a second, in its own runspace: it holds the journal for a minute.
$batch = [powershell]::Create()
$null = $batch.AddScript({
    param($ModulePath, $Url, $Journal)
    Import-Module $ModulePath
    1..60 | ForEach-Object { 'user{0:d4}' -f $_ } |
        CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -MaxRequestsPerSecond 1 -JournalPath $Journal -ErrorAction SilentlyContinue
}).AddArgument($ModulePath).AddArgument($Url).AddArgument($Journal)
$async = $batch.BeginInvoke()
while (-not ((Test-Path $Journal) -and (Get-Content $Journal | Select-Object -Skip 1 | Select-Object -First 1))) { Start-Sleep -Milliseconds 50 }
# This process opens and closes its own journal: an fcntl record lock would be gone after this.
$reader = [powershell]::Create()
$null = $reader.AddScript({ param($Journal) $null = Get-Content -Path $Journal; $null = Import-Csv -Path $Journal }).AddArgument($Journal)
$null = $reader.Invoke()
$reader.Dispose()
Set-Content -Path $Ready -Value 'ready'
$null = $batch.EndInvoke($async)
'@
        $child = Start-PowerShellScript -Path $owner -Arguments @($script:ModulePath, $script:Endpoint.Url, $journal, $ready) -OutputDirectory $script:WorkDir
        try {
            Wait-Until { (Test-Path $ready) -or $child.HasExited } -What 'the owner to read its journal'
            $child.HasExited | Should -BeFalse
            # Other programs can still read it.
            @(Import-Csv -Path $journal).Count | Should -BeGreaterThan 0
            $requests = (Get-TestEndpointStats $script:Endpoint).Requests
            $second = Invoke-PowerShellProcess -ArgumentList @('-NoProfile', '-NonInteractive', '-Command',
                "Import-Module '$($script:ModulePath)'; try { 'user0100' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl '$($script:Endpoint.Url)' -Region us-east-1 -Force -JournalPath '$journal' -ErrorAction Stop; 'SENT' } catch { `$_.FullyQualifiedErrorId }")
            ($second -join "`n") | Should -BeLike '*JournalLocked,CognitoTools.Commands.SendCGIPConfirmationCodeCommand*'
            ($second -join "`n") | Should -Not -BeLike '*SENT*'
            # Nothing of the second process reached the endpoint: only the owner's one request a second.
            (Get-TestEndpointStats $script:Endpoint).AttemptsByUser.user0100 | Should -BeNullOrEmpty
            $null = $requests
        }
        finally {
            Stop-Process -Id $child.Id -Force -ErrorAction SilentlyContinue
            $null = $child.WaitForExit(10000)
        }
        # Released when the owner ended, however it ended.
        @('user0150' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force -JournalPath $journal).Count | Should -Be 1
    }
}

Describe 'item 3: waiting for our own rate cap is neither in flight nor a stall' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '10', '--resend-limit', '0', '--record')
        $script:Target = @{ ClientId = 'demoappclient1'; EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1'; Force = $true }
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }
    BeforeEach { Reset-TestEndpointStats $script:Endpoint }

    It 'sends every row of a slow capped batch with a short -MaxStallSec, none in doubt' {
        $journal = Join-Path $script:WorkDir 'slowcap.csv'
        # One request every 2 s, a stall bound of 1 s: each row waits longer for its slot than the bound.
        $out = @(1..4 | ForEach-Object { 'user{0:d4}' -f $_ } |
                CognitoTools\Send-CGIPConfirmationCode @Target -MaxRequestsPerSecond 0.5 -MaxStallSec 1 -JournalPath $journal -WarningVariable warned -ErrorVariable failed -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 4
        $failed | Should -HaveCount 0
        $warned | Should -HaveCount 0
        (Get-TestEndpointStats $script:Endpoint).Deliveries | Should -Be 4
        @(Import-Csv $journal | Where-Object Event -eq 'InDoubt').Count | Should -Be 0
    }

    It 'does not release requests queued for a slot when the batch is stopped, and journals them NotSent, not InDoubt' {
        $journal = Join-Path $script:WorkDir 'queued.csv'
        $capturing = New-CapturingHost
        $runspace = [runspacefactory]::CreateRunspace($capturing)
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        try {
            $null = $shell.AddScript({
                    param($ModulePath, $Url, $Journal)
                    Import-Module $ModulePath
                    1..6 | ForEach-Object { 'user{0:d4}' -f $_ } |
                        CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -ThrottleLimit 6 -MaxRequestsPerSecond 0.2 -JournalPath $Journal -ErrorAction SilentlyContinue
                }).AddArgument($script:ModulePath).AddArgument($script:Endpoint.Url).AddArgument($journal)
            $async = $shell.BeginInvoke()
            Wait-Until { (Get-TestEndpointStats $script:Endpoint).Deliveries -ge 1 } -What 'the first delivery'
            Start-Sleep -Milliseconds 300
            $shell.Stop()
            $null = $async
        }
        finally {
            $shell.Dispose()
            $runspace.Dispose()
        }
        # The 1-s answer grace passed: with a slot every 5 s, nothing more may have gone out.
        $stats = Get-TestEndpointStats $script:Endpoint
        $stats.Requests | Should -Be 1
        $rows = @(Import-Csv $journal)
        @($rows | Where-Object Event -eq 'Intent').Count | Should -Be 1 -Because 'only the request that left has an Intent'
        @($rows | Where-Object Event -eq 'InDoubt').Count | Should -Be 0
        @($rows | Where-Object Event -eq 'NotSent').Count | Should -Be 5
        $warning = @($capturing.Warnings | Where-Object { $_ -like 'The command was stopped*' })
        $warning | Should -HaveCount 1
        $warning[0] | Should -Match '1 sent and answered, 0 in flight without an answer \(they may have reached Cognito\), 5 read but not sent'
    }
}

Describe 'item 4: -MaxRequestsPerSecond has a lower bound, enforced at binding' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '5', '--resend-limit', '0')
        $script:Target = @{ ClientId = 'demoappclient1'; EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1'; Force = $true }
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'refuses <Value> at binding, naming the parameter and the range' -ForEach @(@{ Value = 1e-7 }, @{ Value = 0.005 }, @{ Value = -1 }) {
        $before = (Get-TestEndpointStats $script:Endpoint).Requests
        { 'user0001' | CognitoTools\Send-CGIPConfirmationCode @Target -MaxRequestsPerSecond $Value } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,CognitoTools.Commands.SendCGIPConfirmationCodeCommand' -ExpectedMessage '*MaxRequestsPerSecond*'
        (Get-TestEndpointStats $script:Endpoint).Requests | Should -Be $before
    }

    It 'names the lowest cap in the message' {
        try { 'user0001' | CognitoTools\Send-CGIPConfirmationCode @Target -MaxRequestsPerSecond 1e-7 } catch { $message = "$_" }
        $message | Should -BeLike '*0 (no cap) or from 0.01 to 1000*'
    }

    It 'sends with the lowest cap, 0.01' {
        $out = @('user0002' | CognitoTools\Send-CGIPConfirmationCode @Target -MaxRequestsPerSecond 0.01)
        $out.Username | Should -Be @('user0002')
    }
}

Describe 'item 6: a huge error message cannot make the journal unreadable' {
    BeforeAll {
        if (-not ('CognitoToolsTests.HugeErrorStub' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;

namespace CognitoToolsTests
{
    // Answers every request with a Cognito error whose message is 1.1 MB long.
    public sealed class HugeErrorStub : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        public HugeErrorStub() { _listener.Start(); Task.Run(new Func<Task>(AcceptLoop)); }
        public int Port { get { return ((IPEndPoint)_listener.LocalEndpoint).Port; } }

        private async Task AcceptLoop()
        {
            while (true)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); } catch (Exception) { return; }
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
                    var buffer = new byte[65536];
                    var text = new StringBuilder();
                    while (true)
                    {
                        var read = await stream.ReadAsync(buffer, 0, buffer.Length);
                        if (read == 0) return;
                        text.Append(Encoding.UTF8.GetString(buffer, 0, read));
                        var s = text.ToString();
                        var end = s.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (end < 0) continue;
                        var length = 0;
                        foreach (var line in s.Substring(0, end).Split(new[] { "\r\n" }, StringSplitOptions.None))
                            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line.Substring(15).Trim());
                        if (Encoding.UTF8.GetByteCount(s) - end - 4 >= length) break;
                    }
                    var body = "{\"__type\":\"InvalidParameterException\",\"message\":\"" + new string('x', 1100 * 1024) + "\"}";
                    var head = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: huge\r\nContent-Length: " +
                               Encoding.UTF8.GetByteCount(body) + "\r\nConnection: close\r\n\r\n";
                    var bytes = Encoding.UTF8.GetBytes(head + body);
                    await stream.WriteAsync(bytes, 0, bytes.Length);
                }
                catch (Exception) { }
            }
        }

        public void Dispose() { _listener.Stop(); }
    }
}
'@
        }
        $script:Stub = [CognitoToolsTests.HugeErrorStub]::new()
    }
    AfterAll { $script:Stub.Dispose() }

    It 'cuts the stored message and the next run reads the journal' {
        $journal = Join-Path $script:WorkDir 'huge.csv'
        $url = "http://127.0.0.1:$($script:Stub.Port)/"
        $null = 'user0001' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $url -Region us-east-1 -Force -JournalPath $journal -ErrorAction SilentlyContinue
        $failed = @(Import-Csv $journal | Where-Object Event -eq 'Failed')
        $failed | Should -HaveCount 1
        $failed[0].ErrorMessage.Length | Should -BeLessOrEqual 4096
        $failed[0].ErrorMessage | Should -Match '\[cut: \d+ more characters\]$'
        # Before the cap: JournalNotRecognized ("line 3 is longer than 1048576 bytes").
        { 'user0001' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $url -Region us-east-1 -Force -JournalPath $journal -ErrorAction SilentlyContinue } |
            Should -Not -Throw
        @(Import-Csv $journal | Where-Object Event -eq 'Failed').Count | Should -Be 2
    }
}

Describe 'item 9: a CA bundle in OpenSSL''s trusted-certificate form' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '5', '--resend-limit', '0')
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'reads TRUSTED CERTIFICATE blocks, alone and mixed with CERTIFICATE blocks' {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=Corp Root', $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $root = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
        # openssl x509 -trustout -addtrust serverAuth: the certificate, then its trust settings (X509_CERT_AUX).
        [byte[]] $aux = 0x30, 0x0C, 0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01
        $trusted = [Convert]::ToBase64String([byte[]]($root.RawData + $aux), 'InsertLineBreaks')
        $plain = [Convert]::ToBase64String($root.RawData, 'InsertLineBreaks')
        $trustedOnly = Join-Path $script:WorkDir 'trusted.pem'
        Set-Content -Path $trustedOnly -Value "-----BEGIN TRUSTED CERTIFICATE-----`n$trusted`n-----END TRUSTED CERTIFICATE-----"
        $mixed = Join-Path $script:WorkDir 'mixed.pem'
        Set-Content -Path $mixed -Value "-----BEGIN CERTIFICATE-----`n$plain`n-----END CERTIFICATE-----`n-----BEGIN TRUSTED CERTIFICATE-----`n$trusted`n-----END TRUSTED CERTIFICATE-----`n-----BEGIN TRUSTED CERTIFICATE-----`nAAAA`n-----END TRUSTED CERTIFICATE-----"
        $saved = $env:AWS_CA_BUNDLE
        try {
            $env:AWS_CA_BUNDLE = $trustedOnly
            # Before: InvalidCaBundle "contains no PEM certificate".
            @('user0001' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force).Count | Should -Be 1
            # A bundle mixing the forms: the corrupt third block is not dropped silently.
            $env:AWS_CA_BUNDLE = $mixed
            { 'user0002' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force } |
                Should -Throw -ErrorId 'InvalidCaBundle,CognitoTools.Commands.SendCGIPConfirmationCodeCommand' -ExpectedMessage '*certificate 3*'
        }
        finally { $env:AWS_CA_BUNDLE = $saved }
    }
}

Describe 'item 10: messages that tell the truth' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '10', '--resend-limit', '0')
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'counts each row of a stopped -Username array once, and does not call history rows "recorded nowhere"' {
        $capturing = New-CapturingHost
        $runspace = [runspacefactory]::CreateRunspace($capturing)
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        try {
            # The second user does not exist; -ErrorAction Stop ends the command there, part-way through the array.
            $null = $shell.AddScript({
                    param($ModulePath, $Url)
                    Import-Module $ModulePath
                    CognitoTools\Send-CGIPConfirmationCode -Username 'user0001', 'ghost', 'user0003', 'user0004', 'user0005' -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -ErrorAction Stop
                }).AddArgument($script:ModulePath).AddArgument($script:Endpoint.Url)
            try { $null = $shell.Invoke() } catch { }
            $shell.Commands.Clear()
            $notSent = @($shell.AddScript('@(CognitoTools\Get-CGIPHistory -NotSent).Count').Invoke())[0]
        }
        finally {
            $shell.Dispose()
            $runspace.Dispose()
        }
        # The row being submitted when the error stopped the command may have gone out; the rows after it did not.
        $notSent | Should -BeGreaterOrEqual 1
        $warning = @($capturing.Warnings | Where-Object { $_ -like 'The command was stopped*' })
        $warning | Should -HaveCount 1
        $warning[0] | Should -Match "5 input row\(s\) read, $(5 - $notSent) sent and answered, 0 in flight without an answer \(they may have reached Cognito\), $notSent read but not sent\."
        $warning[0] | Should -Not -Match 'never read'
        $warning[0] | Should -Not -Match 'recorded nowhere'
        $warning[0] | Should -Match 'Get-CGIPHistory -NotSent'
    }

    It 'names the journal in the per-row NotSent recommended action' {
        $endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '10', '--resend-limit', '0', '--fault', 'throttle', '--fault-rate', '1')
        try {
            $journal = Join-Path $script:WorkDir 'notsent.csv'
            $null = 1..3 | ForEach-Object { 'user{0:d4}' -f $_ } |
                CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $endpoint.Url -Region us-east-1 -Force -ThrottleLimit 3 -MaxRequestsPerSecond 0 -MaxStallSec 1 `
                    -JournalPath $journal -ErrorVariable stopped -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $notSent = @($stopped | Where-Object { $_.FullyQualifiedErrorId -like 'NotSent,*' })
            $notSent.Count | Should -Be 3
            foreach ($record in $notSent) {
                $record.ErrorDetails.RecommendedAction | Should -BeLike "*-JournalPath '$journal'*"
            }
        }
        finally { Stop-TestEndpoint $endpoint }
    }
}

Describe 'item 11: proxy credentials are secrets' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '10', '--resend-limit', '0')
        $script:Proxy = Start-BasicAuthProxy $script:Endpoint
        $script:SavedProxy = Get-ProxyVariables
    }
    AfterAll {
        Restore-ProxyVariables $script:SavedProxy
        $script:Proxy.Dispose()
        Stop-TestEndpoint $script:Endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
    }

    It 'a refused CONNECT (https) is ProxyAuthenticationRequired, and the password is nowhere: error, $Error, history, journal' {
        $password = 'Wrong-Pa55word'
        Set-ProxyVariables $script:Proxy $password
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $journal = Join-Path $script:WorkDir 'proxy.csv'
        $connects = $script:Proxy.Connects
        $null = 'user0001', 'user0002' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -Region us-east-1 -Force -JournalPath $journal -ErrorVariable refused -ErrorAction SilentlyContinue
        $script:Proxy.Connects | Should -BeGreaterThan $connects -Because 'https went through the proxy as CONNECT'
        # The first refusal stops every request to the endpoint (the proxy refuses them all): one row's error, then
        # ONE ProxyCredentialsRefused error for the stop; the second row is NotSent.
        $refused | Should -HaveCount 2
        $refused[0].FullyQualifiedErrorId | Should -Be 'ProxyAuthenticationRequired,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        $refused[1].FullyQualifiedErrorId | Should -Be 'ProxyCredentialsRefused,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        foreach ($record in $refused) {
            $record.CategoryInfo.Category | Should -Be 'PermissionDenied'
            "$record" | Should -BeLike "*proxy 'http://127.0.0.1:$($script:Proxy.Port)'*"
            "$record" | Should -BeLike '*407*'
        }
        ($refused | Out-String) | Should -Not -BeLike "*$password*"
        ($refused | ForEach-Object { $_.Exception.ToString() }) -join "`n" | Should -Not -BeLike "*$password*"
        ($Error | Select-Object -First 10 | ForEach-Object { $_.Exception.ToString() + $_.ToString() }) -join "`n" | Should -Not -BeLike "*$password*"
        (CognitoTools\Get-CGIPHistory | ConvertTo-Json -Depth 5) | Should -Not -BeLike "*$password*"
        @(CognitoTools\Get-CGIPHistory -Failed | Where-Object ErrorCode -eq 'ProxyAuthenticationRequired').Count | Should -Be 1
        @(CognitoTools\Get-CGIPHistory -NotSent).Count | Should -Be 1
        (Get-Content -Path $journal -Raw) | Should -Not -BeLike "*$password*"
        (Get-Content -Path $journal -Raw) | Should -Not -BeLike '*corp:*'
    }

    It 'a refused absolute-URI request (http) is ProxyAuthenticationRequired; the right password goes through the proxy' {
        $url = "http://cognito-idp.proxy-test.invalid:$($script:Endpoint.Port)/"
        Set-ProxyVariables $script:Proxy 'Wrong-Pa55word'
        $null = 'user0003' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $url -Region us-east-1 -Force -ErrorVariable refused -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $refused | Should -HaveCount 1
        $refused[0].FullyQualifiedErrorId | Should -Be 'ProxyAuthenticationRequired,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        "$refused" | Should -Not -BeLike '*Wrong-Pa55word*'
        $forwarded = $script:Proxy.Forwarded
        Set-ProxyVariables $script:Proxy 'Right-Pa55word'
        $out = @('user0003' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $url -Region us-east-1 -Force -WarningAction SilentlyContinue)
        $out.Username | Should -Be @('user0003')
        $script:Proxy.Forwarded | Should -Be ($forwarded + 1)
    }
}
