using System;
using System.Linq;

namespace NpmHardening
{
    /// <summary>
    /// What every audit of the module emits (posture, tokens, online checks, pipelines, releases, staged packages,
    /// lockfiles): one rule of the catalog judged against one fact in one context. Reports, policies, summaries and
    /// the fleet view consume this shape only; an audit adds its own fields in a subtype
    /// (<see cref="NpmSecurityFinding"/>, <see cref="NpmTokenFinding"/>, …).
    /// </summary>
    /// <remarks>
    /// Plain settable properties, no secrets, no engine types: the object must survive <c>ConvertTo-Json</c>,
    /// <c>Export-Clixml</c>, jobs and remoting and read back as the same finding.
    /// </remarks>
    public class NpmFinding
    {
        /// <summary>The catalog rule (NPMH1001…); its title and default severity come from the catalog.</summary>
        public string RuleId { get; set; } = "";
        public string Title { get; set; } = "";
        /// <summary>The catalog area of the rule (Settings, Credentials, Toolchain, …).</summary>
        public string? Area { get; set; }
        public NpmSeverity Severity { get; set; }
        /// <summary>Why the severity differs from the rule's default in the catalog (a token in a file others can read); null when it does not.</summary>
        public string? SeverityReason { get; set; }
        public NpmFindingStatus Status { get; set; }
        /// <summary>One or two sentences: why this status, for this fact.</summary>
        public string Message { get; set; } = "";
        /// <summary>Where the fact is: a file and line, a registry object's URI, or a named place (an environment variable).</summary>
        public NpmFindingLocation? Location { get; set; }
        /// <summary>What was audited: the user profile, project folder, repository or package the finding belongs to.</summary>
        public string? Context { get; set; }
        /// <summary>The machine the audit ran on, so results gathered from several machines stay apart.</summary>
        public string ComputerName { get; set; } = "";
        /// <summary>
        /// Identifies the fact independently of the context that met it: equal for every context that inherits the
        /// same line of the same file, so a summary counts the fact once and reports can fingerprint it.
        /// </summary>
        public string FactId { get; set; } = "";
        /// <summary>How to fix it: the setting to write, the npm command, the web steps, and the PowerShell command.</summary>
        public NpmRemediation? Remediation { get; set; }
        /// <summary>A documentation URL for the rule.</summary>
        public string? Reference { get; set; }
        /// <summary>Set when a policy exception covers the finding (its status is then Suppressed).</summary>
        public NpmFindingSuppression? Suppression { get; set; }

        public override string ToString() => $"{RuleId} {Status} {Title}" + (Location != null ? $" ({Location})" : "");
    }

    /// <summary>Where a finding's fact sits. A file position, a URI (a package version on a registry), or a name.</summary>
    public sealed class NpmFindingLocation
    {
        /// <summary>Full path of the file; null when the fact is not in a file.</summary>
        public string? Path { get; set; }
        /// <summary>1-based line in <see cref="Path"/>.</summary>
        public int? Line { get; set; }
        /// <summary>1-based column in <see cref="Line"/>.</summary>
        public int? Column { get; set; }
        /// <summary>A registry object (https://registry.npmjs.org/left-pad/1.3.0) or another URL the fact is about.</summary>
        public string? Uri { get; set; }
        /// <summary>A place that is neither file nor URI: <c>env:NPM_TOKEN</c>, <c>HKCU\Environment\NPM_TOKEN</c>, <c>default</c>.</summary>
        public string? Name { get; set; }

        public override string ToString()
        {
            if (Path != null) return Line is int line ? (Column is int column ? $"{Path}:{line}:{column}" : $"{Path}:{line}") : Path;
            return Uri ?? Name ?? "";
        }
    }

    /// <summary>
    /// How to fix a finding, in every form its readers need: the engine fills the setting, the npm command and the
    /// web steps; the cmdlet layer renders <see cref="PowerShell"/> (the engine never writes PowerShell).
    /// </summary>
    public sealed class NpmRemediation
    {
        /// <summary>One sentence, platform-neutral.</summary>
        public string Summary { get; set; } = "";
        /// <summary>The npm config key to write, when the fix is a setting.</summary>
        public string? Setting { get; set; }
        /// <summary>The value <see cref="Setting"/> should have.</summary>
        public string? Value { get; set; }
        /// <summary>Where to write it: user, project or global (npm's <c>--location</c>).</summary>
        public string? Scope { get; set; }
        /// <summary>The npm command that fixes it, when one does.</summary>
        public string? NpmCommand { get; set; }
        /// <summary>Steps on the registry's website, when the fix is there (package settings, tokens).</summary>
        public string[] WebSteps { get; set; } = Array.Empty<string>();
        /// <summary>The module's command that fixes it; rendered by the cmdlet that emitted the finding.</summary>
        public string? PowerShell { get; set; }

        /// <summary>The steps of the fix as data, for the cmdlet that renders <see cref="PowerShell"/>; never serialized (not public).</summary>
        internal System.Collections.Generic.List<NpmHardening.Engine.Findings.NpmFix> Fixes { get; } = new System.Collections.Generic.List<NpmHardening.Engine.Findings.NpmFix>();

        public override string ToString() => PowerShell ?? NpmCommand ?? Summary;
    }

    /// <summary>A policy exception that covers a finding: kept on the finding, never a reason to drop it.</summary>
    public sealed class NpmFindingSuppression
    {
        public string Justification { get; set; } = "";
        /// <summary>The day the exception stops applying; null: no expiry.</summary>
        public DateTime? Expires { get; set; }
        /// <summary>Where the exception is written: the policy file and line.</summary>
        public string? Source { get; set; }
        /// <summary>The status the finding had before the exception covered it (Fail, Warning, Error).</summary>
        public NpmFindingStatus OriginalStatus { get; set; }

        /// <summary>The justification and where it is written: what a serialization one level deep (jobs, remoting) keeps.</summary>
        public override string ToString() =>
            Justification + (Source != null || Expires != null
                ? " (" + string.Join(", ", new[] { Source, Expires is DateTime d ? "until " + d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null }
                    .Where(x => x != null)) + ")"
                : "");
    }
}
