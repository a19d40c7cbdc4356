using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>
    /// Plans the edits that bring one npm config file to the desired settings, as npm would read them: keys already
    /// compliant at that file's layer are left alone, keys the detected npm does not know are skipped with a warning
    /// naming the upgrade, the last assignment of a key (the one npm reads) is edited in place and new keys are added at
    /// the end of the top-level settings. Layers above the file that would still decide the value are reported.
    /// Planning writes nothing.
    /// </summary>
    public static class HardeningPlanner
    {
        private static NpmConfigCatalog Catalog => NpmConfigCatalog.Default;

        /// <summary>Plans <paramref name="desired"/> for the file of <paramref name="scope"/> in <paramref name="resolution"/>.</summary>
        public static HardeningPlan Plan(NpmConfigResolution resolution, NpmHardeningScope scope, DesiredSettingSet desired, IPlatform? platform = null)
        {
            platform ??= SystemPlatform.Instance;
            return Plan(resolution, HardeningTarget.For(resolution, scope, platform.Path), desired, platform);
        }

        /// <summary>Plans <paramref name="desired"/> for <paramref name="target"/>, judging compliance and overrides with the layers of <paramref name="resolution"/>.</summary>
        public static HardeningPlan Plan(NpmConfigResolution resolution, HardeningTarget target, DesiredSettingSet desired, IPlatform? platform = null)
        {
            if (resolution == null) throw new ArgumentNullException(nameof(resolution));
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (desired == null) throw new ArgumentNullException(nameof(desired));
            platform ??= SystemPlatform.Instance;
            var field = NpmrcValueWriter.CreateContext(resolution, platform.Path);
            int layer = (int)target.Layer;
            NpmConfigValue? Lower(string key)
            {
                for (int i = layer - 1; i >= 0; i--)
                    if (resolution.Layers[i].TryGet(key, out var v)) return v;
                return null;
            }
            IReadOnlyList<NpmConfigValue> Higher(string key)
            {
                var list = new List<NpmConfigValue>();
                for (int i = resolution.Layers.Count - 1; i > layer; i--)
                    if (resolution.Layers[i].TryGet(key, out var v)) list.Add(v);
                return list;
            }
            var inputs = new PlanInputs(desired.Settings, desired.Warnings, resolution.NpmVersion, field, Lower, Higher, platform.IsWindows);

            // the bytes npm read for this layer, when the resolution read this very file; else read it now
            var data = resolution[target.Layer];
            byte[]? bytes = null;
            NpmrcWriteException? problem = target.Problem;
            if (problem != null) { }
            else if (data.Document != null && string.Equals(data.Source, target.Path, platform.Path.Comparison))
                bytes = data.Document.ToBytes();
            else
                problem = Read(resolution.Platform, target.Path, out bytes);
            return Build(target, bytes, inputs, problem);
        }

        /// <summary>
        /// Plans <paramref name="desired"/> for a file on its own: compliance is judged against the file and npm's
        /// defaults only (no other layers are known, so no overrides are reported).
        /// </summary>
        public static HardeningPlan PlanFile(HardeningTarget target, DesiredSettingSet desired, NpmVersion npmVersion, IPlatform? platform = null,
            string? workingDirectory = null, string? home = null, IReadOnlyDictionary<string, string>? environment = null)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            platform ??= SystemPlatform.Instance;
            var path = platform.Path;
            var field = NpmrcValueWriter.CreateContext(npmVersion, path, workingDirectory ?? path.Dirname(target.Path), home, environment);
            NpmConfigValue? Lower(string key)
            {
                var def = Catalog.Find(key, npmVersion);
                if (def == null) return null;
                var raw = def.HasDefault ? def.Default : JsUndefined.Value;
                return new NpmConfigValue(key, ConfigFieldParser.Parse(raw, key, field), raw, NpmConfigLayer.Default, "default values", null, null);
            }
            var inputs = new PlanInputs(desired.Settings, desired.Warnings, npmVersion, field, Lower, _ => Array.Empty<NpmConfigValue>(), platform.IsWindows);
            var problem = Read(platform, target.Path, out var bytes);
            return Build(target, bytes, inputs, problem);
        }

        /// <summary>The same plan made again against the file's current bytes (null: the file is gone).</summary>
        internal static HardeningPlan Replan(HardeningPlan plan, byte[]? bytes) => Build(plan.Target, bytes, plan.Inputs, null);

        private static NpmrcWriteException? Read(IPlatform platform, string path, out byte[]? bytes)
        {
            bytes = null;
            if (platform.DirectoryExists(path))
                return new NpmrcWriteException(NpmrcWriteError.NotAFile, path, $"{path} is a directory, not a config file; npm ignores it. Remove or rename the directory, then run again.");
            var read = platform.ReadFile(path, NpmrcFile.MaxReadBytes);
            switch (read.Status)
            {
                case FileReadStatus.Ok: bytes = read.Bytes; return null;
                case FileReadStatus.NotFound: return null;
                case FileReadStatus.IsDirectory:
                    return new NpmrcWriteException(NpmrcWriteError.NotAFile, path, $"{path} is a directory, not a config file; npm ignores it. Remove or rename the directory, then run again.");
                case FileReadStatus.AccessDenied:
                    return new NpmrcWriteException(NpmrcWriteError.AccessDenied, path, $"{path} cannot be read ({read.Error}); run as its owner or an administrator.");
                case FileReadStatus.UnsafeLink:
                    return new NpmrcWriteException(NpmrcWriteError.UnsafePath, path, $"{path} was not changed: {read.Error}");
                case FileReadStatus.TooLarge:
                    return new NpmrcWriteException(NpmrcWriteError.LimitExceeded, path,
                        $"{path} is {read.Length:N0} bytes, over the {NpmrcFile.MaxReadBytes >> 20} MiB NpmHardening reads or edits (no real .npmrc comes near it); check what it holds.");
                case FileReadStatus.NotRegularFile:
                    return new NpmrcWriteException(NpmrcWriteError.NotRegularFile, path, $"{path} was not opened: {read.Error}. Replace it with a regular file or remove it, then run again.");
                default:
                    return new NpmrcWriteException(NpmrcWriteError.ReadFailed, path, $"{path} cannot be read ({read.Error}).");
            }
        }

        private static HardeningPlan Build(HardeningTarget target, byte[]? bytes, PlanInputs inputs, NpmrcWriteException? problem)
        {
            try { return BuildWithinLimits(target, bytes, inputs, problem); }
            catch (NpmrcLimitException e)
            {
                // a file beyond what npm can meaningfully hold is never edited (nor fully read)
                return BuildWithinLimits(target, bytes, inputs, new NpmrcWriteException(NpmrcWriteError.LimitExceeded, target.Path,
                    $"{target.Path} {e.Message}: beyond anything npm can meaningfully use, so NpmHardening does not edit it. Check what it holds."));
            }
        }

        private static HardeningPlan BuildWithinLimits(HardeningTarget target, byte[]? bytes, PlanInputs inputs, NpmrcWriteException? problem)
        {
            var warnings = new List<PlanWarning>(inputs.SettingWarnings);
            var changes = new List<PlannedChange>();
            if (target.Scope == NpmHardeningScope.Builtin)
                warnings.Add(new PlanWarning(PlanWarningKind.BuiltinReplacedOnUpgrade, null,
                    $"{target.Path} belongs to the npm installation: upgrading npm replaces it and these settings are lost. Prefer the Global or User scope."));
            if (target.Scope == NpmHardeningScope.Global && inputs.IsWindows)
                warnings.Add(new PlanWarning(PlanWarningKind.Note, null,
                    $"On Windows npm's global prefix defaults to the per-user %APPDATA%\\npm, so {target.Path} applies to this user only."));
            if (problem != null)
            {
                warnings.Add(new PlanWarning(PlanWarningKind.FileProblem, null, problem.Message));
                return new HardeningPlan(target, bytes, changes, warnings, false, problem, inputs);
            }

            bool utf16 = NpmrcEncoding.IsUtf16(bytes);
            if (utf16)
                warnings.Add(new PlanWarning(PlanWarningKind.Utf16File, null,
                    $"{target.Path} is UTF-16, which npm cannot read: none of its settings take effect today. Applying rewrites it as UTF-8 (only with -Force), which makes all of its settings take effect; a backup keeps the original."));
            var document = NpmrcDocument.Parse(utf16 ? NpmrcEncoding.Utf16ToUtf8(bytes!) : bytes ?? Array.Empty<byte>(), target.Path);
            var decoded = document.Decode();
            if (decoded.Failure != null)
            {
                problem = new NpmrcWriteException(NpmrcWriteError.ReadFailed, target.Path,
                    $"npm cannot parse {target.Path} ({decoded.Failure}), so it does not start; fix that line first, then run again.");
                warnings.Add(new PlanWarning(PlanWarningKind.FileProblem, null, problem.Message));
                return new HardeningPlan(target, bytes, changes, warnings, utf16, problem, inputs);
            }

            var field = inputs.Field;
            var rawKeys = new Dictionary<string, string>(StringComparer.Ordinal); // npm key (${VAR} expanded) -> key as written
            var budget = new ExpansionBudget(); // the keys of one file may not grow beyond NpmrcLimits through ${VAR}
            foreach (var raw in decoded.Values.Keys) rawKeys[EnvExpansion.Replace(raw, field.Environment, budget)] = raw;

            object? FileValue(string key, out bool set)
            {
                set = rawKeys.TryGetValue(key, out var raw);
                return set ? ConfigFieldParser.Parse(decoded.Values[raw!], key, field) : JsUndefined.Value;
            }
            object? AtTarget(string key)
            {
                var v = FileValue(key, out var set);
                return set ? v : inputs.Lower(key)?.Value ?? JsUndefined.Value;
            }

            foreach (var d in inputs.Desired)
            {
                var key = d.Key;
                var def = Catalog.Find(key, inputs.Version);
                if (def == null && !HardeningSettings.IsRegistryScopedKey(key, inputs.Version))
                {
                    warnings.Add(UnknownKeyWarning(key, inputs.Version));
                    continue;
                }
                var intent = NpmSettingValue.Normalize(key, d.Value, field);
                var invalid = NpmSettingValue.Validate(def, intent);
                if (invalid != null)
                {
                    warnings.Add(new PlanWarning(PlanWarningKind.InvalidValue, key, $"{invalid} It was not written to {target.Path}."));
                    continue;
                }
                bool Satisfies(object? v)
                {
                    if (d.Expectation != null && d.Expectation.Kind != RuleExpectationKind.Policy) return d.Expectation.IsSatisfiedBy(v);
                    return NpmrcValueWriter.SameValue(v, intent);
                }

                var fileValue = FileValue(key, out bool fileSets);
                var atTarget = fileSets ? fileValue : inputs.Lower(key)?.Value ?? JsUndefined.Value;
                bool satisfied = Satisfies(atTarget) || d.AlsoSatisfiedByTrue != null && AtTarget(d.AlsoSatisfiedByTrue) is bool alt && alt;
                var deciding = inputs.Higher(key).FirstOrDefault();
                bool overridden = deciding != null && !Satisfies(deciding.Value);
                if (satisfied)
                {
                    if (overridden)
                        warnings.Add(new PlanWarning(PlanWarningKind.Overridden, key,
                            $"{key} is already {Show(key, atTarget)} for {target.Path}, but {Where(deciding!)} sets it to {Show(key, deciding!.Value)} and wins: npm does not use the compliant value.{RemoveHint(deciding)}")
                            { Layer = deciding.Layer.ToString(), Source = AuditRun.SourceOf(deciding) });
                    continue;
                }

                if (!NpmrcValueWriter.TryFormatLines(key, intent, field, out var lines, out var formatError))
                {
                    warnings.Add(new PlanWarning(PlanWarningKind.ValueNotRepresentable, key, $"{formatError} It was not written to {target.Path}."));
                    continue;
                }

                PlannedChange change;
                var oldShown = fileSets ? Show(key, fileValue) : null;
                var newShown = Show(key, intent);
                var reason = d.Reason;
                if (fileSets)
                {
                    var rawKey = rawKeys[key];
                    var keyLines = decoded.KeyLines.TryGetValue(rawKey, out var kl) ? kl : new List<int>();
                    int effective = keyLines.Count > 0 ? keyLines[keyLines.Count - 1] : 0;
                    bool spread = decoded.Values[rawKey] is List<object?> || intent is List<object?>;
                    if (effective == 0)
                        change = new PlannedChange(key, oldShown, newShown, null, reason, PlannedChangeAction.Append, intent, lines, Array.Empty<int>(), d.RuleId);
                    else if (spread)
                        change = new PlannedChange(key, oldShown, newShown, effective, reason, PlannedChangeAction.ReplaceLines, intent, lines,
                            keyLines.Take(keyLines.Count - 1).ToList(), d.RuleId);
                    else
                    {
                        var line = document.Lines[effective - 1];
                        var valuePart = InPlaceValue(line, key, intent, field, lines[0]);
                        change = new PlannedChange(key, oldShown, newShown, effective, reason, PlannedChangeAction.Update, intent,
                            new[] { (line.RawKey ?? "") + "=" + valuePart }, Array.Empty<int>(), d.RuleId) { ValuePart = valuePart };
                    }
                }
                else
                {
                    change = new PlannedChange(key, null, newShown, null, reason, PlannedChangeAction.Append, intent, lines, Array.Empty<int>(), d.RuleId);
                }

                if (overridden)
                {
                    change.StillOverriddenBy = Where(deciding!);
                    warnings.Add(new PlanWarning(PlanWarningKind.Overridden, key,
                        $"{key} will be {newShown} in {target.Path}, but {Where(deciding!)} sets it to {Show(key, deciding!.Value)} and still wins: npm will not use the new value.{RemoveHint(deciding)}")
                        { Layer = deciding.Layer.ToString(), Source = AuditRun.SourceOf(deciding) });
                }
                changes.Add(change);
            }

            var plan = new HardeningPlan(target, bytes, changes, warnings, utf16, null, inputs);
            if (!plan.HasChanges) return plan;
            try
            {
                NpmrcEditor.RenderDetailed(plan, bytes); // proves the edits read back as planned before anyone sees the plan
                return plan;
            }
            catch (InvalidOperationException e)
            {
                problem = new NpmrcWriteException(NpmrcWriteError.WriteFailed, target.Path, $"{target.Path} was not planned: {e.Message}");
                warnings.Add(new PlanWarning(PlanWarningKind.FileProblem, null, problem.Message));
                return new HardeningPlan(target, bytes, Array.Empty<PlannedChange>(), warnings, utf16, problem, inputs);
            }
        }

        private static PlanWarning UnknownKeyWarning(string key, NpmVersion version)
        {
            var since = Catalog.IntroducedIn(key);
            if (since is NpmVersion v && v > version)
                return new PlanWarning(PlanWarningKind.NeedsNpmUpgrade, key,
                    $"{key} needs npm ≥ {v} (npm {version} is installed, which would ignore or reject it); it was not written. Upgrade npm (npm install -g npm@latest) to use it.");
            if (since != null)
                return new PlanWarning(PlanWarningKind.UnknownKey, key, $"npm {version} no longer has the {key} setting; it was not written.");
            return new PlanWarning(PlanWarningKind.UnknownKey, key, $"{key} is not an npm config key (no npm version defines it); it was not written.");
        }

        /// <summary>
        /// The new text right of the '=' for an in-place edit: the old spacing after '=', the old quoting style when it
        /// still reads back right, and a trailing ; comment when the new value is bare. Each candidate is checked by
        /// decoding the whole line; the plain formatted value is the last resort.
        /// </summary>
        private static string InPlaceValue(NpmrcLine line, string key, object? intent, FieldContext field, string formattedLine)
        {
            var plain = formattedLine.Substring(formattedLine.IndexOf('=') + 1);
            NpmrcValueWriter.SplitRawValue(line.RawValue ?? "", commentNeedsSpace: false, out var leading, out var quote, out var comment);

            var values = new List<string>();
            string? raw = intent switch
            {
                string s => NpmrcValueWriter.EscapeEnvironmentReferences(s),
                _ => null,
            };
            if (raw != null)
            {
                if (quote == '"') values.Add(NpmrcValueWriter.JsonText(raw));
                if (quote == '\'') values.Add("'" + raw + "'");
            }
            values.Add(plain);
            var candidates = new List<string>();
            foreach (var v in values)
            {
                if (comment.Length > 0) candidates.Add(leading + v + comment);
                candidates.Add(leading + v);
            }
            candidates.Add(plain);
            foreach (var candidate in candidates)
                if (NpmrcValueWriter.SameValue(ReadBackLine((line.RawKey ?? "") + "=" + candidate, key, field), intent)) return candidate;
            return plain;
        }

        /// <summary>What npm makes of one line, whatever its key is spelled like.</summary>
        private static object? ReadBackLine(string text, string key, FieldContext field)
        {
            var decoded = NpmrcDocument.Parse(text).Decode();
            if (decoded.Failure != null || decoded.Values.Count != 1) return NpmrcValueWriter.NotRead;
            var raw = decoded.Values.Keys.First();
            if (EnvExpansion.Replace(raw, field.Environment) != key) return NpmrcValueWriter.NotRead;
            return ConfigFieldParser.Parse(decoded.Values[raw], key, field);
        }

        /// <summary>A value for messages and change records, secrets redacted.</summary>
        internal static string Show(string key, object? value)
        {
            var text = NpmrcValueWriter.Display(value);
            if (value is JsUndefined) return text;
            if (NpmCredential.IsSecretKey(key) && (value is string || value is List<object?>)) return NpmCredential.Redact(text);
            return SecretScrubber.RedactInline(text);
        }

        /// <summary>"environment variable npm_config_strict_ssl", "project config /p/.npmrc:3", "command line".</summary>
        internal static string Where(NpmConfigValue v)
        {
            switch (v.Layer)
            {
                case NpmConfigLayer.Env: return "environment variable " + (v.EnvironmentVariable ?? "npm_config_" + v.Key.Replace('-', '_'));
                case NpmConfigLayer.Cli: return "the npm command line (--" + v.Key + ")";
                case NpmConfigLayer.Default: return "npm's default";
                default: return $"the {v.Layer.ToString().ToLowerInvariant()} config {v.Source}" + (v.Line is int l ? ":" + l.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
            }
        }

        private static string RemoveHint(NpmConfigValue v) => v.Layer switch
        {
            NpmConfigLayer.Env => $" Remove the variable (Remove-Item Env:{v.EnvironmentVariable}, and from the machine or user environment if it is set there).",
            NpmConfigLayer.Project => " Fix it there too: Set-NpmHardening -Scope Project.",
            NpmConfigLayer.User => " Fix it there too: Set-NpmHardening -Scope User.",
            _ => "",
        };
    }

    /// <summary>UTF-16 detection (as the foundation reports it) and conversion to UTF-8.</summary>
    internal static class NpmrcEncoding
    {
        public static bool IsUtf16(byte[]? bytes)
        {
            if (bytes == null || bytes.Length == 0) return false;
            var issues = new List<NpmConfigIssue>();
            NpmrcFile.Inspect(bytes, "", issues);
            return issues.Any(i => i.Kind == NpmConfigIssueKind.Utf16Encoded);
        }

        /// <summary>The text as UTF-8 without a byte-order mark: BOM decides the byte order, else where the zero bytes are.</summary>
        public static byte[] Utf16ToUtf8(byte[] bytes)
        {
            bool bigEndian;
            int start = 0;
            if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) { bigEndian = false; start = 2; }
            else if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF) { bigEndian = true; start = 2; }
            else
            {
                int evenZeros = 0, oddZeros = 0;
                for (int i = 0; i < bytes.Length; i++) if (bytes[i] == 0) { if (i % 2 == 0) evenZeros++; else oddZeros++; }
                bigEndian = evenZeros > oddZeros;
            }
            var encoding = bigEndian ? new UnicodeEncoding(true, false, false) : new UnicodeEncoding(false, false, false);
            var text = encoding.GetString(bytes, start, bytes.Length - start);
            return new UTF8Encoding(false, false).GetBytes(text);
        }
    }
}
