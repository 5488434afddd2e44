#Requires -Version 5.1
# Pester 5. Send-CGIPConfirmationCode -JournalPath in real PowerShell: a batch stopped midway ([powershell]::Stop(), as
# Ctrl+C) or killed (Stop-Process -Force: SIGKILL on Linux, TerminateProcess on Windows) and run again with the same
# journal; the endpoint's own per-user delivery counts (GET /_test/stats with --record) say who got how many codes.
# Also: the history keeps every failure of a long batch, a locked or foreign journal stops the command before any
# request, the stop warning's content and its preference, and Cognito's user-import CSV header.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:WorkDir = Join-Path ([System.IO.Path]::GetTempPath()) ('cognitotools-journal-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:WorkDir

    function Get-EndpointStats($Endpoint) {
        Invoke-RestMethod -Uri ($Endpoint.Url + '_test/stats') -Method Get
    }

    function Get-DeliveryCounts($Endpoint) {
        # DeliveriesByUser as a hashtable: username -> codes delivered.
        $counts = @{}
        $stats = Get-EndpointStats $Endpoint
        foreach ($property in $stats.DeliveriesByUser.PSObject.Properties) { $counts[$property.Name] = [int]$property.Value }
        $counts
    }

    function Wait-Deliveries($Endpoint, [int] $AtLeast, [int] $TimeoutSeconds = 30) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ((Get-EndpointStats $Endpoint).Deliveries -lt $AtLeast) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Fewer than $AtLeast deliveries within $TimeoutSeconds s." }
            Start-Sleep -Milliseconds 20
        }
    }

    # The batch every case runs: 2,000 piped usernames, 8 in flight, no rate limit (the endpoint's latency paces it).
    $script:BatchScript = Join-Path $script:WorkDir 'batch.ps1'
    Set-Content -Path $script:BatchScript -Encoding UTF8 -Value @'
param($ModulePath, $Url, $Journal, $Count)
Import-Module $ModulePath
1..[int]$Count | ForEach-Object { 'user{0:d4}' -f $_ } |
    CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -ThrottleLimit 8 -MaxRequestsPerSecond 0 -JournalPath $Journal -ErrorAction SilentlyContinue |
    Out-Null
'@

    function Stop-BatchMidway {
        # Runs $Script (param($ModulePath, $Url, $Journal)) in a runspace of a capturing host, stops it as Ctrl+C would
        # once the endpoint has delivered $AfterDeliveries codes, and returns the warnings left on the host.
        param([Parameter(Mandatory)] $Endpoint, [Parameter(Mandatory)] [string] $Script, [Parameter(Mandatory)] [string] $Journal, [int] $AfterDeliveries = 400)
        $capturing = New-CapturingHost
        $runspace = [runspacefactory]::CreateRunspace($capturing)
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        try {
            $null = $shell.AddScript($Script).AddArgument($script:ModulePath).AddArgument($Endpoint.Url).AddArgument($Journal)
            $async = $shell.BeginInvoke()
            Wait-Deliveries $Endpoint $AfterDeliveries
            $shell.Stop()
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $null = $async
            , @($capturing.Warnings)
        }
        finally {
            $shell.Dispose()
            $runspace.Dispose()
        }
    }

    $script:StopScript = @'
param($ModulePath, $Url, $Journal)
Import-Module $ModulePath
1..2000 | ForEach-Object { 'user{0:d4}' -f $_ } |
    CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -ThrottleLimit 8 -MaxRequestsPerSecond 0 -JournalPath $Journal -ErrorAction SilentlyContinue |
    Out-Null
'@
}

