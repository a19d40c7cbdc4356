using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// A semver range as node-semver reads the common forms: exact and partial versions (1, 1.2, 1.2.x, *), comparators
    /// (&lt; &lt;= &gt; &gt;= =), ~ and ^, hyphen ranges (1.2 - 2.3.4), sets joined by spaces and alternatives by ||.
    /// Prereleases match only a comparator set that names a prerelease of the same major.minor.patch, as in npm
    /// (includePrerelease off). Loose forms and build metadata in ranges are not supported: they are a FormatException.
    /// </summary>
    public sealed class NpmVersionRange
    {
        private enum Op { Lt, Le, Gt, Ge, Eq }

        private readonly struct Comparator
        {
            public Comparator(Op op, NpmVersion version) { Operator = op; Version = version; }
            public Op Operator { get; }
            public NpmVersion Version { get; }

            public bool Test(NpmVersion v)
            {
                int c = v.CompareTo(Version);
                return Operator switch
                {
                    Op.Lt => c < 0,
                    Op.Le => c <= 0,
                    Op.Gt => c > 0,
                    Op.Ge => c >= 0,
                    _ => c == 0,
                };
            }
        }

        private readonly List<List<Comparator>> _sets;

        private NpmVersionRange(string text, List<List<Comparator>> sets) { Text = text; _sets = sets; }

        public string Text { get; }

        private static readonly Regex Partial = new Regex(
            @"^v?(?<major>0|[1-9]\d*|[xX*])(?:\.(?<minor>0|[1-9]\d*|[xX*])(?:\.(?<patch>0|[1-9]\d*|[xX*])(?:-(?<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?)?)?$",
            RegexOptions.CultureInvariant);

        public static bool TryParse(string? text, out NpmVersionRange? range)
        {
            try { range = Parse(text); return true; }
            catch (FormatException) { range = null; return false; }
        }

        public static NpmVersionRange Parse(string? text)
        {
            if (text == null) throw new FormatException("A version range is needed.");
            var sets = new List<List<Comparator>>();
            foreach (var alternative in text.Split(new[] { "||" }, StringSplitOptions.None))
            {
                var set = new List<Comparator>();
                var part = alternative.Trim();
                var hyphen = Regex.Match(part, @"^(\S+)\s+-\s+(\S+)$", RegexOptions.CultureInvariant);
                if (hyphen.Success)
                {
                    Lower(Op.Ge, hyphen.Groups[1].Value, set, text);
                    Upper(Op.Le, hyphen.Groups[2].Value, set, text);
                }
                else
                {
                    // node-semver lets whitespace follow an operator: ">= 1.2.3" is ">=1.2.3"
                    var compact = Regex.Replace(part, @"(<=|>=|<|>|=|~>|~|\^)\s+", "$1", RegexOptions.CultureInvariant);
                    var tokens = compact.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                    if (tokens.Length == 0) tokens = new[] { "*" };
                    foreach (var token in tokens) Comparators(token, set, text);
                }
                sets.Add(set);
            }
            return new NpmVersionRange(text, sets);
        }

        /// <summary>True when the version is semver and satisfies the range; false for anything else.</summary>
        public bool IsSatisfiedBy(string? version) => NpmVersion.TryParse(version, out var v) && IsSatisfiedBy(v);

        public bool IsSatisfiedBy(NpmVersion version)
        {
            foreach (var set in _sets)
            {
                if (!set.All(c => c.Test(version))) continue;
                if (!version.IsPrerelease) return true;
                // a prerelease only where the set itself names a prerelease of the same release
                // (the "-0" bounds that ^, ~ and partials desugar to let nothing through: x.y.z-0 is below every other prerelease)
                if (set.Any(c => c.Version.IsPrerelease && c.Version.Major == version.Major && c.Version.Minor == version.Minor && c.Version.Patch == version.Patch))
                    return true;
            }
            return false;
        }

        public override string ToString() => Text;

        private sealed class PartialVersion
        {
            public int? Major { get; set; }
            public int? Minor { get; set; }
            public int? Patch { get; set; }
            public string? Pre { get; set; }
        }

        private static PartialVersion ReadPartial(string s, string range)
        {
            var m = Partial.Match(s);
            if (!m.Success) throw new FormatException($"'{range}' is not a version range this module reads ('{s}').");
            int? Num(Group g) => !g.Success || g.Value == "x" || g.Value == "X" || g.Value == "*" ? (int?)null
                : int.TryParse(g.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
                : throw new FormatException($"'{range}': {g.Value} is too large.");
            var major = Num(m.Groups["major"]);
            var minor = major == null ? null : Num(m.Groups["minor"]);
            var patch = minor == null ? null : Num(m.Groups["patch"]);
            return new PartialVersion { Major = major, Minor = minor, Patch = patch, Pre = patch == null ? null : (m.Groups["pre"].Success ? m.Groups["pre"].Value : null) };
        }

        private static void Comparators(string token, List<Comparator> set, string range)
        {
            string op = "";
            foreach (var candidate in new[] { "<=", ">=", "~>", "<", ">", "=", "~", "^" })
                if (token.StartsWith(candidate, StringComparison.Ordinal)) { op = candidate; break; }
            var p = ReadPartial(token.Substring(op.Length), range);
            switch (op)
            {
                case "~":
                case "~>":
                    if (p.Major == null) { return; }
                    set.Add(new Comparator(Op.Ge, V(p.Major.Value, p.Minor ?? 0, p.Patch ?? 0, p.Pre)));
                    set.Add(p.Minor == null ? Below(p.Major.Value + 1, 0, 0) : Below(p.Major.Value, p.Minor.Value + 1, 0));
                    return;
                case "^":
                    if (p.Major == null) { return; }
                    set.Add(new Comparator(Op.Ge, V(p.Major.Value, p.Minor ?? 0, p.Patch ?? 0, p.Pre)));
                    if (p.Major.Value > 0 || p.Minor == null) set.Add(Below(p.Major.Value + 1, 0, 0));
                    else if (p.Minor.Value > 0 || p.Patch == null) set.Add(Below(0, p.Minor.Value + 1, 0));
                    else set.Add(Below(0, 0, p.Patch.Value + 1));
                    return;
                case "":
                case "=":
                    if (p.Major == null) return; // * : anything
                    if (p.Patch != null) { set.Add(new Comparator(Op.Eq, V(p.Major.Value, p.Minor!.Value, p.Patch.Value, p.Pre))); return; }
                    Lower(Op.Ge, token.Substring(op.Length), set, range);
                    Upper(Op.Le, token.Substring(op.Length), set, range);
                    return;
                case ">=":
                case ">":
                    Lower(op == ">" ? Op.Gt : Op.Ge, token.Substring(op.Length), set, range);
                    return;
                default:
                    Upper(op == "<" ? Op.Lt : Op.Le, token.Substring(op.Length), set, range);
                    return;
            }
        }

        /// <summary>&gt;= or &gt; a partial version: &gt;1.2 is &gt;=1.3.0, &gt;=1.2 is &gt;=1.2.0, &gt;* matches nothing.</summary>
        private static void Lower(Op op, string s, List<Comparator> set, string range)
        {
            var p = ReadPartial(s, range);
            if (p.Major == null)
            {
                if (op == Op.Gt) set.Add(new Comparator(Op.Lt, new NpmVersion(0, 0, 0, "0")));
                return;
            }
            if (p.Patch != null) { set.Add(new Comparator(op, V(p.Major.Value, p.Minor!.Value, p.Patch.Value, p.Pre))); return; }
            if (op == Op.Gt)
                set.Add(new Comparator(Op.Ge, p.Minor == null ? V(p.Major.Value + 1, 0, 0, null) : V(p.Major.Value, p.Minor.Value + 1, 0, null)));
            else set.Add(new Comparator(Op.Ge, V(p.Major.Value, p.Minor ?? 0, 0, null)));
        }

        /// <summary>&lt;= or &lt; a partial version: &lt;=1.2 is &lt;1.3.0-0, &lt;1.2 is &lt;1.2.0-0, &lt;* matches nothing.</summary>
        private static void Upper(Op op, string s, List<Comparator> set, string range)
        {
            var p = ReadPartial(s, range);
            if (p.Major == null)
            {
                if (op == Op.Lt) set.Add(new Comparator(Op.Lt, new NpmVersion(0, 0, 0, "0")));
                return;
            }
            if (p.Patch != null) { set.Add(new Comparator(op, V(p.Major.Value, p.Minor!.Value, p.Patch.Value, p.Pre))); return; }
            if (op == Op.Lt) set.Add(Below(p.Major.Value, p.Minor ?? 0, 0));
            else set.Add(p.Minor == null ? Below(p.Major.Value + 1, 0, 0) : Below(p.Major.Value, p.Minor.Value + 1, 0));
        }

        private static Comparator Below(int major, int minor, int patch) => new Comparator(Op.Lt, new NpmVersion(major, minor, patch, "0"));

        private static NpmVersion V(int major, int minor, int patch, string? pre) => new NpmVersion(major, minor, patch, pre);
    }
}
