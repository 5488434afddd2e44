#Requires -Version 5.1
# Pester 5. Correctness and security rules of issue 10, in real PowerShell against the local Cognito stand-in:
# only identical requests are merged (case-sensitive usernames, SecretHash), the history belongs to its session
# (runspace), a resend to another endpoint is refused, a bad CA bundle is a clear terminating error, and the client
# secret is converted once per command. (The Ctrl+C warning and -WarningAction are tested elsewhere.)

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--case-sensitive-pool', '--seed-users', '20', '--resend-limit', '0')
    $script:Target = @{ EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1' }
    $script:DemoSecret = 'demosecret1234567890abcdefghijklmnopqrstuvwxyz12345'
    $script:SecureDemoSecret = ConvertTo-SecureString -String $script:DemoSecret -AsPlainText -Force

    function Get-EndpointStats($Endpoint) {
        Invoke-RestMethod -Method Get -Uri ($Endpoint.Url + '_test/stats')
    }

    function Reset-EndpointStats($Endpoint) {
        $null = Invoke-RestMethod -Method Post -Uri ($Endpoint.Url + '_test/reset')
    }

    function Get-SecureStringConversions {
        $property = [CognitoTools.Protocol.SecretHashKey].GetProperty('SecureStringConversions', [System.Reflection.BindingFlags]'NonPublic,Static')
        [long]$property.GetValue($null)
    }
}

AfterAll {
    Stop-TestEndpoint $script:Endpoint
}

Describe 'Only identical requests are merged' {
    BeforeEach {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        Reset-EndpointStats $script:Endpoint
    }

    It 'sends jane, JANE and phil of a case-sensitive pool as three requests with three answers' {
        $results = @('jane', 'JANE', 'phil' | CognitoTools\Send-CGIPConfirmationCode -ClientId casesensitiveclient1 @Target -ThrottleLimit 4 -Force)
        (Get-EndpointStats $script:Endpoint).Requests | Should -Be 3
        $results | Should -HaveCount 3
        $results.Username | Should -Be @('jane', 'JANE', 'phil')
        # Each its own user's destination: JANE is not reported with jane's answer.
        $results.Destination | Should -Be @('j***@e***.com', 'U***@s***.org', 'p***@e***.net')
        @(CognitoTools\Get-CGIPHistory | Where-Object IsDuplicate) | Should -HaveCount 0
    }

    It 'still merges the same request repeated in one batch' {
        $results = @('jane', 'phil', 'jane' | CognitoTools\Send-CGIPConfirmationCode -ClientId casesensitiveclient1 @Target -Force)
        (Get-EndpointStats $script:Endpoint).Requests | Should -Be 2
        $results | Should -HaveCount 3
        $results[2].Destination | Should -Be $results[0].Destination
        @(CognitoTools\Get-CGIPHistory | Where-Object IsDuplicate).Username | Should -Be @('jane')
    }

    It 'merges spellings that differ in case only with -CaseInsensitiveUsernames, for a case-insensitive pool' {
        $results = @('ann', 'ANN' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -CaseInsensitiveUsernames -Force)
        (Get-EndpointStats $script:Endpoint).Requests | Should -Be 1
        $results.Username | Should -Be @('ann', 'ANN')

        Reset-EndpointStats $script:Endpoint
        $null = 'ann', 'ANN' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force
        (Get-EndpointStats $script:Endpoint).Requests | Should -Be 2
    }

    It 'sends a wrong and then a right SecretHash for the same user separately: one NotAuthorized, one delivery' {
        $right = CognitoTools\Get-CGIPSecretHash -Username bob -ClientId secretclient1 -ClientSecret $SecureDemoSecret
        $rows = @(
            [pscustomobject]@{ Username = 'bob'; ClientId = 'secretclient1'; SecretHash = 'd3JvbmcgaGFzaCBmb3IgYm9i' }
            [pscustomobject]@{ Username = 'bob'; ClientId = 'secretclient1'; SecretHash = $right }
        )
        $results = @($rows | CognitoTools\Send-CGIPConfirmationCode @Target -ThrottleLimit 4 -Force -ErrorVariable failures -ErrorAction SilentlyContinue)
        $stats = Get-EndpointStats $script:Endpoint
        $stats.Requests | Should -Be 2
        $stats.Deliveries | Should -Be 1
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'NotAuthorizedException,*'
        $results | Should -HaveCount 1
        $results[0].Username | Should -Be 'bob'
    }
}