AfterAll {
    Remove-Item -Path $script:WorkDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A batch stopped midway and run again with the same journal' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '2000', '--resend-limit', '0', '--latency-ms', '5', '--record')
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'gives every user exactly one code, and the stop warning says how to resume' {
        $journal = Join-Path $script:WorkDir 'stopped.csv'
        $warnings = Stop-BatchMidway -Endpoint $script:Endpoint -Script $script:StopScript -Journal $journal

        $afterStop = Get-EndpointStats $script:Endpoint
        $afterStop.Deliveries | Should -BeLessThan 2000 -Because 'the batch was stopped midway'
        # Answers that came in during the grace are journaled, so nothing is left in doubt at this latency.
        $rows = @(Import-Csv -Path $journal)
        @($rows | Where-Object Event -eq 'Succeeded').Count | Should -Be $afterStop.Deliveries
        @($rows | Where-Object Event -eq 'InDoubt').Count | Should -Be 0

        $warning = @($warnings | Where-Object { $_ -like 'The command was stopped*' })
        $warning | Should -HaveCount 1
        $warning[0] | Should -Match "input row\(s\) read, $($afterStop.Deliveries) sent and answered, 0 in flight without an answer"
        $warning[0] | Should -Match 'The pipeline was stopped before its input ended'
        $warning[0] | Should -Match ([regex]::Escape("run the same command again with -JournalPath '$journal'"))

        # The same command again, to the end.
        & $script:BatchScript $script:ModulePath $script:Endpoint.Url $journal 2000

        $counts = Get-DeliveryCounts $script:Endpoint
        $counts.Count | Should -Be 2000
        @($counts.Values | Where-Object { $_ -ne 1 }).Count | Should -Be 0 -Because 'no user may get a second code'
        $skipped = @(Import-Csv -Path $journal | Where-Object Event -eq 'Skipped')
        $skipped.Count | Should -Be $afterStop.Deliveries
    }
}

Describe 'A batch killed midway and run again with the same journal' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '2000', '--resend-limit', '0', '--latency-ms', '5', '--record')
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'gives every user a code, and no more than ThrottleLimit users two' {
        $journal = Join-Path $script:WorkDir 'killed.csv'
        $child = Start-PowerShellScript -Path $script:BatchScript -Arguments @($script:ModulePath, $script:Endpoint.Url, $journal, '2000') -OutputDirectory $script:WorkDir
        try {
            Wait-Deliveries $script:Endpoint 400
        }
        finally {
            Stop-Process -Id $child.Id -Force
            $null = $child.WaitForExit(10000)
        }
        $afterKill = Get-EndpointStats $script:Endpoint
        $afterKill.Deliveries | Should -BeLessThan 2000 -Because 'the batch was killed midway'

        & $script:BatchScript $script:ModulePath $script:Endpoint.Url $journal 2000

        $counts = Get-DeliveryCounts $script:Endpoint
        $counts.Count | Should -Be 2000 -Because 'every user must have a code'
        @($counts.Values | Where-Object { $_ -gt 2 }).Count | Should -Be 0
        @($counts.Values | Where-Object { $_ -eq 2 }).Count | Should -BeLessOrEqual 8 -Because 'only the rows in flight at the kill (-ThrottleLimit 8) can be in doubt'
    }
}

Describe 'The history keeps every failure of a long batch' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '2900', '--resend-limit', '0')
    }
    AfterAll {
        Stop-TestEndpoint $script:Endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
    }

    It 'returns all 100 failures of a 3,000-row batch from Get-CGIPHistory -Failed' {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        # Every 30th row names a user the pool does not have: 100 failures spread over the batch.
        $users = foreach ($i in 1..3000) { if ($i % 30 -eq 0) { 'ghost{0:d4}' -f $i } else { 'user{0:d4}' -f [int]($i - [math]::Floor($i / 30)) } }
        $null = $users | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force -ThrottleLimit 16 -MaxRequestsPerSecond 0 -ErrorAction SilentlyContinue

        $failed = @(CognitoTools\Get-CGIPHistory -Failed)
        $failed.Count | Should -Be 100
        @($failed.Username | Sort-Object -Unique).Count | Should -Be 100
        @($failed | Where-Object ErrorCode -ne 'UserNotFoundException').Count | Should -Be 0
        @(CognitoTools\Get-CGIPHistory -Succeeded).Count | Should -Be 1000
    }
}

