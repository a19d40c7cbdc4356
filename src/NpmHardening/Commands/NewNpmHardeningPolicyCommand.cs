using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Writes a commented starter policy file for -Policy: the baseline, the allowed registries (default and per scope)
    /// and an empty list of exceptions with a commented example. Refuses to replace an existing file unless -Force.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "NpmHardeningPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class NewNpmHardeningPolicyCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        // an int behind the enum (see Get-NpmSecurityPosture -Baseline)
        private int _baseline;

        [Parameter]
        public NpmBaseline Baseline { get => (NpmBaseline)_baseline; set => _baseline = (int)value; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            string path;
            try { path = GetUnresolvedProviderPathFromPSPath(Path); }
            catch (Exception e) when (e is ProviderNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidPolicyPath", ErrorCategory.InvalidArgument, Path));
                return;
            }
            if (Directory.Exists(path))
                ThrowTerminatingError(new ErrorRecord(new IOException($"'{path}' is a folder; give the policy file's name (policy.psd1)."), "PolicyPathIsFolder", ErrorCategory.InvalidArgument, path));
            var folder = System.IO.Path.GetDirectoryName(path);
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
                ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"The folder of '{path}' does not exist; create it first."), "PolicyFolderNotFound", ErrorCategory.ObjectNotFound, path));
            var exists = File.Exists(path);
            if (exists && !Force)
                ThrowTerminatingError(new ErrorRecord(new IOException($"'{path}' already exists; add -Force to replace it."), "PolicyFileExists", ErrorCategory.ResourceExists, path));
            if (!ShouldProcess(path, exists ? "Replace with a starter NpmHardening policy" : "Create a starter NpmHardening policy")) return;

            // written beside the target and moved into place: never a half-written policy
            var temp = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                File.WriteAllText(temp, StarterText(Baseline), new UTF8Encoding(true));
                if (exists) File.Replace(temp, path, null);
                else File.Move(temp, path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                ThrowTerminatingError(new ErrorRecord(e, "PolicyNotWritten", ErrorCategory.WriteError, path));
            }
            WriteObject(new FileInfo(path));
        }

        /// <summary>The starter policy: every key the reader knows, commented, with an example exception left commented out.</summary>
        internal static string StarterText(NpmBaseline baseline)
        {
            var example = RuleCatalog.Default.Find("NPMH3001");
            var nl = Environment.NewLine;
            return string.Join(nl, new[]
            {
                "# NpmHardening policy: give it to the audit cmdlets with -Policy <this file>",
                "#   Get-NpmSecurityPosture -Policy ./policy.psd1; Test-NpmrcToken -Policy ./policy.psd1; Test-NpmHardening -Policy ./policy.psd1",
                "# A PowerShell data file: it is read without running anything (as Import-PowerShellDataFile reads it), so it",
                "# holds only strings, numbers, $true/$false, @{ } and @( ). Keys are case-insensitive; an unknown key is an error.",
                "@{",
                "    # The baseline to audit against: Recommended, Strict or CI (Get-NpmRule -Baseline <name> lists its rules).",
                "    # -Baseline on the command line wins over this value.",
                $"    Baseline          = '{baseline}'",
                "",
                "    # Registries npm may use (rule NPMH2003). Default: allowed as 'registry' and for every scope not named below.",
                "    # A scope named here ('@corp') may use only its own registries. -AllowedRegistry on the command line",
                "    # replaces Default; the scopes still apply.",
                "    AllowedRegistries = @{",
                "        Default = @('https://registry.npmjs.org/')",
                "        # '@corp' = 'https://npm.corp.example/'",
                "    }",
                "",
                "    # Staged publishing (Get-NpmStagedPackage -Audit). MaximumAge: how long a staged version may wait for review",
                "    # before NPMH11001 reports it (days.hours:minutes:seconds, or a number of days; 7 days when left out).",
                "    # ExpectedPublishers: who may stage versions (npm user names as 'npm stage list' shows them under 'staged by');",
                "    # a version staged by anyone else is NPMH11002 (High). Left out, nobody is judged.",
                "    Staging           = @{",
                "        MaximumAge = '7.00:00:00'",
                "        # ExpectedPublishers = @('release-bot')",
                "    }",
                "",
                "    # Accepted exceptions. A finding an exception covers stays in the output with Status Suppressed and its",
                "    # Suppression (justification, expiry, this file and line); it is never dropped. From the day after Expires it",
                "    # counts again, and the audit warns. RuleId and Justification are required; Context and Location are",
                "    # wildcard patterns (the audited profile or project folder; the file or file:line of the finding).",
                "    Exceptions        = @(",
                "        # @{",
                $"        #     RuleId        = '{example?.Id ?? "NPMH3001"}'   # {example?.Title ?? ""}",
                "        #     Context       = '*/legacy-app'",
                "        #     Location      = '*/.npmrc*'",
                "        #     Justification = 'node-gyp build of the legacy app needs its install scripts; ticket SEC-1234'",
                "        #     Expires       = '" + DateTime.Today.AddDays(90).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "'",
                "        # }",
                "    )",
                "}",
                "",
            });
        }
    }
}
