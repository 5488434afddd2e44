#Requires -Version 5.1
# Pester 5. Every way Send-CGIPConfirmationCode's parameters bind (position, array, pipeline by value, CSV and JSON
# rows by property name, history entries piped back), checked at the local endpoint's side: GET /_test/stats with
# --record shows each user's attempts and the members of the latest request it received.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module (Get-TestModulePath) -Force
    $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--record', '--seed-users', '10', '--resend-limit', '0')
    $script:Target = @{ EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1' }
    $script:SecureDemoSecret = ConvertTo-SecureString -String 'demosecret1234567890abcdefghijklmnopqrstuvwxyz12345' -AsPlainText -Force

    function Get-ServerRequestFor([string] $Username) {
        # The members of the latest request the endpoint received for this user ($null if none arrived).
        (Get-TestEndpointStats $Endpoint).LastRequestByUser.$Username
    }
}

AfterAll {
    CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false -IncludeSecrets:$false
    Stop-TestEndpoint $script:Endpoint
}

Describe 'Binding -Username' {
    BeforeEach {
        Reset-TestEndpointStats $Endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
    }

    It 'binds the first positional argument to -Username' {
        $result = CognitoTools\Send-CGIPConfirmationCode dave -ClientId demoappclient1 @Target -Force
        $result.Username | Should -Be 'dave'
        $stats = Get-TestEndpointStats $Endpoint
        $stats.Requests | Should -Be 1
        $stats.AttemptsByUser.dave | Should -Be 1
        $stats.LastRequestByUser.dave.ClientId | Should -Be 'demoappclient1'
    }

    It 'sends every user of an array given to -Username, one request each, in order' {
        $users = 'user0001', 'user0002', 'user0003', 'user0004', 'user0005'
        @(CognitoTools\Send-CGIPConfirmationCode -Username $users -ClientId demoappclient1 @Target -Force).Username | Should -Be $users
        $stats = Get-TestEndpointStats $Endpoint
        $stats.Requests | Should -Be 5
        foreach ($user in $users) { $stats.AttemptsByUser.$user | Should -Be 1 -Because "$user is sent once" }
    }

    It 'binds strings from the pipeline by value, and an array piped as one object' {
        @('ann', 'bob' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force).Username | Should -Be @('ann', 'bob')
        # The unary comma makes the array one pipeline object; it binds to Username[] whole.
        @(, @('carol', 'dave') | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force).Username | Should -Be @('carol', 'dave')
        $stats = Get-TestEndpointStats $Endpoint
        $stats.Requests | Should -Be 4
        foreach ($user in 'ann', 'bob', 'carol', 'dave') { $stats.AttemptsByUser.$user | Should -Be 1 -Because "$user is sent once" }
    }
}

