#Requires -Version 5.1
# Pester 5. Send-CGIPConfirmationCode under the common parameters: -WhatIf, -Confirm, -Force and $ConfirmPreference
# (prompts detected by a host without UI), and its error records under each -ErrorAction and -ErrorVariable.
# What was sent is counted at the local endpoint (GET /_test/stats), not taken from the cmdlet's own report.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module (Get-TestModulePath) -Force
    # --resend-limit 1: a second code to the same user within the hour is LimitExceededException.
    $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--record', '--seed-users', '10', '--resend-limit', '1')
    $script:Target = @{ EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1' }
    $script:CommandTypeName = 'CognitoTools.Commands.SendCGIPConfirmationCodeCommand'

    function Get-ErrorIdPart($Record) {
        # FullyQualifiedErrorId is '<ErrorId>,<command type>'.
        ($Record.FullyQualifiedErrorId -split ',')[0]
    }
}

AfterAll {
    Stop-TestEndpoint $script:Endpoint
}

Describe '-WhatIf, -Confirm, -Force and $ConfirmPreference' {
    BeforeEach {
        Reset-TestEndpointStats $Endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
    }

    It '-WhatIf in every form sends nothing: no request reaches the server' {
        $csv = Join-Path $TestDrive 'whatif.csv'
        "Username,ClientId`nuser0001,demoappclient1`nuser0002,demoappclient1" | Set-Content -Path $csv
        CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -WhatIf | Should -BeNullOrEmpty
        CognitoTools\Send-CGIPConfirmationCode -Username ann, bob -ClientId demoappclient1 @Target -WhatIf -Force | Should -BeNullOrEmpty
        'carol', 'dave' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -WhatIf -ThrottleLimit 4 | Should -BeNullOrEmpty
        Import-Csv $csv | CognitoTools\Send-CGIPConfirmationCode @Target -WhatIf -Force | Should -BeNullOrEmpty
        $WhatIfPreference = $true
        try { CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -Force | Should -BeNullOrEmpty }
        finally { $WhatIfPreference = $false }

        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 0
        @(CognitoTools\Get-CGIPHistory) | Should -HaveCount 0
        # The counter does count: the same call without -WhatIf arrives.
        $null = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 @Target -WhatIf:$false -Force
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 1
    }

    It '<Case>: prompted <Prompts>, sent <Sends>' -ForEach @(
        @{ Case = '$ConfirmPreference Low'; Preference = 'Low'; Arguments = @{}; Prompts = $true; Sends = $false }
        @{ Case = '$ConfirmPreference Medium'; Preference = 'Medium'; Arguments = @{}; Prompts = $true; Sends = $false }
        @{ Case = '$ConfirmPreference High (the default)'; Preference = 'High'; Arguments = @{}; Prompts = $false; Sends = $true }
        @{ Case = '$ConfirmPreference None with -Confirm'; Preference = 'None'; Arguments = @{ Confirm = $true }; Prompts = $true; Sends = $false }
        @{ Case = '$ConfirmPreference Low with -Confirm:$false'; Preference = 'Low'; Arguments = @{ Confirm = $false }; Prompts = $false; Sends = $true }
        @{ Case = '$ConfirmPreference Medium with -Confirm:$false'; Preference = 'Medium'; Arguments = @{ Confirm = $false }; Prompts = $false; Sends = $true }
        @{ Case = '$ConfirmPreference Low with -Force'; Preference = 'Low'; Arguments = @{ Force = $true }; Prompts = $false; Sends = $true }
        @{ Case = '-Confirm with -Force'; Preference = 'High'; Arguments = @{ Confirm = $true; Force = $true }; Prompts = $false; Sends = $true }
        @{ Case = '-Confirm:$false with -WhatIf'; Preference = 'High'; Arguments = @{ Confirm = $false; WhatIf = $true }; Prompts = $false; Sends = $false }
    ) {
        $run = Invoke-WithoutHostUI -ScriptBlock {
            param($ModulePath, $Url, $Preference, $Arguments)
            Import-Module $ModulePath
            $ConfirmPreference = $Preference
            'user0001', 'user0002' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $Url -Region us-east-1 @Arguments
        } -ArgumentList (Get-TestModulePath), $Endpoint.Url, $Preference, $Arguments
        $run.Prompted | Should -Be $Prompts
        $stats = Get-TestEndpointStats $Endpoint
        if ($Sends) {
            $run.Output.Username | Should -Be @('user0001', 'user0002')
            $stats.Requests | Should -Be 2
        }
        else {
            $run.Output | Should -BeNullOrEmpty
            $stats.Requests | Should -Be 0
        }
    }
}

