using System;
using System.Collections.Generic;
using System.IO;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// package.json's <c>allowScripts</c> (npm 11.16 and later): keys are a name (every version) or <c>name@version</c>
    /// (one version), values true (approved) or false (denied; denials are always name-only).
    /// </summary>
    /// <remarks>
    /// A key with a range (<c>name@^1</c>) is matched only as an exact version; a ranged approval therefore counts as
    /// not approving, which reports a script rather than hiding one.
    /// </remarks>
    public sealed class AllowScriptsPolicy
    {
        private readonly Dictionary<string, bool> _entries = new Dictionary<string, bool>(StringComparer.Ordinal);

        /// <summary>The package.json the policy came from.</summary>
        public string Source { get; }

        public AllowScriptsPolicy(string source, IEnumerable<KeyValuePair<string, bool>> entries)
        {
            Source = source;
            foreach (var e in entries) _entries[e.Key] = e.Value;
        }

        /// <summary>true: approved; false: denied; null: not reviewed.</summary>
        public bool? Decide(string name, string? version)
        {
            if (_entries.TryGetValue(name, out bool byName) && !byName) return false;
            if (version != null && _entries.TryGetValue(name + "@" + version, out bool pinned)) return pinned;
            return _entries.TryGetValue(name, out byName) ? byName : (bool?)null;
        }

        /// <summary>
        /// The allowScripts of <paramref name="packageJson"/>; null when the file is missing, not JSON, larger than
        /// 8 MiB, or has no allowScripts object (the caller says which in its message).
        /// </summary>
        public static AllowScriptsPolicy? Read(string packageJson, out string? problem)
        {
            problem = null;
            string text;
            try
            {
                var info = new FileInfo(packageJson);
                if (!info.Exists) { problem = "there is no package.json beside the lockfile"; return null; }
                if (info.Length > 8L << 20) { problem = "package.json is larger than 8 MiB and was not read"; return null; }
                text = File.ReadAllText(packageJson);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                problem = $"package.json could not be read ({ex.Message})";
                return null;
            }
            if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
            if (!JsJson.TryParse(text, out var value) || !(value is JsObject root))
            {
                problem = "package.json is not a JSON object";
                return null;
            }
            if (!(root["allowScripts"] is JsObject allow))
            {
                problem = "package.json has no allowScripts";
                return null;
            }
            var entries = new List<KeyValuePair<string, bool>>();
            foreach (var key in allow.Keys)
                if (allow[key] is bool b) entries.Add(new KeyValuePair<string, bool>(key, b));
            return new AllowScriptsPolicy(packageJson, entries);
        }
    }
}
