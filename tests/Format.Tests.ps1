#Requires -Version 5.1
# Pester 5. The default views of CognitoTools.Format.ps1xml as PowerShell renders them: the table headers of the code
# delivery details and of history entries, and the list labels of -Select '*' and $CGIPHistory.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Module = Import-Module (Get-TestModulePath) -Force -PassThru
    $script:Endpoint = Start-TestEndpoint -ExtraArguments @('--resend-limit', '0')
    $script:Target = @{ EndpointUrl = $script:Endpoint.Url; Region = 'us-east-1' }
    [xml]$script:FormatXml = Get-Content -Path (Join-Path $Module.ModuleBase 'CognitoTools.Format.ps1xml') -Raw

    function Get-ViewLabels([string] $TypeName) {
        # The column or item labels the shipped format file declares for a type, in order.
        $view = @($FormatXml.Configuration.ViewDefinitions.View | Where-Object { $_.ViewSelectedBy.TypeName -eq $TypeName })
        $view | Should -HaveCount 1 -Because "the format file has one view for $TypeName"
        if ($view[0].TableControl) {
            return @($view[0].TableControl.TableHeaders.TableColumnHeader | ForEach-Object { $_.Label })
        }
        @($view[0].ListControl.ListEntries.ListEntry.ListItems.ListItem | ForEach-Object { if ($_.Label) { $_.Label } else { $_.PropertyName } })
    }

    function Get-TableHeaders([string] $Text) {
        # The header row is the first non-blank line; labels have no spaces.
        $header = @($Text -split '\r?\n' | Where-Object { $_.Trim() })[0]
        @($header.Trim() -split '\s+')
    }

    function Get-ListLabels([string] $Text) {
        @($Text -split '\r?\n' | ForEach-Object { if ($_ -match '^(\S+)\s*:') { $Matches[1] } })
    }
}

AfterAll {
    Stop-TestEndpoint $script:Endpoint
}

Describe 'The format file''s views' {
    BeforeAll {
        CognitoTools\Clear-CGIPHistory -Confirm:$false
        $script:Details = @('ann', 'dave' | CognitoTools\Send-CGIPConfirmationCode -ClientId demoappclient1 @Target -Force)
        $null = CognitoTools\Send-CGIPConfirmationCode -Username nobody -ClientId demoappclient1 @Target -Force -ErrorAction SilentlyContinue
        $script:Response = CognitoTools\Send-CGIPConfirmationCode -Username bob -ClientId demoappclient1 @Target -Force -Select '*'
    }

    It 'declares the columns and items the module documents' {
        Get-ViewLabels 'CognitoTools.Model.CodeDeliveryDetailsType' | Should -Be @('Username', 'DeliveryMedium', 'Destination', 'AttributeName')
        Get-ViewLabels 'CognitoTools.History.HistoryEntry' | Should -Be @('Time', 'Outcome', 'Username', 'Result', 'Attempts', 'Ms')
        Get-ViewLabels 'CognitoTools.Model.ResendConfirmationCodeResponse' | Should -Be @('CodeDeliveryDetails', 'ResponseMetadata', 'HttpStatusCode', 'ContentLength', 'Attempts', 'Duration')
        Get-ViewLabels 'CognitoTools.History.CommandHistory' | Should -Be @('Count', 'Capacity', 'RecordRequests', 'IncludeSecrets', 'LastCommand', 'LastServiceResponse', 'Entries')
    }

    It 'shows the code delivery details as the view''s table, by default and with Format-Table' {
        $expected = Get-ViewLabels 'CognitoTools.Model.CodeDeliveryDetailsType'
        Get-TableHeaders ($Details | Out-String -Width 200) | Should -Be $expected
        Get-TableHeaders ($Details | Format-Table | Out-String -Width 200) | Should -Be $expected
        $rows = @(($Details | Format-Table | Out-String -Width 200) -split '\r?\n' | Where-Object { $_ -match '^(ann|dave)\s' })
        $rows | Should -HaveCount 2
        $rows[1] | Should -Match '^dave\s+SMS\s+\+\S+\s+phone_number\s*$'
    }

    It 'shows history entries as the view''s table, a failure''s error code in Result' {
        $entries = @(CognitoTools\Get-CGIPHistory)
        $expected = Get-ViewLabels 'CognitoTools.History.HistoryEntry'
        Get-TableHeaders ($entries | Out-String -Width 200) | Should -Be $expected
        $text = $entries | Format-Table | Out-String -Width 200
        Get-TableHeaders $text | Should -Be $expected
        $text | Should -Match '(?m)^\d\d:\d\d:\d\d\s+Failed\s+nobody\s+UserNotFoundException\s+1\s+\d+\s*$'
        $text | Should -Match '(?m)^\d\d:\d\d:\d\d\s+Succeeded\s+dave\s+\+\S+\s+1\s+\d+\s*$'
    }

    It 'lists -Select ''*'' responses and $CGIPHistory with the view''s labels' {
        Get-ListLabels ($Response | Out-String -Width 200) | Should -Be (Get-ViewLabels 'CognitoTools.Model.ResendConfirmationCodeResponse')
        Get-ListLabels ($global:CGIPHistory | Out-String -Width 200) | Should -Be (Get-ViewLabels 'CognitoTools.History.CommandHistory')
    }
}
