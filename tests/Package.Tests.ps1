#Requires -Version 5.1
# Pester 5. The package as a user installs it: out/packages (written by ./build.ps1 -Task Package, and by -Task Test
# before Pester runs) registered as a PSResourceGet repository, Install-PSResource, Import-Module by name, then the
# cmdlets, the help, the format view and one request to the local endpoint. All of that runs in a child PowerShell
# whose HOME and XDG folders are temporary, so the repository registration and the installed module land there and
# the user's own repositories and modules are never touched.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:SourceManifest = Import-PowerShellDataFile -Path (Join-Path $RepoRoot 'CognitoTools.psd1')
    $script:Version = [string]$SourceManifest.ModuleVersion
    $script:PackageFolder = Join-Path $RepoRoot 'out/packages'
    $script:PackagePath = Join-Path $PackageFolder "CognitoTools.$Version.nupkg"
    $script:ModuleFiles = @('CognitoTools.Core.dll', 'CognitoTools.dll', 'CognitoTools.Format.ps1xml', 'CognitoTools.psd1',
        'en-US/about_CognitoTools.help.txt', 'en-US/CognitoTools.dll-Help.xml')

    $script:SkipReason = $null
    if ($PSVersionTable.PSEdition -eq 'Desktop' -or $IsWindows) {
        # PSResourceGet finds its repository store and the CurrentUser scope through Windows' known folders, which no
        # environment variable redirects: installing here would change the user's real repositories and Documents.
        $script:SkipReason = 'on Windows, Install-PSResource cannot be pointed at a temporary user profile'
    }
    elseif (-not (Get-Command -Name Install-PSResource -ErrorAction SilentlyContinue)) {
        $script:SkipReason = 'Microsoft.PowerShell.PSResourceGet is not available in this PowerShell'
    }
    if ($SkipReason) { return }

    if (-not (Test-Path $PackagePath)) {
        throw "No package at ${PackagePath}: run ./build.ps1 -Task Package (./build.ps1 -Task Test builds it before Pester)."
    }
    $script:RepositoriesBefore = @(Get-PSResourceRepository | ForEach-Object { "$($_.Name) $($_.Uri)" })
    $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--resend-limit', '0')
    $script:Sandbox = Join-Path ([System.IO.Path]::GetTempPath()) ('cognitotools-package-' + [guid]::NewGuid().ToString('N'))
    $sandboxHome = Join-Path $Sandbox 'home'
    $null = New-Item -ItemType Directory -Path $sandboxHome -Force
    $resultPath = Join-Path $Sandbox 'result.json'
    $childScript = Join-Path $Sandbox 'install.ps1'
    Set-Content -Path $childScript -Encoding UTF8 -Value @'
