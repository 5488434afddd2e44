#Requires -Version 5.1
# Pester 5. Issue 16, the whole campaign in real PowerShell: Get-CGIPUserList's parameters and input rules, every page
# listed from moto_server (an AWS stand-in we did not write, checking every SigV4 signature and IAM policy), the
# campaign's client-side conditions, credentials from every source a cmdlet takes (parameters, profile files,
# environment, -Credential and AWS.Tools' $StoredAWSCredentials by their GetCredentials()), moto's refusals, and the
# listing piped into Send-CGIPConfirmationCode against the local Cognito test endpoint, counted at the endpoint.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    . (Join-Path $PSScriptRoot 'MotoSupport.ps1')
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:MotoReason = Get-MotoUnavailableReason
    $script:Moto = $null
    if (-not $script:MotoReason) {
        $script:Moto = Start-MotoServer -Users 61
        $script:F = $script:Moto.Fixture
        $script:Keys = @{ AccessKey = $script:F.AccessKeyId; SecretKey = $script:F.SecretAccessKey }
        $script:AtMoto = @{ UserPoolId = $script:F.UserPoolId; EndpointUrl = $script:Moto.Url; Region = 'us-east-1' }
    }
    $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--record', '--resend-limit', '0', '--seed-users', '5')
    $script:Scratch = Join-Path ([System.IO.Path]::GetTempPath()) ('cognitotools-campaign-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:Scratch

    function Skip-WithoutMoto {
        if ($script:MotoReason) { Set-ItResult -Skipped -Because $script:MotoReason; return $true }
        return $false
    }

    function Invoke-Isolated {
        # Runs the script in a new runspace of this process with the module imported and no AWS_* variables or AWS.Tools
        # variables it did not set itself, so a credential source is tested on its own. Returns output, errors and
        # verbose lines.
        param([Parameter(Mandatory)] [scriptblock] $ScriptBlock, [hashtable] $Environment = @{}, [object[]] $ArgumentList = @())
        $saved = @{}
        foreach ($name in @(Get-ChildItem env: | Where-Object Name -like 'AWS_*' | ForEach-Object Name) + @($Environment.Keys)) {
            if (-not $saved.ContainsKey($name)) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        # Tests talk only to servers on 127.0.0.1: the chain's last source, EC2 instance metadata, stays off unless a
        # test points it at its own stand-in.
        [Environment]::SetEnvironmentVariable('AWS_EC2_METADATA_DISABLED', 'true')
        foreach ($name in $Environment.Keys) { [Environment]::SetEnvironmentVariable($name, $Environment[$name]) }
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$($script:ModulePath)'").AddStatement().AddScript($ScriptBlock.ToString())
            foreach ($argument in $ArgumentList) { $null = $shell.AddArgument($argument) }
            $output = $null
            $failure = $null
            try { $output = $shell.Invoke() } catch { $failure = $_.Exception }
            [pscustomobject]@{
                Output  = @($output)
                Errors  = @($shell.Streams.Error)
                Failure = $failure
                Verbose = @($shell.Streams.Verbose | ForEach-Object Message)
            }
        }
        finally {
            $shell.Dispose()
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }
}

AfterAll {
    Stop-MotoServer $script:Moto
    Stop-TestEndpoint $script:Endpoint
    Remove-Item -Path $script:Scratch -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-CGIPUserList takes AWS.Tools'' parameters' {
    BeforeAll {
        $script:Command = Get-Command CognitoTools\Get-CGIPUserList
    }

    It 'takes -UserPoolId at position 0, mandatory, from the pipeline by value and by property name' {
        $parameter = $script:Command.Parameters.UserPoolId
        $attribute = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attribute.Position | Should -Be 0
        $attribute.Mandatory | Should -BeTrue
        $attribute.ValueFromPipeline | Should -BeTrue
        $attribute.ValueFromPipelineByPropertyName | Should -BeTrue
    }

    It 'has the aliases AWS.Tools users type' -TestCases @(
        @{ Name = 'Limit'; Alias = 'MaxItems' }
        @{ Name = 'PaginationToken'; Alias = 'NextToken' }
        @{ Name = 'AccessKey'; Alias = 'AK' }
        @{ Name = 'SecretKey'; Alias = 'SK' }
        @{ Name = 'SecretKey'; Alias = 'SecretAccessKey' }
        @{ Name = 'SessionToken'; Alias = 'ST' }
        @{ Name = 'ProfileName'; Alias = 'AWSProfileName' }
        @{ Name = 'ProfileLocation'; Alias = 'ProfilesLocation' }
        @{ Name = 'Region'; Alias = 'RegionToCall' }
    ) {
        param($Name, $Alias)
        $script:Command.Parameters[$Name].Aliases | Should -Contain $Alias
    }

    It 'has the rest of AWS.Tools'' parameters and the campaign helpers' {
        foreach ($name in 'Filter', 'AttributesToGet', 'NoAutoIteration', 'Select', 'EndpointUrl', 'Credential', 'UserStatus', 'CreatedAfter', 'CreatedBefore') {
            $script:Command.Parameters.Keys | Should -Contain $name
        }
        $script:Command.Parameters.CreatedAfter.ParameterType | Should -Be ([datetime])
    }

    It 'refuses <Case> before any request, naming the parameter and the rule' -TestCases @(
        @{ Case = 'a filter not of the form name = "value"'; Arguments = @{ Filter = 'email = ann' }; Parameter = 'Filter'; Text = 'name = "value"' }
        @{ Case = 'a filter on an attribute Cognito cannot search'; Arguments = @{ Filter = 'custom:tier = "gold"' }; Parameter = 'Filter'; Text = 'cannot be searched' }
        @{ Case = 'a filter over 256 characters'; Arguments = @{ Filter = 'email ^= "' + ('a' * 250) + '"' }; Parameter = 'Filter'; Text = 'at most 256' }
        @{ Case = 'a page size of 61'; Arguments = @{ Limit = 61 }; Parameter = 'Limit'; Text = '1 to 60' }
        @{ Case = 'a page size of 0'; Arguments = @{ Limit = 0 }; Parameter = 'Limit'; Text = '1 to 60' }
        @{ Case = 'an attribute name over 32 characters'; Arguments = @{ AttributesToGet = @('x' * 33) }; Parameter = 'AttributesToGet'; Text = '1 to 32' }
    ) {
        param($Case, $Arguments, $Parameter, $Text)
        Reset-TestEndpointStats $script:Endpoint
        $errors = $null
        $users = CognitoTools\Get-CGIPUserList -UserPoolId 'us-east-1_Example1' @Arguments -EndpointUrl $script:Endpoint.Url -Region us-east-1 `
            -AccessKey AKIDEXAMPLE -SecretKey not-used -ErrorVariable errors -ErrorAction SilentlyContinue
        $users | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Match '^RequestValidationFailed,'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].Exception.ParamName | Should -Be $Parameter
        $errors[0].Exception.Message | Should -BeLike "*$Text*"
        (Get-TestEndpointStats $script:Endpoint).Requests | Should -Be 0 -Because 'bad input costs no request'
    }

    It 'refuses an unknown -UserStatus and an empty creation window before any request' {
        { CognitoTools\Get-CGIPUserList us-east-1_Example1 -UserStatus Pending -AccessKey AKIDEXAMPLE -SecretKey x -Region us-east-1 -EndpointUrl $script:Endpoint.Url -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidClientFilter,*'
        { CognitoTools\Get-CGIPUserList us-east-1_Example1 -CreatedAfter (Get-Date) -CreatedBefore (Get-Date).AddDays(-1) -AccessKey AKIDEXAMPLE -SecretKey x -Region us-east-1 -EndpointUrl $script:Endpoint.Url -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidClientFilter,*'
    }
}

Describe 'Get-CGIPUserList through a proxy that refuses the credentials' {
    BeforeAll {
        $script:Proxy = Start-BasicAuthProxy $script:Endpoint
        $script:SavedProxy = Get-ProxyVariables
    }
    AfterAll {
        Restore-ProxyVariables $script:SavedProxy
        $script:Proxy.Dispose()
    }

    It 'stops at once with ONE ProxyAuthenticationRequired error naming the fix, and no password in errors or verbose' {
        # Not a loopback name, so the request goes through the proxy (absolute URI). .NET's own messages quote the
        # proxy URL as configured; the password must not reach the error, its inner exceptions or the verbose lines.
        Set-ProxyVariables $script:Proxy 'Wrong-Pa55word'
        $script:Caught = $null
        try {
            $verbose = & {
                try {
                    'us-east-1_Example1', 'us-east-1_Example2' | CognitoTools\Get-CGIPUserList -AccessKey AKIDEXAMPLE -SecretKey not-used -Region us-east-1 `
                        -EndpointUrl "http://cognito-idp.proxy-test.invalid:$($script:Endpoint.Port)/" -Verbose
                }
                catch { $script:Caught = $_ }
            } 4>&1
        }
        finally { Restore-ProxyVariables $script:SavedProxy }
        $script:Caught | Should -Not -BeNullOrEmpty -Because 'every other pool would be refused the same way'
        $script:Caught.FullyQualifiedErrorId | Should -Match '^ProxyAuthenticationRequired,'
        $script:Caught.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $script:Caught.TargetObject | Should -Be 'us-east-1_Example1'
        $script:Caught.Exception.Message | Should -Match "127\.0\.0\.1:$($script:Proxy.Port)"
        $script:Caught.Exception.Message | Should -Match '407'
        $script:Caught.ErrorDetails.RecommendedAction | Should -Match 'HTTPS_PROXY/HTTP_PROXY'
        $everything = ($script:Caught.Exception.ToString(), $script:Caught.ErrorDetails.Message, ($verbose | Out-String)) -join "`n"
        $everything | Should -Not -Match 'Wrong-Pa55word'
        $everything | Should -Not -Match 'corp:'
        $script:Caught.Exception.Attempts | Should -Be 1 -Because 'retrying cannot change the proxy''s mind'
        # One attempt is up to two refusals: .NET sends without credentials first, then with them when challenged.
        $script:Proxy.Refused | Should -BeLessOrEqual 2 -Because 'the second pool is not tried'
    }
}

