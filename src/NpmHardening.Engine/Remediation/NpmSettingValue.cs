using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>
    /// Values as users give them (PowerShell ints, strings, arrays, dates) turned into the typed value npm holds for
    /// a key, and checked against the key's npm types (what nopt would accept).
    /// </summary>
    public static class NpmSettingValue
    {
        /// <summary>
        /// The typed npm value for <paramref name="value"/>: integers become doubles, "true"/"false" become booleans
        /// for boolean keys, numeric text becomes a number for number keys, a single string becomes a one-item list for
        /// list keys, path keys are resolved (<c>~/</c> against home) as parse-field resolves them, dates become
        /// <see cref="JsDate"/>.
        /// </summary>
        public static object? Normalize(string key, object? value, FieldContext context)
        {
            var def = context.Definitions(key);
            switch (value)
            {
                case null: return null;
                case JsUndefined _: return value;
                case bool b: return b;
                case double d: return d;
                case float f: return (double)f;
                case decimal m: return (double)m;
                case int _: case long _: case short _: case byte _: case sbyte _: case ushort _: case uint _: case ulong _:
                    return Convert.ToDouble(value, CultureInfo.InvariantCulture);
                case DateTimeOffset dto: return new JsDate(dto);
                case DateTime dt: return new JsDate(new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt));
                case JsDate _: return value;
                case string s: return NormalizeText(s, def, context, listElement: false);
                case List<object?> list when def == null || !def.IsList:
                    return list;
                case IEnumerable e:
                    var items = new List<object?>();
                    foreach (var item in e)
                    {
                        var n = Normalize(key, item, context);
                        if (n is List<object?> inner) items.AddRange(inner); else items.Add(n);
                    }
                    return items;
                default:
                    return Convert.ToString(value, CultureInfo.InvariantCulture);
            }
        }

        private static object? NormalizeText(string s, NpmConfigDefinition? def, FieldContext context, bool listElement)
        {
            if (def == null) return s;
            if (def.IsList && !listElement) return new List<object?> { NormalizeText(s, def, context, true) };
            var t = JsText.Trim(s);
            if (def.IsBoolean && !def.IsString && (t == "true" || t == "false")) return t == "true";
            if (def.IsNumber && !def.IsString)
            {
                var n = Js.Js.ToNumber(t);
                if (!double.IsNaN(n) && t.Length > 0) return n;
            }
            if (def.IsUmask)
            {
                var u = ConfigFieldParser.ParseUmask(t);
                if (u.HasValue) return u.Value;
            }
            if (def.IsDate) return JsDate.Parse(t);
            if (def.IsPath && t.Length > 0)
            {
                bool homeRelative = t.Length >= 2 && t[0] == '~' && (t[1] == '/' || (context.Path == Platform.NodePath.Win32 && t[1] == '\\'));
                return homeRelative && !string.IsNullOrEmpty(context.Home)
                    ? context.Path.Resolve(context.Cwd, context.Home!, t.Substring(2))
                    : context.Path.Resolve(context.Cwd, t);
            }
            return s;
        }

        /// <summary>Why <paramref name="value"/> is not a valid value of <paramref name="def"/> for npm, or null when it is.</summary>
        public static string? Validate(NpmConfigDefinition? def, object? value)
        {
            if (def == null) return null; // registry-scoped and other free-form keys
            if (value is List<object?> list)
            {
                if (!def.IsList) return $"{def.Key} takes a single value, not a list.";
                foreach (var item in list)
                    if (!Accepts(def, item)) return $"{def.Key} does not accept {Describe(item)}; it takes {TypeText(def)}.";
                return null;
            }
            return Accepts(def, value) ? null : $"{def.Key} does not accept {Describe(value)}; it takes {TypeText(def)}.";
        }

        private static bool Accepts(NpmConfigDefinition def, object? value)
        {
            foreach (var t in def.Types)
            {
                switch (t)
                {
                    case null: if (value == null) return true; break;
                    case "$Boolean": if (value is bool) return true; break;
                    case "$Number": if (value is double d && !double.IsNaN(d)) return true; break;
                    case "$String": if (value is string) return true; break;
                    case "$path": if (value is string p && p.Length > 0) return true; break;
                    case "$url":
                        if (value is string u && Uri.TryCreate(u, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Scheme)) return true;
                        break;
                    case "$Date": if (value is JsDate date && date.Time.HasValue) return true; break;
                    case "$Umask": if (value is double m && m >= 0 && m <= 511 && m == Math.Floor(m)) return true; break;
                    case "$semver": if (value is string v && NpmVersion.TryParse(v, out _)) return true; break;
                    case "$Array": break;
                    case string literal: if (value is string s && s == literal) return true; break;
                    case double n: if (value is double x && x == n) return true; break;
                    case bool b: if (value is bool y && y == b) return true; break;
                }
            }
            return false;
        }

        private static string Describe(object? value) => value is string s ? "'" + s + "'" : NpmrcValueWriter.Display(value);

        /// <summary>"true or false", "a number", "one of: all, none, root"…</summary>
        public static string TypeText(NpmConfigDefinition def)
        {
            var parts = new List<string>();
            var literals = new List<string>();
            foreach (var t in def.Types)
            {
                switch (t)
                {
                    case null: parts.Add("null"); break;
                    case "$Boolean": parts.Add("true or false"); break;
                    case "$Number": parts.Add("a number"); break;
                    case "$String": parts.Add("a string"); break;
                    case "$path": parts.Add("a path"); break;
                    case "$url": parts.Add("a URL"); break;
                    case "$Date": parts.Add("a date"); break;
                    case "$Umask": parts.Add("a umask (e.g. 022)"); break;
                    case "$semver": parts.Add("a version"); break;
                    case "$Array": parts.Add("a list"); break;
                    case string literal: literals.Add(literal.Length == 0 ? "''" : literal); break;
                    default: literals.Add(NpmrcValueWriter.Display(t)); break;
                }
            }
            if (literals.Count > 0) parts.Add("one of: " + string.Join(", ", literals));
            return string.Join(", or ", parts);
        }
    }
}
