#Requires -Version 5.1
# Pester 5. The help a user reads (Get-Help, from the MAML and about topic built from docs/en-US) against the commands
# as PowerShell sees them: each parameter's pipeline input, position, mandatory flag and aliases, and the examples'
# parameters. CognitoTools.Module.Tests.ps1 checks synopses, descriptions and that every parameter is documented.

BeforeDiscovery {
    $script:CommandCases = @('Send-CGIPConfirmationCode', 'Get-CGIPSecretHash', 'Get-CGIPHistory', 'Clear-CGIPHistory', 'Set-CGIPHistoryConfiguration') |
        ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Module = Import-Module (Get-TestModulePath) -Force -PassThru
    $script:CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

    function Get-BindingFacts([System.Management.Automation.ParameterMetadata] $Parameter) {
        # What binding PowerShell really does for a parameter, over all its parameter sets.
        $sets = @($Parameter.ParameterSets.Values)
        $positions = @($sets | Where-Object { $_.Position -ge 0 } | ForEach-Object { $_.Position } | Sort-Object -Unique)
        [pscustomobject]@{
            ByValue        = @($sets | Where-Object { $_.ValueFromPipeline }).Count -gt 0
            ByPropertyName = @($sets | Where-Object { $_.ValueFromPipelineByPropertyName }).Count -gt 0
            Mandatory      = @($sets | Where-Object { $_.IsMandatory }).Count -gt 0
            Position       = if ($positions.Count -gt 0) { [string]$positions[0] } else { 'named' }
            Aliases        = @($Parameter.Aliases | Sort-Object)
        }
    }
}

Describe 'Get-Help <Name> matches the command' -ForEach $CommandCases {
    BeforeAll {
        $script:Command = Get-Command -Module CognitoTools -Name $Name
        $script:Help = Get-Help $Name -Full
        $script:HelpParameters = @{}
        foreach ($parameter in @($Help.parameters.parameter | Where-Object { $_ })) { $HelpParameters[$parameter.name] = $parameter }
    }

    It 'states each parameter''s pipeline input, position, mandatory flag and aliases as PowerShell binds them' {
        foreach ($parameter in $Command.Parameters.Values | Where-Object { $CommonParameters -notcontains $_.Name }) {
            $facts = Get-BindingFacts $parameter
            $documented = $HelpParameters[$parameter.Name]
            $documented | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) is a parameter"
            $pipeline = [string]$documented.pipelineInput
            ($pipeline -match '^\s*True') | Should -Be ($facts.ByValue -or $facts.ByPropertyName) -Because "-$($parameter.Name) pipeline input is '$pipeline'"
            ($pipeline -match 'ByValue') | Should -Be $facts.ByValue -Because "-$($parameter.Name) pipeline input is '$pipeline'"
            ($pipeline -match 'ByPropertyName') | Should -Be $facts.ByPropertyName -Because "-$($parameter.Name) pipeline input is '$pipeline'"
            [string]$documented.position | Should -Be $facts.Position -Because "-$($parameter.Name) position"
            ([string]$documented.required -eq 'true') | Should -Be $facts.Mandatory -Because "-$($parameter.Name) required"
            $documentedAliases = @(([string]$documented.aliases -split ',') | ForEach-Object { $_.Trim() } | Where-Object { $_ -and $_ -ne 'none' } | Sort-Object)
            $documentedAliases | Should -Be $facts.Aliases -Because "-$($parameter.Name) aliases"
        }
    }

    It 'has titled examples that call the module''s commands with parameters they have' {
        $examples = @($Help.examples.example | Where-Object { $_ })
        $examples.Count | Should -BeGreaterOrEqual 2
        # Send-CGIPConfirmationCode's examples explain themselves (the others' titles say enough).
        if ($Name -eq 'Send-CGIPConfirmationCode') {
            $examples.Count | Should -BeGreaterOrEqual 5
            foreach ($example in $examples) { ($example.remarks | ForEach-Object { $_.Text } | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "$($example.title) needs an explanation" }
        }
        foreach ($example in $examples) {
            ([string]$example.title -replace '-', '').Trim() | Should -Not -BeNullOrEmpty
            # The code ends at the first blank line; what follows is sample output.
            $code = (([string]$example.code) -split '\r?\n\s*\r?\n')[0]
            $tokens = $null
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$tokens, [ref]$errors)
            $errors | Should -BeNullOrEmpty -Because "the code of $($example.title) parses"
            $calls = @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true) |
                Where-Object { $Module.ExportedCmdlets.ContainsKey([string]$_.GetCommandName()) })
            $calls.Count | Should -BeGreaterThan 0 -Because "$($example.title) calls a CognitoTools command"
            foreach ($call in $calls) {
                $called = $Module.ExportedCmdlets[[string]$call.GetCommandName()]
                $known = @($called.Parameters.Keys) + @($called.Parameters.Values | ForEach-Object { $_.Aliases })
                foreach ($used in $call.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    $known | Should -Contain $used.ParameterName -Because "$($example.title) uses -$($used.ParameterName) of $($called.Name)"
                }
            }
        }
    }
}

Describe 'Get-Help Send-CGIPConfirmationCode -Examples as the console shows it' {
    It 'sets each example apart: one blank line before and after its title, as help built by platyPS shows' {
        $lines = @((Get-Help Send-CGIPConfirmationCode -Examples | Out-String -Width 120) -split '\r?\n')
        $titles = @(for ($i = 0; $i -lt $lines.Count; $i++) { if ($lines[$i] -match '^\s*-+ Example \d+: .+ -+\s*$') { $i } })
        $titles.Count | Should -BeGreaterOrEqual 5
        foreach ($title in $titles) {
            $lines[$title + 1].Trim() | Should -BeNullOrEmpty -Because "a blank line follows '$($lines[$title].Trim())'"
        }
        foreach ($title in $titles | Select-Object -Skip 1) {
            # The previous example's description ends, one blank line, then the title.
            $lines[$title - 1].Trim() | Should -BeNullOrEmpty -Because "a blank line separates '$($lines[$title].Trim())' from the description before it"
            $lines[$title - 2].Trim() | Should -Not -BeNullOrEmpty -Because "one blank line, not more, comes before '$($lines[$title].Trim())'"
        }
    }
}

Describe 'Get-Help about_CognitoTools' {
    It 'is found as a help file topic with a synopsis' {
        $topics = @(Get-Help about_Cognito* | Where-Object { $_.Name -eq 'about_CognitoTools' })
        $topics | Should -HaveCount 1
        $topics[0].Category | Should -Be 'HelpFile'
        $topics[0].Synopsis | Should -Not -BeNullOrEmpty
    }

    It 'names every exported command, the history variable and the error ids' {
        $text = Get-Help about_CognitoTools | Out-String
        foreach ($name in $Module.ExportedCmdlets.Keys) { $text | Should -Match ([regex]::Escape($name)) -Because "about_CognitoTools mentions $name" }
        $text | Should -Match '\$CGIPHistory'
        foreach ($errorId in 'UserNotFoundException', 'LimitExceededException', 'RequestValidationFailed', 'NoRegion') {
            $text | Should -Match $errorId
        }
    }
}