Describe 'Binding rows by property name' {
    BeforeEach {
        Reset-TestEndpointStats $Endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
    }

    It 'binds every Import-Csv column to its parameter, row by row, and sends the values' {
        $bobHash = CognitoTools\Get-CGIPSecretHash -Username bob -ClientId secretclient1 -ClientSecret $SecureDemoSecret
        $csv = Join-Path $TestDrive 'all-columns.csv'
        @(
            'Username,ClientId,SecretHash,AnalyticsMetadata_AnalyticsEndpointId,UserContextData_IpAddress,UserContextData_EncodedData,ClientMetadata'
            'ann,demoappclient1,,endpoint-a,192.0.2.10,encoded-a,'
            "bob,secretclient1,$bobHash,,,,"
            'carol,demoappclient1,,,198.51.100.7,,'
        ) | Set-Content -Path $csv
        $results = @(Import-Csv $csv | CognitoTools\Send-CGIPConfirmationCode @Target -Force)
        # bob's row only succeeds if its SecretHash cell reached the server intact.
        $results.Username | Should -Be @('ann', 'bob', 'carol')

        $stats = Get-TestEndpointStats $Endpoint
        $stats.Requests | Should -Be 3
        $ann = $stats.LastRequestByUser.ann
        $ann.ClientId | Should -Be 'demoappclient1'
        $ann.SecretHashSent | Should -BeFalse
        $ann.AnalyticsMetadata.AnalyticsEndpointId | Should -Be 'endpoint-a'
        $ann.UserContextData.IpAddress | Should -Be '192.0.2.10'
        $ann.UserContextData.EncodedData | Should -Be 'encoded-a'
        # Each row binds afresh: the first row's values never carry over to the next rows' empty cells.
        $bob = $stats.LastRequestByUser.bob
        $bob.ClientId | Should -Be 'secretclient1'
        $bob.SecretHashSent | Should -BeTrue
        $bob.PSObject.Properties.Name | Should -Not -Contain 'AnalyticsMetadata'
        $bob.PSObject.Properties.Name | Should -Not -Contain 'UserContextData'
        $carol = $stats.LastRequestByUser.carol
        $carol.UserContextData.IpAddress | Should -Be '198.51.100.7'
        $carol.UserContextData.PSObject.Properties.Name | Should -Not -Contain 'EncodedData'
        $carol.PSObject.Properties.Name | Should -Not -Contain 'AnalyticsMetadata'
        # An empty ClientMetadata cell is no metadata.
        foreach ($user in 'ann', 'bob', 'carol') { $stats.LastRequestByUser.$user.PSObject.Properties.Name | Should -Not -Contain 'ClientMetadata' }
    }

    It 'reads a ClientMetadata cell as a JSON object or key=value pairs, and refuses other text for that row only' {
        $csv = Join-Path $TestDrive 'metadata-cells.csv'
        @(
            'Username,ClientId,ClientMetadata'
            'ann,demoappclient1,"{""campaign"":""spring"",""wave"":2}"'
            'bob,demoappclient1,"campaign=autumn,wave=3"'
            'carol,demoappclient1,just some words'
            'dave,demoappclient1,'
        ) | Set-Content -Path $csv
        $results = @(Import-Csv $csv | CognitoTools\Send-CGIPConfirmationCode @Target -Force -ErrorAction SilentlyContinue -ErrorVariable failures)
        $results.Username | Should -Be @('ann', 'bob', 'dave')
        # carol's row is refused with an error naming the parameter and the accepted forms; nothing is sent for it.
        $failures | Should -HaveCount 1
        $failures[0].Exception.Message | Should -Match 'ClientMetadata'
        $failures[0].Exception.Message | Should -Match 'key=value pairs separated by commas'
        $stats = Get-TestEndpointStats $Endpoint
        $stats.Requests | Should -Be 3
        $stats.AttemptsByUser.carol | Should -BeNullOrEmpty
        $stats.LastRequestByUser.ann.ClientMetadata.campaign | Should -Be 'spring'
        $stats.LastRequestByUser.ann.ClientMetadata.wave | Should -Be '2'
        $stats.LastRequestByUser.bob.ClientMetadata.campaign | Should -Be 'autumn'
        $stats.LastRequestByUser.bob.ClientMetadata.wave | Should -Be '3'
        $stats.LastRequestByUser.dave.PSObject.Properties.Name | Should -Not -Contain 'ClientMetadata'
    }

    It 'binds ConvertFrom-Json requests in AWS field names, nested AnalyticsMetadata and UserContextData included' {
        $json = @'
[
  { "ClientId": "demoappclient1", "Username": "carol",
    "ClientMetadata": { "source": "pester", "n": "1" },
    "AnalyticsMetadata": { "AnalyticsEndpointId": "endpoint-json" },
    "UserContextData": { "IpAddress": "203.0.113.9", "EncodedData": "encoded-json" } },
  { "ClientId": "demoappclient1", "Username": "dave" }
]
'@
        # Parentheses enumerate the array in both Windows PowerShell 5.1 and PowerShell 7.
        $results = @((ConvertFrom-Json $json) | CognitoTools\Send-CGIPConfirmationCode @Target -Force)
        $results.Username | Should -Be @('carol', 'dave')

        $carol = Get-ServerRequestFor carol
        $carol.AnalyticsMetadata.AnalyticsEndpointId | Should -Be 'endpoint-json'
        $carol.UserContextData.IpAddress | Should -Be '203.0.113.9'
        $carol.UserContextData.EncodedData | Should -Be 'encoded-json'
        $carol.ClientMetadata.source | Should -Be 'pester'
        $carol.ClientMetadata.n | Should -Be '1'
        # The second request has none of the first one's members.
        $dave = Get-ServerRequestFor dave
        $dave.ClientId | Should -Be 'demoappclient1'
        @($dave.PSObject.Properties.Name | Sort-Object) | Should -Be @('ClientId', 'SecretHashSent')
    }

    It 'sends the flattened parameter rather than the nested member when a row has both' {
        $row = '{"ClientId":"demoappclient1","Username":"ann","AnalyticsMetadata":{"AnalyticsEndpointId":"nested-id"},"AnalyticsMetadata_AnalyticsEndpointId":"flat-id","UserContextData":{"IpAddress":"192.0.2.1","EncodedData":"nested-data"},"UserContextData_EncodedData":"flat-data"}'
        $null = $row | ConvertFrom-Json | CognitoTools\Send-CGIPConfirmationCode @Target -Force
        $ann = Get-ServerRequestFor ann
        $ann.AnalyticsMetadata.AnalyticsEndpointId | Should -Be 'flat-id'
        $ann.UserContextData.EncodedData | Should -Be 'flat-data'
        # A nested member without a flattened counterpart still goes out.
        $ann.UserContextData.IpAddress | Should -Be '192.0.2.1'
    }

    It 'sends -ClientMetadata given as a hashtable, values as strings' {
        $null = CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId demoappclient1 -ClientMetadata @{ campaign = 'spring'; count = 3 } @Target -Force
        $metadata = (Get-ServerRequestFor bob).ClientMetadata
        $metadata.campaign | Should -BeExactly 'spring'
        $metadata.count | Should -BeExactly '3'
    }
}

