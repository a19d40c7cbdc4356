using System;
using System.Collections.Generic;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Config
{
    /// <summary>What parseField needs to know about where npm runs.</summary>
    public sealed class FieldContext
    {
        public FieldContext(NodePath path, string cwd, string? home, Func<string, string?> environment, Func<string, NpmConfigDefinition?> definitions)
        {
            Path = path; Cwd = cwd; Home = home; Environment = environment; Definitions = definitions;
        }

        public NodePath Path { get; }
        /// <summary>npm's process.cwd(): relative path values resolve against it.</summary>
        public string Cwd { get; }
        public string? Home { get; }
        public Func<string, string?> Environment { get; }
        public Func<string, NpmConfigDefinition?> Definitions { get; }
        /// <summary>While one source loads: what its ${VAR} references may still add (NpmrcLimits); null outside a load.</summary>
        internal ExpansionBudget? Budget { get; set; }
    }

    /// <summary>
    /// A port of @npmcli/config/lib/parse-field.js: turns the raw value of a file, environment or default
    /// entry into the typed value npm uses, by the key's type list (booleans, numbers, paths resolved
    /// against home or cwd, lists split on blank lines, <c>${VAR}</c> expansion).
    /// </summary>
    public static class ConfigFieldParser
    {
        public static object? Parse(object? field, string key, FieldContext context, bool listElement = false)
        {
            if (!(field is string) && !(field is List<object?>)) return field;

            var def = context.Definitions(key);
            bool isPath = def?.IsPath ?? false;
            bool isBool = def?.IsBoolean ?? false;
            bool isString = isPath || (def?.IsString ?? false);
            bool isUmask = def?.IsUmask ?? false;
            bool isNumber = def?.IsNumber ?? false;
            bool isList = !listElement && (def?.IsList ?? false);
            bool isDate = def?.IsDate ?? false;

            if (field is List<object?> array)
            {
                if (!isList) return array;
                var parsed = new List<object?>(array.Count);
                foreach (var item in array) parsed.Add(Parse(item, key, context, listElement: true));
                return parsed;
            }

            var f = JsText.Trim((string)field);

            // lists arrive from the environment separated by a blank line ("\n\n")
            if (isList)
            {
                var parts = new List<object?>();
                foreach (var p in f.Split(new[] { "\n\n" }, StringSplitOptions.None)) parts.Add(p);
                return Parse(parts, key, context);
            }

            if (isBool && !isString && f.Length == 0) return true;

            if (!isString && !isPath && !isNumber)
            {
                switch (f)
                {
                    case "true": return true;
                    case "false": return false;
                    case "null": return null;
                    case "undefined": return JsUndefined.Value;
                }
            }

            f = EnvExpansion.Replace(f, context.Environment, context.Budget);

            if (isDate) return JsDate.Parse(f);

            if (isPath)
            {
                bool homeRelative = f.Length >= 2 && f[0] == '~' && (f[1] == '/' || (context.Path == NodePath.Win32 && f[1] == '\\'));
                f = homeRelative && !string.IsNullOrEmpty(context.Home)
                    ? context.Path.Resolve(context.Cwd, context.Home!, f.Substring(2))
                    : context.Path.Resolve(context.Cwd, f);
            }

            if (isUmask)
            {
                var umask = ParseUmask(f);
                if (umask.HasValue) return umask.Value;
                return f; // npm warns later, when it validates
            }

            if (isNumber)
            {
                var n = Js.Js.ToNumber(f);
                if (!double.IsNaN(n)) return n;
            }
            return f;
        }

        /// <summary>
        /// umask.js parse: /^0o?[0-7]+$/ is parseInt(rest, 8), /^[1-9][0-9]*$/ is parseInt(value, 10), anything
        /// else invalid ("0" included). The value was trimmed by parseField, so JavaScript's '$' (end of input
        /// only) and the explicit end checked here agree.
        /// </summary>
        internal static double? ParseUmask(string value)
        {
            if (value.Length == 0) return null;
            if (value[0] == '0')
            {
                int start = value.Length > 1 && value[1] == 'o' ? 2 : 1;
                if (start >= value.Length) return null;
                for (int i = start; i < value.Length; i++) if (value[i] < '0' || value[i] > '7') return null;
                return JsNumber.FromPowerOfTwoDigits(value, start, value.Length, 8);
            }
            if (value[0] < '1' || value[0] > '9') return null;
            foreach (var c in value) if (c < '0' || c > '9') return null;
            return JsNumber.FromDecimalLiteral(value);
        }
    }
}
