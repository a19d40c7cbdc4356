using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening
{
    /// <summary>Which npm config file a remediation writes.</summary>
    public enum NpmHardeningScope
    {
        /// <summary>The user config npm reads for the profile (userconfig, ~/.npmrc by default).</summary>
        User,
        /// <summary>The global config, &lt;prefix&gt;/etc/npmrc (on Windows the prefix is per-user %APPDATA%\npm by default).</summary>
        Global,
        /// <summary>&lt;npm&gt;/npmrc: machine-wide, but replaced when npm is upgraded.</summary>
        Builtin,
        /// <summary>The project's .npmrc (&lt;localPrefix&gt;/.npmrc).</summary>
        Project,
    }

    /// <summary>One setting a remediation changed (Set-NpmHardening -PassThru). Secret values appear redacted.</summary>
    public sealed class NpmSettingChange
    {
        public string Path { get; set; } = "";
        public NpmHardeningScope Scope { get; set; }
        public string Key { get; set; } = "";
        /// <summary>The value the file set before, as npm read it; null when the file did not set the key.</summary>
        public string? OldValue { get; set; }
        public string? NewValue { get; set; }
        /// <summary>The line of the file that now sets the key.</summary>
        public int? Line { get; set; }
        /// <summary>The backup of the file as it was before this change (Restore-NpmHardening -BackupId).</summary>
        public string? BackupId { get; set; }
        public string? RuleId { get; set; }
        /// <summary>A higher layer that still decides the value npm uses (environment variable, project file, command line); null when this change takes effect.</summary>
        public string? StillOverriddenBy { get; set; }

        public override string ToString() => $"{Path}: {Key} {OldValue ?? "(unset)"} -> {NewValue}";
    }
}

namespace NpmHardening.Engine.Remediation
{
    /// <summary>The file a plan writes, with the folder a symbolic link may point into without -Force.</summary>
    public sealed class HardeningTarget
    {
        public HardeningTarget(NpmHardeningScope scope, string path, string? containmentRoot, IReadOnlyList<FilePrincipal>? principals = null)
        {
            Scope = scope;
            Path = path ?? throw new ArgumentNullException(nameof(path));
            ContainmentRoot = containmentRoot;
            Principals = principals ?? Array.Empty<FilePrincipal>();
        }

        public NpmHardeningScope Scope { get; }
        /// <summary>The file as npm names it (not link-resolved).</summary>
        public string Path { get; }
        /// <summary>The profile or project folder: a symbolic link resolving outside it is refused unless forced. Null: no check.</summary>
        public string? ContainmentRoot { get; }
        /// <summary>
        /// Accounts the write is done for besides whoever controls the path: the owner of the audited profile, and the
        /// owner of a file whose setting chose this path. The write happens only where each of them could write.
        /// </summary>
        public IReadOnlyList<FilePrincipal> Principals { get; }

        /// <summary>The config layer the file is read as.</summary>
        public NpmConfigLayer Layer => Scope switch
        {
            NpmHardeningScope.User => NpmConfigLayer.User,
            NpmHardeningScope.Global => NpmConfigLayer.Global,
            NpmHardeningScope.Builtin => NpmConfigLayer.Builtin,
            _ => NpmConfigLayer.Project,
        };

        /// <summary>
        /// The file npm reads for <paramref name="scope"/> in <paramref name="resolution"/>: User = the userconfig npm
        /// loaded, Global = the globalconfig, Builtin = &lt;npm root&gt;/npmrc, Project = &lt;localPrefix&gt;/.npmrc.
        /// </summary>
        /// <exception cref="InvalidOperationException">npm's own state leaves no such file (e.g. node not found for Global).</exception>
        public static HardeningTarget For(NpmConfigResolution resolution, NpmHardeningScope scope, NodePath path)
        {
            if (resolution == null) throw new ArgumentNullException(nameof(resolution));
            var cwd = resolution.WorkingDirectory;
            var owner = resolution.Platform.Principals;
            switch (scope)
            {
                case NpmHardeningScope.User:
                {
                    var layer = resolution[NpmConfigLayer.User];
                    if (layer.Source == null || !path.IsAbsolute(layer.Source))
                        throw new InvalidOperationException($"npm has no user config file here ({layer.SkipReason ?? "userconfig is not set"}).");
                    return Chosen(resolution, scope, layer.Source, resolution.Home ?? path.Dirname(layer.Source), path, "userconfig");
                }
                case NpmHardeningScope.Global:
                {
                    var layer = resolution[NpmConfigLayer.Global];
                    if (layer.Source == null || !path.IsAbsolute(layer.Source))
                        throw new InvalidOperationException($"The global config file is unknown ({layer.SkipReason ?? "no global prefix"}).");
                    return Chosen(resolution, scope, layer.Source, path.Dirname(path.Dirname(layer.Source)), path, "globalconfig", "prefix");
                }
                case NpmHardeningScope.Builtin:
                {
                    var root = resolution.Installation.NpmRoot ?? throw new InvalidOperationException("npm was not found, so its builtin config file (<npm>/npmrc) is unknown.");
                    return new HardeningTarget(scope, path.Resolve(cwd, root, "npmrc"), path.Resolve(cwd, root), owner);
                }
                default:
                    return new HardeningTarget(scope, path.Resolve(cwd, resolution.LocalPrefix, ".npmrc"), path.Resolve(cwd, resolution.LocalPrefix), owner);
            }
        }