Describe 'Error records' {
    BeforeEach {
        Reset-TestEndpointStats $Endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
    }

    It 'gives each failed row its error id, category and username as target, in input order, under -ErrorAction Continue' {
        $rows = @(
            [pscustomobject]@{ Username = 'nobody'; ClientId = 'demoappclient1' }
            [pscustomobject]@{ Username = 'erin'; ClientId = 'demoappclient1' }
            [pscustomobject]@{ Username = 'bob'; ClientId = 'secretclient1' }
            [pscustomobject]@{ Username = 'ann'; ClientId = 'nosuchclient1' }
            [pscustomobject]@{ Username = 'user0009'; ClientId = 'demoappclient1' }
            [pscustomobject]@{ Username = 'has space'; ClientId = 'demoappclient1' }
            [pscustomobject]@{ Username = 'carol'; ClientId = 'demoappclient1' }
        )
        # user0009 has its one code of the hour: the next is LimitExceededException.
        $null = CognitoTools\Send-CGIPConfirmationCode -Username user0009 -ClientId demoappclient1 @Target -Force
        $Error.Clear()
        # 2>&1 merges the error stream into the output, so the order of outputs and errors shows.
        $merged = @($rows | CognitoTools\Send-CGIPConfirmationCode @Target -Force -ErrorAction Continue 2>&1)
        $merged | Should -HaveCount 7
        # The refused row's record is written as soon as the row is read, while answers are written in input order as
        # they come; so it may come ahead of earlier rows' answers. It is checked on its own.
        $isRefused = { $_ -is [System.Management.Automation.ErrorRecord] -and $_.TargetObject -eq 'has space' }
        $checks = @(
            @{ Record = @($merged | Where-Object $isRefused); Id = 'RequestValidationFailed'; Category = 'InvalidArgument'; Target = 'has space' }
        )
        $answers = @($merged | Where-Object { -not (& $isRefused) })
        $checks += @(
            @{ Record = $answers[0]; Id = 'UserNotFoundException'; Category = 'ObjectNotFound'; Target = 'nobody' }
            @{ Record = $answers[1]; Id = 'InvalidParameterException'; Category = 'InvalidArgument'; Target = 'erin' }
            @{ Record = $answers[2]; Id = 'NotAuthorizedException'; Category = 'PermissionDenied'; Target = 'bob' }
            @{ Record = $answers[3]; Id = 'ResourceNotFoundException'; Category = 'ObjectNotFound'; Target = 'ann' }
            @{ Record = $answers[4]; Id = 'LimitExceededException'; Category = 'LimitsExceeded'; Target = 'user0009' }
        )
        foreach ($check in $checks) {
            @($check.Record) | Should -HaveCount 1
            $record = @($check.Record)[0]
            $record | Should -BeOfType ([System.Management.Automation.ErrorRecord])
            Get-ErrorIdPart $record | Should -Be $check.Id
            ($record.FullyQualifiedErrorId -split ',')[1] | Should -Be $CommandTypeName
            $record.CategoryInfo.Category | Should -Be $check.Category
            $record.TargetObject | Should -Be $check.Target
            $record.CategoryInfo.TargetName | Should -Be $check.Target
        }
        $answers[5].Username | Should -Be 'carol'
        # Continue also records them in $Error.
        @($Error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.TargetObject -is [string] } | ForEach-Object { $_.TargetObject } | Sort-Object) |
            Should -Be @('ann', 'bob', 'erin', 'has space', 'nobody', 'user0009')
        # The refused row never reached the server; every other row did, once (user0009 twice with the first call).
        $stats = Get-TestEndpointStats $Endpoint
        $stats.AttemptsByUser.'has space' | Should -BeNullOrEmpty
        $stats.Requests | Should -Be 7
    }

    It 'writes nothing to the error stream under SilentlyContinue, but keeps the records in $Error and -ErrorVariable' {
        $Error.Clear()
        $merged = @('ann', 'nobody', 'bob' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -ErrorAction SilentlyContinue -ErrorVariable failures 2>&1)
        @($merged | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Should -HaveCount 0
        @($merged.Username) | Should -Be @('ann', 'bob')
        $failures | Should -HaveCount 1
        $failures[0].TargetObject | Should -Be 'nobody'
        Get-ErrorIdPart $failures[0] | Should -Be 'UserNotFoundException'
        $Error[0].TargetObject | Should -Be 'nobody'
    }

    It 'appends to an existing variable with -ErrorVariable +name, under Continue too' {
        $null = CognitoTools\Send-CGIPConfirmationCode -Username nobody1 -ClientId demoappclient1 @Target -Force -ErrorAction SilentlyContinue -ErrorVariable collected
        $null = CognitoTools\Send-CGIPConfirmationCode -Username nobody2 -ClientId demoappclient1 @Target -Force -ErrorAction Continue -ErrorVariable +collected 2>$null
        @($collected | ForEach-Object { $_.TargetObject }) | Should -Be @('nobody1', 'nobody2')
    }

    It '-ErrorAction Stop: the first failure stops the command; the rows before it are output, the rows after it are not sent' {
        $received = [System.Collections.Generic.List[object]]::new()
        $caught = $null
        try {
            'ann', 'nobody', 'dave', 'user0001' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -ErrorAction Stop -ErrorVariable failures -WarningAction SilentlyContinue |
                ForEach-Object { $received.Add($_) }
        }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'under -ErrorAction Stop a failed user terminates the command'
        Get-ErrorIdPart $caught | Should -Be 'UserNotFoundException'
        $caught.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $caught.TargetObject | Should -Be 'nobody'
        # -ErrorVariable holds the ActionPreferenceStopException that carries the record.
        $stopRecords = @($failures | ForEach-Object { if ($_ -is [System.Management.Automation.ActionPreferenceStopException]) { $_.ErrorRecord } else { $_ } })
        @($stopRecords | ForEach-Object { $_.TargetObject }) | Should -Be @('nobody')
        @($received.Username) | Should -Be @('ann')

        # The row right after the failure may already have been started when the failure's answer freed its slot
        # (the command reports that answer on taking in the next row); nothing later is sent.
        $stats = Get-TestEndpointStats $Endpoint
        $stats.Requests | Should -BeIn @(2, 3)
        $stats.AttemptsByUser.user0001 | Should -BeNullOrEmpty
        # A row already in flight gets its answer (the stop's grace), so the history says Succeeded exactly for the
        # codes the server delivered; rows taken in but not answered are NotSent.
        $global:CGIPHistory.LastCommand.Succeeded | Should -Be $stats.Deliveries
        $global:CGIPHistory.LastCommand.Failed | Should -Be 1
        # The exact list, not a check per entry (which an empty list passes): the command took in ann, nobody and perhaps
        # dave (if nobody's answer came while dave was taken in); user0001 never. dave is NotSent unless it was delivered.
        $taken = @(CognitoTools\Get-CGIPHistory | ForEach-Object { $_.Username } | Sort-Object -Unique)
        ($taken -join ',') | Should -BeIn @('ann,nobody', 'ann,dave,nobody')
        $expectedNotSent = @($taken | Where-Object { $_ -eq 'dave' -and -not $stats.DeliveriesByUser.dave })
        @(CognitoTools\Get-CGIPHistory -NotSent | ForEach-Object { $_.Username }) | Should -Be $expectedNotSent
        $global:CGIPHistory.LastCommand.NotSent | Should -Be $expectedNotSent.Count
    }

    It '-ErrorAction Stop on a -Username array: the users after the failure are recorded NotSent and not sent' {
        $caught = $null
        try { $null = CognitoTools\Send-CGIPConfirmationCode -Username ann, nobody, dave, user0001 -ClientId demoappclient1 @Target -Force -ErrorAction Stop -WarningAction SilentlyContinue }
        catch { $caught = $_ }
        $caught.TargetObject | Should -Be 'nobody'
        # dave may have been started as nobody's answer came (see above), and then answered within the stop's grace;
        # user0001 was never sent. Every user is accounted for, and Succeeded is exactly what the server delivered.
        $stats = Get-TestEndpointStats $Endpoint
        $global:CGIPHistory.LastCommand.Succeeded | Should -Be $stats.Deliveries
        $global:CGIPHistory.LastCommand.Failed | Should -Be 1
        $global:CGIPHistory.LastCommand.NotSent | Should -Be (4 - 1 - $stats.Deliveries)
        @(CognitoTools\Get-CGIPHistory -NotSent | ForEach-Object { $_.Username }) | Should -Contain 'user0001'
        $stats.Requests | Should -BeIn @(2, 3)
        $stats.AttemptsByUser.user0001 | Should -BeNullOrEmpty
    }

    It '-ErrorAction Stop: a row refused before sending stops the command before anything is sent' {
        $caught = $null
        try { 'has space', 'ann' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force -ErrorAction Stop }
        catch { $caught = $_ }
        Get-ErrorIdPart $caught | Should -Be 'RequestValidationFailed'
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $caught.TargetObject | Should -Be 'has space'
        $caught.Exception.ParamName | Should -Be 'Username'
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 0
    }

    It 'a terminating error (NoRegion) stops the command under -ErrorAction <Action>, with no target user' -ForEach @(
        @{ Action = 'Continue' }, @{ Action = 'SilentlyContinue' }, @{ Action = 'Stop' }
    ) {
        $saved = @{}
        foreach ($name in 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        }
        try {
            $env:AWS_REGION = $null; $env:AWS_DEFAULT_REGION = $null; $env:AWS_PROFILE = $null
            $env:AWS_CONFIG_FILE = Join-Path $TestDrive 'missing-config'
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $TestDrive 'missing-credentials'
            $caught = $null
            $output = $null
            try { $output = CognitoTools\Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -Force -ErrorAction $Action }
            catch { $caught = $_ }
            $output | Should -BeNullOrEmpty
            Get-ErrorIdPart $caught | Should -Be 'NoRegion'
            $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $caught.TargetObject | Should -BeNullOrEmpty
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }
}
