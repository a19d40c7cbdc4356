using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Tests.Agreement
{
    /// <summary>One key on which the engine and npm (or the two npm peers) disagree.</summary>
    public sealed class Disagreement
    {
        public Disagreement(Scenario scenario, string peer, string kind, string key, string? npmWhere, string? npmJson, string? ourLayer, string? ourJson)
        {
            Scenario = scenario; Peer = peer; Kind = kind; Key = key; NpmWhere = npmWhere; NpmJson = npmJson; OurLayer = ourLayer; OurJson = ourJson;
        }

        public Scenario Scenario { get; }
        /// <summary>"layers" (npm-layers.js), "config ls" (npm config ls -l --json) or "peers" (the two npm peers differ).</summary>
        public string Peer { get; }
        /// <summary>value, layer, missing (npm has the key, we do not), extra (we have it, npm does not), error.</summary>
        public string Kind { get; }
        public string Key { get; }
        public string? NpmWhere { get; }
        public string? NpmJson { get; }
        public string? OurLayer { get; }
        public string? OurJson { get; }

        /// <summary>Groups the same root cause across scenarios.</summary>
        public string Signature => $"{Peer}: {Kind} of {Key}";

        public override string ToString() =>
            $"[{Peer}] {Kind} {Key}: npm {NpmWhere ?? "-"} {NpmJson ?? "undefined"}  ours {OurLayer ?? "-"} {OurJson ?? "undefined"}";
    }

    /// <summary>Compares an engine resolution with npm's answers, key by key.</summary>
    public static class AgreementComparer
    {
        /// <summary>
        /// Keys left out of the comparison, with the reason (also listed in docs/npm-agreement.md).
        /// </summary>
        public static readonly IReadOnlyDictionary<string, string> ExcludedKeys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // definitions.js: default = !(ci || !stderr.isTTY || !stdout.isTTY || TERM === 'dumb'). The peers run with
            // pipes, so npm says false; the engine models an interactive shell. Not a config-file matter.
            ["progress"] = "default depends on whether stdout/stderr are terminals",
        };

        public static string? OurJson(NpmConfigValue? v) => v == null || v.Value is JsUndefined ? null : Js.Js.ToJson(v.Value);

        public static string LayerName(NpmConfigLayer layer) => layer.ToString().ToLowerInvariant();

        /// <summary>lib/commands/config.js isProtected (used for keys npm does not report at all).</summary>
        public static bool IsProtected(string k)
        {
            var prot = new[] { "auth", "authToken", "certfile", "email", "keyfile", "password", "username" };
            if (k.StartsWith("_", StringComparison.Ordinal) || prot.Contains(k)) return true;
            if (k.StartsWith("//", StringComparison.Ordinal))
            {
                if (k.Contains(":_", StringComparison.Ordinal)) return true;
                foreach (var p in prot) if (k.EndsWith(":" + p, StringComparison.Ordinal) || k.EndsWith(":_" + p, StringComparison.Ordinal)) return true;
            }
            return false;
        }

        /// <summary>Peer 2: every key of the effective config, its layer and value.</summary>
        public static int CompareLayers(Scenario s, NpmConfigResolution ours, NpmAnswer npm, List<Disagreement> found)
        {
            int compared = 0;
            var ourKeys = new HashSet<string>(ours.Keys, StringComparer.Ordinal);
            foreach (var kv in npm.Keys)
            {
                if (ExcludedKeys.ContainsKey(kv.Key)) continue;
                compared++;
                var (where, json, _) = kv.Value;
                var v = ours.GetEffective(kv.Key);
                if (v == null) { found.Add(new Disagreement(s, "layers", "missing", kv.Key, where, json, null, null)); continue; }
                var layer = LayerName(v.Layer);
                var ourJson = OurJson(v);
                if (layer != where) found.Add(new Disagreement(s, "layers", "layer", kv.Key, where, json, layer, ourJson));
                else if (ourJson != json) found.Add(new Disagreement(s, "layers", "value", kv.Key, where, json, layer, ourJson));
            }
            foreach (var k in ourKeys)
            {
                if (npm.Keys.ContainsKey(k) || ExcludedKeys.ContainsKey(k)) continue;
                compared++;
                var v = ours.GetEffective(k)!;
                found.Add(new Disagreement(s, "layers", "extra", k, null, null, LayerName(v.Layer), OurJson(v)));
            }
            return compared;
        }

        /// <summary>
        /// Peer 1: the keys npm config ls -l --json prints, against ours; and every key we hold that npm would
        /// print (not protected, not redacted — judged by npm's own redact through peer 2 — not undefined).
        /// </summary>
        public static int CompareList(Scenario s, NpmConfigResolution ours, NpmAnswer list, NpmAnswer layers, List<Disagreement> found)
        {
            int compared = 0;
            foreach (var kv in list.Keys)
            {
                if (ExcludedKeys.ContainsKey(kv.Key)) continue;
                compared++;
                var npmJson = kv.Value.Json;
                var v = ours.GetEffective(kv.Key);
                var ourJson = OurJson(v);
                // npm's display masked part of this value: the raw value is compared through peer 2 only
                bool masked = layers.Shown.TryGetValue(kv.Key, out var shown);
                if (v == null) found.Add(new Disagreement(s, "config ls", "missing", kv.Key, null, npmJson, null, null));
                else if (!masked && (ourJson == null || Canonical(ourJson) != npmJson))
                    found.Add(new Disagreement(s, "config ls", "value", kv.Key, null, npmJson, LayerName(v.Layer), ourJson));
                // the peers must agree with each other, or the layer harness is not loading like npm
                if (layers.Error == null && (!layers.Keys.TryGetValue(kv.Key, out var l) || !l.Printed || l.Json == null || Canonical(masked ? shown! : l.Json) != npmJson))
                    found.Add(new Disagreement(s, "peers", "value", kv.Key, null, npmJson, "npm-layers.js", layers.Keys.TryGetValue(kv.Key, out var l2) ? l2.Json : null));
            }
            foreach (var k in ours.Keys)
            {
                if (list.Keys.ContainsKey(k) || ExcludedKeys.ContainsKey(k)) continue;
                var v = ours.GetEffective(k)!;
                if (v.Value is JsUndefined) continue;
                bool printed = layers.Keys.TryGetValue(k, out var l) ? l.Printed : !IsProtected(k);
                if (!printed) continue;
                compared++;
                found.Add(new Disagreement(s, "config ls", "extra", k, null, null, LayerName(v.Layer), OurJson(v)));
            }
            return compared;
        }

        private static string Canonical(string json) => JsJson.TryParse(json, out var v) ? Js.Js.ToJson(v) : json;
    }
}
