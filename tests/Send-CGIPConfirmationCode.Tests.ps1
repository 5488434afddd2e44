#Requires -Version 5.1
# Pester 5. Send-CGIPConfirmationCode against the local Cognito stand-in (127.0.0.1, started here):
# binding from strings, CSV and JSON; -WhatIf/-Confirm/-Force; errors; -Select; bulk parameters; settings.
# Calls are module-qualified (CognitoTools\...) because AWS.Tools.CognitoIdentityProvider has a command of the same name.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    . (Join-Path $PSScriptRoot 'ArrivalSupport.ps1')
    Import-Module (Get-TestModulePath) -Force
    # --record: per-user attempts and arrival times at the server (GET /_test/stats, /_test/arrivals).
    $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--record', '--seed-users', '40', '--resend-limit', '0')
    $script:Target = @{ EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1' }
    $script:DemoSecret = 'demosecret1234567890abcdefghijklmnopqrstuvwxyz12345'
    $script:SecureDemoSecret = ConvertTo-SecureString -String $script:DemoSecret -AsPlainText -Force

    function Get-HistoryFor([string] $Username) {
        @(CognitoTools\Get-CGIPHistory -Username $Username)
    }
}

AfterAll {
    Stop-TestEndpoint $script:Endpoint
}

Describe 'Sending to one user' {
    BeforeEach { CognitoTools\Clear-CGIPHistory -Confirm:$false }

    It 'returns the code delivery details with the user name' {
        $result = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force
        $result | Should -HaveCount 1
        $result.GetType().FullName | Should -Be 'CognitoTools.Model.CodeDeliveryDetailsType'
        $result.Username | Should -Be 'ann'
        $result.DeliveryMedium | Should -Be 'EMAIL'
        $result.AttributeName | Should -Be 'email'
        $result.Destination | Should -Match '\*'
    }

    It 'takes the user name by position' {
        (CognitoTools\Send-CGIPConfirmationCode dave -ClientId demoappclient1 @Target -Force).DeliveryMedium | Should -Be 'SMS'
    }

    It 'formats as a table with the user first' {
        $text = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force | Out-String
        ($text -split "`n" | Where-Object { $_.Trim() })[0] | Should -Match '^\s*Username\s+DeliveryMedium\s+Destination\s+AttributeName'
    }

    It 'computes the SecretHash from -ClientSecret for a secret-bearing client' {
        $result = CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -Force
        $result.Username | Should -Be 'bob'
    }

    It 'fails NotAuthorized for a secret-bearing client without the secret' {
        CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId secretclient1 @Target -Force -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'NotAuthorizedException,*'
        $failures[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'accepts a precomputed SecretHash from Get-CGIPSecretHash' {
        $hash = CognitoTools\Get-CGIPSecretHash -Username carol -ClientId secretclient1 -ClientSecret $SecureDemoSecret
        (CognitoTools\Send-CGIPConfirmationCode -Username carol -ClientId secretclient1 -SecretHash $hash @Target -Force).Username | Should -Be 'carol'
    }
}

Describe 'Get-CGIPSecretHash' {
    It 'is Base64(HMAC-SHA256(secret, username + client id))' {
        $hmac = [System.Security.Cryptography.HMACSHA256]::new([Text.Encoding]::UTF8.GetBytes($DemoSecret))
        try { $expected = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes('ann' + 'secretclient1'))) } finally { $hmac.Dispose() }
        CognitoTools\Get-CGIPSecretHash -Username ann -ClientId secretclient1 -ClientSecret $SecureDemoSecret | Should -BeExactly $expected
    }

    It 'takes users from the pipeline' {
        $hashes = @('ann', 'bob' | CognitoTools\Get-CGIPSecretHash -ClientId secretclient1 -ClientSecret $SecureDemoSecret)
        $hashes | Should -HaveCount 2
        $hashes[0] | Should -Not -Be $hashes[1]
    }
}

