using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Js;

namespace NpmHardening
{
    /// <summary>One npm config key as one layer sets it. Secret values never appear: only Redacted and Fingerprint.</summary>
    public sealed class NpmConfigEntry
    {
        public string Key { get; internal set; } = "";
        /// <summary>The typed value (bool, int/double, string, string[]); for credentials, the redacted form.</summary>
        public object? Value { get; internal set; }
        public NpmConfigLayer Layer { get; internal set; }
        /// <summary>The file, environment variable or "default values" that set it.</summary>
        public string? Source { get; internal set; }
        public int? Line { get; internal set; }
        /// <summary>True when only npm's default sets this key.</summary>
        public bool IsDefault { get; internal set; }
        /// <summary>True when this is the value npm uses.</summary>
        public bool IsEffective { get; internal set; }
        /// <summary>The layer whose value npm uses instead of this one.</summary>
        public NpmConfigLayer? ShadowedBy { get; internal set; }
        /// <summary>False for keys the detected npm does not define (npm warns and ignores them; npm 12 fails with strict-npmrc).</summary>
        public bool IsKnown { get; internal set; }
        /// <summary>For nerf-darted keys (<c>//host/path/:name</c>), the registry scope.</summary>
        public string? Registry { get; internal set; }
        public bool IsSecret { get; internal set; }
        public string? Redacted { get; internal set; }
        /// <summary>First 12 hex digits of SHA-256 of the secret: equal secrets share it.</summary>
        public string? Fingerprint { get; internal set; }
        public string? CredentialKind { get; internal set; }
        /// <summary>For npm_ tokens: whether the CRC32 checksum holds (false means it is not a real token).</summary>
        public bool? ChecksumValid { get; internal set; }
        /// <summary>The npm working directory (project) this configuration was resolved for.</summary>
        public string? Context { get; internal set; }
        public string? NpmVersion { get; internal set; }

        public override string ToString() => $"{Key}={NpmConfigEntries.Display(Value)}";
    }

    /// <summary>Which entries Get-NpmConfig shows.</summary>
    public sealed class NpmConfigEntryFilter
    {
        /// <summary>Wildcard patterns (PowerShell-style * ? [..]); null or empty means keys set outside the defaults.</summary>
        public IReadOnlyList<string>? Names { get; set; }
        /// <summary>Every layer's entry, not only the effective one.</summary>
        public bool AllLayers { get; set; }
        public IReadOnlyCollection<NpmConfigLayer>? Layers { get; set; }
    }
}

namespace NpmHardening.Engine.Config
{
    /// <summary>Turns a resolution into NpmConfigEntry objects: typing for PowerShell, redaction, shadowing.</summary>
    public static class NpmConfigEntries
    {
        private static readonly Regex TokenInText = new Regex(@"npm_[0-9A-Za-z]{36}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", RegexOptions.CultureInvariant);

        public static IEnumerable<NpmConfigEntry> Select(NpmConfigResolution resolution, NpmConfigEntryFilter filter)
        {
            var patterns = filter.Names != null && filter.Names.Count > 0 ? filter.Names.Select(n => WildcardMatcher.PowerShell(n)).ToList() : null;
            bool wantDefaults = patterns != null || (filter.Layers?.Contains(NpmConfigLayer.Default) ?? false);
            var keys = resolution.Keys
                .Where(k => patterns == null ? (wantDefaults || resolution.GetEffective(k)!.Layer != NpmConfigLayer.Default) : patterns.Any(p => p.IsMatch(k)))
                .OrderBy(k => k, StringComparer.OrdinalIgnoreCase).ThenBy(k => k, StringComparer.Ordinal);
            bool perLayer = filter.AllLayers || filter.Layers != null;
            foreach (var key in keys)
            {
                var all = resolution.GetAll(key).ToList();
                if (all.Count == 0) continue;
                var effective = all[0];
                if (!perLayer)
                {
                    if (effective.Value is JsUndefined) continue; // npm shows nothing for an undefined value
                    yield return ToEntry(resolution, effective, effective, all.Count == 1 && effective.Layer == NpmConfigLayer.Default);
                    continue;
                }
                foreach (var v in all)
                {
                    if (filter.Layers != null && !filter.Layers.Contains(v.Layer)) continue;
                    if (!filter.AllLayers && !ReferenceEquals(v, effective) && filter.Layers == null) continue;
                    yield return ToEntry(resolution, v, effective, all.Count == 1 && effective.Layer == NpmConfigLayer.Default);
                }
            }
        }