Describe 'Listing a pool from moto_server' {
    It 'fetches every page: 61 users in pages of 7 are 61 users, each once, in 9 signed requests' {
        if (Skip-WithoutMoto) { return }
        $verbose = $null
        $users = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -Limit 7 -Verbose 4>&1 | Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $users.Count | Should -Be 61
        @($users.Username | Sort-Object -Unique).Count | Should -Be 61
        @($verbose | Where-Object { $_ -match '^ListUsers attempt 1: HTTP 200' }).Count | Should -Be 9
        $verbose | Should -Contain "User pool $($script:F.UserPoolId): 9 page(s), 61 user(s) listed, 61 written."
    }

    It 'writes objects shaped like AWS.Tools'' UserType' {
        if (Skip-WithoutMoto) { return }
        $user = CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -Filter 'username = "user00000"'
        $user.Username | Should -Be 'user00000'
        $user.UserStatus | Should -Be 'UNCONFIRMED'
        $user.Enabled | Should -BeTrue
        $user.UserCreateDate | Should -BeOfType [datetime]
        $user.UserLastModifiedDate | Should -BeOfType [datetime]
        $user.UserCreateDate | Should -BeGreaterThan (Get-Date).AddHours(-2)
        $user.UserCreateDate | Should -BeLessThan (Get-Date).AddMinutes(1)
        ($user.Attributes | Where-Object Name -eq 'email').Value | Should -Be 'user00000@example.com'
        $user.PSObject.Properties.Name | Should -Contain 'MFAOptions' -Because 'the property is there (an empty list), as in AWS.Tools'
        $user.MFAOptions.Count | Should -Be 0
        ($user | Format-Table | Out-String) | Should -Match 'UserStatus'
    }

    It 'applies -UserStatus and the creation window on the client' {
        if (Skip-WithoutMoto) { return }
        $unconfirmed = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -UserStatus Unconfirmed)
        $unconfirmed.Count | Should -Be $script:F.StatusCounts.UNCONFIRMED
        $unconfirmed.UserStatus | Sort-Object -Unique | Should -Be 'UNCONFIRMED'
        $two = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -UserStatus Unconfirmed, ForceChangePassword -Limit 10)
        $two.Count | Should -Be ($script:F.StatusCounts.UNCONFIRMED + $script:F.StatusCounts.FORCE_CHANGE_PASSWORD)
        @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -CreatedAfter (Get-Date).AddHours(-2)).Count | Should -Be 61
        @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -CreatedAfter (Get-Date).AddMinutes(1)).Count | Should -Be 0
        @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -CreatedBefore (Get-Date).AddHours(-2)).Count | Should -Be 0
    }

    It 'passes -Filter to the service' {
        if (Skip-WithoutMoto) { return }
        $users = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -Filter 'username ^= "user0000"')
        $users.Username | Sort-Object | Should -Be @(0..9 | ForEach-Object { 'user{0:00000}' -f $_ })
    }

    It 'gives one page with -NoAutoIteration, and the next from its token (-NextToken)' {
        if (Skip-WithoutMoto) { return }
        $first = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -MaxItems 5 -NoAutoIteration)
        $first.Count | Should -Be 5
        $token = CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -MaxItems 5 -NoAutoIteration -Select PaginationToken
        $token | Should -Not -BeNullOrEmpty
        $second = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -MaxItems 5 -NoAutoIteration -NextToken $token)
        $second.Count | Should -Be 5
        $second.Username | Where-Object { $_ -in $first.Username } | Should -BeNullOrEmpty
        $pages = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -Limit 30 -Select '*')
        $pages.Count | Should -Be 3
        $pages[0] | Should -BeOfType ([CognitoTools.Model.ListUsersResponse])
        ($pages | ForEach-Object { $_.Users.Count } | Measure-Object -Sum).Sum | Should -Be 61
    }

    It 'streams: Select-Object -First 3 of pages of one user stops the listing after a few requests' {
        if (Skip-WithoutMoto) { return }
        $first = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -Limit 1 -Verbose 4>&1 |
                Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | Select-Object -First 3)
        $first.Count | Should -Be 3
        $requests = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^ListUsers attempt' }).Count
        $requests | Should -BeLessOrEqual 5 -Because 'users are written as each page arrives (3 pages and at most one prefetched), not after all 61 pages'
    }

    It 'shows progress while it lists (pages, users, rate), and none in a -NonInteractive process' {
        if (Skip-WithoutMoto) { return }
        # Fresh processes (the one build.ps1 runs the tests in is -NonInteractive, where the module keeps progress
        # quiet), the same listing in each, once with -NonInteractive; each hands back its progress records as JSON.
        $listing = @{
            UserPoolId = $script:F.UserPoolId; EndpointUrl = $script:Moto.Url; Region = 'us-east-1'; Limit = 1
            AccessKey = $script:F.AccessKeyId; SecretKey = $script:F.SecretAccessKey
        } | ConvertTo-Json -Compress
        $script = @"
`$ErrorActionPreference = 'Stop'
`$shell = [powershell]::Create()
`$parameters = @{}
('$($listing.Replace("'", "''"))' | ConvertFrom-Json).PSObject.Properties | ForEach-Object { `$parameters[`$_.Name] = `$_.Value }
`$null = `$shell.AddScript("Import-Module '$($script:ModulePath.Replace("'", "''"))'").AddStatement().AddCommand('Get-CGIPUserList').AddParameters(`$parameters)
`$users = `$shell.Invoke()
if (`$shell.Streams.Error.Count -gt 0) { throw `$shell.Streams.Error[0] }
[pscustomobject]@{
    Interactive = [Environment]::UserInteractive
    Users       = `$users.Count
    Records     = @(`$shell.Streams.Progress | Where-Object Activity -eq 'Listing users' | ForEach-Object { [pscustomobject]@{ Status = `$_.StatusDescription; Type = [string]`$_.RecordType } })
} | ConvertTo-Json -Depth 4 -Compress
"@
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        $runs = foreach ($flags in @(@(), @('-NonInteractive'))) {
            $answer = Invoke-PowerShellProcess -ArgumentList (@('-NoProfile') + $flags + @('-OutputFormat', 'Text', '-EncodedCommand', $encoded)) | Select-Object -Last 1
            $LASTEXITCODE | Should -Be 0 -Because "the child process ($flags) lists without error: $answer"
            $answer | ConvertFrom-Json
        }
        $interactive, $nonInteractive = $runs
        $interactive.Users | Should -Be 61
        $nonInteractive.Users | Should -Be 61
        @($nonInteractive.Records).Count | Should -Be 0 -Because 'nobody sees a bar in a -NonInteractive process (a scheduled job, CI)'
        if (-not $interactive.Interactive) {
            Set-ItResult -Skipped -Because 'this process is not user-interactive (a service), where the module never shows progress'
            return
        }
        $records = @($interactive.Records)
        $records.Count | Should -BeGreaterThan 0 -Because 'a listing of 61 pages takes more than the half second before the first progress record'
        $records[0].Status | Should -Match '^us-east-1_\w+: \d+ page\(s\), \d+ user\(s\) listed, \d+ written, \d+ users/s$'
        $records[-1].Type | Should -Be 'Completed'
    }

    It 'never shows the secret key or the session token in output, verbose, debug or errors' {
        if (Skip-WithoutMoto) { return }
        $token = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789'
        # moto does not know the session token: the answer is a refusal (a terminating error), whose text is checked too.
        $all = @(try { CognitoTools\Get-CGIPUserList @script:AtMoto -AccessKey $script:F.AccessKeyId -SecretKey $script:F.SecretAccessKey -SessionToken $token -Limit 30 -Verbose -Debug -ErrorAction Continue *>&1 } catch { $_ })
        @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count | Should -Be 1
        @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 2
        $text = ($all | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.Exception.ToString() + ($_ | Out-String) } else { $_ | Out-String } }) -join "`n"
        $all.Count | Should -BeGreaterThan 0
        $text | Should -Not -BeLike "*$($script:F.SecretAccessKey)*"
        $text | Should -Not -BeLike "*$token*"
        $text | Should -Not -BeLike '*Signature=*'
    }

    It 'says clearly when Cognito refuses a pagination token' {
        if (Skip-WithoutMoto) { return }
        $errors = $null
        CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -PaginationToken 'expired-or-foreign' -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -Match '^PaginationTokenRefused,'
        $errors[0].Exception.Message | Should -BeLike '*about an hour*without -PaginationToken*'
        $errors[0].TargetObject | Should -Be $script:F.UserPoolId
    }

    It 'reports moto''s <Case> as <ErrorId> (<Category>), naming where the credentials came from and never the secret' -TestCases @(
        @{ Case = '403 for a wrong secret'; Key = 'lister'; Secret = 'wrong-secret-value-123'; ErrorId = 'InvalidSignature'; Category = 'AuthenticationError' }
        @{ Case = '403 for an unknown key'; Key = 'AKIAUNKNOWNKEY000000'; Secret = 'unknown-secret-value-123'; ErrorId = 'UnrecognizedClient'; Category = 'AuthenticationError' }
        @{ Case = 'AccessDenied for a key without ListUsers'; Key = 'denied'; Secret = 'denied'; ErrorId = 'AccessDenied'; Category = 'PermissionDenied' }
    ) {
        param($Case, $Key, $Secret, $ErrorId, $Category)
        if (Skip-WithoutMoto) { return }
        if ($Key -eq 'lister') { $Key = $script:F.AccessKeyId }
        if ($Key -eq 'denied') { $Key = $script:F.DeniedAccessKeyId; $Secret = $script:F.DeniedSecretAccessKey }
        $caught = $null
        try { CognitoTools\Get-CGIPUserList @script:AtMoto -AccessKey $Key -SecretKey $Secret -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -Match "^$ErrorId,"
        $caught.CategoryInfo.Category | Should -Be $Category
        $caught.Exception.Message | Should -BeLike '*-AccessKey/-SecretKey parameters*'
        ($caught | Out-String) + $caught.Exception.ToString() | Should -Not -BeLike "*$Secret*"
    }
}

