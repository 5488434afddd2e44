#Requires -Version 5.1
# Pester 5. "When Cognito says stop" (issue 13) in real PowerShell: 2,000-row batches through Send-CGIPConfirmationCode
# against the local endpoint with Cognito's daily e-mail limit (--daily-email-limit) or a broken pool setting on one app
# client (--client-fault), counted at the server (GET /_test/stats): how many requests went out after the stop, how
# many error records the batch wrote, and that the next day's rerun with the same journal sends exactly the rest.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:WorkDir = Join-Path ([System.IO.Path]::GetTempPath()) ('cognitotools-stops-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:WorkDir
    $script:ThrottleLimit = 8
    # Requests that may start after the stop beyond those in flight: a slot freed by an answer that arrived just before
    # the stopping answer was read. "A few", as the issue allows.
    $script:Slack = 2

    function Get-EndpointStats($Endpoint) {
        Invoke-RestMethod -Uri ($Endpoint.Url + '_test/stats') -Method Get
    }

    function Get-CountTable($Object) {
        $table = @{}
        foreach ($property in $Object.PSObject.Properties) { $table[$property.Name] = [int]$property.Value }
        $table
    }

    function Send-Rows($Rows, $Endpoint, $Journal, [switch] $Verbose) {
        # The batch under test: piped rows (streaming, no known total), ThrottleLimit 8, no client-side rate limit.
        $errors = $null
        $warnings = $null
        $parameters = @{
            EndpointUrl = $Endpoint.Url; Region = 'us-east-1'; Force = $true; ThrottleLimit = $script:ThrottleLimit
            MaxRequestsPerSecond = 0; JournalPath = $Journal; ErrorAction = 'SilentlyContinue'
        }
        if ($Verbose) {
            $all = @($Rows | Send-CGIPConfirmationCode @parameters -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue -Verbose 4>&1)
            $output = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $verboseLines = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message })
        }
        else {
            $output = @($Rows | Send-CGIPConfirmationCode @parameters -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue)
            $verboseLines = @()
        }
        [pscustomobject]@{ Output = $output; Errors = @($errors); Warnings = @($warnings); Verbose = $verboseLines }
    }
}

