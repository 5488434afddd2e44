#Requires -Version 5.1
# Pester 5. Follow-ups to "When Cognito says stop" (issue 13) and the journal review (issue 14), through
# Send-CGIPConfirmationCode against the local endpoint: a row failed with the daily e-mail limit gets the daily limit's
# advice; a proxy that refuses the credentials (407) stops the whole endpoint with ONE error; rows that failed with a
# scope-wide cause are resumed by the journal without -RetryPermanentFailures, while a user's own permanent failure
# stays skipped; the progress line counts as in flight only requests that may have left the machine.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module (Get-TestModulePath) -Force
    $script:WorkDir = Join-Path ([System.IO.Path]::GetTempPath()) ('cognitotools-stopfollowups-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:WorkDir
}

AfterAll {
    Remove-Item -Path $script:WorkDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A row failed with the daily e-mail limit gets the daily limit''s advice' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '10', '--resend-limit', '1', '--daily-email-limit', '3')
        $script:Common = @{ ClientId = 'demoappclient1'; EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1'; Force = $true; ErrorAction = 'SilentlyContinue'; WarningAction = 'SilentlyContinue' }
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'the per-user attempt limit still says to wait up to an hour' {
        $null = CognitoTools\Send-CGIPConfirmationCode -Username user0001 @script:Common
        $errors = $null
        $null = CognitoTools\Send-CGIPConfirmationCode -Username user0001 @script:Common -ErrorVariable errors
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'LimitExceededException,*'
        $errors[0].Exception.Message | Should -Match 'Attempt limit exceeded'
        $errors[0].ErrorDetails.RecommendedAction | Should -Match 'up to an hour'
    }

    It 'the daily limit says Amazon SES or 09:00 UTC, not "wait up to an hour"' {
        # 1 of the day's 3 e-mails is used: user0002 and user0003 get theirs, user0004 meets the daily limit, the rest are held.
        $errors = $null
        $out = @('user0002', 'user0003', 'user0004', 'user0005', 'user0006' | CognitoTools\Send-CGIPConfirmationCode @script:Common -ThrottleLimit 1 -ErrorVariable errors)
        $out.Count | Should -Be 2
        $row = @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'LimitExceededException,*' })
        $row.Count | Should -Be 1
        $row[0].TargetObject | Should -Be 'user0004'
        $row[0].Exception.Message | Should -Match 'daily email limit'
        $row[0].ErrorDetails.RecommendedAction | Should -Match 'Amazon SES'
        $row[0].ErrorDetails.RecommendedAction | Should -Match '09:00 UTC'
        $row[0].ErrorDetails.RecommendedAction | Should -Not -Match 'hour'
        @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'DailyEmailLimitReached,*' }).Count | Should -Be 1
    }
}