Describe 'Binding Get-CGIPSecretHash rows' {
    BeforeEach { Reset-TestEndpointStats $Endpoint }

    It 'computes each CSV row''s SecretHash from its Username and ClientId; the server accepts them' {
        $csv = Join-Path $TestDrive 'secret-users.csv'
        "Username,ClientId`nann,secretclient1`ncarol,secretclient1" | Set-Content -Path $csv
        # As the help's example does: add a SecretHash column, then send the rows.
        $rows = @(Import-Csv $csv | Select-Object -Property Username, ClientId, @{ Name = 'SecretHash'; Expression = { $_ | CognitoTools\Get-CGIPSecretHash -ClientSecret $SecureDemoSecret } })
        $rows[0].SecretHash | Should -BeExactly (CognitoTools\Get-CGIPSecretHash -Username ann -ClientId secretclient1 -ClientSecret $SecureDemoSecret)
        $rows[0].SecretHash | Should -Not -Be $rows[1].SecretHash
        @($rows | CognitoTools\Send-CGIPConfirmationCode @Target -Force).Username | Should -Be @('ann', 'carol')
        $stats = Get-TestEndpointStats $Endpoint
        $stats.LastRequestByUser.ann.SecretHashSent | Should -BeTrue
        $stats.LastRequestByUser.carol.SecretHashSent | Should -BeTrue
    }
}

