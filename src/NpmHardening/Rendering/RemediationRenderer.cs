using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Commands.Rendering
{
    /// <summary>
    /// Turns a finding's remediation data (<see cref="NpmFix"/> steps the engine attached) into the command a PowerShell
    /// user pastes, and sets <see cref="NpmRemediation.PowerShell"/>. The only place the module writes remediation
    /// PowerShell: the engine returns the setting, the npm command and the steps as data.
    /// </summary>
    internal static class RemediationRenderer
    {
        /// <summary>Fills <see cref="NpmRemediation.PowerShell"/> of <paramref name="finding"/> when its fix has steps the module has a command for.</summary>
        public static NpmFinding Render(NpmFinding finding)
        {
            NpmHardening.Engine.Findings.FindingFactory.CompleteRemediation(finding);
            var remediation = finding.Remediation;
            if (remediation != null && remediation.Fixes.Count > 0) remediation.PowerShell = Command(remediation.Fixes);
            return finding;
        }

        /// <summary>The steps as one line: each command in order, joined by "; ".</summary>
        public static string Command(IReadOnlyList<NpmFix> fixes) =>
            string.Join("; ", fixes.Select(f => Step(f, f.Windows)));

        private static string Step(NpmFix f, bool windows)
        {
            var text = StepCommand(f, windows);
            return f.Note != null ? text + "  # " + f.Note : text;
        }

        private static string StepCommand(NpmFix f, bool windows)
        {
            switch (f.Kind)
            {
                case NpmFixKind.SetSetting:
                    var target = f.ProjectFolder != null
                        ? "-Scope Project -Path " + PowerShellText.Quote(f.ProjectFolder)
                        : "-Scope User" + (f.Profile != null ? " -UserProfile " + PowerShellText.Quote(f.Profile.HomeDirectory) : "");
                    return $"Set-NpmHardening {target} -Setting @{{ {PowerShellText.Quote(f.Key ?? "")} = {PowerShellText.Literal(f.Value)} }}";
                case NpmFixKind.RemoveSessionVariable:
                    return "Remove-Item -LiteralPath " + PowerShellText.Quote("Env:" + f.Variable);
                case NpmFixKind.DropCommandLineFlag:
                    return $"(drop --{f.Key} from the npm command line)";
                case NpmFixKind.ProtectTokens:
                    return "Protect-NpmrcToken -LiteralPath " + PowerShellText.Quote(f.Path ?? "")
                        + (f.Remove ? " -Remove" : f.Variable != null ? " -VariableName " + f.Variable : "");
                case NpmFixKind.RemovePersistentVariable:
                    return RemoveVariable(f, windows);
                case NpmFixKind.RestrictFileAccess:
                    return windows
                        ? $"icacls {PowerShellText.Quote(f.Path ?? "")} /inheritance:r /grant:r {PowerShellText.Quote((f.Owner ?? "<owner>") + ":(F)")} '*S-1-5-18:(F)' '*S-1-5-32-544:(F)'"
                        : "chmod 600 '" + (f.Path ?? "").Replace("'", "'\\''") + "'";
                case NpmFixKind.RestrictFileWriters:
                    return windows
                        ? $"icacls {PowerShellText.Quote(f.Path ?? "")} /inheritance:r /grant:r {PowerShellText.Quote((f.Owner ?? "<owner>") + ":(F)")} '*S-1-5-18:(F)' '*S-1-5-32-544:(F)' '*S-1-5-32-545:(R)'"
                        : "chmod go-w '" + (f.Path ?? "").Replace("'", "'\\''") + "'";
                case NpmFixKind.AllowRegistries:
                    return "Get-NpmSecurityPosture -AllowedRegistry " + string.Join(", ", f.Values.Select(PowerShellText.Quote));
                default:
                    return "";
            }
        }

        private static string RemoveVariable(NpmFix f, bool windows)
        {
            var name = f.Variable ?? "";
            if (windows && f.Line == null)
            {
                if (f.Scope == EnvironmentScope.User && f.Profile?.SecurityId is string sid)
                    return $"Remove-ItemProperty -LiteralPath {PowerShellText.Quote(@"Registry::HKEY_USERS\" + sid + @"\Environment")} -Name {PowerShellText.Quote(name)}";
                return $"[Environment]::SetEnvironmentVariable({PowerShellText.Quote(name)}, $null, '{f.Scope ?? EnvironmentScope.User}')";
            }
            var path = (f.Path ?? "").Replace("'", "'\\''");
            return f.Line is int line
                ? $"sed -i '{line.ToString(CultureInfo.InvariantCulture)}d' '{path}'"
                : $"(remove the {name} assignment from '{path}')";
        }
    }
}
