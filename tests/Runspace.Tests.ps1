#Requires -Version 5.1
# Pester 5. What a host sees of Send-CGIPConfirmationCode through a runspace: the Write-Progress records of its
# Streams.Progress, and [powershell]::Stop() (what Ctrl+C does) in the middle of a batch given as an array.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module (Get-TestModulePath) -Force
}

Describe 'Write-Progress records' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '12', '--resend-limit', '0')
        # A fresh process without -NonInteractive (the module keeps progress quiet in non-interactive processes, such
        # as the one build.ps1 runs the tests in), hosting runspaces whose progress records it hands back as JSON.
        $script = @"
`$ErrorActionPreference = 'Stop'
`$runs = foreach (`$mode in 'Array', 'Pipeline') {
    `$shell = [powershell]::Create()
    `$null = `$shell.AddScript({
        param(`$ModulePath, `$Url, `$Mode)
        Import-Module `$ModulePath
        `$users = 1..12 | ForEach-Object { 'user{0:D4}' -f `$_ }
        # 12 users at 8 per second: over a second, past the 0.5 s before a bar first shows.
        `$common = @{ ClientId = 'demoappclient1'; EndpointUrl = `$Url; Region = 'us-east-1'; Force = `$true; MaxRequestsPerSecond = 8 }
        if (`$Mode -eq 'Array') { `$null = CognitoTools\Send-CGIPConfirmationCode -Username `$users @common }
        else { `$null = `$users | CognitoTools\Send-CGIPConfirmationCode @common }
    }.ToString()).AddArgument('$((Get-TestModulePath).Replace("'", "''"))').AddArgument('$($Endpoint.Url)').AddArgument(`$mode)
    `$null = `$shell.Invoke()
    if (`$shell.Streams.Error.Count -gt 0) { throw `$shell.Streams.Error[0] }
    [pscustomobject]@{
        Mode    = `$mode
        Records = @(`$shell.Streams.Progress | ForEach-Object {
            [pscustomobject]@{ ActivityId = `$_.ActivityId; Activity = `$_.Activity; Status = `$_.StatusDescription; Percent = `$_.PercentComplete; Type = [string]`$_.RecordType }
        })
    }
    `$shell.Dispose()
}
[pscustomobject]@{ Interactive = [Environment]::UserInteractive; Runs = @(`$runs) } | ConvertTo-Json -Depth 5 -Compress
"@
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        $answer = Invoke-PowerShellProcess -ArgumentList @('-NoProfile', '-OutputFormat', 'Text', '-EncodedCommand', $encoded) | Select-Object -Last 1
        $script:ExitCode = $LASTEXITCODE
        $script:Progress = $answer | ConvertFrom-Json
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'reports a known total as a rising percentage, then completes the bar (-Username array)' {
        $ExitCode | Should -Be 0
        if (-not $Progress.Interactive) {
            Set-ItResult -Skipped -Because 'this process is not user-interactive (a service), where the module never shows progress'
            return
        }
        $records = @(($Progress.Runs | Where-Object Mode -EQ 'Array').Records)
        $records.Count | Should -BeGreaterOrEqual 2 -Because 'the batch takes over a second: some updates, then the completion'
        @($records.ActivityId | Sort-Object -Unique) | Should -HaveCount 1 -Because 'one bar per command'
        $records | ForEach-Object { $_.Activity | Should -Be 'Sending confirmation codes' }
        $records[-1].Type | Should -Be 'Completed'
        $updates = @($records | Where-Object Type -EQ 'Processing')
        $updates.Count | Should -BeGreaterThan 0
        $previous = -1
        foreach ($update in $updates) {
            $update.Status | Should -Match '^(\d+) done, \d+ failed, \d+ in flight'
            $done = [int]([regex]::Match($update.Status, '^(\d+) done').Groups[1].Value)
            $update.Percent | Should -BeGreaterOrEqual $previous
            $update.Percent | Should -BeLessOrEqual 100
            # The percentage is the share of the 12 users done.
            [math]::Abs($update.Percent - [math]::Floor($done * 100 / 12)) | Should -BeLessOrEqual 1 -Because "'$($update.Status)' at $($update.Percent)%"
            $previous = $update.Percent
        }
    }

    It 'reports no percentage when the total is unknown (pipeline input), then completes the bar' {
        $ExitCode | Should -Be 0
        if (-not $Progress.Interactive) {
            Set-ItResult -Skipped -Because 'this process is not user-interactive (a service), where the module never shows progress'
            return
        }
        $records = @(($Progress.Runs | Where-Object Mode -EQ 'Pipeline').Records)
        $records.Count | Should -BeGreaterOrEqual 2
        $records[-1].Type | Should -Be 'Completed'
        # At least one update to check (an empty list would pass any per-update check), and every one without a percentage.
        $updates = @($records | Where-Object Type -EQ 'Processing')
        $updates.Count | Should -BeGreaterThan 0 -Because 'the batch takes over a second: the bar shows before it completes'
        @($updates | Where-Object Percent -NE -1 | ForEach-Object { "'$($_.Status)' at $($_.Percent)%" }) | Should -BeNullOrEmpty
    }
}

Describe 'Stopping a batch with [powershell]::Stop()' {
    BeforeAll {
        # Every answer takes 30 s: the first users are surely in flight when the batch is stopped.
        $script:SlowEndpoint = Start-TestEndpoint -ExtraArguments @('--record', '--seed-users', '20', '--resend-limit', '0', '--latency-ms', '30000')
    }
    AfterAll { Stop-TestEndpoint $script:SlowEndpoint }

    It 'ends promptly and records every user of the array not answered as NotSent; nothing more reaches the server' {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $users = @(1..20 | ForEach-Object { 'user{0:D4}' -f $_ })
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({ param($ModulePath) Import-Module $ModulePath }.ToString()).AddArgument((Get-TestModulePath)).Invoke()
            $shell.Commands.Clear()
            $null = $shell.AddScript({
                    param($Url, $Users)
                    CognitoTools\Send-CGIPConfirmationCode -Username $Users -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -ThrottleLimit 2
                }.ToString()).AddArgument($SlowEndpoint.Url).AddArgument($users)
            $null = $shell.BeginInvoke()
            # Stop once the server holds the two requests in flight (-ThrottleLimit 2).
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-TestEndpointStats $SlowEndpoint).Requests -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            (Get-TestEndpointStats $SlowEndpoint).Requests | Should -Be 2
            $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $stopwatch.Stop()
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            # Generous bound: the answers are 30 s away, so a stop that waited for them would take far longer.
            $stopwatch.Elapsed.TotalSeconds | Should -BeLessThan 10
            # The history belongs to the runspace that made the calls: read it there.
            $shell.Commands.Clear()
            $history = @($shell.AddScript('$global:CGIPHistory').Invoke())[0]
        }
        finally {
            $shell.Dispose()
        }

        $history.LastCommand.NotSent | Should -Be 20
        $history.LastCommand.Succeeded | Should -Be 0
        $history.LastCommand.Failed | Should -Be 0
        $notSent = @($history.Entries | Where-Object { $_.Outcome -eq 'NotSent' })
        @($notSent.Username | Sort-Object) | Should -Be $users
        $notSent | ForEach-Object { $_.CodeDeliveryDetails | Should -BeNullOrEmpty }
        # The batch is over: a moment later the server has still seen only the two requests that were in flight.
        Start-Sleep -Milliseconds 500
        $stats = Get-TestEndpointStats $SlowEndpoint
        $stats.Requests | Should -Be 2
        @($stats.AttemptsByUser.PSObject.Properties.Name | Sort-Object) | Should -Be @('user0001', 'user0002')
    }
}
