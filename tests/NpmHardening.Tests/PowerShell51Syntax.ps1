# The PowerShell 7 language and cmdlet features that Windows PowerShell 5.1 does not have, found by walking the syntax
# tree that PowerShell 7's parser builds. Used by WindowsPowerShell51.Tests.ps1: the scripts that must run in 5.1
# (build.ps1, the Intune scripts, the DSC resource, every script that says #Requires -Version 5.1) are checked here,
# because no Windows PowerShell 5.1 can run on the Linux machines the suite runs on.

# Commands that 5.1 does not have at all.
$script:Pwsh7OnlyCommands = @('Test-Json', 'Get-Error', 'ConvertFrom-Markdown', 'Show-Markdown', 'Join-String',
    'Get-Uptime', 'Remove-Alias', 'Remove-Service', 'Get-MarkdownOption', 'Set-MarkdownOption')

# Parameters that exist in 5.1's command of the same name only from PowerShell 6 or 7 on (full names; an
# abbreviation is matched when it is a prefix of one of these and at least three characters long).
$script:Pwsh7OnlyParameters = @{
    'ForEach-Object' = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'UseNewRunspace', 'AsJob')
    'Join-Path'      = @('AdditionalChildPath')
    'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
    'ConvertTo-Json' = @('AsArray', 'EscapeHandling')
    'Get-Content'    = @('AsByteStream')
    'Set-Content'    = @('AsByteStream')
    'Add-Content'    = @('AsByteStream')
    'Invoke-WebRequest' = @('SkipCertificateCheck', 'Authentication', 'Token', 'SslProtocol', 'StatusCodeVariable', 'SkipHttpErrorCheck', 'MaximumRetryCount', 'RetryIntervalSec', 'Resume', 'SkipHeaderValidation', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds')
    'Invoke-RestMethod' = @('SkipCertificateCheck', 'Authentication', 'Token', 'SslProtocol', 'StatusCodeVariable', 'SkipHttpErrorCheck', 'MaximumRetryCount', 'RetryIntervalSec', 'ResponseHeadersVariable', 'FollowRelLink', 'Resume', 'SkipHeaderValidation', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds')
    'Select-String'  = @('Raw', 'NoEmphasis', 'Culture')
    'Get-ChildItem'  = @('FollowSymlink')
    'Test-Connection' = @('TargetName', 'Ping', 'Traceroute', 'MtuSize', 'TcpPort', 'Repeat', 'Detailed')
    'Split-Path'     = @('Extension', 'LeafBase')
    'Start-Process'  = @('Environment')
}
$script:CommandAliases = @{ '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object'; 'gc' = 'Get-Content'; 'sc' = 'Set-Content'; 'ac' = 'Add-Content';
    'iwr' = 'Invoke-WebRequest'; 'irm' = 'Invoke-RestMethod'; 'sls' = 'Select-String'; 'gci' = 'Get-ChildItem'; 'ls' = 'Get-ChildItem'; 'dir' = 'Get-ChildItem'; 'gi' = 'Get-Item' }
# -Encoding names 5.1 rejects (it knows Unicode, UTF8 (with BOM), ASCII, Default, OEM, BigEndianUnicode, UTF7, UTF32, Byte, String).
$script:Pwsh7OnlyEncodings = @('utf8NoBOM', 'utf8BOM', 'ansi', 'latin1', 'bigendianutf32')

# The language features, found in C# (a PowerShell loop over every node of the larger test files takes seconds each).
if (-not ('NpmHardeningTests.Pwsh7Syntax' -as [type])) {
    Add-Type -TypeDefinition @'
using System.Collections.Generic;
using System.Management.Automation.Language;
namespace NpmHardeningTests
{
    public static class Pwsh7Syntax
    {
        public sealed class Hit
        {
            public Ast Node;
            public string Construct;
        }
        public static List<Hit> Find(Ast root, List<CommandAst> commands)
        {
            var hits = new List<Hit>();
            foreach (var node in root.FindAll(_ => true, true))
            {
                string what = null;
                Ast at = node;
                if (node is TernaryExpressionAst) what = "ternary operator (a ? b : c)";
                else if (node is PipelineChainAst) what = "pipeline chain operator (&& or ||)";
                else if (node is BinaryExpressionAst b && b.Operator == TokenKind.QuestionQuestion) what = "null-coalescing operator (??)";
                else if (node is AssignmentStatementAst a && a.Operator == TokenKind.QuestionQuestionEquals) what = "null-coalescing assignment (??=)";
                else if (node is MemberExpressionAst m && m.NullConditional) what = "null-conditional member access (?.)";
                else if (node is IndexExpressionAst i && i.NullConditional) what = "null-conditional index (?[])";
                else if (node is ScriptBlockAst s && s.CleanBlock != null) { what = "clean {} block"; at = s.CleanBlock; }
                else if (node is CommandAst c) commands.Add(c);
                if (what != null) hits.Add(new Hit { Node = at, Construct = what });
            }
            return hits;
        }
    }
}
'@
}

$script:CmdletInfoCache = @{}

function Resolve-Pwsh7Parameter([string] $Command, [string] $Parameter) {
    # The full name PowerShell 7 binds an abbreviated parameter to (exact names first), or the text itself.
    if (-not $script:CmdletInfoCache.ContainsKey($Command)) { $script:CmdletInfoCache[$Command] = Get-Command -Name $Command -CommandType Cmdlet -ErrorAction SilentlyContinue }
    $info = $script:CmdletInfoCache[$Command]
    if ($null -eq $info) { return $Parameter }
    $names = @($info.Parameters.Keys) + @($info.Parameters.Values | ForEach-Object { $_.Aliases })
    if ($names -contains $Parameter) { return @($info.Parameters.Values | Where-Object { $_.Name -eq $Parameter -or $_.Aliases -contains $Parameter })[0].Name }
    $matching = @($info.Parameters.Keys | Where-Object { $_.StartsWith($Parameter, [System.StringComparison]::OrdinalIgnoreCase) })
    if ($matching.Count -eq 1) { return $matching[0] }
    return $Parameter
}

function Find-Pwsh7Syntax {
    # Returns one object per PowerShell-7-only construct in the script text (File, Line, Construct, Text), and one per
    # parse error (a 5.1-compatible script parses in PowerShell 7 too).
    param([Parameter(Mandatory)] [string] $Text, [string] $File = '<text>')
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, $File, [ref] $tokens, [ref] $errors)
    foreach ($e in @($errors)) {
        [pscustomobject] @{ File = $File; Line = $e.Extent.StartLineNumber; Construct = "parse error: $($e.Message)"; Text = $e.Extent.Text }
    }
    $commands = New-Object 'System.Collections.Generic.List[System.Management.Automation.Language.CommandAst]'
    $found = New-Object System.Collections.Generic.List[object]
    $add = { param($node, [string] $what) $found.Add([pscustomobject] @{ File = $File; Line = $node.Extent.StartLineNumber; Construct = $what; Text = $node.Extent.Text }) }
    foreach ($hit in [NpmHardeningTests.Pwsh7Syntax]::Find($ast, $commands)) { & $add $hit.Node $hit.Construct }
    foreach ($node in $commands) {
        $name = $node.GetCommandName()
        if (-not $name) { continue }
        if ($CommandAliases.ContainsKey($name.ToLowerInvariant())) { $name = $CommandAliases[$name.ToLowerInvariant()] }
        if ($Pwsh7OnlyCommands -contains $name) { & $add $node "command $name (PowerShell 7 only)" }
        $known = $Pwsh7OnlyParameters.ContainsKey($name)
        # Only the commands with 7-only parameters, -Encoding or Join-Path's positionals are looked into further.
        if (-not $known -and $name -ne 'Join-Path' -and $node.Extent.Text -notmatch '-Encoding') { continue }
        $positional = 0
        $elements = $node.CommandElements
        for ($i = 1; $i -lt $elements.Count; $i++) {
            $element = $elements[$i]
            if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
                $parameter = $element.ParameterName
                if ($known) {
                    $full = Resolve-Pwsh7Parameter $name $parameter
                    if ($Pwsh7OnlyParameters[$name] -contains $full) { & $add $element "$name -$full (PowerShell 7 only)" }
                }
                if ($parameter -eq 'Encoding') {
                    $value = $element.Argument
                    if ($null -eq $value -and $i + 1 -lt $elements.Count) { $value = $elements[$i + 1]; $i++ }
                    if ($value -is [System.Management.Automation.Language.StringConstantExpressionAst] -and ($Pwsh7OnlyEncodings -contains $value.Value)) {
                        & $add $value "-Encoding $($value.Value) (PowerShell 7 only)"
                    }
                }
                elseif ($null -eq $element.Argument -and $i + 1 -lt $elements.Count -and $elements[$i + 1] -isnot [System.Management.Automation.Language.CommandParameterAst]) {
                    # a named parameter's value (or a switch followed by a positional): counting it as a value can only
                    # hide a positional argument, never invent one
                    $i++
                }
            }
            else { $positional++ }
        }
        # Join-Path a b c: the third positional binds -AdditionalChildPath, which 5.1 lacks.
        if ($name -eq 'Join-Path' -and $positional -gt 2) { & $add $node 'Join-Path with more than two path parts (PowerShell 7 only)' }
    }
    $found
}

function Get-Pwsh7SyntaxInFile([string] $Path) {
    Find-Pwsh7Syntax -Text ([System.IO.File]::ReadAllText($Path)) -File $Path
}