AfterAll {
    Remove-Item -Path $script:WorkDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The daily e-mail limit stops the batch at once, and the next day the same command sends exactly the rest' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '2000', '--daily-email-limit', '50', '--resend-limit', '0', '--record')
        $script:Journal = Join-Path $script:WorkDir 'daily.csv'
        $script:Rows = 1..2000 | ForEach-Object { [pscustomobject]@{ Username = 'user{0:d4}' -f $_; ClientId = 'demoappclient1' } }
        Clear-CGIPHistory
        $script:First = Send-Rows -Rows $script:Rows -Endpoint $script:Endpoint -Journal $script:Journal -Verbose
        $script:FirstStats = Get-EndpointStats $script:Endpoint
        $script:NotSentInHistory = @(Get-CGIPHistory -NotSent).Count
        $script:JournalLines = @(Import-Csv -Path $script:Journal)
    }
    AfterAll {
        Stop-TestEndpoint $script:Endpoint
    }

    It 'sends 50 codes, then at most ThrottleLimit plus a few requests after the stop' {
        $script:FirstStats.Deliveries | Should -Be 50
        @($script:First.Output).Count | Should -Be 50
        # Every request beyond the 50 delivered got the daily limit: the one that stopped the batch and those in flight.
        $afterStop = $script:FirstStats.Requests - $script:FirstStats.Deliveries
        $script:FirstStats.DailyLimitAnswers | Should -Be $afterStop
        $afterStop | Should -BeGreaterOrEqual 1
        $afterStop | Should -BeLessOrEqual ($script:ThrottleLimit + $script:Slack)
    }

    It 'writes at most ThrottleLimit + 1 error records: the answers in flight and ONE DailyEmailLimitReached' {
        $script:First.Errors.Count | Should -BeLessOrEqual ($script:ThrottleLimit + 1)
        $stops = @($script:First.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'DailyEmailLimitReached,*' })
        $stops.Count | Should -Be 1
        $rowErrors = @($script:First.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'LimitExceededException,*' })
        $rowErrors.Count | Should -Be $script:FirstStats.DailyLimitAnswers
        $script:First.Errors.Count | Should -Be ($rowErrors.Count + 1)
    }

    It 'names the cause, the fix, the rows not sent and how to resume, with the LimitsExceeded category' {
        $stop = @($script:First.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'DailyEmailLimitReached,*' })[0]
        $notSent = 2000 - $script:FirstStats.Requests
        $stop.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $message = $stop.Exception.Message
        $message | Should -Match 'daily e-mail limit'
        $message | Should -Match 'Amazon SES'
        $message | Should -Match '09:00 UTC'
        $message | Should -Match "$notSent row\(s\) were not sent"
        $message | Should -Match ([regex]::Escape("-JournalPath '$($script:Journal)'"))
        $message | Should -Match 'SMS'
        $stop.ErrorDetails.RecommendedAction | Should -Match 'Amazon SES'
        $stop.TargetObject.NotSentCount | Should -Be $notSent
    }

    It 'records every row not sent as NotSent in the history and the journal, and says so at the stop and in the summary' {
        $notSent = 2000 - $script:FirstStats.Requests
        $script:NotSentInHistory | Should -Be $notSent
        @($script:JournalLines | Where-Object Event -eq 'NotSent').Count | Should -Be $notSent
        @($script:JournalLines | Where-Object Event -eq 'NotSent' | Where-Object ErrorMessage -Match 'daily e-mail limit').Count | Should -Be $notSent
        @($script:First.Warnings | Where-Object { $_.Message -match '^Cognito said stop' }).Count | Should -Be 1
        @($script:First.Verbose | Where-Object { $_ -match 'Cognito said stop: DailyEmailLimitReached' }).Count | Should -Be 1
    }

    It 'the next day, the same command with the same journal sends exactly the rest, once each' {
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/next-day?daily-email-limit=2000')
        $second = Send-Rows -Rows $script:Rows -Endpoint $script:Endpoint -Journal $script:Journal
        $stats = Get-EndpointStats $script:Endpoint
        $second.Errors.Count | Should -Be 0
        @($second.Output).Count | Should -Be 1950
        ($stats.Requests - $script:FirstStats.Requests) | Should -Be 1950
        $attempts = Get-CountTable $stats.AttemptsByUser
        $deliveries = Get-CountTable $stats.DeliveriesByUser
        $deliveries.Count | Should -Be 2000
        @($deliveries.Values | Where-Object { $_ -ne 1 }).Count | Should -Be 0
        # Rows answered with the daily limit are sent once more (the limit is no row's own); no row a third time.
        @($attempts.Values | Where-Object { $_ -gt 2 }).Count | Should -Be 0
        @($attempts.Values | Where-Object { $_ -eq 2 }).Count | Should -Be $script:FirstStats.DailyLimitAnswers
    }
}

