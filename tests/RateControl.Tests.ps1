#Requires -Version 5.1
# Pester 5. Issue 9 through the cmdlet in real PowerShell, measured at the standalone endpoint (GET /_test/stats):
# a batch under an account-wide token bucket finds the quota without hammering it, and a seeded fault storm ends with
# every user sent exactly once. Small enough for CI; tests/CognitoTools.Benchmark holds the full-size figures.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module (Get-TestModulePath) -Force

    function Get-EndpointStats {
        param([Parameter(Mandatory)] $Endpoint)
        Invoke-RestMethod -Uri ($Endpoint.Url + '_test/stats') -Method Get
    }

    function Get-DeliveryCounts {
        param([Parameter(Mandatory)] $Stats)
        @($Stats.DeliveriesByUser.PSObject.Properties | ForEach-Object { [int]$_.Value })
    }
}

Describe 'A batch under a shared quota' {
    BeforeAll {
        # 20 requests per second for the whole "account" (a bucket of one second's worth), 20 ms latency.
        $script:Quota = 20
        $script:Rows = 160
        $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', "$Rows", '--resend-limit', '0', '--rate-limit', "$Quota", '--latency-ms', '20', '--record')
        $users = 1..$Rows | ForEach-Object { 'user{0:D4}' -f $_ }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        # No cap: the rate is found from the throttling alone. Verbose lines (stream 4) are kept to check the log.
        $script:Output = @($users | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $Endpoint.Url -Region us-east-1 `
                -ThrottleLimit 16 -MaxRequestsPerSecond 0 -Force -Verbose -ErrorVariable script:Failures -ErrorAction SilentlyContinue 4>&1)
        $watch.Stop()
        $script:Elapsed = $watch.Elapsed
        $script:Stats = Get-EndpointStats $Endpoint
    }

    AfterAll {
        Stop-TestEndpoint $script:Endpoint
    }

    It 'sends every user once and fails none' {
        $Failures.Count | Should -Be 0
        @($Output | Where-Object { $_ -is [CognitoTools.Model.CodeDeliveryDetailsType] }).Count | Should -Be $Rows
        $Stats.Deliveries | Should -Be $Rows
        $counts = Get-DeliveryCounts $Stats
        $counts.Count | Should -Be $Rows
        ($counts | Measure-Object -Maximum).Maximum | Should -Be 1
    }

    It 'keeps throttles rare and the rate near the quota, measured at the server' {
        # Without adaptation, 16 in flight at 20 ms would offer 800 requests/s and nearly every attempt would be throttled.
        ($Stats.Throttled / $Stats.Requests) | Should -BeLessThan 0.15
        # The bucket's first second's worth goes at once, the rest at most at the quota: the ideal time for the rest.
        $ideal = ($Rows - $Quota) / $Quota
        $Elapsed.TotalSeconds | Should -BeLessThan (1.5 * $ideal + 2)
    }

    It 'logs each change of rate with its reason and ends with a summary' {
        $verbose = @($Output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message })
        @($verbose | Where-Object { $_ -match '^Rate (unlimited|[0-9.]+/s) -> [0-9.]+/s: .*throttled' }).Count | Should -BeGreaterThan 0
        $summary = @($verbose | Where-Object { $_ -match 'succeeded, .* attempts, .* throttled; final rate' })
        $summary.Count | Should -Be 1
        $summary[0] | Should -Match "$Rows succeeded, 0 failed, 0 not sent"
        $summary[0] | Should -Match "$($Stats.Requests) attempts, $($Stats.Throttled) throttled"
    }
}

Describe 'A batch through a fault storm' {
    BeforeAll {
        # Seeded: 10% of the users get 500 once, 10% twice, 10% a dropped connection once.
        $script:Rows = 400
        $script:StormEndpoint = Start-TestEndpoint -ExtraArguments @('--seed-users', "$Rows", '--resend-limit', '0', '--latency-ms', '5', '--record',
            '--user-faults', '500:10%,500x2:10%,drop:10%', '--seed', '7')
        $users = 1..$Rows | ForEach-Object { 'user{0:D4}' -f $_ }
        $script:StormOutput = @($users | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 -EndpointUrl $StormEndpoint.Url -Region us-east-1 `
                -ThrottleLimit 16 -MaxRequestsPerSecond 0 -Force -ErrorVariable script:StormFailures -ErrorAction SilentlyContinue)
        $script:StormStats = Get-EndpointStats $StormEndpoint
    }

    AfterAll {
        Stop-TestEndpoint $script:StormEndpoint
    }

    It 'ends with no failed user' {
        $StormFailures.Count | Should -Be 0
        $StormOutput.Count | Should -Be $Rows
    }

    It 'sent every user exactly once, and the faults did fire' {
        $StormStats.Deliveries | Should -Be $Rows
        $counts = Get-DeliveryCounts $StormStats
        $counts.Count | Should -Be $Rows
        ($counts | Measure-Object -Maximum).Maximum | Should -Be 1
        # About 40 users x 1 + 40 x 2 + 40 x 1 faulted attempts on top of one answered attempt per user (the shares are
        # of every user the endpoint knows, its five demo users included).
        $StormStats.Requests | Should -BeGreaterThan ($Rows + 140)
    }
}