        /// <summary>
        /// A User or Global file whose location settings (<paramref name="keys"/>) may come from a file another account
        /// controls: that account joins the principals of the write, and when the file it chose lies outside the audited
        /// home the write is refused outright — a user's configuration never picks what a privileged run writes.
        /// </summary>
        private static HardeningTarget Chosen(NpmConfigResolution resolution, NpmHardeningScope scope, string file, string containmentRoot, NodePath path, params string[] keys)
        {
            var principals = new List<FilePrincipal>(resolution.Platform.Principals);
            var choosers = new List<string>();
            // a value keeps the file it came from even where npm stores it on another layer (globalconfig's setter)
            var files = resolution.Layers.Where(l => l.Loaded && l.Source != null && l.ControlledBy.Count > 0)
                .GroupBy(l => l.Source!, path.Separator == '\\' ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().ControlledBy, path.Separator == '\\' ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            foreach (var key in keys)
                foreach (var value in resolution.GetAll(key))
                {
                    if (value.Source == null || !files.TryGetValue(value.Source, out var controlledBy)) continue;
                    if (!choosers.Contains(value.Source)) choosers.Add(value.Source);
                    foreach (var p in controlledBy) if (!principals.Contains(p)) principals.Add(p);
                }
            var target = new HardeningTarget(scope, file, containmentRoot, principals);
            var home = resolution.Home;
            if (choosers.Count > 0 && (home == null || !Inside(path, file, home)))
                target.Problem = new NpmrcWriteException(NpmrcWriteError.UnsafePath, file,
                    $"{file} was not changed: its location comes from {string.Join(", ", choosers)}, which {FilePrincipal.Describe(principals)} can change, and it lies outside {home ?? "the audited home"}. " +
                    $"NpmHardening does not write where another account's configuration points; run it as that account, or remove the {string.Join("/", keys)} setting.");
            return target;
        }

        private static bool Inside(NodePath path, string file, string folder)
        {
            var f = path.Resolve(folder, folder).TrimEnd('/', '\\');
            var candidate = path.Resolve(f, file);
            var comparison = path.Separator == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return candidate.StartsWith(f + path.Separator, comparison);
        }

        /// <summary>Why this file may not be written at all (a user's setting chose it outside the audited folder); null when it may.</summary>
        public NpmrcWriteException? Problem { get; private set; }

        public override string ToString() => $"{Scope} {Path}";
    }

    /// <summary>One key a remediation wants, with what counts as compliant.</summary>
    public sealed class DesiredSetting
    {
        public DesiredSetting(string key, object? value, string reason, RuleExpectation? expectation = null, string? ruleId = null)
        {
            Key = key ?? throw new ArgumentNullException(nameof(key));
            Value = value;
            Reason = reason;
            Expectation = expectation;
            RuleId = ruleId;
        }

        public string Key { get; }
        /// <summary>The value to write (as given; the planner normalizes it for the key's npm type).</summary>
        public object? Value { get; }
        /// <summary>What counts as compliant (e.g. ≥ 3); null means exactly <see cref="Value"/>.</summary>
        public RuleExpectation? Expectation { get; }
        public string? RuleId { get; }
        public string Reason { get; }
        /// <summary>Another key whose value true also satisfies this one (ignore-scripts for strict-allow-scripts).</summary>
        public string? AlsoSatisfiedByTrue { get; internal set; }

