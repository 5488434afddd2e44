# Shared by the Pester tests that list users (dot-sourced in BeforeAll, after TestSupport.ps1): a moto_server of the
# test's own on 127.0.0.1, set up by tests/moto/moto_fixture.py (IAM users with keys, a user pool, users in three
# statuses), after which it checks every signature and IAM policy. Nothing here talks to AWS.

function Get-MotoUnavailableReason {
    # Null when moto_server and python3 with boto3 and moto are installed; else the reason a test is skipped with.
    if (-not (Get-Command python3 -ErrorAction SilentlyContinue)) { return 'python3 is not on PATH (moto and boto3 need it)' }
    if (-not (Get-Command moto_server -ErrorAction SilentlyContinue)) { return 'moto_server is not on PATH (the machine image has moto 5.2.1)' }
    $null = & python3 -c 'import boto3, moto' 2>&1
    if ($LASTEXITCODE -ne 0) { return 'python3 cannot import boto3 and moto' }
    return $null
}

function Start-MotoServer {
    # Starts moto_server on a free port with INITIAL_NO_AUTH_ACTION_COUNT covering the fixture's setup requests (the
    # fixture then spends whatever is left, so every later request is checked), runs the fixture, and returns the
    # server's process and URL with the fixture's ids and keys (UserPoolId, AccessKeyId, SecretAccessKey, ...).
    param([int] $Users = 60, [string] $Prefix = 'user')
    $port = Get-UnusedLocalPort
    $stem = Join-Path ([System.IO.Path]::GetTempPath()) ('cognitotools-moto-' + [guid]::NewGuid().ToString('N'))
    # IAM 8, the pool and its app client 2, one per user and one more per confirmed user, and a margin.
    $actions = 8 + 2 + $Users + [math]::Ceiling($Users / 3) + 10
    $saved = $env:INITIAL_NO_AUTH_ACTION_COUNT
    $env:INITIAL_NO_AUTH_ACTION_COUNT = "$actions"
    try {
        $process = Start-Process -FilePath (Get-Command moto_server).Source -ArgumentList @('-H', '127.0.0.1', '-p', "$port") -PassThru -NoNewWindow `
            -RedirectStandardOutput "$stem.out" -RedirectStandardError "$stem.err"
    }
    finally {
        $env:INITIAL_NO_AUTH_ACTION_COUNT = $saved
    }
    $server = [pscustomobject]@{ Process = $process; Port = $port; Url = "http://127.0.0.1:$port"; LogStem = $stem; Fixture = $null }
    try {
        # Wait for the port with a bare TCP connect: an HTTP probe would be one of moto's unchecked actions.
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ($true) {
            if ($process.HasExited) { throw "moto_server exited with code $($process.ExitCode): $(Get-Content "$stem.err" -Raw)" }
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect('127.0.0.1', $port); break } catch { } finally { $client.Dispose() }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'moto_server did not listen within 60 seconds.' }
            Start-Sleep -Milliseconds 100
        }
        $script = Join-Path $PSScriptRoot 'moto/moto_fixture.py'
        $output = & python3 $script --endpoint $server.Url --users $Users --prefix $Prefix 2>"$stem.fixture.err"
        if ($LASTEXITCODE -ne 0) { throw "The moto fixture failed: $(Get-Content "$stem.fixture.err" -Raw)" }
        $server.Fixture = ($output | Select-Object -Last 1) | ConvertFrom-Json
        return $server
    }
    catch {
        Stop-MotoServer $server
        throw
    }
}

function Stop-MotoServer {
    param($Server)
    if ($null -eq $Server) { return }
    Stop-Process -Id $Server.Process.Id -Force -ErrorAction SilentlyContinue
    $null = $Server.Process.WaitForExit(5000)
    Remove-Item -Path "$($Server.LogStem).*" -Force -ErrorAction SilentlyContinue
}

function New-MotoUsersCsv {
    # The fixture's users as a CSV for the local test endpoint (--users-csv), so the campaign's resends reach users the
    # endpoint knows, with the same statuses (the endpoint knows Unconfirmed and Confirmed only).
    param([Parameter(Mandatory)] $Fixture, [Parameter(Mandatory)] [string] $Path)
    $statuses = 'Unconfirmed', 'Confirmed', 'Confirmed'
    0..($Fixture.Users - 1) | ForEach-Object {
        $name = '{0}{1:00000}' -f $Fixture.Prefix, $_
        [pscustomobject]@{ Username = $name; Email = "$name@example.com"; Status = $statuses[$_ % 3] }
    } | Export-Csv -Path $Path -NoTypeInformation
}
