using System;
using System.Collections.Generic;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// Values npm's start-up code throws on, so that every npm command exits 1 before doing anything
    /// (verified against npm 11.19.1 with npm-layers.js and the real npm; docs/npm-agreement.md lists the
    /// commands). They come from values that are not strings where npm's code expects one: a bare key
    /// (<c>omit</c> alone is <c>true</c>), a single-quoted number (<c>include='5'</c> is JSON-parsed to 5),
    /// an ini section (<c>[omit]</c> is an object without a prototype), a JSON object or array in quotes.
    /// Three places throw: the loader itself (the file name of the user or global config is put in a log
    /// template; the default globalconfig is path.resolve(prefix, 'etc/npmrc')), setEnvs at the end of
    /// load (values copied into process.env are converted to strings), and config.flat, which lib/npm.js
    /// reads at once: each definition's flatten runs over every layer that sets the key, seeing lower
    /// layers through the prototype chain.
    /// </summary>
    internal sealed class NpmStartupChecks
    {
        private readonly IPlatform _platform;
        private readonly NpmConfigLayerData[] _layers;
        private readonly List<NpmConfigIssue> _issues;
        private readonly HashSet<string> _reported = new HashSet<string>(StringComparer.Ordinal);

        public NpmStartupChecks(IPlatform platform, NpmConfigLayerData[] layers, List<NpmConfigIssue> issues)
        {
            _platform = platform; _layers = layers; _issues = issues;
        }

        /// <summary>#loadFile: log.silly(`load:file:${file}`) converts the userconfig/globalconfig value to a string.</summary>
        public void CheckFileName(string key, NpmConfigValue? value)
        {
            if (value != null && Js.Js.ToPrimitiveThrows(value.Value))
                Fail(value, $"sets {key} to {Describe(value.Value)}; npm converts the file name to text while loading it and stops (\"Cannot convert object to primitive value\").");
        }

        /// <summary>The default globalconfig getter: path.resolve(prefix, 'etc/npmrc') needs a string prefix.</summary>
        public void CheckPrefixForGlobalConfig(NpmConfigValue? prefix)
        {
            if (prefix == null || prefix.Value is string) return;
            Fail(prefix, $"sets prefix to {Describe(prefix.Value)}; npm computes its global config file from the prefix and stops (path.resolve: \"The \\\"paths[0]\\\" argument must be of type string\").");
        }

        /// <summary>setEnvs: values copied into process.env are converted to strings (an object without toString throws).</summary>
        public void CheckEnvironmentExports()
        {
            foreach (var (key, always) in new[] { ("editor", false), ("node-options", false), ("npm-version", false), ("node-gyp", true), ("prefix", true) })
            {
                var v = Effective(key);
                if (v == null || !always && !Js.Js.IsTruthy(v.Value) || !Js.Js.ToPrimitiveThrows(v.Value)) continue;
                Fail(v, $"sets {key} to {Describe(v.Value)}; npm copies it into the environment of its scripts and stops (\"Cannot convert object to primitive value\").");
            }
        }

        /// <summary>config.flat: each definition's flatten over each layer that sets the key (lowest layer first).</summary>
        public void CheckFlatten()
        {
            for (int i = 0; i < _layers.Length; i++)
            {
                var layer = _layers[i];
                foreach (var key in layer.Keys)
                {
                    layer.TryGet(key, out var own);
                    var v = own!.Value;
                    switch (key)
                    {
                        case "cache":
                            if (!(v is string)) Fail(own, $"sets cache to {Describe(v)}; npm joins it with '_cacache' and stops (\"The \\\"path\\\" argument must be of type string\").");
                            break;
                        case "cache-max":
                        case "cache-min":
                        case "lockfile-version":
                        case "scope":
                            if (Js.Js.ToPrimitiveThrows(v)) Fail(own, $"sets {key} to {Describe(v)}; npm's flatten converts it and stops (\"Cannot convert object to primitive value\").");
                            break;
                        case "cafile":
                            CheckCaFile(own);
                            break;
                        case "min-release-age":
                            if (v != null && !(v is JsUndefined) && !layer.Contains("before") && Js.Js.ToPrimitiveThrows(v))
                                Fail(own, $"sets min-release-age to {Describe(v)}; npm multiplies it to compute a date and stops (\"Cannot convert object to primitive value\").");
                            break;
                        case "min-release-age-exclude":
                            if (!(v is List<object?>)) Fail(own, $"sets min-release-age-exclude to {Describe(v)}, not a list; npm stops (\"flatMap is not a function\").");
                            break;
                        case "searchexclude":
                            if (!(v is string)) Fail(own, $"sets searchexclude to {Describe(v)}; npm lower-cases it and stops (\"toLowerCase is not a function\").");
                            break;
                    }
                    if (NpmFlattenEffects.OmitKeys.Contains(key)) CheckOmitList(i);
                    if (key == "user-agent" || key == "workspace" || key == "workspaces") CheckUserAgent(i);
                }
            }
        }

        /// <summary>buildOmitList(obj): include and omit must be arrays when set; only and also are tested by a regex.</summary>
        private void CheckOmitList(int index)
        {
            foreach (var key in new[] { "include", "omit" })
            {
                var v = Visible(index, key);
                if (v != null && Js.Js.IsTruthy(v.Value) && !(v.Value is List<object?>))
                    Fail(v, $"sets {key} to {Describe(v.Value)}, not a list; npm builds its omit list from it and stops (\"is not iterable\").");
            }
            foreach (var key in new[] { "only", "also" })
            {
                var v = Visible(index, key);
                if (v != null && Js.Js.ToPrimitiveThrows(v.Value))
                    Fail(v, $"sets {key} to {Describe(v.Value)}; npm tests it with a regular expression and stops (\"Cannot convert object to primitive value\").");
            }
        }

        /// <summary>The user-agent flatten (also run for workspace and workspaces): a string template with {npm-version} filled in.</summary>
        private void CheckUserAgent(int index)
        {
            var ua = Visible(index, "user-agent");
            if (ua != null && !(ua.Value is string))
                Fail(ua, $"sets user-agent to {Describe(ua.Value)}; npm fills in its template and stops (\"replace is not a function\").");
            var npmVersion = Visible(index, "npm-version");
            if (npmVersion != null && Js.Js.ToPrimitiveThrows(npmVersion.Value))
                Fail(npmVersion, $"sets npm-version to {Describe(npmVersion.Value)}; npm puts it into the user agent and stops (\"Cannot convert object to primitive value\").");
        }

        /// <summary>The cafile flatten reads the file of every layer that sets one (readFileSync; only ENOENT is tolerated).</summary>
        private void CheckCaFile(NpmConfigValue own)
        {
            var v = own.Value;
            if (!Js.Js.IsTruthy(v)) return;
            if (v is string ca)
            {
                if (_platform.DirectoryExists(ca))
                    Fail(own, $"sets cafile to the folder {ca}; npm reads the CA file at start and stops (EISDIR).");
                return;
            }
            var why = v is double
                ? "npm passes a number to readFileSync as a file descriptor and stops unless that descriptor happens to be open (EBADF)"
                : "npm reads it as a file name and stops (\"The \\\"path\\\" argument must be of type string\")";
            Fail(own, $"sets cafile to {Describe(v)}; {why}.");
        }

        private NpmConfigValue? Visible(int index, string key)
        {
            for (int i = index; i >= 0; i--)
                if (_layers[i].TryGet(key, out var v)) return v;
            return null;
        }

        private NpmConfigValue? Effective(string key) => Visible(_layers.Length - 1, key);

        private void Fail(NpmConfigValue value, string message)
        {
            var source = value.EnvironmentVariable ?? value.Source ?? value.Key;
            if (!_reported.Add(value.Key + "\n" + source)) return;
            _issues.Add(new NpmConfigIssue(NpmConfigIssueKind.StartupFailure, source, value.Line, message, true));
        }

        /// <summary>A value's shape, never its text (which could be anything the file holds).</summary>
        internal static string Describe(object? v) => v switch
        {
            null => "null",
            JsUndefined _ => "undefined",
            bool b => b ? "true (a bare key, or the word true)" : "false",
            double d => "the number " + Js.Js.NumberToString(d),
            string _ => "a string",
            JsObject o when o.NullPrototype => "an ini section",
            JsObject _ => "a JSON object",
            List<object?> _ => "a list",
            _ => "a " + v.GetType().Name,
        };
    }
}