        public override string ToString() => $"{Key}={NpmrcValueWriter.Display(Value)}";
    }

    public enum PlanWarningKind
    {
        /// <summary>The detected npm does not know the key yet: upgrade npm to use it.</summary>
        NeedsNpmUpgrade,
        /// <summary>No npm version defines the key.</summary>
        UnknownKey,
        /// <summary>The value is not valid for the key's npm type.</summary>
        InvalidValue,
        /// <summary>No .npmrc text makes npm read the value back exactly.</summary>
        ValueNotRepresentable,
        /// <summary>A higher layer (environment, project file, command line) still decides the value.</summary>
        Overridden,
        /// <summary>The builtin file is replaced when npm is upgraded.</summary>
        BuiltinReplacedOnUpgrade,
        /// <summary>The file is UTF-16: npm ignores it; applying rewrites it as UTF-8 (needs Force).</summary>
        Utf16File,
        /// <summary>A finding that a config write cannot fix.</summary>
        NotFixableByConfig,
        /// <summary>The file cannot be written (directory, unreadable…).</summary>
        FileProblem,
        /// <summary>Something worth knowing that changes nothing (e.g. Global is per-user on Windows).</summary>
        Note,
    }

    /// <summary>Something a plan did not do, or will not achieve, and why.</summary>
    public sealed class PlanWarning
    {
        public PlanWarning(PlanWarningKind kind, string? key, string message) { Kind = kind; Key = key; Message = message; }
        public PlanWarningKind Kind { get; }
        public string? Key { get; }
        public string Message { get; }
        /// <summary>For <see cref="PlanWarningKind.Overridden"/>: the layer that decides the value instead (Env, Project, Cli…).</summary>
        public string? Layer { get; internal set; }
        /// <summary>For <see cref="PlanWarningKind.Overridden"/>: where that layer sets it ("npm_config_strict_ssl", "/p/.npmrc:3").</summary>
        public string? Source { get; internal set; }
        public override string ToString() => Message;
    }

    public enum PlannedChangeAction
    {
        /// <summary>The effective line is rewritten in place.</summary>
        Update,
        /// <summary>New line(s) at the end of the top-level settings.</summary>
        Append,
        /// <summary>A list (or a key spread over several lines): all its lines are replaced by the new ones.</summary>
        ReplaceLines,
    }

    /// <summary>One key a plan changes in one file.</summary>
    public sealed class PlannedChange
    {
        internal PlannedChange(string key, string? oldValue, string newValue, int? line, string reason, PlannedChangeAction action,
            object? typedValue, IReadOnlyList<string> lineTexts, IReadOnlyList<int> removedLines, string? ruleId)
        {
            Key = key; OldValue = oldValue; NewValue = newValue; Line = line; Reason = reason; Action = action;
            TypedValue = typedValue; LineTexts = lineTexts; RemovedLines = removedLines; RuleId = ruleId;
        }

        public string Key { get; }
        /// <summary>The value the file sets now (redacted when secret); null when the file does not set the key.</summary>
        public string? OldValue { get; }
        /// <summary>The value after the change (redacted when secret).</summary>
        public string NewValue { get; }
        /// <summary>The line npm reads now (the last assignment), edited in place; null when the key is appended.</summary>
        public int? Line { get; }
        public string Reason { get; }
        public PlannedChangeAction Action { get; }
        public string? RuleId { get; }
        /// <summary>The layer and source that would still decide the value after the change ("environment variable npm_config_strict_ssl"); null when the change takes effect.</summary>
        public string? StillOverriddenBy { get; internal set; }

        internal object? TypedValue { get; }
        /// <summary>The new line texts (secrets included: never shown).</summary>
        internal IReadOnlyList<string> LineTexts { get; }
        /// <summary>Earlier lines of the key that are removed (lists, array-valued keys).</summary>
        internal IReadOnlyList<int> RemovedLines { get; }
        /// <summary>For <see cref="PlannedChangeAction.Update"/>: the new text right of the line's first '=' (the key's bytes are kept).</summary>
        internal string? ValuePart { get; set; }

        public override string ToString() =>
            $"{Key}: {OldValue ?? "(unset)"} -> {NewValue}" + (Line.HasValue ? $" (line {Line})" : " (appended)") +
            (StillOverriddenBy != null ? $" [still overridden by {StillOverriddenBy}]" : "");
    }