Describe 'Binding pipeline input' {
    BeforeEach { CognitoTools\Clear-CGIPHistory -Confirm:$false }

    It 'binds strings to -Username' {
        $results = @('ann', 'bob' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force)
        $results.Username | Should -Be @('ann', 'bob')
    }

    It 'sends every user of an array bound to -Username, each with its own outcome' {
        $results = @(CognitoTools\Send-CGIPConfirmationCode -Username ann, zoe, bob -ClientId demoappclient1 @Target -Force -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Username | Should -Be @('ann', 'bob')
        $failures | Should -HaveCount 1
        $failures[0].TargetObject | Should -Be 'zoe'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'UserNotFoundException,*'
    }

    It 'binds CSV rows by the Username and ClientId columns' {
        $csv = Join-Path $TestDrive 'users.csv'
        "Username,ClientId`nann,demoappclient1`ncarol,demoappclient1`nbob,secretclient1" | Set-Content -Path $csv
        $results = @(Import-Csv $csv | CognitoTools\Send-CGIPConfirmationCode @Target -Force -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Username | Should -Be @('ann', 'carol')
        # bob's row names the secret-bearing client without a secret: its own error, the others still sent.
        $failures | Should -HaveCount 1
        $failures[0].TargetObject | Should -Be 'bob'
    }

    It 'treats empty CSV cells of optional columns as not given' {
        $csv = Join-Path $TestDrive 'optional.csv'
        "Username,ClientId,SecretHash,UserContextData_IpAddress`nann,demoappclient1,,`n" | Set-Content -Path $csv
        (Import-Csv $csv | CognitoTools\Send-CGIPConfirmationCode @Target -Force).Username | Should -Be 'ann'
    }

    It 'binds a JSON request in AWS field names, nested members included' {
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests
        try {
            $json = '{"ClientId":"demoappclient1","Username":"carol","ClientMetadata":{"source":"pester","n":"1"},"AnalyticsMetadata":{"AnalyticsEndpointId":"endpoint-1"},"UserContextData":{"IpAddress":"192.0.2.1","EncodedData":"data"}}'
            $result = $json | ConvertFrom-Json | CognitoTools\Send-CGIPConfirmationCode @Target -Force
            $result.Username | Should -Be 'carol'
            $entry = CognitoTools\Get-CGIPHistory -Newest 1
            $entry.ClientMetadata['source'] | Should -Be 'pester'
            $entry.ClientMetadata['n'] | Should -Be '1'
            $entry.AnalyticsMetadata_AnalyticsEndpointId | Should -Be 'endpoint-1'
            $entry.UserContextData_IpAddress | Should -Be '192.0.2.1'
            $entry.UserContextData_EncodedData | Should -Be 'data'
        }
        finally {
            CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false
        }
    }

    It 'binds the CLI skeleton (--generate-cli-skeleton) with its empty strings' {
        $skeleton = '{"ClientId":"demoappclient1","SecretHash":"","UserContextData":{"IpAddress":"","EncodedData":""},"Username":"bob","ClientMetadata":{},"AnalyticsMetadata":{"AnalyticsEndpointId":""}}'
        ($skeleton | ConvertFrom-Json | CognitoTools\Send-CGIPConfirmationCode @Target -Force).Username | Should -Be 'bob'
    }

    It 'sends ClientMetadata keys and values as strings' {
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests
        try {
            $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -ClientMetadata @{ count = 3; flag = $true } @Target -Force
            $metadata = (CognitoTools\Get-CGIPHistory -Newest 1).ClientMetadata
            $metadata['count'] | Should -BeExactly '3'
            $metadata['flag'] | Should -BeExactly 'True'
        }
        finally {
            CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false
        }
    }
}

Describe '-WhatIf, -Confirm and -Force' {
    # What was sent is counted at the endpoint: the prompting tests run the command in another runspace, whose history
    # this session cannot see.
    BeforeEach {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        Reset-TestEndpointStats $Endpoint
    }

    It '-WhatIf sends nothing' {
        CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -WhatIf | Should -BeNullOrEmpty
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 0
        Get-HistoryFor ann | Should -HaveCount 0
    }

    It '-WhatIf wins over -Force' {
        CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -WhatIf -Force | Should -BeNullOrEmpty
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 0
        Get-HistoryFor ann | Should -HaveCount 0
    }

    It '$WhatIfPreference wins over -Force too' {
        $WhatIfPreference = $true
        try { CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force | Should -BeNullOrEmpty }
        finally { $WhatIfPreference = $false }
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 0
        Get-HistoryFor ann | Should -HaveCount 0
    }

    It 'prompts under -Confirm, and then sends nothing when nobody can answer' {
        $run = Invoke-WithoutHostUI -ScriptBlock {
            param($ModulePath, $Url)
            Import-Module $ModulePath
            CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Confirm
        } -ArgumentList (Get-TestModulePath), $Endpoint.Url
        $run.Prompted | Should -BeTrue
        # The prompt names the user, the app client and the operation.
        $run.PromptMessage | Should -Match "user 'bob' of app client 'demoappclient1'"
        $run.PromptMessage | Should -Match 'Send-CGIPConfirmationCode \(ResendConfirmationCode\)'
        $run.Output | Should -BeNullOrEmpty
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 0
    }

    It 'prompts when $ConfirmPreference is Medium (ConfirmImpact is Medium)' {
        $run = Invoke-WithoutHostUI -ScriptBlock {
            param($ModulePath, $Url)
            Import-Module $ModulePath
            $ConfirmPreference = 'Medium'
            CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1
        } -ArgumentList (Get-TestModulePath), $Endpoint.Url
        $run.Prompted | Should -BeTrue
        $run.Output | Should -BeNullOrEmpty
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 0
    }

    It 'does not prompt at the default $ConfirmPreference (High)' {
        $run = Invoke-WithoutHostUI -ScriptBlock {
            param($ModulePath, $Url)
            Import-Module $ModulePath
            CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1
        } -ArgumentList (Get-TestModulePath), $Endpoint.Url
        $run.Prompted | Should -BeFalse
        $run.Output.Username | Should -Be 'bob'
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 1
    }

    It '-Force skips the prompt, with $ConfirmPreference Low or with -Confirm' {
        $run = Invoke-WithoutHostUI -ScriptBlock {
            param($ModulePath, $Url)
            Import-Module $ModulePath
            $ConfirmPreference = 'Low'
            CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force
            CognitoTools\Send-CGIPConfirmationCode -Username carol -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 -Force -Confirm
        } -ArgumentList (Get-TestModulePath), $Endpoint.Url
        $run.Prompted | Should -BeFalse
        $run.Output.Username | Should -Be @('bob', 'carol')
    }
}

Describe 'Errors' {
    BeforeEach { CognitoTools\Clear-CGIPHistory -Confirm:$false }

    It 'writes a non-terminating error per failed user and goes on with the batch' {
        $results = @('ann', 'nobody', 'erin', 'bob' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Username | Should -Be @('ann', 'bob')
        $failures | Should -HaveCount 2

        $notFound = $failures | Where-Object TargetObject -EQ 'nobody'
        $notFound.FullyQualifiedErrorId | Should -Be 'UserNotFoundException,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        $notFound.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $notFound.Exception.ErrorCode | Should -Be 'UserNotFoundException'
        $notFound.Exception.HttpStatusCode | Should -Be 400
        $notFound.Exception.RequestId | Should -Not -BeNullOrEmpty
        $notFound.Exception.Message | Should -Not -BeNullOrEmpty
        $notFound.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty

        $confirmed = $failures | Where-Object TargetObject -EQ 'erin'
        $confirmed.FullyQualifiedErrorId | Should -BeLike 'InvalidParameterException,*'
        $confirmed.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses input that breaks the service model before sending, naming the parameter' {
        $null = CognitoTools\Send-CGIPConfirmationCode -Username 'has space' -ClientId demoappclient1 @Target -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'RequestValidationFailed,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].TargetObject | Should -Be 'has space'
        $failures[0].Exception.ParamName | Should -Be 'Username'
        Get-HistoryFor 'has space' | Should -HaveCount 0
    }

    It 'refuses a row that has a SecretHash when -ClientSecret is given' {
        $row = [pscustomobject]@{ Username = 'ann'; ClientId = 'secretclient1'; SecretHash = 'c2VjcmV0' }
        $null = $row | CognitoTools\Send-CGIPConfirmationCode -ClientSecret $SecureDemoSecret @Target -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SecretHashAndClientSecret,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-HistoryFor ann | Should -HaveCount 0
    }

    It 'reports a connection failure with the transport code and ConnectionError' {
        $closed = "http://127.0.0.1:$(Get-UnusedLocalPort)/"
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -EndpointUrl $closed -Region us-east-1 -MaxAttempts 1 -ConnectTimeoutSec 5 -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionFailure,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'stops with a terminating NoRegion error when no region can be found' {
        $saved = @{}
        foreach ($name in 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        }
        try {
            $env:AWS_REGION = $null; $env:AWS_DEFAULT_REGION = $null; $env:AWS_PROFILE = $null
            $env:AWS_CONFIG_FILE = Join-Path $TestDrive 'missing-config'
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $TestDrive 'missing-credentials'
            { CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -Force } |
                Should -Throw -ErrorId 'NoRegion,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    It 'stops with a terminating error for an empty -ClientSecret' {
        $empty = [System.Security.SecureString]::new()
        { CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId secretclient1 -ClientSecret $empty @Target -Force } |
            Should -Throw -ErrorId 'EmptyClientSecret,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
        { CognitoTools\Get-CGIPSecretHash -Username ann -ClientId secretclient1 -ClientSecret $empty } |
            Should -Throw -ErrorId 'EmptyClientSecret,CognitoTools.Commands.GetCGIPSecretHashCommand'
    }

    It 'stops with a terminating error for an invalid -Select' {
        { CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Select 'Nope' -Force } |
            Should -Throw -ErrorId 'InvalidSelectValue,CognitoTools.Commands.SendCGIPConfirmationCodeCommand'
    }

    It 'validates the bulk parameter ranges at binding' -ForEach @(
        @{ Parameter = 'ThrottleLimit'; Value = 65 }, @{ Parameter = 'MaxAttempts'; Value = 0 },
        @{ Parameter = 'MaxRequestsPerSecond'; Value = 1001 }, @{ Parameter = 'ReadTimeoutSec'; Value = 601 }
    ) {
        $arguments = @{ Username = 'ann'; ClientId = 'demoappclient1'; Force = $true; $Parameter = $Value } + $Target
        { CognitoTools\Send-CGIPConfirmationCode @arguments } | Should -Throw -ErrorId "ParameterArgumentValidationError,CognitoTools.Commands.SendCGIPConfirmationCodeCommand"
    }
}

Describe '-Select' {
    It "'*' returns the whole response with its request id" {
        $response = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force -Select '*'
        $response.GetType().FullName | Should -Be 'CognitoTools.Model.ResendConfirmationCodeResponse'
        $response.CodeDeliveryDetails.Username | Should -Be 'ann'
        $response.ResponseMetadata.RequestId | Should -Not -BeNullOrEmpty
        $response.HttpStatusCode | Should -Be 200
    }

    It "'*' shows the request id in its default view, not a type name" {
        $response = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force -Select '*'
        $text = $response | Out-String -Width 200
        $text | Should -Match ([regex]::Escape($response.ResponseMetadata.RequestId))
        $text | Should -Not -Match 'CognitoTools\.Model\.ResponseMetadata'
    }

    It "'^Username' and '^ClientId' pass the parameter through (case-insensitively)" {
        @('ann', 'bob' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -Select '^Username') | Should -Be @('ann', 'bob')
        CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force -Select '^clientid' | Should -Be 'demoappclient1'
    }
}

Describe 'Bulk parameters' {
    BeforeAll {
        $script:Users = 1..40 | ForEach-Object { 'user{0:D4}' -f $_ }
    }
    BeforeEach { CognitoTools\Clear-CGIPHistory -Confirm:$false }

    It 'keeps input order with -ThrottleLimit 8' {
        $results = @($Users | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -ThrottleLimit 8)
        $results.Username | Should -Be $Users
    }

    It 'returns every user exactly once with -Unordered' {
        $results = @($Users | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -ThrottleLimit 8 -Unordered)
        @($results.Username | Sort-Object) | Should -Be @($Users | Sort-Object)
    }

    It 'writes results as they arrive with -Unordered, and in input order without it' {
        # The first user's answer is held for 1.5 s while the other two are answered at once (two in flight).
        $stub = Start-DelayingCognitoStub -SlowUsername slowuser -DelayMilliseconds 1500
        try {
            $stubTarget = @{ EndpointUrl = $stub.Url; Region = 'us-east-1'; ClientId = 'anyclient'; Force = $true; ThrottleLimit = 2 }
            $users = 'slowuser', 'fast1', 'fast2'
            @($users | CognitoTools\Send-CGIPConfirmationCode @stubTarget).Username | Should -Be $users
            @($users | CognitoTools\Send-CGIPConfirmationCode @stubTarget -Unordered).Username | Should -Be @('fast1', 'fast2', 'slowuser')
        }
        finally {
            $stub.Stub.Dispose()
        }
    }

    It 'gives every input row one outcome, failures included' {
        $mixed = @('user0001', 'nobody1', 'user0002', 'erin', 'user0003', 'nobody2')
        $results = @($mixed | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -ThrottleLimit 4 -ErrorVariable failures -ErrorAction SilentlyContinue)
        ($results.Count + $failures.Count) | Should -Be $mixed.Count
        $results.Username | Should -Be @('user0001', 'user0002', 'user0003')
        @($failures.TargetObject | Sort-Object) | Should -Be @('erin', 'nobody1', 'nobody2')
    }

    It 'sends a duplicate user once and reports it for every row' {
        Reset-TestEndpointStats $Endpoint
        $results = @('ann', 'bob', 'ann' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force)
        $results.Username | Should -Be @('ann', 'bob', 'ann')
        $stats = Get-TestEndpointStats $Endpoint
        $stats.Requests | Should -Be 2
        $stats.AttemptsByUser.ann | Should -Be 1
        $stats.AttemptsByUser.bob | Should -Be 1
        $annEntries = Get-HistoryFor ann
        $annEntries | Should -HaveCount 2
        @($annEntries | Where-Object IsDuplicate) | Should -HaveCount 1
    }

    It 'honours -MaxRequestsPerSecond 0 (no limit) and a low limit alike' {
        # Each answer takes 1 s (a second endpoint with added latency). With no cap the adaptive rate control still opens
        # with a slow start (rounds of 1, 2, 3, ... requests, each round once the one before is answered), so five
        # requests with five slots arrive in overlapping rounds: two or more within one latency, and the whole batch in
        # far less than one at a time would take (4 s between the first and the last arrival).
        $slow = Start-TestEndpoint -ExtraArguments @('--record', '--seed-users', '10', '--resend-limit', '0', '--latency-ms', '1000')
        try {
            @($Users[0..4] | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $slow.Url -Region us-east-1 -Force -MaxRequestsPerSecond 0 -ThrottleLimit 5) | Should -HaveCount 5
            $arrivals = Get-TestEndpointArrivals $slow
            $arrivals | Should -HaveCount 5
            $because = "requests overlapped (arrivals at ms $($arrivals -join ', '))"
            Get-MostArrivalsInWindow -Arrivals $arrivals -WindowMs 950 | Should -BeGreaterOrEqual 2 -Because $because
            ($arrivals[-1] - $arrivals[0]) | Should -BeLessThan 3500 -Because $because
        }
        finally {
            Stop-TestEndpoint $slow
        }
        # A low limit: five requests at 4 per second with two slots take the limit's spacing at the server.
        Reset-TestEndpointStats $Endpoint
        @($Users[0..4] | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -MaxRequestsPerSecond 4 -ThrottleLimit 2) | Should -HaveCount 5
        $arrivals = Get-TestEndpointArrivals $Endpoint
        $arrivals | Should -HaveCount 5
        Get-MostArrivalsInWindow -Arrivals $arrivals -WindowMs 950 | Should -BeLessOrEqual 4 -Because "at most 4 per second (arrivals at ms $($arrivals -join ', '))"
    }

    It 'spaces the requests by -MaxRequestsPerSecond, across every request in flight' {
        # 6 requests at 5 per second with 6 slots (all could go at once): at the server, no second holds more than 5,
        # and they arrive spread over the second, not as a burst and a pause. Tolerances: a window 50 ms short of a
        # second for network jitter, and one close pair for a timer that woke late.
        Reset-TestEndpointStats $Endpoint
        $paced = @($Users[0..5] | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -MaxRequestsPerSecond 5 -ThrottleLimit 6)
        $paced | Should -HaveCount 6
        $arrivals = Get-TestEndpointArrivals $Endpoint
        $arrivals | Should -HaveCount 6
        $because = "6 requests at 5/s arrived at ms $($arrivals -join ', ')"
        Get-MostArrivalsInWindow -Arrivals $arrivals -WindowMs 950 | Should -BeLessOrEqual 5 -Because $because
        ($arrivals[-1] - $arrivals[0]) | Should -BeGreaterOrEqual 950 -Because $because
        $gaps = @(for ($i = 1; $i -lt $arrivals.Count; $i++) { $arrivals[$i] - $arrivals[$i - 1] })
        @($gaps | Where-Object { $_ -lt 100 }).Count | Should -BeLessOrEqual 1 -Because "the 200 ms spacing holds between arrivals ($because)"
    }
}

Describe 'Progress' {
    It 'shows a progress bar for a long batch, and none when $ProgressPreference is SilentlyContinue' {
        # A fresh process without -NonInteractive (the module keeps progress quiet in non-interactive processes, such
        # as the one build.ps1 runs the tests in), hosting runspaces whose progress stream the test can count.
        $script = @"
`$ErrorActionPreference = 'Stop'
`$counts = foreach (`$preference in 'Continue', 'SilentlyContinue') {
    `$shell = [powershell]::Create()
    `$null = `$shell.AddScript({
        param(`$ModulePath, `$Url, `$Preference)
        Import-Module `$ModulePath
        `$ProgressPreference = `$Preference
        # 12 users at 10 per second: over a second, past the 0.5 s before a bar first shows.
        `$null = 1..12 | ForEach-Object { 'user{0:D4}' -f `$_ } |
            CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl `$Url -Region us-east-1 -Force -MaxRequestsPerSecond 10
    }.ToString()).AddArgument('$((Get-TestModulePath).Replace("'", "''"))').AddArgument('$($Endpoint.Url)').AddArgument(`$preference)
    `$null = `$shell.Invoke()
    if (`$shell.Streams.Error.Count -gt 0) { throw `$shell.Streams.Error[0] }
    `$shell.Streams.Progress.Count
    `$shell.Dispose()
}
'{0} {1} {2}' -f [Environment]::UserInteractive, `$counts[0], `$counts[1]
"@
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        $answer = Invoke-PowerShellProcess -ArgumentList @('-NoProfile', '-OutputFormat', 'Text', '-EncodedCommand', $encoded) | Select-Object -Last 1
        $LASTEXITCODE | Should -Be 0
        $interactive, $withContinue, $withSilentlyContinue = $answer -split ' '
        if ($interactive -ne 'True') {
            Set-ItResult -Skipped -Because 'this process is not user-interactive (a service), where the module never shows progress'
            return
        }
        [int]$withContinue | Should -BeGreaterThan 0 -Because 'the batch takes over a second, so a bar shows when progress is wanted'
        [int]$withSilentlyContinue | Should -Be 0
    }
}

Describe 'Client settings' {
    It 'takes the region from $env:AWS_REGION' {
        $saved = $env:AWS_REGION
        try {
            $env:AWS_REGION = 'eu-west-1'
            $verbose = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -EndpointUrl $Endpoint.Url -Force -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
            $verbose | Should -Match 'eu-west-1'
            $verbose | Should -Match 'AWS_REGION'
        }
        finally { $env:AWS_REGION = $saved }
    }

    It 'takes the region from -ProfileName in -ProfileLocation' {
        $config = Join-Path $TestDrive 'config'
        "[default]`nregion = us-west-2`n[profile pester]`nregion = ap-southeast-2`n" | Set-Content -Path $config
        $saved = @{ AWS_REGION = $env:AWS_REGION; AWS_DEFAULT_REGION = $env:AWS_DEFAULT_REGION }
        try {
            $env:AWS_REGION = $null; $env:AWS_DEFAULT_REGION = $null
            $verbose = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -EndpointUrl $Endpoint.Url -ProfileName pester -ProfileLocation $config -Force -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
            $verbose | Should -Match 'ap-southeast-2'
        }
        finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
    }

    It 'never writes the client secret or the SecretHash in verbose output' {
        $hash = CognitoTools\Get-CGIPSecretHash -Username ann -ClientId secretclient1 -ClientSecret $SecureDemoSecret
        $verbose = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -Force -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
        $verbose | Should -Not -BeNullOrEmpty
        $verbose.Contains($DemoSecret) | Should -BeFalse
        $verbose.Contains($hash) | Should -BeFalse
    }
}
