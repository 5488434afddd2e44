#Requires -Version 5.1
# Pester 5. The session history: $CGIPHistory, Get-CGIPHistory filters, retries by piping entries back,
# redaction of secrets, configuration, clearing, and records not sent after a stop (Ctrl+C).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module (Get-TestModulePath) -Force
    $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '20', '--resend-limit', '0')
    $script:Target = @{ EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1' }
    $script:DemoSecret = 'demosecret1234567890abcdefghijklmnopqrstuvwxyz12345'
    $script:SecureDemoSecret = ConvertTo-SecureString -String $script:DemoSecret -AsPlainText -Force
}

AfterAll {
    CognitoTools\Set-CGIPHistoryConfiguration -MaximumCount 1000 -RecordRequests:$false -IncludeSecrets:$false
    Stop-TestEndpoint $script:Endpoint
}

Describe 'Recording calls' {
    BeforeAll {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $null = 'ann', 'nobody', 'bob' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -ErrorAction SilentlyContinue
    }

    It 'lists entries newest first with the call details' {
        $entries = @(CognitoTools\Get-CGIPHistory)
        $entries.Username | Should -Be @('bob', 'nobody', 'ann')
        $entries[0].GetType().FullName | Should -Be 'CognitoTools.History.HistoryEntry'
        $entries[0].Outcome | Should -Be 'Succeeded'
        $entries[0].ClientId | Should -Be 'demoappclient1'
        $entries[0].Endpoint | Should -Not -BeNullOrEmpty
        $entries[0].RequestId | Should -Not -BeNullOrEmpty
        $entries[0].Attempts | Should -Be 1
        $entries[0].Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
        $entries[0].CodeDeliveryDetails.DeliveryMedium | Should -Be 'EMAIL'
        $entries[1].Outcome | Should -Be 'Failed'
        $entries[1].ErrorCode | Should -Be 'UserNotFoundException'
        $entries[1].ErrorMessage | Should -Not -BeNullOrEmpty
    }

    It 'filters by outcome, user name pattern, client id and count' {
        @(CognitoTools\Get-CGIPHistory -Failed).Username | Should -Be @('nobody')
        @(CognitoTools\Get-CGIPHistory -Succeeded).Username | Should -Be @('bob', 'ann')
        @(CognitoTools\Get-CGIPHistory a*).Username | Should -Be @('ann')
        @(CognitoTools\Get-CGIPHistory -ClientId demoappclient1 -Newest 2).Username | Should -Be @('bob', 'nobody')
        @(CognitoTools\Get-CGIPHistory -ClientId otherclient) | Should -HaveCount 0
    }

    It 'exposes the history as $CGIPHistory with the last response and command' {
        $global:CGIPHistory.Count | Should -Be 3
        @($global:CGIPHistory.Entries).Count | Should -Be 3
        $global:CGIPHistory.LastServiceResponse.CodeDeliveryDetails.Username | Should -Be 'bob'
        $global:CGIPHistory.LastCommand.CommandName | Should -Be 'Send-CGIPConfirmationCode'
        $global:CGIPHistory.LastCommand.Succeeded | Should -Be 2
        $global:CGIPHistory.LastCommand.Failed | Should -Be 1
    }

    It 'has a readable default table' {
        $text = CognitoTools\Get-CGIPHistory | Format-Table | Out-String -Width 200
        $text | Should -Match 'Outcome'
        $text | Should -Match 'UserNotFoundException'
    }

    It 'marks a row that repeats a user of the same batch as a duplicate, in the entry and the table' {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $null = 'carol', 'carol' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force
        $entries = @(CognitoTools\Get-CGIPHistory)
        @($entries.IsDuplicate) | Should -Be @($true, $false)
        $entries[0].RequestId | Should -Be $entries[1].RequestId
        ($entries | Format-Table | Out-String -Width 200) | Should -Match '\(duplicate\)'
    }

    It 'does not record request members unless asked' {
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -ClientMetadata @{ a = 'b' } @Target -Force
        $entry = CognitoTools\Get-CGIPHistory -Newest 1
        $entry.RequestRecorded | Should -BeFalse
        $entry.ClientMetadata | Should -BeNullOrEmpty
    }
}