Describe 'A proxy that refuses the credentials stops every request to the endpoint' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '40', '--resend-limit', '0', '--record')
        $script:Proxy = Start-BasicAuthProxy $script:Endpoint
        $script:SavedProxy = Get-ProxyVariables
        # Not a loopback name, so requests go through the proxy (absolute URI), which forwards them to the endpoint.
        $script:Url = "http://cognito-idp.proxy-test.invalid:$($script:Endpoint.Port)/"
        $script:Journal = Join-Path $script:WorkDir 'proxy.csv'
        $script:Users = 1..40 | ForEach-Object { 'user{0:d4}' -f $_ }
        $script:ThrottleLimit = 4
        $script:Password = 'Wrong-Pa55word'
        Set-ProxyVariables $script:Proxy $script:Password
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $errors = $null
        $warnings = $null
        $script:Output = @($script:Users | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Url -Region us-east-1 -Force `
                -ThrottleLimit $script:ThrottleLimit -JournalPath $script:Journal -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue -WarningVariable warnings)
        $script:Errors = @($errors)
        $script:Warnings = @($warnings)
        $script:NotSent = @(CognitoTools\Get-CGIPHistory -NotSent).Count
        $script:Refused = @(CognitoTools\Get-CGIPHistory -Failed | Where-Object ErrorCode -eq 'ProxyAuthenticationRequired').Count
    }
    AfterAll {
        Restore-ProxyVariables $script:SavedProxy
        $script:Proxy.Dispose()
        Stop-TestEndpoint $script:Endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
    }

    It 'fails only the requests in flight, holds back the rest, and nothing reaches Cognito' {
        $script:Output.Count | Should -Be 0
        $script:Refused | Should -BeGreaterOrEqual 1
        $script:Refused | Should -BeLessOrEqual ($script:ThrottleLimit + 2)
        $script:NotSent | Should -Be (40 - $script:Refused)
        # .NET asks once without the credentials, then with them: at most two 407s per request.
        $script:Proxy.Refused | Should -BeLessOrEqual (2 * $script:Refused)
        (Get-TestEndpointStats $script:Endpoint).Requests | Should -Be 0
    }

    It 'writes ONE ProxyCredentialsRefused error naming the cause, the fix, the rows not sent and the resume, without the password' {
        @($script:Errors | Where-Object { $_.FullyQualifiedErrorId -like 'ProxyAuthenticationRequired,*' }).Count | Should -Be $script:Refused
        $stops = @($script:Errors | Where-Object { $_.FullyQualifiedErrorId -like 'ProxyCredentialsRefused,*' })
        $stops.Count | Should -Be 1
        $script:Errors.Count | Should -Be ($script:Refused + 1)
        $stop = $stops[0]
        $stop.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $message = $stop.Exception.Message
        $message | Should -Match 'The proxy on the way to Cognito refused every request to'
        $message | Should -Match 'refused the credentials'
        $message | Should -Match "$(40 - $script:Refused) row\(s\) were not sent"
        $message | Should -Match 'HTTPS_PROXY/HTTP_PROXY'
        $message | Should -Match ([regex]::Escape("-JournalPath '$($script:Journal)'"))
        $message | Should -Not -Match 'Cognito said stop'
        $stop.ErrorDetails.RecommendedAction | Should -Match 'HTTPS_PROXY/HTTP_PROXY'
        ($script:Errors | ForEach-Object { $_.Exception.ToString() + $_.ErrorDetails.RecommendedAction }) -join "`n" | Should -Not -BeLike "*$($script:Password)*"
        ($script:Warnings | ForEach-Object Message) -join "`n" | Should -Not -BeLike "*$($script:Password)*"
        @($script:Warnings | Where-Object { $_.Message -match '^The proxy on the way to Cognito refused' }).Count | Should -Be 1
        @($script:Warnings | Where-Object { $_.Message -match 'Cognito said stop' }).Count | Should -Be 0
        (Get-Content -Path $script:Journal -Raw) | Should -Not -BeLike "*$($script:Password)*"
    }

    It 'after the password is fixed, the same command with the same journal sends every row once' {
        Set-ProxyVariables $script:Proxy 'Right-Pa55word'
        $errors = $null
        $out = @($script:Users | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Url -Region us-east-1 -Force `
                -ThrottleLimit $script:ThrottleLimit -JournalPath $script:Journal -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
        @($errors).Count | Should -Be 0
        $out.Count | Should -Be 40
        $stats = Get-TestEndpointStats $script:Endpoint
        $stats.Requests | Should -Be 40
        $stats.Deliveries | Should -Be 40
    }
}

Describe 'Rows that failed with a scope-wide cause are resumed without -RetryPermanentFailures' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '30', '--resend-limit', '0', '--client-fault', 'demoappclient1=NotAuthorizedException')
        $script:Journal = Join-Path $script:WorkDir 'secret.csv'
        $script:Users = @(1..30 | ForEach-Object { 'user{0:d4}' -f $_ }) + 'ghost0001'
        $script:Common = @{ ClientId = 'demoappclient1'; EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1'; Force = $true; ThrottleLimit = 4; JournalPath = $script:Journal; ErrorAction = 'SilentlyContinue'; WarningAction = 'SilentlyContinue' }
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'the ClientSecretRequired stop says a rerun with the journal resends the rows that failed with it, no switch needed' {
        $errors = $null
        $null = $script:Users | CognitoTools\Send-CGIPConfirmationCode @script:Common -ErrorVariable errors
        $stop = @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'ClientSecretRequired,*' })
        $stop.Count | Should -Be 1
        $stop[0].Exception.Message | Should -Match 'those that failed with NotAuthorizedException included'
        $stop[0].Exception.Message | Should -Not -Match 'RetryPermanentFailures'
        $script:FailedFirst = @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'NotAuthorizedException,*' }).Count
        $script:FailedFirst | Should -BeGreaterOrEqual 1
    }

    It 'after the fix, the same command with the same journal sends every user once, those that failed included' {
        $null = Invoke-RestMethod -Method Post -Uri ($script:Endpoint.Url + '_test/client-fault?client=demoappclient1')
        Reset-TestEndpointStats $script:Endpoint
        $errors = $null
        $warnings = $null
        $out = @($script:Users | CognitoTools\Send-CGIPConfirmationCode @script:Common -ErrorVariable errors -WarningVariable warnings)
        $out.Count | Should -Be 30
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'UserNotFoundException,*'
        @($warnings | Where-Object { $_.Message -match 'RetryPermanentFailures' }).Count | Should -Be 0
        $stats = Get-TestEndpointStats $script:Endpoint
        $stats.Requests | Should -Be 31
        $stats.Deliveries | Should -Be 30
    }

    It 'a user''s own permanent failure (UserNotFoundException) stays skipped on the next rerun' {
        Reset-TestEndpointStats $script:Endpoint
        $errors = $null
        $warnings = $null
        $out = @($script:Users | CognitoTools\Send-CGIPConfirmationCode @script:Common -ErrorVariable errors -WarningVariable warnings)
        $out.Count | Should -Be 0
        @($errors).Count | Should -Be 0
        (Get-TestEndpointStats $script:Endpoint).Requests | Should -Be 0
        @($warnings | Where-Object { $_.Message -match '1 row\(s\) were not sent again.*UserNotFoundException 1' }).Count | Should -Be 1
    }
}

Describe 'The progress line counts as in flight only requests that may have left the machine' {
    BeforeAll {
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', '8', '--resend-limit', '0')
        # A fresh process without -NonInteractive (the module keeps progress quiet in non-interactive processes),
        # hosting a runspace whose progress records it hands back as JSON. 8 users, all given to the client at once
        # (-ThrottleLimit 8), at 2 requests a second: most of them wait for a slot of the rate limiter.
        $script = @"
`$ErrorActionPreference = 'Stop'
`$shell = [powershell]::Create()
`$null = `$shell.AddScript({
    param(`$ModulePath, `$Url)
    Import-Module `$ModulePath
    `$users = 1..8 | ForEach-Object { 'user{0:D4}' -f `$_ }
    `$null = CognitoTools\Send-CGIPConfirmationCode -Username `$users -ClientId demoappclient1 -EndpointUrl `$Url -Region us-east-1 -Force -ThrottleLimit 8 -MaxRequestsPerSecond 2
}.ToString()).AddArgument('$((Get-TestModulePath).Replace("'", "''"))').AddArgument('$($Endpoint.Url)')
`$null = `$shell.Invoke()
if (`$shell.Streams.Error.Count -gt 0) { throw `$shell.Streams.Error[0] }
[pscustomobject]@{
    Interactive = [Environment]::UserInteractive
    Records = @(`$shell.Streams.Progress | Where-Object { [string]`$_.RecordType -eq 'Processing' } | ForEach-Object { `$_.StatusDescription })
} | ConvertTo-Json -Depth 5 -Compress
"@
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        $answer = Invoke-PowerShellProcess -ArgumentList @('-NoProfile', '-OutputFormat', 'Text', '-EncodedCommand', $encoded) | Select-Object -Last 1
        $script:ExitCode = $LASTEXITCODE
        $script:Progress = $answer | ConvertFrom-Json
    }
    AfterAll { Stop-TestEndpoint $script:Endpoint }

    It 'says how many wait for the rate limit apart from the one in flight' {
        $ExitCode | Should -Be 0
        if (-not $Progress.Interactive) {
            Set-ItResult -Skipped -Because 'this process is not user-interactive (a service), where the module never shows progress'
            return
        }
        $records = @($Progress.Records)
        $records.Count | Should -BeGreaterThan 0 -Because 'the batch takes about 3.5 s'
        foreach ($status in $records) {
            $status | Should -Match '^\d+ done, \d+ failed, (\d+) in flight'
            $inFlight = [int]([regex]::Match($status, ', (\d+) in flight').Groups[1].Value)
            # At 2 requests a second against a local endpoint, at most one request is on the wire at a time.
            $inFlight | Should -BeLessOrEqual 1 -Because "'$status'"
        }
        @($records | Where-Object { $_ -match ', [1-9]\d* waiting for the rate limit, ' }).Count | Should -BeGreaterThan 0
    }
}
