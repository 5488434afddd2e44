# Dot-sourced by Pester tests that check request spacing at the local endpoint (started with --record).

function Get-TestEndpointArrivals {
    # GET /_test/arrivals: each request's arrival at the endpoint, in ms since it started, sorted.
    param([Parameter(Mandatory)] $Endpoint)
    $answer = Invoke-RestMethod -Uri "$($Endpoint.Url)_test/arrivals"
    if (-not $answer.Recording) { throw 'The endpoint records no arrival times: start it with --record.' }
    @($answer.ArrivalsMs | ForEach-Object { [double]$_ })
}

function Get-MostArrivalsInWindow {
    # The most arrivals within any window of this many milliseconds (sliding; the window's end excluded).
    param([Parameter(Mandatory)] [double[]] $Arrivals, [Parameter(Mandatory)] [double] $WindowMs)
    $sorted = @($Arrivals | Sort-Object)
    $most = 0
    $start = 0
    for ($end = 0; $end -lt $sorted.Count; $end++) {
        while ($sorted[$end] - $sorted[$start] -ge $WindowMs) { $start++ }
        $most = [math]::Max($most, $end - $start + 1)
    }
    $most
}