        /// <summary>Whether <paramref name="pattern"/> (wildcards allowed) names any key the resolution or npm's definitions know.</summary>
        public static bool Matches(string pattern, string key) => WildcardMatcher.PowerShell(pattern).IsMatch(key);

        private static NpmConfigEntry ToEntry(NpmConfigResolution resolution, NpmConfigValue value, NpmConfigValue effective, bool isDefault)
        {
            var entry = new NpmConfigEntry
            {
                Key = value.Key,
                Layer = value.Layer,
                Source = value.EnvironmentVariable != null ? NpmCredential.RedactEmbedded(value.EnvironmentVariable) : value.Source,
                Line = value.Line,
                IsDefault = isDefault,
                IsEffective = ReferenceEquals(value, effective),
                ShadowedBy = ReferenceEquals(value, effective) ? (NpmConfigLayer?)null : effective.Layer,
                IsKnown = IsKnownKey(value.Key, resolution.NpmVersion),
                Context = resolution.WorkingDirectory,
                NpmVersion = resolution.Installation.NpmVersion,
            };
            if (NerfDart.TrySplitKey(value.Key, out var scope, out _)) entry.Registry = NpmCredential.RedactEmbedded(scope);
            // A token pasted on a line of its own is read by npm as a key set to true, a value that lost its '=' makes the
            // whole line the key, and a [section] name can be any text: the key may then hold the secret.
            var shownKey = NpmCredential.RedactEmbedded(value.Key);
            if (!ReferenceEquals(shownKey, value.Key) && shownKey != value.Key)
            {
                entry.Key = shownKey;
                entry.IsSecret = true;
                entry.Fingerprint = NpmCredential.FindTokenShapes(value.Key).Select(NpmCredential.Fingerprint).FirstOrDefault();
                entry.Redacted = shownKey;
                entry.Value = Display(ToPowerShell(value.Value));
                return entry;
            }

            if (IsStructured(value.Value))
            {
                // a [section] (an object of its own keys and values, nested sections included) or a JSON object or array
                // from a quoted value: shown as JSON with every secret inside redacted, at any depth
                var secrets = new List<string>();
                var redacted = RedactStructure(value.Value, NpmCredential.IsSecretKey(value.Key), secrets, out bool changed);
                entry.Value = ToPowerShell(redacted);
                if (changed)
                {
                    entry.IsSecret = true;
                    entry.Redacted = Display(entry.Value);
                    entry.Fingerprint = secrets.Count > 0 ? NpmCredential.Fingerprint(secrets[0]) : null;
                }
                return entry;
            }

            var raw = value.RawValue as string;
            var text = value.Value as string;
            bool secretKey = NpmCredential.IsSecretKey(value.Key);
            if (secretKey || ContainsSecret(value.Value))
            {
                entry.IsSecret = true;
                var shown = raw ?? text ?? Display(value.Value);
                var kind = NpmCredential.Classify(value.Key, raw ?? shown);
                entry.CredentialKind = kind == NpmCredentialKind.None ? null : kind.ToString();
                var secret = text ?? Display(value.Value);
                if (kind == NpmCredentialKind.EnvironmentReference)
                {
                    entry.Redacted = raw!.Trim();
                    if (!string.IsNullOrEmpty(secret) && secret != raw) entry.Fingerprint = NpmCredential.Fingerprint(secret);
                }
                else if (kind == NpmCredentialKind.ClientCertificatePath)
                {
                    entry.Redacted = text; // the path is not secret; the file's contents are never read here
                }
                else
                {
                    entry.Redacted = secretKey ? NpmCredential.Redact(secret) : RedactInline(secret);
                    if (secret.Length > 0) entry.Fingerprint = NpmCredential.Fingerprint(secretKey ? secret : ExtractSecret(secret));
                }
                if (kind == NpmCredentialKind.GranularToken) entry.ChecksumValid = NpmCredential.HasValidChecksum(secret.Trim());
                entry.Value = entry.Redacted;
                return entry;
            }
            entry.Value = ToPowerShell(value.Value);
            return entry;
        }

