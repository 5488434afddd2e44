<#
.SYNOPSIS
    Builds, documents, tests, packages and demonstrates the CognitoTools module.
.DESCRIPTION
    Works in Windows PowerShell 5.1 and PowerShell 7 (needs the .NET SDK named in global.json).
      Clean    removes out/ and the build outputs.
      Build    builds the solution; the module project lays out out/CognitoTools/<version>/.
      Docs     builds the MAML help (en-US/CognitoTools.dll-Help.xml, about topic) from docs/en-US/*.md.
      Test     builds, runs the xunit suite, then the Pester tests (tests/*.Tests.ps1) in a child PowerShell
               (the same one: pwsh, `dotnet pwsh` or powershell.exe) that imports the built module, with the Pester
               pinned in tests/PesterRestore (restored from NuGet into out/tools/Pester). Prints one closing
               line per suite: 'xunit: N passed, N failed' and 'pester: N passed, N failed, N skipped'.
      Package  checks the module folder, packs it into out/packages/CognitoTools.<version>.nupkg with PSResourceGet's
               Compress-PSResource (the package Publish-PSResource sends to a gallery; Install-PSResource takes it from
               a folder registered as a repository), and zips it to out/CognitoTools-<version>.zip, to unzip into a
               PSModulePath folder where PSResourceGet is not available. Test builds the package too (Package.Tests.ps1).
      Demo     starts the local Cognito stand-in and pipes tests/Data/demo-users.csv into Send-CGIPConfirmationCode.
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Package -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Clean', 'Build', 'Docs', 'Test', 'Package', 'Demo')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$RepoRoot = $PSScriptRoot
$ModuleVersion = (Import-PowerShellDataFile -Path (Join-Path $RepoRoot 'CognitoTools.psd1')).ModuleVersion
$ModuleDir = Join-Path $RepoRoot "out/CognitoTools/$ModuleVersion"
$ManifestPath = Join-Path $ModuleDir 'CognitoTools.psd1'
$EndpointDll = Join-Path $RepoRoot "tests/CognitoTools.TestEndpoint/bin/$Configuration/net10.0/CognitoTools.TestEndpoint.dll"
$HelpBuilderDll = Join-Path $RepoRoot "src/CognitoTools.HelpBuilder/bin/$Configuration/net10.0/CognitoTools.HelpBuilder.dll"
$ExpectedModuleFiles = @(
    'CognitoTools.Core.dll', 'CognitoTools.dll', 'CognitoTools.Format.ps1xml', 'CognitoTools.psd1',
    'en-US/about_CognitoTools.help.txt', 'en-US/CognitoTools.dll-Help.xml'
)

function Invoke-Native {
    # Runs a native command and stops the build when it fails ($ErrorActionPreference does not cover exit codes in 5.1).
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    $shown = @($ArgumentList | ForEach-Object { if ($_.Length -gt 80) { $_.Substring(0, 40) + '...' } else { $_ } })
    Write-Host "> $FilePath $($shown -join ' ')" -ForegroundColor DarkGray
    # Windows PowerShell can turn a native command's stderr lines into error records (e.g. in CI, where output is
    # redirected); under 'Stop' the first line dotnet writes there would end the build. The exit code decides instead.
    $ErrorActionPreference = 'Continue'
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "$FilePath exited with code $LASTEXITCODE."
    }
}

function Get-PowerShellCommand {
    # The same PowerShell as this session, as a command line prefix: powershell.exe for 5.1, the pwsh executable for 7,
    # and `dotnet <PSHOME>/pwsh.dll` when this session is the dotnet tool (`dotnet pwsh`), whose process is dotnet.
    $current = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ($current -match '(?i)[\\/](pwsh|powershell)(\.exe)?$') {
        return @($current)
    }
    if ($PSVersionTable.PSEdition -eq 'Core') {
        $pwshDll = Join-Path $PSHOME 'pwsh.dll'
        if ($current -match '(?i)[\\/]dotnet(\.exe)?$' -and (Test-Path $pwshDll)) {
            return @($current, $pwshDll)
        }
        return @('pwsh')
    }
    return @('powershell.exe')
}

function Invoke-PowerShellChild {
    # -EncodedCommand: Windows PowerShell mangles double quotes in native command arguments; base64 survives both editions.
    param([Parameter(Mandatory)] [string] $Script)
    $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($Script))
    $command = @(Get-PowerShellCommand)
    $arguments = @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', '-EncodedCommand', $encoded)
    Invoke-Native $command[0] $arguments
}

function Get-ModuleFileList {
    Get-ChildItem -Path $ModuleDir -Recurse -File | ForEach-Object {
        $_.FullName.Substring($ModuleDir.Length).TrimStart('\', '/').Replace('\', '/')
    } | Sort-Object
}

function Invoke-Clean {
    $out = Join-Path $RepoRoot 'out'
    if (Test-Path $out) {
        Remove-Item -Path $out -Recurse -Force
    }
    Invoke-Native dotnet @('clean', (Join-Path $RepoRoot 'CognitoTools.sln'), '-c', $Configuration, '-nologo', '-v', 'quiet')
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'CognitoTools.sln'), '-c', $Configuration, '-nologo')
    if (-not (Test-Path $ManifestPath)) {
        throw "The build did not lay out the module at $ModuleDir."
    }
    Write-Host "Module laid out at $ModuleDir" -ForegroundColor Green
}

function Invoke-Docs {
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'src/CognitoTools.HelpBuilder/CognitoTools.HelpBuilder.csproj'), '-c', $Configuration, '-nologo')
    $helpDir = Join-Path $ModuleDir 'en-US'
    $null = New-Item -ItemType Directory -Path $helpDir -Force
    Invoke-Native dotnet @($HelpBuilderDll, '--docs', (Join-Path $RepoRoot 'docs/en-US'), '--out', $helpDir)
    Write-Host "Help written to $helpDir" -ForegroundColor Green
}

function Invoke-Test {
    # Builds once, then runs both suites even when the first fails, so one run shows every failure. Ends with one
    # closing line per suite, each followed by its failed tests by name (also written to out/test-summary.txt for CI).
    # The package is built too: tests/Package.Tests.ps1 installs it as a user would.
    Invoke-Build
    # The tests talk only to servers on 127.0.0.1 that they start: no credential lookup may fall through to the EC2
    # instance metadata address (a test that wants IMDS points AWS_EC2_METADATA_SERVICE_ENDPOINT at its own stand-in).
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    try {
        Invoke-NuGetPackage
    }
    catch {
        # Package.Tests.ps1 then fails naming the missing package; the other suites still run.
        Write-Warning "The package was not built: $($_.Exception.Message)"
    }
    $summary = @()
    try {
        $summary += Invoke-XunitTests
    }
    catch {
        $summary += [pscustomobject]@{ Line = 'xunit: did not run to the end'; Details = @("  $(Get-FirstLine $_.Exception.Message)"); Failed = $true }
    }
    try {
        $summary += Invoke-PesterTests
    }
    catch {
        $summary += [pscustomobject]@{ Line = 'pester: did not run to the end'; Details = @("  $(Get-FirstLine $_.Exception.Message)"); Failed = $true }
    }
    $summaryLines = @($summary | ForEach-Object { $_.Line; $_.Details })
    [System.IO.File]::WriteAllLines((Join-Path $RepoRoot 'out/test-summary.txt'), [string[]]$summaryLines)
    $failures = @($summary | Where-Object { $_.Failed } | ForEach-Object { $_.Line })
    Write-Host ''
    $summaryLines | ForEach-Object { Write-Host $_ }
    if ($failures.Count -gt 0) {
        throw "Tests failed. $($failures -join ' ')"
    }
}

function Get-FirstLine([string] $Text) {
    $line = "$Text".Trim() -split "`r?`n" | Select-Object -First 1
    if ($line.Length -gt 300) { $line = $line.Substring(0, 300) + '...' }
    $line
}

function Invoke-XunitTests {
    $resultsDir = Join-Path $RepoRoot 'out/test-results'
    if (Test-Path $resultsDir) { Remove-Item -Path $resultsDir -Recurse -Force }
    $failed = $false
    try {
        Invoke-Native dotnet @('test', (Join-Path $RepoRoot 'tests/CognitoTools.Tests/CognitoTools.Tests.csproj'), '-c', $Configuration, '--no-build', '-nologo',
            '--logger', 'trx;LogFileName=xunit.trx', '--results-directory', $resultsDir)
    }
    catch {
        $failed = $true
    }
    $trx = Get-ChildItem -Path $resultsDir -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $trx) { throw 'dotnet test wrote no results file.' }
    $run = ([xml](Get-Content -Path $trx.FullName -Raw)).TestRun
    $counters = $run.ResultSummary.Counters
    # The failed tests by name, so the closing lines (all CI shows of a long log) say what failed.
    $failedTests = @($run.Results.UnitTestResult | Where-Object { $_.outcome -eq 'Failed' } | ForEach-Object {
            "  xunit failed: $($_.testName): $(Get-FirstLine $_.Output.ErrorInfo.Message)"
        })
    [pscustomobject]@{
        Line    = "xunit: $($counters.passed) passed, $($counters.failed) failed"
        Details = $failedTests
        Failed  = $failed -or [int]$counters.failed -gt 0 -or [int]$counters.passed -eq 0
    }
}

function Get-PinnedPesterManifest {
    # Pester comes from the NuGet feed, pinned in tests/PesterRestore (restored by the solution build), never from the
    # machine's modules, so every run uses the same version.
    $project = Join-Path $RepoRoot 'tests/PesterRestore/PesterRestore.csproj'
    $version = ([xml](Get-Content -Path $project -Raw)).Project.PropertyGroup.PesterVersion | Where-Object { $_ } | Select-Object -First 1
    $manifest = Join-Path $RepoRoot "out/tools/Pester/$version/Pester.psd1"
    if (-not (Test-Path $manifest)) {
        Invoke-Native dotnet @('build', $project, '-c', $Configuration, '-nologo', '-v', 'quiet')
    }
    if (-not (Test-Path $manifest)) { throw "Pester $version was not restored to $manifest." }
    $manifest
}

function Invoke-PesterTests {
    if (-not (Test-Path $ManifestPath) -or -not (Test-Path $EndpointDll)) {
        Invoke-Build
    }
    $pesterManifest = Get-PinnedPesterManifest
    # A child process, so the tests import the freshly built module into a clean session (a loaded assembly cannot be unloaded).
    # It inherits these two variables; they are put back afterwards so the caller's session is left as it was.
    $savedModulePath = $env:COGNITOTOOLS_MODULE_PATH
    $savedEndpointDll = $env:COGNITOTOOLS_ENDPOINT_DLL
    $env:COGNITOTOOLS_MODULE_PATH = $ManifestPath
    $env:COGNITOTOOLS_ENDPOINT_DLL = $EndpointDll
    $testsPath = Join-Path $RepoRoot 'tests'
    $resultsPath = Join-Path $RepoRoot 'out/pester-results.xml'
    $countsPath = Join-Path $RepoRoot 'out/pester-counts.txt'
    $failedNamesPath = Join-Path $RepoRoot 'out/pester-failed.txt'
    Remove-Item -Path $countsPath, $failedNamesPath -Force -ErrorAction SilentlyContinue
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($pesterManifest.Replace("'", "''"))'
`$configuration = New-PesterConfiguration
`$configuration.Run.Path = '$($testsPath.Replace("'", "''"))'
`$configuration.Run.PassThru = `$true
`$configuration.Output.Verbosity = 'Detailed'
`$configuration.TestResult.Enabled = `$true
`$configuration.TestResult.OutputPath = '$($resultsPath.Replace("'", "''"))'
`$result = Invoke-Pester -Configuration `$configuration
Set-Content -Path '$($countsPath.Replace("'", "''"))' -Value ('{0} {1} {2} {3}' -f `$result.PassedCount, `$result.FailedCount, `$result.SkippedCount, (`$result.FailedBlocksCount + `$result.FailedContainersCount))
`$firstError = { param(`$failed) ((`$failed.ErrorRecord | Select-Object -First 1) -split "``n")[0] }
`$failedNames = @(`$result.Failed | ForEach-Object { `$_.ExpandedPath + ': ' + (& `$firstError `$_) }) +
    @(`$result.FailedBlocks | ForEach-Object { `$_.ExpandedPath + ': (block) ' + (& `$firstError `$_) }) +
    @(`$result.FailedContainers | ForEach-Object { "`$(`$_.Item): (container) " + (& `$firstError `$_) })
Set-Content -Path '$($failedNamesPath.Replace("'", "''"))' -Value `$failedNames
if (`$result.Result -ne 'Passed') { exit 1 }
"@
    $failed = $false
    try {
        Invoke-PowerShellChild -Script $script
    }
    catch {
        $failed = $true
    }
    finally {
        $env:COGNITOTOOLS_MODULE_PATH = $savedModulePath
        $env:COGNITOTOOLS_ENDPOINT_DLL = $savedEndpointDll
    }
    if (-not (Test-Path $countsPath)) { throw 'The Pester run ended before it reported its counts.' }
    $passed, $failedCount, $skipped, $failedBlocks = (Get-Content -Path $countsPath -Raw).Trim() -split ' '
    $failedTests = @()
    if (Test-Path $failedNamesPath) {
        $failedTests = @(Get-Content -Path $failedNamesPath | Where-Object { $_ } | ForEach-Object { "  pester failed: $(Get-FirstLine $_)" })
    }
    [pscustomobject]@{
        # A failed BeforeAll or container counts as failures of the tests it held.
        Line    = "pester: $passed passed, $([int]$failedCount + [int]$failedBlocks) failed, $skipped skipped"
        Details = $failedTests
        Failed  = $failed -or [int]$failedCount -gt 0 -or [int]$failedBlocks -gt 0 -or [int]$passed -eq 0
    }
}

function Invoke-Package {
    if (-not (Test-Path $ManifestPath)) {
        Invoke-Build
    }
    $files = @(Get-ModuleFileList)
    $unexpected = @($files | Where-Object { $ExpectedModuleFiles -notcontains $_ })
    $missing = @($ExpectedModuleFiles | Where-Object { $files -notcontains $_ })
    if ($unexpected.Count -gt 0 -or $missing.Count -gt 0) {
        throw "The module folder is not as expected. Unexpected: $($unexpected -join ', '). Missing: $($missing -join ', ')."
    }
    $manifest = Test-ModuleManifest -Path $ManifestPath
    if ($manifest.Version.ToString() -ne $ModuleVersion) {
        throw "Test-ModuleManifest read version $($manifest.Version); expected $ModuleVersion."
    }
    # Zip CognitoTools/<version>/ so it unzips straight into a PSModulePath folder.
    $staging = Join-Path ([System.IO.Path]::GetTempPath()) ("CognitoTools-package-" + [guid]::NewGuid().ToString('N'))
    $stagedModule = Join-Path $staging "CognitoTools/$ModuleVersion"
    $null = New-Item -ItemType Directory -Path $stagedModule -Force
    try {
        Copy-Item -Path (Join-Path $ModuleDir '*') -Destination $stagedModule -Recurse
        $zip = Join-Path $RepoRoot "out/CognitoTools-$ModuleVersion.zip"
        if (Test-Path $zip) {
            Remove-Item $zip -Force
        }
        # ZipFile rather than Compress-Archive: Windows PowerShell's Compress-Archive writes '\' into entry names,
        # which breaks the zip on Linux and macOS.
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        [System.IO.Compression.ZipFile]::CreateFromDirectory($staging, $zip)
        Write-Host "Zip: $zip" -ForegroundColor Green
    }
    finally {
        Remove-Item -Path $staging -Recurse -Force -ErrorAction SilentlyContinue
    }
    Invoke-NuGetPackage
}

function Invoke-NuGetPackage {
    # Compress-PSResource is Publish-PSResource without the upload: the same nuspec (id, version, tags, release notes
    # from the manifest) and the module files at the package root, the layout the PowerShell Gallery serves.
    if (-not (Get-Command -Name Compress-PSResource -ErrorAction SilentlyContinue)) {
        throw 'The .nupkg needs Compress-PSResource from Microsoft.PowerShell.PSResourceGet 1.1 or later (bundled with PowerShell 7.4 and later): run `dotnet pwsh ./build.ps1 -Task Package`, or Install-Module Microsoft.PowerShell.PSResourceGet.'
    }
    $packages = Join-Path $RepoRoot 'out/packages'
    $null = New-Item -ItemType Directory -Path $packages -Force
    $package = Join-Path $packages "CognitoTools.$ModuleVersion.nupkg"
    Remove-Item -Path $package -Force -ErrorAction SilentlyContinue
    Compress-PSResource -Path $ModuleDir -DestinationPath $packages
    if (-not (Test-Path $package)) {
        throw "Compress-PSResource did not write $package."
    }
    Write-Host "Package: $package (Install-PSResource from a repository on its folder; Publish-PSResource -Path '$ModuleDir' to a gallery)" -ForegroundColor Green
}

function Start-TestEndpoint {
    param([string[]] $ExtraArguments = @())
    if (-not (Test-Path $EndpointDll)) {
        throw "The test endpoint is not built ($EndpointDll); run -Task Build first."
    }
    $stem = Join-Path ([System.IO.Path]::GetTempPath()) ("cognitotools-endpoint-" + [guid]::NewGuid().ToString('N'))
    $portFile = "$stem.port"
    $arguments = @("`"$EndpointDll`"", '--port', '0', '--port-file', "`"$portFile`"") + $ExtraArguments
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -PassThru -NoNewWindow `
        -RedirectStandardOutput "$stem.out" -RedirectStandardError "$stem.err"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (-not ((Test-Path $portFile) -and (Get-Content -Path $portFile -Raw))) {
        if ($process.HasExited) { throw "The test endpoint exited with code $($process.ExitCode): $(Get-Content "$stem.err" -Raw)" }
        if ([DateTime]::UtcNow -gt $deadline) { throw 'The test endpoint did not start within 30 seconds.' }
        Start-Sleep -Milliseconds 100
    }
    $port = (Get-Content -Path $portFile -Raw).Trim()
    [pscustomobject]@{ Process = $process; Url = "http://127.0.0.1:$port/"; LogStem = $stem }
}

function Stop-TestEndpoint {
    param([Parameter(Mandatory)] $Endpoint)
    Stop-Process -Id $Endpoint.Process.Id -Force -ErrorAction SilentlyContinue
    $null = $Endpoint.Process.WaitForExit(5000)
    Remove-Item -Path "$($Endpoint.LogStem).*" -Force -ErrorAction SilentlyContinue
}

function Invoke-Demo {
    Invoke-Build
    $endpoint = Start-TestEndpoint
    try {
        Write-Host "Local Cognito stand-in at $($endpoint.Url) (demo pool: client demoappclient1; users ann, bob, carol, dave; erin is confirmed; zoe does not exist)" -ForegroundColor Cyan
        $csv = Join-Path $RepoRoot 'tests/Data/demo-users.csv'
        # A child session, so this one never holds the module's assemblies (which would lock them on Windows).
        $demo = @"
Import-Module '$($ManifestPath.Replace("'", "''"))'
`$url = '$($endpoint.Url)'
`$csv = '$($csv.Replace("'", "''"))'
Write-Host "``nPS> Import-Csv `$csv | Send-CGIPConfirmationCode -EndpointUrl `$url -Region us-east-1 -Force -ThrottleLimit 4" -ForegroundColor Cyan
Import-Csv -Path `$csv |
    CognitoTools\Send-CGIPConfirmationCode -EndpointUrl `$url -Region us-east-1 -Force -ThrottleLimit 4 -ErrorAction SilentlyContinue -ErrorVariable failures |
    Format-Table | Out-Host
Write-Host 'Errors (non-terminating: the batch went on):' -ForegroundColor Cyan
`$failures | ForEach-Object { '{0,-8} {1,-28} {2,-16} {3}' -f `$_.TargetObject, `$_.FullyQualifiedErrorId.Split(',')[0], `$_.CategoryInfo.Category, `$_.Exception.Message } | Out-Host
Write-Host "``nPS> Get-CGIPHistory | Format-Table" -ForegroundColor Cyan
CognitoTools\Get-CGIPHistory | Format-Table | Out-Host
"@
        Invoke-PowerShellChild -Script $demo
    }
    finally {
        Stop-TestEndpoint -Endpoint $endpoint
    }
}

foreach ($name in $Task) {
    Write-Host "== $name ($Configuration) ==" -ForegroundColor Cyan
    switch ($name) {
        'Clean' { Invoke-Clean }
        'Build' { Invoke-Build }
        'Docs' { Invoke-Docs }
        'Test' { Invoke-Test }
        'Package' { Invoke-Package }
        'Demo' { Invoke-Demo }
    }
}