Describe 'Binding history entries piped back' {
    BeforeEach {
        Reset-TestEndpointStats $Endpoint
        CognitoTools\Clear-CGIPHistory -Confirm:$false
    }
    AfterEach { CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests:$false -IncludeSecrets:$false }

    It 'sends each entry of Get-CGIPHistory again with its user and app client' {
        $closed = "http://127.0.0.1:$(Get-UnusedLocalPort)/"
        $null = 'ann', 'user0001' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $closed -Region us-east-1 -MaxAttempts 1 -Force -ErrorAction SilentlyContinue
        (Get-TestEndpointStats $Endpoint).Requests | Should -Be 0

        # The entries went to the closed endpoint: sending them to this one is deliberate (-AllowEndpointChange).
        $resent = @(CognitoTools\Get-CGIPHistory -Failed | CognitoTools\Send-CGIPConfirmationCode @Target -Force -AllowEndpointChange)
        @($resent.Username | Sort-Object) | Should -Be @('ann', 'user0001')
        $stats = Get-TestEndpointStats $Endpoint
        $stats.Requests | Should -Be 2
        $stats.LastRequestByUser.ann.ClientId | Should -Be 'demoappclient1'
        $stats.LastRequestByUser.user0001.ClientId | Should -Be 'demoappclient1'
    }

    It 'sends the recorded request members again (RecordRequests), and only those' {
        CognitoTools\Set-CGIPHistoryConfiguration -RecordRequests
        $closed = "http://127.0.0.1:$(Get-UnusedLocalPort)/"
        $request = @{
            Username = 'carol'; ClientId = 'demoappclient1'; ClientMetadata = @{ campaign = 'autumn' }
            AnalyticsMetadata_AnalyticsEndpointId = 'endpoint-h'; UserContextData_IpAddress = '192.0.2.44'; UserContextData_EncodedData = 'encoded-h'
        }
        $null = CognitoTools\Send-CGIPConfirmationCode @request -EndpointUrl $closed -Region us-east-1 -MaxAttempts 1 -Force -ErrorAction SilentlyContinue
        $null = CognitoTools\Send-CGIPConfirmationCode -Username dave -ClientId demoappclient1 -EndpointUrl $closed -Region us-east-1 -MaxAttempts 1 -Force -ErrorAction SilentlyContinue

        $null = CognitoTools\Get-CGIPHistory -Failed | CognitoTools\Send-CGIPConfirmationCode @Target -Force -AllowEndpointChange
        $carol = Get-ServerRequestFor carol
        $carol.ClientMetadata.campaign | Should -Be 'autumn'
        $carol.AnalyticsMetadata.AnalyticsEndpointId | Should -Be 'endpoint-h'
        $carol.UserContextData.IpAddress | Should -Be '192.0.2.44'
        $carol.UserContextData.EncodedData | Should -Be 'encoded-h'
        @((Get-ServerRequestFor dave).PSObject.Properties.Name | Sort-Object) | Should -Be @('ClientId', 'SecretHashSent')
    }

    It 'needs -ClientSecret again for a secret-bearing app client unless the SecretHash was recorded (-IncludeSecrets)' {
        $null = CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -Force
        # Without -IncludeSecrets the entry has no SecretHash: sent bare, the endpoint refuses it.
        $null = CognitoTools\Get-CGIPHistory -Succeeded | CognitoTools\Send-CGIPConfirmationCode @Target -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'NotAuthorizedException,*'
        (Get-ServerRequestFor bob).SecretHashSent | Should -BeFalse
        # With -ClientSecret the piped entry gets its SecretHash computed.
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $null = CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -Force
        (CognitoTools\Get-CGIPHistory -Succeeded | CognitoTools\Send-CGIPConfirmationCode -ClientSecret $SecureDemoSecret @Target -Force).Username | Should -Be 'bob'
        (Get-ServerRequestFor bob).SecretHashSent | Should -BeTrue
        # With -IncludeSecrets the recorded SecretHash binds by property name and is sent as it was.
        CognitoTools\Set-CGIPHistoryConfiguration -IncludeSecrets
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $null = CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId secretclient1 -ClientSecret $SecureDemoSecret @Target -Force
        (CognitoTools\Get-CGIPHistory -Succeeded | CognitoTools\Send-CGIPConfirmationCode @Target -Force).Username | Should -Be 'bob'
        (Get-TestEndpointStats $Endpoint).AttemptsByUser.bob | Should -Be 6
    }
}
