using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Commands
{
    [Cmdlet(VerbsCommon.Get, "NpmConfig", DefaultParameterSetName = "Path")]
    [OutputType(typeof(NpmConfigEntry))]
    public sealed class GetNpmConfigCommand : NpmHardeningCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmConfigKeyCompleter))]
        [ValidateNotNullOrEmpty]
        [ValidateWildcardPattern]
        public string[]? Name { get; set; }

        [Parameter(ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(ParameterSetName = "LiteralPath", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UserProfile { get; set; }

        [Parameter]
        public Hashtable? Environment { get; set; }

        [Parameter]
        public Hashtable? Override { get; set; }

        [Parameter]
        public SwitchParameter All { get; set; }

        [Parameter]
        public NpmConfigLayer[]? Layer { get; set; }

        private readonly Dictionary<string, NpmInstallation> _installations = new Dictionary<string, NpmInstallation>(StringComparer.Ordinal);

        protected override void ProcessRecord()
        {
            var directories = Path == null && LiteralPath == null
                ? new[] { CurrentFileSystemDirectory }
                : ResolvePaths(LiteralPath ?? Path, LiteralPath != null).ToArray();
            foreach (var dir in directories)
            {
                if (!System.IO.Directory.Exists(dir))
                {
                    WriteError(new ErrorRecord(new System.IO.DirectoryNotFoundException($"'{dir}' is not a folder; give the project folder npm would run in."),
                        "ProjectFolderNotFound", ErrorCategory.ObjectNotFound, dir));
                    continue;
                }
                Resolve(dir);
            }
        }

        private void Resolve(string directory)
        {
            var platform = SystemPlatform.Instance;
            var request = new NpmConfigRequest
            {
                Platform = platform,
                WorkingDirectory = directory,
                Environment = Environment != null ? ToEnvironment(Environment, platform.IsWindows) : null,
                UserProfile = UserProfile != null ? GetUnresolvedProviderPathFromPSPath(UserProfile) : null,
                CliOverrides = Override?.Cast<DictionaryEntry>().ToDictionary<DictionaryEntry, string, object?>(
                    e => Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    e => e.Value is PSObject ps ? ps.BaseObject : e.Value),
            };
            // Locating node and npm reads the disk; do it once per environment for a pipeline of projects.
            var envKey = Environment == null ? "" : string.Join("\n", request.Environment!.OrderBy(k => k.Key).Select(k => k.Key + "=" + k.Value));
            if (!_installations.TryGetValue(envKey, out var installation))
            {
                installation = NpmLocator.Locate(platform, request.Environment ?? platform.Environment);
                _installations[envKey] = installation;
                WriteVerbose($"Using {installation} (npm at {installation.NpmRoot ?? "?"}, node at {installation.NodePath ?? "?"}).");
            }
            request.Installation = installation;

            var resolution = NpmConfigResolver.Resolve(request);
            foreach (var layer in resolution.Layers)
                WriteVerbose($"{layer.Layer} layer: {layer.Source ?? "-"} ({(layer.Loaded ? layer.Count + " keys" : layer.SkipReason ?? "not present")})");
            foreach (var issue in resolution.Issues) WriteIssue(issue);

            var filter = new NpmConfigEntryFilter { Names = Name, AllLayers = All.IsPresent, Layers = Layer };
            var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in NpmConfigEntries.Select(resolution, filter))
            {
                found.Add(entry.Key);
                WriteObject(entry);
            }
            if (Name == null) return;
            foreach (var name in Name)
            {
                if (WildcardPattern.ContainsWildcardCharacters(name) || found.Contains(name)) continue;
                var known = NpmConfigCatalog.Default.IsKnown(name, resolution.NpmVersion);
                var message = known
                    ? $"npm config key '{name}' has no value in {directory} (npm {resolution.NpmVersion})."
                    : $"'{name}' is not an npm {resolution.NpmVersion} config key and no layer sets it. Use tab completion for known keys.";
                WriteError(new ErrorRecord(new ItemNotFoundException(message), "NpmConfigKeyNotFound", ErrorCategory.ObjectNotFound, name));
            }
        }
    }

    /// <summary>Tab completion of npm config keys from npm's definitions.</summary>
    public sealed class NpmConfigKeyCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            foreach (var key in NpmConfigCatalog.Default.AllKeys.OrderBy(k => k, StringComparer.Ordinal))
            {
                if (!key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
                var text = key.IndexOfAny(new[] { ' ', '$', '@', '/', ':' }) >= 0 ? "'" + key + "'" : key;
                yield return new CompletionResult(text, key, CompletionResultType.ParameterValue, key);
            }
        }
    }
}