Describe 'A broken pool setting on one app client stops that client only' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '1000', '--client-id', 'brokenclient1', '--client-fault',
            'brokenclient1=InvalidSmsRoleTrustRelationshipException', '--resend-limit', '0', '--record')
        $script:Journal = Join-Path $script:WorkDir 'twoclients.csv'
        # 2,000 rows over two app clients, interleaved as a CSV of both would be.
        $script:Rows = 1..1000 | ForEach-Object {
            [pscustomobject]@{ Username = 'user{0:d4}' -f $_; ClientId = 'demoappclient1' }
            [pscustomobject]@{ Username = 'user{0:d4}' -f $_; ClientId = 'brokenclient1' }
        }
        Clear-CGIPHistory
        $script:First = Send-Rows -Rows $script:Rows -Endpoint $script:Endpoint -Journal $script:Journal
        $script:FirstStats = Get-EndpointStats $script:Endpoint
        $script:Requests = Get-CountTable $script:FirstStats.RequestsByClient
    }
    AfterAll {
        Stop-TestEndpoint $script:Endpoint
    }

    It 'sends every row of the healthy client and at most ThrottleLimit plus a few of the broken one' {
        $script:Requests['demoappclient1'] | Should -Be 1000
        @($script:First.Output).Count | Should -Be 1000
        $script:Requests['brokenclient1'] | Should -BeGreaterOrEqual 1
        $script:Requests['brokenclient1'] | Should -BeLessOrEqual ($script:ThrottleLimit + $script:Slack)
        $script:FirstStats.ClientFaultAnswers | Should -Be $script:Requests['brokenclient1']
    }

    It 'writes ONE PoolConfigurationError (InvalidOperation) naming the client, and at most ThrottleLimit + 1 records in all' {
        $script:First.Errors.Count | Should -BeLessOrEqual ($script:ThrottleLimit + 1)
        $stops = @($script:First.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'PoolConfigurationError,*' })
        $stops.Count | Should -Be 1
        $stops[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $stops[0].Exception.Message | Should -Match "app client 'brokenclient1'"
        $stops[0].Exception.Message | Should -Match 'InvalidSmsRoleTrustRelationshipException'
        $stops[0].Exception.Message | Should -Match "$(1000 - $script:Requests['brokenclient1']) row\(s\) were not sent"
        @(Get-CGIPHistory -NotSent | Where-Object ClientId -ne 'brokenclient1').Count | Should -Be 0
        @(Get-CGIPHistory -NotSent).Count | Should -Be (1000 - $script:Requests['brokenclient1'])
    }

    It 'after the fix, the same command with the same journal sends exactly the broken client''s rows, once each' {
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/client-fault?client=brokenclient1')
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/reset')
        $second = Send-Rows -Rows $script:Rows -Endpoint $script:Endpoint -Journal $script:Journal
        $stats = Get-EndpointStats $script:Endpoint
        $second.Errors.Count | Should -Be 0
        $requests = Get-CountTable $stats.RequestsByClient
        $requests['demoappclient1'] | Should -BeNullOrEmpty
        $requests['brokenclient1'] | Should -Be 1000
        @((Get-CountTable $stats.AttemptsByUser).Values | Where-Object { $_ -ne 1 }).Count | Should -Be 0
    }
}