Describe 'The history belongs to the session (runspace) that made the calls' {
    BeforeEach {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false -IncludeSecrets:$false
    }

    AfterAll {
        CognitoTools\Set-CGIPHistoryConfiguration -MaximumCount 1000 -RecordRequests:$false -IncludeSecrets:$false
    }

    It 'keeps the calls and the -IncludeSecrets setting of [powershell]::Create() apart from this session' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({
                    param($ModulePath, $Url, $Secret)
                    Import-Module $ModulePath
                    CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests -IncludeSecrets
                    $null = CognitoTools\Send-CGIPConfirmationCode -Username carol -ClientId secretclient1 -ClientSecret $Secret -EndpointUrl $Url -Region us-east-1 -Force
                    [pscustomobject]@{
                        Users          = @(CognitoTools\Get-CGIPHistory | ForEach-Object Username)
                        SecretRecorded = [bool](CognitoTools\Get-CGIPHistory)[0].SecretHash
                        History        = $CGIPHistory
                    }
                }.ToString()).AddArgument($script:ModulePath).AddArgument($script:Endpoint.Url).AddArgument($SecureDemoSecret)
            # This session sends with secrets off while the other runspace has them on.
            $null = CognitoTools\Send-CGIPConfirmationCode -Username dave -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -Force
            $other = $shell.Invoke()
            $shell.Streams.Error | Should -HaveCount 0
        }
        finally {
            $shell.Dispose()
        }

        $other[0].Users | Should -Be @('carol')
        $other[0].SecretRecorded | Should -BeTrue
        [object]::ReferenceEquals($other[0].History, $CGIPHistory) | Should -BeFalse
        @(CognitoTools\Get-CGIPHistory).Username | Should -Be @('dave')
        (CognitoTools\Get-CGIPHistory)[0].SecretHash | Should -BeNullOrEmpty
        $CGIPHistory.IncludeSecrets | Should -BeFalse
        $CGIPHistory.Count | Should -Be 1
    }

    It 'gives each ForEach-Object -Parallel runspace its own history, also when a runspace is reused' {
        if ($PSVersionTable.PSVersion.Major -lt 7) {
            Set-ItResult -Skipped -Because 'ForEach-Object -Parallel needs PowerShell 7'
            return
        }
        $modulePath = $script:ModulePath
        $url = $script:Endpoint.Url
        # -ThrottleLimit 1: the runspaces are reused one after the other (their state reset in between).
        $counts = @('user0001', 'user0002', 'user0003' | ForEach-Object -ThrottleLimit 1 -Parallel {
                Import-Module $using:modulePath
                CognitoTools\Set-CGIPHistoryConfiguration -IncludeSecrets -RecordRequests
                $sent = CognitoTools\Send-CGIPConfirmationCode -Username $_ -ClientId demoappclient1 -EndpointUrl $using:url -Region us-east-1 -Force
                [pscustomobject]@{ User = $_; Sent = $sent.Username; Users = @(CognitoTools\Get-CGIPHistory | ForEach-Object Username) }
            })
        $counts | Should -HaveCount 3
        foreach ($result in $counts) {
            $result.Sent | Should -Be $result.User
            $result.Users | Should -Be @($result.User)
        }
        # Nothing of theirs here, and their -IncludeSecrets did not reach this session.
        @(CognitoTools\Get-CGIPHistory) | Should -HaveCount 0
        $CGIPHistory.IncludeSecrets | Should -BeFalse

        $parallel = @('user0004', 'user0005', 'user0006' | ForEach-Object -ThrottleLimit 3 -Parallel {
                Import-Module $using:modulePath
                $null = CognitoTools\Send-CGIPConfirmationCode -Username $_ -ClientId demoappclient1 -EndpointUrl $using:url -Region us-east-1 -Force
                @(CognitoTools\Get-CGIPHistory).Count
            })
        $parallel | Should -Be @(1, 1, 1)
        @(CognitoTools\Get-CGIPHistory) | Should -HaveCount 0
    }

    It 'keeps the history when $CGIPHistory is assigned something else, and starts anew after Remove-Variable' {
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force
        $global:CGIPHistory = 'something else'
        @(CognitoTools\Get-CGIPHistory).Username | Should -Be @('ann')
        $CGIPHistory.GetType().FullName | Should -Be 'CognitoTools.History.CommandHistory'
        Remove-Variable -Name CGIPHistory -Scope Global
        @(CognitoTools\Get-CGIPHistory) | Should -HaveCount 0
        $CGIPHistory.GetType().FullName | Should -Be 'CognitoTools.History.CommandHistory'
    }
}