        private static bool IsKnownKey(string key, NpmVersion version)
        {
            var catalog = NpmConfigCatalog.Default;
            if (catalog.IsKnown(key, version)) return true;
            int colon = key.LastIndexOf(':');
            if (colon < 0) return false;
            var baseKey = key.Substring(colon + 1);
            return catalog.IsKnown(baseKey, version) || catalog.NerfDarts.Contains(baseKey);
        }

        private static bool IsStructured(object? value) =>
            value is JsObject || value is List<object?> list && list.Any(x => x is JsObject || x is List<object?>);

        /// <summary>
        /// A copy of a structured value with every secret redacted: strings under credential keys (at any depth; they are
        /// collected in <paramref name="secrets"/>), token shapes and URL passwords in any other string, and keys that
        /// carry a secret. Depth is bounded by NpmrcLimits.MaxNesting (sections) and JSON.parse's 512 levels.
        /// </summary>
        internal static object? RedactStructure(object? value, bool underSecretKey, List<string>? secrets, out bool changed)
        {
            changed = false;
            switch (value)
            {
                case string s:
                    if (underSecretKey)
                    {
                        if (s.Trim().Length == 0) return s;
                        secrets?.Add(s);
                        changed = true;
                        return NpmCredential.Redact(s);
                    }
                    var inline = RedactInline(s);
                    changed = inline != s;
                    return inline;
                case List<object?> list:
                    var items = new List<object?>(list.Count);
                    foreach (var item in list)
                    {
                        items.Add(RedactStructure(item, underSecretKey, secrets, out bool c));
                        changed |= c;
                    }
                    return items;
                case JsObject o:
                    var copy = new JsObject();
                    foreach (var k in o.Keys)
                    {
                        var shownKey = NpmCredential.RedactEmbedded(k);
                        bool secretKey = underSecretKey || NpmCredential.IsSecretKey(k);
                        copy[shownKey] = RedactStructure(o[k], secretKey, secrets, out bool c);
                        changed |= c || shownKey != k;
                    }
                    return copy;
                default:
                    return value;
            }
        }

        private static bool ContainsSecret(object? value)
        {
            switch (value)
            {
                case string s: return NpmCredential.RedactEmbedded(s) != s;
                case List<object?> list: return list.Any(ContainsSecret);
                default: return false;
            }
        }

        private static string RedactInline(string text) => NpmCredential.RedactEmbedded(text);

        private static string ExtractSecret(string text)
        {
            var m = TokenInText.Match(text);
            if (m.Success) return m.Value;
            return UrlPasswordFinder.First(text) is UrlPasswordMatch u ? u.Value(text) : text;
        }

        /// <summary>JS value → what PowerShell users expect: bool, int (or double), string, string[]/object[], DateTimeOffset.</summary>
        public static object? ToPowerShell(object? value)
        {
            switch (value)
            {
                case null: return null;
                case JsUndefined _: return null;
                case double d:
                    if (d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue) return (int)d;
                    if (d == Math.Floor(d) && Math.Abs(d) < 9e15) return (long)d;
                    return d;
                case List<object?> list:
                    if (list.All(x => x is string)) return list.Cast<string>().ToArray();
                    return list.Select(ToPowerShell).ToArray();
                case JsDate date: return date.Time;
                case JsObject o: return Js.Js.ToJson(RedactStructure(o, false, null, out _)); // never a secret inside a section
                default: return value;
            }
        }

        /// <summary>A short display text for any value, as npm's config list would print it.</summary>
        public static string Display(object? value)
        {
            switch (value)
            {
                case null: return "null";
                case string s: return s;
                case bool b: return b ? "true" : "false";
                case string[] arr: return "[" + string.Join(", ", arr) + "]";
                case object[] arr: return "[" + string.Join(", ", arr.Select(Display)) + "]";
                case int i: return i.ToString(CultureInfo.InvariantCulture);
                case long l: return l.ToString(CultureInfo.InvariantCulture);
                case double d: return Js.Js.NumberToString(d);
                case DateTimeOffset t: return t.ToString("o", CultureInfo.InvariantCulture);
                case JsObject o: return (string)ToPowerShell(o)!;
                case List<object?> list: return Display(ToPowerShell(list));
                default: return Js.Js.ToJson(value);
            }
        }
    }
}