Describe 'Retrying from the history' {
    BeforeEach { CognitoTools\Clear-CGIPHistory -Confirm:$false }

    It 'Get-CGIPHistory -Failed | Send-CGIPConfirmationCode sends the failures again' {
        $closed = "http://127.0.0.1:$(Get-UnusedLocalPort)/"
        $null = 'ann', 'bob' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $closed -Region us-east-1 -MaxAttempts 1 -Force -ErrorAction SilentlyContinue
        @(CognitoTools\Get-CGIPHistory -Failed) | Should -HaveCount 2

        # The failures went to a closed endpoint; resending them to the working one is a deliberate change.
        $retried = @(CognitoTools\Get-CGIPHistory -Failed | CognitoTools\Send-CGIPConfirmationCode @Target -AllowEndpointChange -Force)
        @($retried.Username | Sort-Object) | Should -Be @('ann', 'bob')
    }

    It 'retries with the recorded request members when requests are recorded' {
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests
        try {
            $closed = "http://127.0.0.1:$(Get-UnusedLocalPort)/"
            $null = CognitoTools\Send-CGIPConfirmationCode -Username carol -ClientId demoappclient1 -ClientMetadata @{ campaign = 'spring' } -EndpointUrl $closed -Region us-east-1 -MaxAttempts 1 -Force -ErrorAction SilentlyContinue
            $null = CognitoTools\Get-CGIPHistory -Failed | CognitoTools\Send-CGIPConfirmationCode @Target -AllowEndpointChange -Force
            $retry = CognitoTools\Get-CGIPHistory -Succeeded -Newest 1
            $retry.Username | Should -Be 'carol'
            $retry.ClientMetadata['campaign'] | Should -Be 'spring'
        }
        finally { CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false }
    }
}

Describe 'Secrets in the history' {
    BeforeEach { CognitoTools\Clear-CGIPHistory -Confirm:$false }
    AfterEach { CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false -IncludeSecrets:$false }

    It 'never records the client secret or the SecretHash by default, even when recording requests' {
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests
        $hash = CognitoTools\Get-CGIPSecretHash -Username ann -ClientId secretclient1 -ClientSecret $SecureDemoSecret
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -Force
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId secretclient1 -SecretHash $hash @Target -Force
        $entries = @(CognitoTools\Get-CGIPHistory)
        $entries | Should -HaveCount 2
        $entries | ForEach-Object { $_.SecretHash | Should -BeNullOrEmpty }
        $dump = $global:CGIPHistory.Entries | ConvertTo-Json -Depth 6
        $dump.Contains($DemoSecret) | Should -BeFalse
        $dump.Contains($hash) | Should -BeFalse
    }

    It 'records the SecretHash (never the client secret) with -IncludeSecrets' {
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests -IncludeSecrets
        $hash = CognitoTools\Get-CGIPSecretHash -Username bob -ClientId secretclient1 -ClientSecret $SecureDemoSecret
        $null = CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -Force
        $entry = CognitoTools\Get-CGIPHistory -Newest 1
        $entry.SecretHash | Should -BeExactly $hash
        ($global:CGIPHistory.Entries | ConvertTo-Json -Depth 6).Contains($DemoSecret) | Should -BeFalse
    }

    It 'records the SecretHash with -IncludeSecrets alone, without the other request members' {
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false -IncludeSecrets
        $hash = CognitoTools\Get-CGIPSecretHash -Username carol -ClientId secretclient1 -ClientSecret $SecureDemoSecret
        $null = CognitoTools\Send-CGIPConfirmationCode -Username carol -ClientId secretclient1 -ClientSecret $SecureDemoSecret -ClientMetadata @{ a = 'b' } @Target -Force
        $entry = CognitoTools\Get-CGIPHistory -Newest 1
        $entry.SecretHash | Should -BeExactly $hash
        $entry.RequestRecorded | Should -BeFalse
        $entry.ClientMetadata | Should -BeNullOrEmpty
    }
}