param([string] $PackageFolder, [string] $Version, [string] $EndpointUrl, [string] $ResultPath)
$ErrorActionPreference = 'Stop'
$result = [ordered]@{}
Register-PSResourceRepository -Name CognitoToolsPackageTest -Uri $PackageFolder -Trusted
$result.Repositories = @(Get-PSResourceRepository | ForEach-Object { $_.Name })
$result.Found = @(Find-PSResource -Name CognitoTools -Repository CognitoToolsPackageTest | ForEach-Object { [string]$_.Version })
Install-PSResource -Name CognitoTools -Version $Version -Repository CognitoToolsPackageTest -Scope CurrentUser -TrustRepository -Quiet
Import-Module CognitoTools
$module = Get-Module CognitoTools
$result.ModuleBase = $module.ModuleBase
$result.Version = [string]$module.Version
$result.Cmdlets = @($module.ExportedCmdlets.Keys | Sort-Object)
$result.Files = @(Get-ChildItem -Path $module.ModuleBase -Recurse -File | ForEach-Object { $_.FullName.Substring($module.ModuleBase.Length + 1).Replace('\', '/') } | Sort-Object)
$manifest = Test-ModuleManifest -Path (Join-Path $module.ModuleBase 'CognitoTools.psd1')
$result.ManifestVersion = [string]$manifest.Version
$result.ReleaseNotes = [string]$manifest.PrivateData.PSData.ReleaseNotes
$help = Get-Help Send-CGIPConfirmationCode -Full
$result.HelpName = [string]$help.Name
$result.Synopsis = [string]$help.Synopsis
$result.ExampleCount = @($help.examples.example).Count
$result.AboutTopic = @(Get-Help about_CognitoTools | Out-String -Stream)[0..1] -join "`n"
$details = Send-CGIPConfirmationCode -Username ann -ClientId demoappclient1 -EndpointUrl $EndpointUrl -Region us-east-1 -Force
$result.OutputType = $details.GetType().FullName
$result.Table = $details | Out-String -Width 200
$result | ConvertTo-Json -Depth 3 | Set-Content -Path $ResultPath -Encoding UTF8
'@
    # The child's profile folders: HOME for the CurrentUser module path and XDG_DATA_HOME for PSResourceGet's
    # repository store; PSModulePath is left to the child to compute from them.
    $saved = @{}
    $sandboxEnvironment = @{
        HOME            = $sandboxHome
        XDG_DATA_HOME   = Join-Path $sandboxHome '.local/share'
        XDG_CONFIG_HOME = Join-Path $sandboxHome '.config'
        XDG_CACHE_HOME  = Join-Path $sandboxHome '.cache'
        PSModulePath    = $null
    }
    foreach ($name in $sandboxEnvironment.Keys) {
        # .NET reports a special folder that does not exist as '' (PSResourceGet would then write to the current folder).
        if ($sandboxEnvironment[$name]) { $null = New-Item -ItemType Directory -Path $sandboxEnvironment[$name] -Force }
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $sandboxEnvironment[$name])
    }
    try {
        $script:ChildOutput = Invoke-PowerShellProcess -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $childScript,
            '-PackageFolder', $PackageFolder, '-Version', $Version, '-EndpointUrl', $Endpoint.Url, '-ResultPath', $resultPath) 2>&1 | Out-String
        $script:ChildExitCode = $LASTEXITCODE
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
    $script:SandboxRepositoryStore = Join-Path $sandboxHome '.local/share/PSResourceGet/PSResourceRepository.xml'
    $script:Installed = if (Test-Path $resultPath) { Get-Content -Path $resultPath -Raw | ConvertFrom-Json } else { $null }
    $script:Stats = Invoke-RestMethod -Method Get -Uri ($Endpoint.Url + '_test/stats')
}

AfterAll {
    Stop-TestEndpoint $script:Endpoint
    if ($script:Sandbox) { Remove-Item -Path $script:Sandbox -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The package' {
    BeforeEach {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason }
    }

    It 'has the gallery layout: a nuspec with the manifest''s id, version and tags, and the module files at its root' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($PackagePath)
        try {
            $entries = @($zip.Entries | ForEach-Object { $_.FullName })
            $reader = [System.IO.StreamReader]::new(($zip.Entries | Where-Object { $_.FullName -eq 'CognitoTools.nuspec' }).Open())
            [xml]$nuspec = $reader.ReadToEnd()
            $reader.Dispose()
        }
        finally {
            $zip.Dispose()
        }
        foreach ($file in $ModuleFiles) { $entries | Should -Contain $file }
        # Only the module's own files and NuGet's packaging parts: no dependency assemblies, no build output.
        @($entries | Where-Object { $ModuleFiles -notcontains $_ -and $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|CognitoTools\.nuspec$)' }) | Should -BeNullOrEmpty
        $nuspec.package.metadata.id | Should -Be 'CognitoTools'
        $nuspec.package.metadata.version | Should -Be $Version
        $tags = $nuspec.package.metadata.tags -split ' '
        $tags | Should -Contain 'PSModule'
        foreach ($tag in $SourceManifest.PrivateData.PSData.Tags) { $tags | Should -Contain $tag }
        $nuspec.package.metadata.projectUrl | Should -Be $SourceManifest.PrivateData.PSData.ProjectUri
        $nuspec.package.metadata.releaseNotes | Should -Match '^### Added'
    }

    It 'installs with Install-PSResource from a folder repository into the temporary profile, not the user''s' {
        $ChildExitCode | Should -Be 0 -Because $ChildOutput
        $Installed.Repositories | Should -Contain 'CognitoToolsPackageTest'
        Get-Content -Path $SandboxRepositoryStore -Raw | Should -Match 'CognitoToolsPackageTest'
        Test-Path -Path (Join-Path $PWD 'PSResourceGet') | Should -BeFalse
        $Installed.Found | Should -Be @($Version)
        $Installed.ModuleBase | Should -BeLike "$Sandbox*"
        $Installed.Version | Should -Be $Version
        # Only the package's files and PSResourceGet's own record of the install.
        @($Installed.Files | Where-Object { $_ -ne 'PSGetModuleInfo.xml' }) | Should -Be @($ModuleFiles | Sort-Object)
        @(Get-PSResourceRepository | ForEach-Object { "$($_.Name) $($_.Uri)" }) | Should -Be $RepositoriesBefore
    }

    It 'imports by name with the manifest''s cmdlets, and Test-ModuleManifest passes' {
        $Installed.Cmdlets | Should -Be @($SourceManifest.CmdletsToExport | Sort-Object)
        $Installed.ManifestVersion | Should -Be $Version
        $Installed.ReleaseNotes | Should -Match '^### Added'
    }

    It 'has the help: the command''s synopsis and examples, and the about topic' {
        $Installed.HelpName | Should -Be 'Send-CGIPConfirmationCode'
        $Installed.Synopsis | Should -Match 'confirmation code'
        $Installed.ExampleCount | Should -BeGreaterOrEqual 5
        $Installed.AboutTopic | Should -Match 'about_cognitotools'
    }

    It 'sends a request to the endpoint and shows the answer in the format file''s table' {
        $Stats.Requests | Should -Be 1
        $Stats.Deliveries | Should -Be 1
        $Installed.OutputType | Should -Be 'CognitoTools.Model.CodeDeliveryDetailsType'
        $lines = @($Installed.Table -split '\r?\n' | Where-Object { $_.Trim() })
        @($lines[0].Trim() -split '\s+') | Should -Be @('Username', 'DeliveryMedium', 'Destination', 'AttributeName')
        $lines[2] | Should -Match '^ann\s+EMAIL\s+\S+\s+email\s*$'
    }
}