    /// <summary>
    /// What a remediation would change in one file. Planning reads nothing but the resolution and writes nothing;
    /// <see cref="NpmrcFileWriter"/> applies it after checking the file still holds the bytes the plan was made from.
    /// </summary>
    public sealed class HardeningPlan
    {
        internal HardeningPlan(HardeningTarget target, byte[]? original, IReadOnlyList<PlannedChange> changes, IReadOnlyList<PlanWarning> warnings,
            bool convertsFromUtf16, NpmrcWriteException? problem, PlanInputs inputs)
        {
            Target = target;
            OriginalBytes = original;
            FileExisted = original != null;
            OriginalSha256 = Hashing.Sha256Hex(original);
            Changes = changes;
            Warnings = warnings;
            ConvertsFromUtf16 = convertsFromUtf16;
            Problem = problem;
            Inputs = inputs;
        }

        public HardeningTarget Target { get; }
        public string Path => Target.Path;
        public NpmHardeningScope Scope => Target.Scope;
        public IReadOnlyList<PlannedChange> Changes { get; }
        public IReadOnlyList<PlanWarning> Warnings { get; }
        /// <summary>SHA-256 (hex) of the bytes the plan was made from; the SHA-256 of no bytes when the file did not exist.</summary>
        public string OriginalSha256 { get; }
        public bool FileExisted { get; }
        /// <summary>The file is UTF-16 (npm cannot read it); applying rewrites it as UTF-8, only when forced.</summary>
        public bool ConvertsFromUtf16 { get; }
        /// <summary>Why the file cannot be written at all (it is a directory, cannot be read…); null when it can.</summary>
        public NpmrcWriteException? Problem { get; }
        /// <summary>True when applying would write the file.</summary>
        public bool HasChanges => Problem == null && (Changes.Count > 0 || ConvertsFromUtf16);

        internal byte[]? OriginalBytes { get; }
        internal PlanInputs Inputs { get; }

        /// <summary>"~/.npmrc: strict-ssl false -> true (line 3); min-release-age (unset) -> 3 (appended)" — for ShouldProcess.</summary>
        public string Describe()
        {
            if (Problem != null) return $"{Path}: {Problem.Message}";
            if (!HasChanges) return $"{Path}: no change";
            var sb = new StringBuilder(Path).Append(": ");
            var parts = Changes.Select(c => $"{c.Key} {c.OldValue ?? "(unset)"} -> {c.NewValue}" + (c.Line.HasValue ? $" (line {c.Line})" : " (appended)")).ToList();
            if (ConvertsFromUtf16) parts.Insert(0, "rewrite UTF-16 as UTF-8");
            return sb.Append(string.Join("; ", parts)).ToString();
        }

        /// <summary>The file's bytes after the plan: exactly the original except the changed lines.</summary>
        public byte[] Render() => NpmrcEditor.Render(this);

        public override string ToString() => Describe();
    }

    /// <summary>What a plan needs to be made again against newer bytes of the same file.</summary>
    internal sealed class PlanInputs
    {
        public PlanInputs(IReadOnlyList<DesiredSetting> desired, IReadOnlyList<PlanWarning> settingWarnings, NpmVersion version,
            FieldContext field, Func<string, NpmConfigValue?> lower, Func<string, IReadOnlyList<NpmConfigValue>> higher, bool isWindows)
        {
            Desired = desired; SettingWarnings = settingWarnings; Version = version; Field = field; Lower = lower; Higher = higher; IsWindows = isWindows;
        }

        public IReadOnlyList<DesiredSetting> Desired { get; }
        public IReadOnlyList<PlanWarning> SettingWarnings { get; }
        public NpmVersion Version { get; }
        public FieldContext Field { get; }
        /// <summary>The value of the highest layer below the target that sets the key (npm's default at least).</summary>
        public Func<string, NpmConfigValue?> Lower { get; }
        /// <summary>Every layer above the target that sets the key, highest first.</summary>
        public Func<string, IReadOnlyList<NpmConfigValue>> Higher { get; }
        public bool IsWindows { get; }
    }

    internal static class Hashing
    {
        public static string Sha256Hex(byte[]? bytes)
        {
            using var sha = System.Security.Cryptography.SHA256.Create();
            var hash = sha.ComputeHash(bytes ?? Array.Empty<byte>());
            var sb = new StringBuilder(64);
            foreach (var b in hash) sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }
    }
}
