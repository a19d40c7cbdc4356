using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NpmHardening.Engine.Js
{
    /// <summary>
    /// JavaScript's <c>undefined</c>. npm config values can be undefined (the literal string "undefined" in a
    /// non-string key), which is distinct from null: JSON output omits the key entirely.
    /// </summary>
    public sealed class JsUndefined
    {
        public static readonly JsUndefined Value = new JsUndefined();
        private JsUndefined() { }
        public override string ToString() => "undefined";
    }

    /// <summary>A JavaScript object with its key order (insertion order, integer-like keys first).</summary>
    public sealed class JsObject
    {
        /// <summary>An ini section (Object.create(null)): converting it to a string or number throws a TypeError.</summary>
        public static JsObject CreateNullPrototype() => new JsObject { NullPrototype = true };

        /// <summary>Created with Object.create(null), so it has no toString/valueOf of its own.</summary>
        public bool NullPrototype { get; private set; }

        private readonly List<string> _order = new List<string>();
        private readonly Dictionary<string, object?> _values = new Dictionary<string, object?>(StringComparer.Ordinal);

        public int Count => _order.Count;
        public bool ContainsKey(string key) => _values.ContainsKey(key);
        public bool TryGetValue(string key, out object? value) => _values.TryGetValue(key, out value);

        public object? this[string key]
        {
            get => _values.TryGetValue(key, out var v) ? v : JsUndefined.Value;
            set
            {
                if (!_values.ContainsKey(key)) _order.Add(key);
                _values[key] = value;
            }
        }

        public bool Remove(string key)
        {
            if (!_values.Remove(key)) return false;
            _order.Remove(key);
            return true;
        }

        /// <summary>Keys in the order Object.keys would list them.</summary>
        public IEnumerable<string> Keys
        {
            get
            {
                // Array-index keys first, ascending. They are canonical decimal numbers (no leading zero), so shorter is
                // smaller and equal lengths compare as text: strings sorted that way, not (number, key) pairs, whose List
                // is framework code over a value type that no ReadyToRun image holds, JIT-compiled in every process that
                // reads the catalogs (issue 10 F).
                List<string>? integers = null;
                foreach (var k in _order)
                    if (IsArrayIndex(k, out _)) (integers ??= new List<string>()).Add(k);
                if (integers != null)
                {
                    integers.Sort(CompareArrayIndexes);
                    foreach (var k in integers) yield return k;
                }
                foreach (var k in _order)
                    if (!IsArrayIndex(k, out _)) yield return k;
            }
        }

        private static int CompareArrayIndexes(string a, string b) =>
            a.Length != b.Length ? a.Length - b.Length : string.CompareOrdinal(a, b);

        private static bool IsArrayIndex(string k, out uint n)
        {
            n = 0;
            if (k.Length == 0 || k.Length > 10 || (k.Length > 1 && k[0] == '0')) return false;
            foreach (var c in k) if (c < '0' || c > '9') return false;
            return uint.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n != uint.MaxValue;
        }
    }

    /// <summary>Type checks and conversions that follow JavaScript.</summary>
    public static class Js
    {
        public static bool IsUndefined(object? v) => v is JsUndefined;

        /// <summary>
        /// Whether String(v) or Number(v) throws "Cannot convert object to primitive value": an object without a
        /// callable toString (an ini section, or JSON with its own "toString" key), or an array holding one.
        /// </summary>
        public static bool ToPrimitiveThrows(object? v) =>
            v is JsObject o ? o.NullPrototype || o.ContainsKey("toString")
            : v is List<object?> list && list.Exists(ToPrimitiveThrows);

        /// <summary>JavaScript truthiness, as npm uses in <c>if (this.get(key))</c>.</summary>
        public static bool IsTruthy(object? v)
        {
            switch (v)
            {
                case null: return false;
                case JsUndefined _: return false;
                case bool b: return b;
                case double d: return !(d == 0 || double.IsNaN(d));
                case string s: return s.Length > 0;
                default: return true;
            }
        }

        /// <summary>
        /// Number(string) as JavaScript converts it (used by npm's <c>isNaN(f)</c> and <c>+f</c>): surrounding
        /// whitespace ignored, empty means 0, hex/octal/binary prefixes, Infinity, otherwise a decimal literal.
        /// </summary>
        public static double ToNumber(string s)
        {
            var t = JsText.Trim(s);
            if (t.Length == 0) return 0;
            if (t.Length > 2 && t[0] == '0')
            {
                int radix = t[1] == 'x' || t[1] == 'X' ? 16 : t[1] == 'o' || t[1] == 'O' ? 8 : t[1] == 'b' || t[1] == 'B' ? 2 : 0;
                if (radix != 0) return JsNumber.FromPowerOfTwoDigits(t, 2, t.Length, radix);
            }
            if (t == "Infinity" || t == "+Infinity") return double.PositiveInfinity;
            if (t == "-Infinity") return double.NegativeInfinity;
            // StrDecimalLiteral: [+-] (digits [. digits?] | . digits) [e[+-]digits]
            int p = 0;
            if (t[p] == '+' || t[p] == '-') p++;
            int intDigits = 0, fracDigits = 0;
            while (p < t.Length && t[p] >= '0' && t[p] <= '9') { p++; intDigits++; }
            if (p < t.Length && t[p] == '.')
            {
                p++;
                while (p < t.Length && t[p] >= '0' && t[p] <= '9') { p++; fracDigits++; }
            }
            if (intDigits + fracDigits == 0) return double.NaN;
            if (p < t.Length && (t[p] == 'e' || t[p] == 'E'))
            {
                p++;
                if (p < t.Length && (t[p] == '+' || t[p] == '-')) p++;
                int expDigits = 0;
                while (p < t.Length && t[p] >= '0' && t[p] <= '9') { p++; expDigits++; }
                if (expDigits == 0) return double.NaN;
            }
            if (p != t.Length) return double.NaN;
            return JsNumber.FromDecimalLiteral(t);
        }

        /// <summary>Number.prototype.toString() (ECMAScript Number::toString, radix 10).</summary>
        public static string NumberToString(double d)
        {
            if (double.IsNaN(d)) return "NaN";
            if (double.IsPositiveInfinity(d)) return "Infinity";
            if (double.IsNegativeInfinity(d)) return "-Infinity";
            if (d == 0) return "0"; // -0 too
            // shortest round-trip digits and decimal exponent, then JavaScript's layout rules
            SplitScientific(Math.Abs(d).ToString("R", CultureInfo.InvariantCulture), out var digits, out var exponent);
            int k = digits.Length, n = exponent + 1;
            var sb = new StringBuilder();
            if (d < 0) sb.Append('-');
            if (k <= n && n <= 21) sb.Append(digits).Append('0', n - k);
            else if (0 < n && n <= 21) sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
            else if (-6 < n && n <= 0) sb.Append("0.").Append('0', -n).Append(digits);
            else
            {
                sb.Append(digits[0]);
                if (k > 1) sb.Append('.').Append(digits, 1, k - 1);
                sb.Append('e').Append(n - 1 >= 0 ? "+" : "-").Append(Math.Abs(n - 1).ToString(CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        /// <summary>"1.25E+21" or "0.000125" → significant digits "125" and the exponent of the first digit.</summary>
        private static void SplitScientific(string roundTrip, out string digits, out int exponent)
        {
            var s = roundTrip;
            int e = s.IndexOfAny(new[] { 'E', 'e' });
            int exp = 0;
            if (e >= 0) { exp = int.Parse(s.Substring(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture); s = s.Substring(0, e); }
            int dot = s.IndexOf('.');
            string intPart = dot >= 0 ? s.Substring(0, dot) : s, frac = dot >= 0 ? s.Substring(dot + 1) : "";
            var all = (intPart + frac).TrimStart('0');
            int leadingZeros = (intPart + frac).Length - all.Length;
            digits = all.TrimEnd('0');
            if (digits.Length == 0) { digits = "0"; exponent = 0; return; }
            exponent = intPart.Length - 1 - leadingZeros + exp;
        }

        /// <summary>JSON.stringify for config values: what npm config ls --json prints.</summary>
        public static string ToJson(object? v)
        {
            var sb = new StringBuilder();
            WriteJson(sb, v);
            return sb.ToString();
        }

        private static void WriteJson(StringBuilder sb, object? v)
        {
            switch (v)
            {
                case null: sb.Append("null"); break;
                case JsUndefined _: sb.Append("null"); break;
                case bool b: sb.Append(b ? "true" : "false"); break;
                case double d: sb.Append(double.IsNaN(d) || double.IsInfinity(d) ? "null" : NumberToString(d)); break;
                case string s: sb.Append(JsText.JsonQuote(s)); break;
                case JsDate date: var iso = date.ToIsoString(); sb.Append(iso == null ? "null" : JsText.JsonQuote(iso)); break;
                case IList<object?> list:
                    sb.Append('[');
                    for (int i = 0; i < list.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        WriteJson(sb, list[i] is JsUndefined ? null : list[i]);
                    }
                    sb.Append(']');
                    break;
                case JsObject o:
                    sb.Append('{');
                    bool first = true;
                    foreach (var k in o.Keys)
                    {
                        var item = o[k];
                        if (item is JsUndefined) continue;
                        if (!first) sb.Append(',');
                        first = false;
                        sb.Append(JsText.JsonQuote(k)).Append(':');
                        WriteJson(sb, item);
                    }
                    sb.Append('}');
                    break;
                default: sb.Append(JsText.JsonQuote(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "")); break;
            }
        }
    }
}

namespace NpmHardening.Engine.Js
{
    /// <summary>A JavaScript Date (npm's Date-typed keys such as <c>before</c>); null Time means Invalid Date.</summary>
    public sealed class JsDate
    {
        public JsDate(System.DateTimeOffset? time) { Time = time; }
        public System.DateTimeOffset? Time { get; }

        private static readonly System.Text.RegularExpressions.Regex IsoLike = new System.Text.RegularExpressions.Regex(
            @"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,3})[0-9]*)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?\z",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>
        /// new Date(text) for ISO 8601 (date-only is UTC, date-time without offset is local time) including
        /// V8's overflow of impossible days ("2024-02-30" is 1 March), then common RFC forms. Text that only
        /// V8's legacy fallback accepts (such as "0") is not modelled and gives Invalid Date.
        /// </summary>
        public static JsDate Parse(string text)
        {
            var t = JsText.Trim(text);
            var m = IsoLike.Match(t);
            if (m.Success)
            {
                int year = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                int month = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
                int day = int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
                int hour = m.Groups[4].Success ? int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                int minute = m.Groups[5].Success ? int.Parse(m.Groups[5].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                int second = m.Groups[6].Success ? int.Parse(m.Groups[6].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                int ms = m.Groups[7].Success ? int.Parse(m.Groups[7].Value.PadRight(3, '0'), System.Globalization.CultureInfo.InvariantCulture) : 0;
                if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 59 || year < 1) return new JsDate(null);
                var local = new System.DateTime(year, 1, 1, 0, 0, 0, System.DateTimeKind.Unspecified)
                    .AddMonths(month - 1).AddDays(day - 1).AddHours(hour).AddMinutes(minute).AddSeconds(second).AddMilliseconds(ms);
                System.TimeSpan offset;
                if (m.Groups[8].Success) offset = m.Groups[8].Value == "Z" ? System.TimeSpan.Zero : System.TimeSpan.Parse(m.Groups[8].Value.TrimStart('+'), System.Globalization.CultureInfo.InvariantCulture);
                else if (!m.Groups[4].Success) offset = System.TimeSpan.Zero;
                else offset = System.TimeZoneInfo.Local.GetUtcOffset(local);
                return new JsDate(new System.DateTimeOffset(local, offset));
            }
            if (System.DateTimeOffset.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeLocal, out var parsed))
                return new JsDate(parsed);
            return new JsDate(null);
        }

        /// <summary>Date.prototype.toISOString, or null for an invalid date (what JSON.stringify prints).</summary>
        public string? ToIsoString() => Time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

        public override string ToString() => ToIsoString() ?? "Invalid Date";
    }
}
