using NpmHardening.Engine.Findings;

namespace NpmHardening.Engine.Tests
{
    /// <summary>Short texts of a finding's structured parts, for assertions.</summary>
    internal static class FindingText
    {
        /// <summary>"path:line", the variable's name, the URI or the name.</summary>
        public static string? Src(this NpmFinding f) => FindingFactory.SourceText(f.Location);

        /// <summary>The command a reader would run: PowerShell when the finding has one, else the npm command, else the summary.</summary>
        public static string? Fix(this NpmFinding f) => f.Remediation == null ? null
            : f.Remediation.Fixes.Count > 0 ? NpmHardening.Commands.Rendering.RemediationRenderer.Command(f.Remediation.Fixes)
            : f.Remediation.NpmCommand ?? f.Remediation.Summary;
    }
}