Describe 'Credentials from every source a cmdlet takes' {
    It 'uses a named profile of -ProfileLocation, and a missing profile is an error, never a fall-through' {
        if (Skip-WithoutMoto) { return }
        $file = Join-Path $script:Scratch 'credentials'
        Set-Content -Path $file -Value @('[campaign]', "aws_access_key_id = $($script:F.AccessKeyId)", "aws_secret_access_key = $($script:F.SecretAccessKey)")
        $result = Invoke-Isolated -ArgumentList $script:AtMoto, $file -Environment @{ AWS_ACCESS_KEY_ID = $script:F.AccessKeyId; AWS_SECRET_ACCESS_KEY = $script:F.SecretAccessKey } -ScriptBlock {
            param($at, $file)
            @(Get-CGIPUserList @at -ProfileName campaign -ProfileLocation $file -Verbose).Count
            try { Get-CGIPUserList @at -ProfileName nosuch -ProfileLocation $file -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.CategoryInfo.Category.ToString() }
        }
        $result.Output[0] | Should -Be 61
        ($result.Verbose -join "`n") | Should -Match "Credentials from .*campaign" -Because 'verbose output names the source'
        $result.Output[1] | Should -Match 'ProfileNotFound'
        $result.Output[2] | Should -Be 'ObjectNotFound'
    }

    It 'uses AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and AWS_PROFILE from the shared credentials file' {
        if (Skip-WithoutMoto) { return }
        $result = Invoke-Isolated -ArgumentList $script:AtMoto -Environment @{ AWS_ACCESS_KEY_ID = $script:F.AccessKeyId; AWS_SECRET_ACCESS_KEY = $script:F.SecretAccessKey } -ScriptBlock {
            param($at) @(Get-CGIPUserList @at -Verbose).Count
        }
        $result.Output[0] | Should -Be 61
        ($result.Verbose -join "`n") | Should -Match 'Credentials from environment variables'
        $file = Join-Path $script:Scratch 'shared-credentials'
        Set-Content -Path $file -Value @('[other]', "aws_access_key_id = $($script:F.AccessKeyId)", "aws_secret_access_key = $($script:F.SecretAccessKey)")
        $result = Invoke-Isolated -ArgumentList $script:AtMoto -Environment @{ AWS_SHARED_CREDENTIALS_FILE = $file; AWS_CONFIG_FILE = (Join-Path $script:Scratch 'no-config'); AWS_PROFILE = 'other' } -ScriptBlock {
            param($at) @(Get-CGIPUserList @at).Count
        }
        $result.Output[0] | Should -Be 61
    }

    It 'assumes a role_arn + source_profile profile through moto''s STS (AWS_ENDPOINT_URL_STS), and runs a credential_process' {
        if (Skip-WithoutMoto) { return }
        $process = Join-Path $script:Scratch 'credential-process.py'
        Set-Content -Path $process -Value ('import json; print(json.dumps({{"Version": 1, "AccessKeyId": "{0}", "SecretAccessKey": "{1}"}}))' -f $script:F.AccessKeyId, $script:F.SecretAccessKey)
        $config = Join-Path $script:Scratch 'config'
        Set-Content -Path $config -Value @(
            '[profile base]', "aws_access_key_id = $($script:F.AccessKeyId)", "aws_secret_access_key = $($script:F.SecretAccessKey)",
            '[profile reader]', "role_arn = $($script:F.RoleArn)", 'source_profile = base', 'region = us-east-1',
            '[profile process]', "credential_process = python3 $process")
        $environment = @{ AWS_CONFIG_FILE = $config; AWS_SHARED_CREDENTIALS_FILE = (Join-Path $script:Scratch 'no-credentials'); AWS_ENDPOINT_URL_STS = $script:Moto.Url }
        $result = Invoke-Isolated -ArgumentList $script:AtMoto -Environment $environment -ScriptBlock {
            param($at)
            @(Get-CGIPUserList @at -ProfileName reader -Verbose).Count
            @(Get-CGIPUserList @at -ProfileName process -Verbose).Count
        }
        $result.Errors | ForEach-Object { $_.Exception.Message } | Should -BeNullOrEmpty
        $result.Output[0] | Should -Be 61 -Because 'the role''s temporary credentials (with a session token) list the pool'
        $result.Output[1] | Should -Be 61
        ($result.Verbose -join "`n") | Should -Match 'Credentials from .*reader'
        ($result.Verbose -join "`n") | Should -Match 'Credentials from .*process'
    }

    It 'sends a role profile''s AssumeRole through the same proxy as ListUsers (HTTPS_PROXY/HTTP_PROXY set in the session)' {
        if (Skip-WithoutMoto) { return }
        # STS used to take .NET's default proxy: on Windows PowerShell 5.1 the system proxy (never HTTP_PROXY), and in
        # PowerShell 7 the variables as they were when the process first used the web. Settled here before they are set,
        # as in a session whose script sets them, the name below resolves only through the proxy.
        $null = [System.Net.Http.HttpClient]::DefaultProxy
        $proxy = Start-BasicAuthProxy $script:Moto
        $proxyPort = $proxy.Port
        $savedProxy = Get-ProxyVariables
        try {
            $config = Join-Path $script:Scratch 'config-behind-proxy'
            Set-Content -Path $config -Value @(
                '[profile base]', "aws_access_key_id = $($script:F.AccessKeyId)", "aws_secret_access_key = $($script:F.SecretAccessKey)",
                '[profile reader]', "role_arn = $($script:F.RoleArn)", 'source_profile = base', 'region = us-east-1')
            $environment = @{ AWS_CONFIG_FILE = $config; AWS_SHARED_CREDENTIALS_FILE = (Join-Path $script:Scratch 'no-credentials')
                AWS_ENDPOINT_URL_STS = "http://sts.proxy-test.invalid:$($script:Moto.Port)/" }
            $behindProxy = @{ UserPoolId = $script:F.UserPoolId; Region = 'us-east-1'; EndpointUrl = "http://cognito-idp.proxy-test.invalid:$($script:Moto.Port)/" }
            Set-ProxyVariables $proxy 'Right-Pa55word'
            $result = Invoke-Isolated -ArgumentList $behindProxy -Environment $environment -ScriptBlock {
                param($at) @(Get-CGIPUserList @at -ProfileName reader).Count
            }
            Set-ProxyVariables $proxy 'Wrong-Pa55word'
            $refused = Invoke-Isolated -ArgumentList $behindProxy -Environment $environment -ScriptBlock {
                param($at) try { Get-CGIPUserList @at -ProfileName reader -ErrorAction Stop } catch { $_ }
            }
        }
        finally {
            Restore-ProxyVariables $savedProxy
            $proxy.Dispose()
        }
        $result.Errors | ForEach-Object { $_.Exception.Message } | Should -BeNullOrEmpty
        $result.Output[0] | Should -Be 61
        $lines = @($proxy.RequestLines)
        @($lines | Where-Object { $_ -like 'POST http://sts.proxy-test.invalid:*' }).Count | Should -BeGreaterThan 0 -Because 'AssumeRole went through the proxy'
        @($lines | Where-Object { $_ -like 'POST http://cognito-idp.proxy-test.invalid:*' }).Count | Should -BeGreaterThan 0
        # Refused by the proxy: one credentials error that names it, without its password.
        $record = $refused.Output[0]
        $record.FullyQualifiedErrorId | Should -Match '^AssumeRoleFailed,'
        $record.Exception.Message | Should -Match "The proxy 'http://127\.0\.0\.1:$proxyPort' refused the user name and password of the proxy variable .*: HTTP 407"
        $record.CategoryInfo.Category | Should -Be 'AuthenticationError'
        ($record.Exception.ToString(), $record.ErrorDetails.Message) -join "`n" | Should -Not -Match 'Wrong-Pa55word'
    }

    It 'calls GetCredentials() of a -Credential object (AWS.Tools'' AWSCredentials stand-in) without any AWSSDK assembly' {
        if (Skip-WithoutMoto) { return }
        $result = Invoke-Isolated -ArgumentList $script:AtMoto, $script:F.AccessKeyId, $script:F.SecretAccessKey -ScriptBlock {
            param($at, $key, $secret)
            $credential = [pscustomobject]@{ PSTypeName = 'Amazon.Runtime.BasicAWSCredentials' }
            $credential | Add-Member -MemberType ScriptMethod -Name GetCredentials -Value ([scriptblock]::Create("[pscustomobject]@{ AccessKey = '$key'; SecretKey = '$secret'; Token = ''; UseToken = `$false }"))
            @(Get-CGIPUserList @at -Credential $credential).Count
            @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'AWSSDK*' }).Count
        }
        $result.Errors | Should -BeNullOrEmpty
        $result.Output[0] | Should -Be 61
        $result.Output[1] | Should -Be 0
    }

    It 'uses AWS.Tools'' $StoredAWSCredentials and $StoredAWSRegion when set' {
        if (Skip-WithoutMoto) { return }
        $result = Invoke-Isolated -ArgumentList $script:F, $script:Moto.Url -ScriptBlock {
            param($f, $url)
            $global:StoredAWSRegion = 'us-east-1'
            $global:StoredAWSCredentials = [pscustomobject]@{}
            $global:StoredAWSCredentials | Add-Member -MemberType ScriptMethod -Name GetCredentials -Value ([scriptblock]::Create("[pscustomobject]@{ AccessKey = '$($f.AccessKeyId)'; SecretKey = '$($f.SecretAccessKey)' }"))
            @(Get-CGIPUserList $f.UserPoolId -EndpointUrl $url -Verbose).Count
        }
        $result.Errors | Should -BeNullOrEmpty
        $result.Output[0] | Should -Be 61
        ($result.Verbose -join "`n") | Should -Match 'Region us-east-1 \(from \$StoredAWSRegion'
        ($result.Verbose -join "`n") | Should -Match 'Credentials from \$StoredAWSCredentials'
    }

    It 'stops with a clear error when $StoredAWSCredentials cannot be used, even with valid keys in the environment' {
        if (Skip-WithoutMoto) { return }
        $result = Invoke-Isolated -ArgumentList $script:AtMoto -Environment @{ AWS_ACCESS_KEY_ID = $script:F.AccessKeyId; AWS_SECRET_ACCESS_KEY = $script:F.SecretAccessKey } -ScriptBlock {
            param($at)
            $global:StoredAWSCredentials = 'not a credentials object'
            try { @(Get-CGIPUserList @at -ErrorAction Stop).Count } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
        }
        $result.Output[0] | Should -Match '^CredentialObjectFailed,'
        $result.Output[1] | Should -BeLike '*$StoredAWSCredentials*no other credentials were tried*'
    }
}