Describe 'The per-user attempt limit and -ErrorAction Stop' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '200', '--resend-limit', '1', '--daily-email-limit', '50', '--record')
    }
    AfterAll {
        Stop-TestEndpoint $script:Endpoint
    }

    It '"Attempt limit exceeded" fails the row only: no stop, not retried, never throttling, sent again on resume' {
        $journal = Join-Path $script:WorkDir 'attempts.csv'
        $null = 1..10 | ForEach-Object { 'user{0:d4}' -f $_ } | Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force
        $before = (Get-EndpointStats $script:Endpoint).Requests
        # user0001..0010 have used their resend this hour; user0011..0030 have not.
        $rows = 1..30 | ForEach-Object { [pscustomobject]@{ Username = 'user{0:d4}' -f $_; ClientId = 'demoappclient1' } }
        $result = Send-Rows -Rows $rows -Endpoint $script:Endpoint -Journal $journal -Verbose
        @($result.Output).Count | Should -Be 20
        $result.Errors.Count | Should -Be 10
        @($result.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'LimitExceededException,*' }).Count | Should -Be 10
        @($result.Errors | Where-Object { $_.Exception.Message -match 'Attempt limit exceeded' }).Count | Should -Be 10
        $stats = Get-EndpointStats $script:Endpoint
        ($stats.Requests - $before) | Should -Be 30
        $stats.Throttled | Should -Be 0
        @($result.Verbose | Where-Object { $_ -match ' 0 throttled; ' }).Count | Should -Be 1
        @($result.Verbose | Where-Object { $_ -match 'Cognito said stop' }).Count | Should -Be 0

        # An hour later (POST /_test/reset also forgets each user's hourly limit): the journal sends the 10 again, not a permanent skip.
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/reset')
        $again = Send-Rows -Rows $rows -Endpoint $script:Endpoint -Journal $journal
        $again.Errors.Count | Should -Be 0
        @($again.Output).Count | Should -Be 10
        (Get-EndpointStats $script:Endpoint).Requests | Should -Be 10
    }

    It 'one user of a broken client gets its own error only: there is nothing to hold back' {
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/client-fault?client=walledclient1&error=ForbiddenException')
        $errors = $null
        $warnings = $null
        $null = Send-CGIPConfirmationCode -Username user0150 -ClientId walledclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force -ErrorAction SilentlyContinue -ErrorVariable errors -WarningVariable warnings
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ForbiddenException,*'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        @($warnings).Count | Should -Be 0
    }

    It 'a WAF on one client stops it with ONE PoolAccessForbidden error' {
        $errors = $null
        $null = 151..170 | ForEach-Object { 'user{0:d4}' -f $_ } |
            Send-CGIPConfirmationCode -ClientId walledclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force -ThrottleLimit 1 -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue
        @($errors).Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ForbiddenException,*'
        $errors[1].FullyQualifiedErrorId | Should -BeLike 'PoolAccessForbidden,*'
        $errors[1].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $errors[1].Exception.Message | Should -Match '19 row\(s\) were not sent'
        $errors[1].Exception.Message | Should -Match 'Get-CGIPHistory -NotSent'
    }

    It 'an app client that does not exist stops that client with ONE AppClientNotFound error; the other client sends everything' {
        # A new day and a new hour: the tests above used most of the day's 50 e-mails and some users' hourly resend.
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/next-day')
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/reset')
        $before = Get-CountTable (Get-EndpointStats $script:Endpoint).RequestsByClient
        $journal = Join-Path $script:WorkDir 'missing-client.csv'
        # Interleaved: a typo'd client id on every other row, 20 rows of each, one request at a time.
        $rows = 121..160 | ForEach-Object {
            [pscustomobject]@{ Username = 'user{0:d4}' -f $_; ClientId = $(if ($_ % 2) { 'demoappclient1' } else { 'nosuchclient9' }) }
        }
        $errors = $null
        $output = @($rows | Send-CGIPConfirmationCode -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force -ThrottleLimit 1 -JournalPath $journal -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
        $after = Get-CountTable (Get-EndpointStats $script:Endpoint).RequestsByClient
        $output.Count | Should -Be 20
        ($after['demoappclient1'] - [int]$before['demoappclient1']) | Should -Be 20
        ($after['nosuchclient9'] - [int]$before['nosuchclient9']) | Should -Be 1
        @($errors).Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ResourceNotFoundException,*'
        $errors[0].TargetObject | Should -Be 'user0122'
        $errors[1].FullyQualifiedErrorId | Should -BeLike 'AppClientNotFound,*'
        $errors[1].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[1].Exception.Message | Should -Match 'nosuchclient9'
        $errors[1].Exception.Message | Should -Match '19 row\(s\) were not sent'
        $errors[1].Exception.Message | Should -Match ([regex]::Escape($journal))
    }

    It '-ErrorAction Stop still ends the whole batch at the first error' {
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/next-day?daily-email-limit=5')
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/reset')
        $caught = $null
        try {
            $null = 101..200 | ForEach-Object { 'user{0:d4}' -f $_ } |
                Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force -ThrottleLimit $script:ThrottleLimit -MaxRequestsPerSecond 0 -ErrorAction Stop -WarningAction SilentlyContinue
        }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'LimitExceededException,*'
        $stats = Get-EndpointStats $script:Endpoint
        $stats.Deliveries | Should -Be 5
        $stats.Requests | Should -BeLessOrEqual (5 + $script:ThrottleLimit + $script:Slack)
    }
}