Describe 'Set-CGIPHistoryConfiguration and Clear-CGIPHistory' {
    AfterEach { CognitoTools\Set-CGIPHistoryConfiguration -MaximumCount 1000 }

    It 'outputs the configuration with -PassThru and changes only what is given' {
        $before = CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests -PassThru
        $before.GetType().FullName | Should -Be 'CognitoTools.History.HistoryConfiguration'
        $before.RecordRequests | Should -BeTrue
        $after = CognitoTools\Set-CGIPHistoryConfiguration -MaximumCount 5 -PassThru
        $after.MaximumCount | Should -Be 5
        $after.RecordRequests | Should -BeTrue
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false -PassThru | Select-Object -ExpandProperty RecordRequests | Should -BeFalse
        CognitoTools\Set-CGIPHistoryConfiguration | Should -BeNullOrEmpty
    }

    It 'keeps only the newest MaximumCount entries' {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        CognitoTools\Set-CGIPHistoryConfiguration -MaximumCount 3
        $users = 1..5 | ForEach-Object { 'user{0:D4}' -f $_ }
        $null = $users | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force
        @(CognitoTools\Get-CGIPHistory).Username | Should -Be @('user0005', 'user0004', 'user0003')
    }

    It 'records nothing with -MaximumCount 0' {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        CognitoTools\Set-CGIPHistoryConfiguration -MaximumCount 0
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force
        @(CognitoTools\Get-CGIPHistory) | Should -HaveCount 0
    }

    It 'refuses a MaximumCount out of range' {
        { CognitoTools\Set-CGIPHistoryConfiguration -MaximumCount -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'Clear-CGIPHistory -WhatIf keeps the entries; Clear-CGIPHistory empties them' {
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force
        CognitoTools\Clear-CGIPHistory -WhatIf
        @(CognitoTools\Get-CGIPHistory).Count | Should -BeGreaterThan 0
        CognitoTools\Clear-CGIPHistory
        @(CognitoTools\Get-CGIPHistory) | Should -HaveCount 0
        $global:CGIPHistory.Count | Should -Be 0
    }
}

Describe 'Stopping a batch (Ctrl+C)' {
    BeforeAll {
        # Every answer takes 30 s here: requests are surely in flight when the batch is stopped, and a stop that
        # waited for them instead of cancelling would take far longer than the bound asserted below.
        $script:SlowEndpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '20', '--resend-limit', '0', '--latency-ms', '30000')

        function Stop-BatchOnceStarted {
            # Runs $Batch (param($Url, $Started)) in a runspace that imports the module, waits until the batch sets
            # $Started, then stops the runspace as Ctrl+C would; returns the final state, how long the stop took, and
            # that runspace's history (each runspace has its own).
            param([Parameter(Mandatory)] [scriptblock] $Batch, [int] $DelayBeforeStopMilliseconds = 0)
            $started = [System.Threading.ManualResetEventSlim]::new($false)
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript({ param($ModulePath) Import-Module $ModulePath }.ToString()).AddArgument((Get-TestModulePath))
                $null = $shell.Invoke()
                $shell.Commands.Clear()
                $null = $shell.AddScript($Batch.ToString()).AddArgument($SlowEndpoint.Url).AddArgument($started)
                $null = $shell.BeginInvoke()
                $started.Wait([TimeSpan]::FromSeconds(60)) | Should -BeTrue
                Start-Sleep -Milliseconds $DelayBeforeStopMilliseconds
                $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
                $shell.Stop()
                $stopwatch.Stop()
                $state = $shell.InvocationStateInfo.State
                $shell.Commands.Clear()
                $history = @($shell.AddScript('$global:CGIPHistory').Invoke())[0]
                [pscustomobject]@{ State = $state; StopSeconds = $stopwatch.Elapsed.TotalSeconds; History = $history }
            }
            finally {
                $shell.Dispose()
                $started.Dispose()
            }
        }
    }
    AfterAll { Stop-TestEndpoint $script:SlowEndpoint }

    It 'records the requests in flight as NotSent, and Get-CGIPHistory -NotSent | Send-CGIPConfirmationCode resumes them' {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $stop = Stop-BatchOnceStarted -Batch {
            param($Url, $Started)
            # Four users go out at once (-ThrottleLimit 4), then the input stalls as a long CSV read would.
            & { 'user0001', 'user0002', 'user0003', 'user0004'; $Started.Set(); Start-Sleep -Seconds 60; 'user0005' } |
                CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -ThrottleLimit 4
        }
        $stop.State | Should -Be 'Stopped'
        # Generous bound: the sender cancels in-flight calls at once and gives up on them after 750 ms.
        $stop.StopSeconds | Should -BeLessThan 10

        $notSent = @($stop.History.Query([CognitoTools.History.HistoryQuery]@{ NotSent = $true }))
        @($notSent.Username | Sort-Object) | Should -Be @('user0001', 'user0002', 'user0003', 'user0004')
        $stop.History.LastCommand.NotSent | Should -Be 4

        # Resumed against the fast endpoint: another endpoint than the entries', so on purpose (-AllowEndpointChange).
        $resumed = @($notSent | CognitoTools\Send-CGIPConfirmationCode @Target -AllowEndpointChange -Force)
        @($resumed.Username | Sort-Object) | Should -Be @('user0001', 'user0002', 'user0003', 'user0004')
    }

    It 'stops promptly while the command itself waits for a free slot' {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $stop = Stop-BatchOnceStarted -DelayBeforeStopMilliseconds 200 -Batch {
            param($Url, $Started)
            # -ThrottleLimit 1: user0001 is in flight, and the command blocks submitting the next users.
            & { 'user0001'; $Started.Set(); 'user0002'; 'user0003' } |
                CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -ThrottleLimit 1
        }
        $stop.StopSeconds | Should -BeLessThan 10
        $notSent = @($stop.History.Query([CognitoTools.History.HistoryQuery]@{ NotSent = $true }))
        $notSent.Username | Should -Contain 'user0001'
        @($stop.History.Query([CognitoTools.History.HistoryQuery]@{ Succeeded = $true })) | Should -HaveCount 0
    }
}