Describe 'Journals that cannot be used stop the command before any request' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '20', '--resend-limit', '0')
        $script:Target = @{ ClientId = 'demoappclient1'; EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1'; Force = $true }
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'refuses a journal another process is writing (JournalLocked), naming the file' {
        $journal = Join-Path $script:WorkDir 'locked.csv'
        $ready = Join-Path $script:WorkDir 'locked.ready'
        $holder = Join-Path $script:WorkDir 'hold.ps1'
        Set-Content -Path $holder -Encoding UTF8 -Value @'
param($ModulePath, $Journal, $Ready)
Import-Module $ModulePath
$held = [CognitoTools.Journal.BatchJournal]::Open($Journal, 'http://127.0.0.1/', $null)
Set-Content -Path $Ready -Value 'ready'
Start-Sleep -Seconds 60
'@
        $child = Start-PowerShellScript -Path $holder -Arguments @($script:ModulePath, $journal, $ready) -OutputDirectory $script:WorkDir
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Test-Path $ready)) {
                if ([DateTime]::UtcNow -gt $deadline -or $child.HasExited) { throw 'The child did not open the journal.' }
                Start-Sleep -Milliseconds 50
            }
            $before = (Get-EndpointStats $script:Endpoint).Requests
            { 'user0001', 'user0002' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $journal } |
                Should -Throw -ErrorId 'JournalLocked,CognitoTools.Commands.SendCGIPConfirmationCodeCommand' -ExpectedMessage "*$journal*"
            (Get-EndpointStats $script:Endpoint).Requests | Should -Be $before
        }
        finally {
            Stop-Process -Id $child.Id -Force -ErrorAction SilentlyContinue
            $null = $child.WaitForExit(10000)
        }
        # Released by the process's end, however it ended.
        @('user0003' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $journal).Count | Should -Be 1
    }

    It 'refuses a file that is not a journal (JournalNotRecognized) and leaves it untouched' {
        $file = Join-Path $script:WorkDir 'users.csv'
        Set-Content -Path $file -Value "Username,ClientId`nuser0004,demoappclient1"
        $before = [System.IO.File]::ReadAllBytes($file)
        $requests = (Get-EndpointStats $script:Endpoint).Requests
        { Import-Csv $file | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $file } |
            Should -Throw -ErrorId 'JournalNotRecognized,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        [System.IO.File]::ReadAllBytes($file) | Should -Be $before
        (Get-EndpointStats $script:Endpoint).Requests | Should -Be $requests
    }

    It 'refuses a directory or a missing folder (JournalUnusable)' {
        { 'user0005' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $script:WorkDir } |
            Should -Throw -ErrorId 'JournalUnusable,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        { 'user0005' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath (Join-Path $script:WorkDir 'no/such/dir/j.csv') } |
            Should -Throw -ErrorId 'JournalUnusable,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
    }

    It 'tolerates a last line cut off by a crash, with a warning, and resumes' {
        $journal = Join-Path $script:WorkDir 'torn.csv'
        $null = 'user0008' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $journal
        Add-Content -Path $journal -Value '2026-12-01T10:00:00.000+00:00,abc,2,Succ' -NoNewline
        $out = @('user0008', 'user0009' | CognitoTools\Send-CGIPConfirmationCode @Target -JournalPath $journal -WarningVariable warned -WarningAction SilentlyContinue)
        $out.Username | Should -Be @('user0009')
        @($warned | Where-Object { "$_" -like '*cut off*' }).Count | Should -Be 1
        @(Import-Csv $journal | Where-Object { $_.Event -notin 'Intent', 'Succeeded', 'Skipped' }).Count | Should -Be 0
    }
}

Describe 'The stop warning follows -WarningAction and $WarningPreference' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '2000', '--resend-limit', '0', '--latency-ms', '5', '--record')
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'writes nothing with -WarningAction SilentlyContinue' {
        $script = $script:StopScript -replace '-ErrorAction SilentlyContinue', '-ErrorAction SilentlyContinue -WarningAction SilentlyContinue'
        $warnings = Stop-BatchMidway -Endpoint $script:Endpoint -Script $script -Journal (Join-Path $script:WorkDir 'quiet1.csv') -AfterDeliveries 100
        $warnings | Should -HaveCount 0
    }

    It 'writes nothing with $WarningPreference = SilentlyContinue' {
        $script = $script:StopScript -replace 'Import-Module \$ModulePath', "Import-Module `$ModulePath; `$WarningPreference = 'SilentlyContinue'"
        $warnings = Stop-BatchMidway -Endpoint $script:Endpoint -Script $script -Journal (Join-Path $script:WorkDir 'quiet2.csv') -AfterDeliveries 100
        $warnings | Should -HaveCount 0
    }
}

Describe "Cognito's user-import CSV" {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '5', '--resend-limit', '0')
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'binds the cognito:username column to -Username' {
        $file = Join-Path $script:WorkDir 'import.csv'
        # The header GetCSVHeader gives (shortened): cognito:username first, cognito:mfa_enabled last.
        Set-Content -Path $file -Value @(
            'cognito:username,name,email,email_verified,phone_number,phone_number_verified,cognito:mfa_enabled',
            'user0001,Ann,ann@example.com,false,,false,false',
            'user0002,Bob,bob@example.com,false,,false,false')
        $result = @(Import-Csv -Path $file | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force)
        $result.Username | Should -Be @('user0001', 'user0002')
    }
}
