using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// Changes npm makes to its layers after loading them, before any command runs. npm reads
    /// <c>config.flat</c> while starting, and some definitions' <c>flatten</c> functions write back into the
    /// layer object they are given (definitions.js); lib/npm.js then prefixes a bare <c>scope</c> with '@'.
    /// Reproduced here so every layer holds what npm's own <c>config.get</c> and <c>config.find</c> report.
    /// </summary>
    internal static class NpmFlattenEffects
    {
        /// <summary>The keys whose flatten runs buildOmitList.</summary>
        internal static readonly HashSet<string> OmitKeys = new HashSet<string>(StringComparer.Ordinal)
            { "omit", "include", "production", "only", "also", "dev", "optional" };

        public static void Apply(NpmConfigLayerData[] layers, NodePath path, string cwd)
        {
            // config.flat walks the layers from the lowest priority up, each over its own keys as they were
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = layers[i];
                foreach (var key in layer.Keys.ToList())
                {
                    if (OmitKeys.Contains(key)) BuildOmitList(layers, i);
                    else if (key == "save-exact" || key == "save-prefix")
                    {
                        var prefix = Js.Js.IsTruthy(Get(layers, i, "save-exact")) ? "" : Get(layers, i, "save-prefix");
                        SetDerived(layer, "save-prefix", prefix);
                    }
                    else if (key == "shrinkwrap") SetDerived(layer, "package-lock", Get(layers, i, "shrinkwrap"));
                    else if (key == "global-style" && Js.Js.IsTruthy(Get(layers, i, key))) SetDerived(layer, "install-strategy", "shallow");
                    else if (key == "legacy-bundling" && Js.Js.IsTruthy(Get(layers, i, key))) SetDerived(layer, "install-strategy", "nested");
                    else if (key == "otp" && Js.Js.IsTruthy(Get(layers, i, key))) SetDerived(layer, "auth-type", "legacy");
                }
            }

            // lib/npm.js: config.set('scope', `@${scope}`, config.find('scope'))
            for (int i = layers.Length - 1; i >= 0; i--)
            {
                if (!layers[i].TryGet("scope", out var scope)) continue;
                if (Js.Js.IsTruthy(scope.Value) && !ToJsString(scope.Value).StartsWith("@", StringComparison.Ordinal))
                    layers[i].Set(new NpmConfigValue("scope", "@" + ToJsString(scope.Value), scope.RawValue, scope.Layer, scope.Source, scope.Line, scope.EnvironmentVariable));
                break;
            }
        }

        // /^prod(uction)?$/: JavaScript's '$' does not match before a final newline ("prod\n" is not prod)
        private static readonly Regex ProdOnly = new Regex(@"^prod(uction)?\z", RegexOptions.CultureInvariant);

        /// <summary>buildOmitList(obj) for the layer at <paramref name="index"/>; obj reads through lower layers.</summary>
        private static void BuildOmitList(NpmConfigLayerData[] layers, int index)
        {
            // JavaScript shares the arrays of lower layers here: push() on an inherited array changes that
            // layer's value too, which npm's own output then shows.
            var include = Get(layers, index, "include") as List<object?> ?? new List<object?>();
            var omit = Get(layers, index, "omit") as List<object?> ?? new List<object?>();
            var only = Get(layers, index, "only");
            var production = Get(layers, index, "production");
            if (ProdOnly.IsMatch(ToJsString(only)) || Js.Js.IsTruthy(production)) omit.Add("dev");
            else if (production is bool p && !p) include.Add("dev");
            if (ToJsString(Get(layers, index, "also")).StartsWith("dev", StringComparison.Ordinal)) include.Add("dev");
            if (Js.Js.IsTruthy(Get(layers, index, "dev"))) include.Add("dev");
            var optional = Get(layers, index, "optional");
            if (optional is bool o1 && !o1) omit.Add("optional");
            else if (optional is bool o2 && o2) include.Add("optional");

            var newOmit = Distinct(omit).Where(t => !include.Any(x => SameValueZero(x, t))).ToList();
            SetDerived(layers[index], "omit", newOmit);
            SetDerived(layers[index], "include", Distinct(include));
        }

        private static List<object?> Distinct(List<object?> values)
        {
            var result = new List<object?>();
            foreach (var v in values) if (!result.Any(r => SameValueZero(r, v))) result.Add(v);
            return result;
        }

        private static bool SameValueZero(object? a, object? b)
        {
            if (a is double da && b is double db) return da == db || double.IsNaN(da) && double.IsNaN(db);
            if (a is string || a is bool || a == null || a is JsUndefined) return Equals(a, b);
            return ReferenceEquals(a, b);
        }

        private static object? Get(NpmConfigLayerData[] layers, int index, string key)
        {
            for (int i = index; i >= 0; i--)
                if (layers[i].TryGet(key, out var v)) return v.Value;
            return JsUndefined.Value;
        }

        private static void SetDerived(NpmConfigLayerData layer, string key, object? value)
        {
            layer.TryGet(key, out var existing);
            layer.Set(new NpmConfigValue(key, value, existing?.RawValue, layer.Layer, existing?.Source ?? layer.Source, existing?.Line, existing?.EnvironmentVariable));
        }

        /// <summary>String(value), as a regex test coerces its argument.</summary>
        private static string ToJsString(object? v)
        {
            switch (v)
            {
                case null: return "null";
                case JsUndefined _: return "undefined";
                case string s: return s;
                case bool b: return b ? "true" : "false";
                case double d: return Js.Js.NumberToString(d);
                case List<object?> list: return string.Join(",", list.Select(x => x == null || x is JsUndefined ? "" : ToJsString(x)));
                case JsObject _: return "[object Object]";
                default: return v.ToString() ?? "";
            }
        }
    }
}