Describe 'The whole campaign' {
    BeforeAll {
        if (-not $script:MotoReason) {
            $csv = Join-Path $script:Scratch 'endpoint-users.csv'
            New-MotoUsersCsv -Fixture $script:F -Path $csv
            $script:CampaignEndpoint = Start-TestEndpoint -ExtraArguments @('--record', '--resend-limit', '0', '--users-csv', $csv)
        }
    }
    AfterAll {
        Stop-TestEndpoint $script:CampaignEndpoint
    }

    It 'lists the unconfirmed users from moto and resends each one code through Send-CGIPConfirmationCode, with a journal and a report' {
        if (Skip-WithoutMoto) { return }
        $journal = Join-Path $script:Scratch 'campaign-journal.csv'
        $sent = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -UserStatus Unconfirmed -Limit 7 |
                CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:CampaignEndpoint.Url -Region us-east-1 -Force -JournalPath $journal)
        $expected = @(0..60 | Where-Object { $_ % 3 -eq 0 } | ForEach-Object { 'user{0:00000}' -f $_ })
        $sent.Count | Should -Be $expected.Count
        ($sent.Username | Sort-Object) | Should -Be $expected
        $stats = Get-TestEndpointStats $script:CampaignEndpoint
        $stats.Requests | Should -Be $expected.Count -Because 'the endpoint saw one request per unconfirmed user, and none for the others'
        foreach ($name in $expected) { $stats.AttemptsByUser.$name | Should -Be 1 -Because "$name is sent once" }
        # The report: the journal and the history say what happened to each.
        $report = @(Import-Csv $journal | Where-Object Event -ne Intent | Group-Object Event)
        $report.Name | Should -Be 'Succeeded'
        $report[0].Count | Should -Be $expected.Count
        @(CognitoTools\Get-CGIPHistory -Failed).Count | Should -Be 0
        # Run again with the same journal: nothing is sent twice.
        $again = @(CognitoTools\Get-CGIPUserList @script:AtMoto @script:Keys -UserStatus Unconfirmed |
                CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:CampaignEndpoint.Url -Region us-east-1 -Force -JournalPath $journal)
        $again.Count | Should -Be 0
        (Get-TestEndpointStats $script:CampaignEndpoint).Requests | Should -Be $expected.Count
    }

    It 'takes AWS.Tools'' own UserType objects (shape and type name) in the same pipe' {
        Reset-TestEndpointStats $script:Endpoint
        $awsToolsUsers = foreach ($name in 'user0001', 'user0002') {
            [pscustomobject]@{
                PSTypeName           = 'Amazon.CognitoIdentityProvider.Model.UserType'
                Username             = $name
                Attributes           = @([pscustomobject]@{ PSTypeName = 'Amazon.CognitoIdentityProvider.Model.AttributeType'; Name = 'email'; Value = "$name@example.com" })
                UserCreateDate       = (Get-Date).AddHours(-3)
                UserLastModifiedDate = (Get-Date).AddHours(-3)
                Enabled              = $true
                UserStatus           = 'UNCONFIRMED'
                MFAOptions           = @()
            }
        }
        $sent = @($awsToolsUsers | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $script:Endpoint.Url -Region us-east-1 -Force)
        $sent.Username | Should -Be @('user0001', 'user0002')
        $stats = Get-TestEndpointStats $script:Endpoint
        $stats.Requests | Should -Be 2
        $stats.AttemptsByUser.user0001 | Should -Be 1
        $stats.AttemptsByUser.user0002 | Should -Be 1
    }
}
