# The one version source: MSBuild reads ModuleVersion from this file and stamps it into
# the assemblies (see Directory.Build.props); the build copies this manifest into the module folder,
# with the release notes of CHANGELOG.md's section for ModuleVersion.
@{
    RootModule           = 'CognitoTools.dll'
    ModuleVersion        = '0.2.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '6f1d3c52-8a0e-4d4b-9f63-2b7c1e5a9d40'
    Author               = 'CognitoTools contributors'
    CompanyName          = 'CognitoTools'
    Copyright            = '(c) CognitoTools contributors. MIT License.'
    Description          = 'Amazon Cognito user pool tools: resend sign-up confirmation codes to one user or thousands, with retries, rate limiting, SecretHash computation and a session history.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('CognitoTools.Format.ps1xml')
    CmdletsToExport      = @(
        'Send-CGIPConfirmationCode'
        'Get-CGIPSecretHash'
        'Get-CGIPHistory'
        'Clear-CGIPHistory'
        'Set-CGIPHistoryConfiguration'
        'Get-CGIPUserList'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'Cognito', 'CognitoIdentityProvider', 'UserPool', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/cognitotools/CognitoTools'
            LicenseUri   = 'https://github.com/cognitotools/CognitoTools/blob/main/LICENSE'
            # Filled by the build from this version's section of CHANGELOG.md (src/CognitoTools/ModuleManifest.targets).
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