Describe 'Resending history entries to another endpoint' {
    BeforeAll {
        $script:Other = Start-TestEndpoint
    }

    AfterAll {
        Stop-TestEndpoint $script:Other
    }

    BeforeEach {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        Reset-EndpointStats $script:Other
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force
    }

    It 'records the endpoint and Region that answered' {
        $entry = (CognitoTools\Get-CGIPHistory)[0]
        $entry.Endpoint | Should -Be $script:Endpoint.Url
        $entry.Region | Should -Be 'us-east-1'
        $entry.OriginalEndpoint | Should -Be $script:Endpoint.Url
    }

    It 'refuses each entry of another endpoint with EndpointMismatch naming both, and sends nothing' {
        $results = @(CognitoTools\Get-CGIPHistory | CognitoTools\Send-CGIPConfirmationCode -EndpointUrl $script:Other.Url -Region eu-west-1 -Force -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results | Should -HaveCount 0
        (Get-EndpointStats $script:Other).Requests | Should -Be 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'EndpointMismatch,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $failures[0].TargetObject | Should -Be 'ann'
        $failures[0].Exception.Message | Should -BeLike "*$($script:Endpoint.Url)*"
        $failures[0].Exception.Message | Should -BeLike "*$($script:Other.Url)*"
        $failures[0].Exception.Message | Should -BeLike '*eu-west-1*'
    }

    It 'sends them there with -AllowEndpointChange, and to the same endpoint without it' {
        $moved = @(CognitoTools\Get-CGIPHistory | CognitoTools\Send-CGIPConfirmationCode -EndpointUrl $script:Other.Url -Region us-east-1 -AllowEndpointChange -Force)
        $moved.Username | Should -Be @('ann')
        (Get-EndpointStats $script:Other).Requests | Should -Be 1

        $again = @(CognitoTools\Get-CGIPHistory -Newest 1 | CognitoTools\Send-CGIPConfirmationCode @Target -Force -ErrorVariable failures -ErrorAction SilentlyContinue)
        $failures | Should -HaveCount 1 # the newest entry is the one sent to the other endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force
        $again = @(CognitoTools\Get-CGIPHistory | CognitoTools\Send-CGIPConfirmationCode @Target -Force)
        $again.Username | Should -Be @('ann')
    }
}

Describe 'A bad CA bundle' {
    BeforeAll {
        $script:Directory = Join-Path ([System.IO.Path]::GetTempPath()) ('cgip-ca-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $script:Directory
        $script:SavedBundle = $env:AWS_CA_BUNDLE

        function Invoke-WithBundleError {
            try {
                $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -Region us-east-1 -EndpointUrl 'https://127.0.0.1:9/' -Force @args
            }
            catch {
                return $_
            }
            throw 'The command did not stop.'
        }
    }

    AfterAll {
        $env:AWS_CA_BUNDLE = $script:SavedBundle
        Remove-Item -Path $script:Directory -Recurse -Force -ErrorAction SilentlyContinue
    }

    AfterEach {
        $env:AWS_CA_BUNDLE = $script:SavedBundle
    }

    It 'stops with InvalidCaBundle (<Case>) naming the file and AWS_CA_BUNDLE' -TestCases @(
        @{ Case = 'missing'; Content = $null; Why = 'does not exist' }
        @{ Case = 'no PEM'; Content = 'not a certificate'; Why = 'no PEM certificate' }
        @{ Case = 'corrupt PEM'; Content = "-----BEGIN CERTIFICATE-----`n@@@@`n-----END CERTIFICATE-----`n"; Why = 'corrupt' }
    ) {
        param($Case, $Content, $Why)
        $path = Join-Path $script:Directory ([guid]::NewGuid().ToString('N') + '.pem')
        if ($null -ne $Content) { Set-Content -Path $path -Value $Content }
        $env:AWS_CA_BUNDLE = $path
        $failure = Invoke-WithBundleError
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidCaBundle,*'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.Exception.Message | Should -BeLike "*$path*"
        $failure.Exception.Message | Should -BeLike '*AWS_CA_BUNDLE*'
        $failure.Exception.Message | Should -BeLike "*$Why*"
    }

    It 'names the profile when the setting came from ca_bundle in the config file' {
        $env:AWS_CA_BUNDLE = $null
        $config = Join-Path $script:Directory 'config'
        $bundle = Join-Path $script:Directory 'absent.pem'
        Set-Content -Path $config -Value "[default]`nca_bundle = $bundle`n"
        $failure = Invoke-WithBundleError -ProfileLocation $config
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidCaBundle,*'
        $failure.Exception.Message | Should -BeLike "*ca_bundle of profile 'default' in $config*"
    }
}

Describe 'The client secret is converted once per command' {
    It 'derives the HMAC key once for a whole batch, not per row' {
        $before = Get-SecureStringConversions
        $results = @('user0001', 'user0002', 'user0003', 'user0004', 'user0005' | CognitoTools\Send-CGIPConfirmationCode -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -ThrottleLimit 2 -Force)
        $results | Should -HaveCount 5
        ((Get-SecureStringConversions) - $before) | Should -Be 1

        $before = Get-SecureStringConversions
        $hashes = @('ann', 'bob', 'carol' | CognitoTools\Get-CGIPSecretHash -ClientId secretclient1 -ClientSecret $SecureDemoSecret)
        @($hashes | Select-Object -Unique) | Should -HaveCount 3
        ((Get-SecureStringConversions) - $before) | Should -Be 1
    }
}
