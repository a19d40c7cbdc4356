using System;
using System.Globalization;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// A semver version of npm (or node). Build metadata is dropped; a prerelease sorts before its release
    /// and prerelease identifiers compare as semver says (numeric ones numerically, below alphanumeric ones).
    /// </summary>
    public readonly struct NpmVersion : IComparable<NpmVersion>, IEquatable<NpmVersion>
    {
        private readonly string? _prerelease;

        public NpmVersion(int major, int minor, int patch, string? prerelease = null)
        {
            if (major < 0 || minor < 0 || patch < 0) throw new ArgumentOutOfRangeException(nameof(major), "Version parts cannot be negative.");
            Major = major;
            Minor = minor;
            Patch = patch;
            _prerelease = string.IsNullOrEmpty(prerelease) ? null : prerelease;
        }

        public int Major { get; }
        public int Minor { get; }
        public int Patch { get; }

        /// <summary>The part after '-' (e.g. "pre.1"), or "" for a release.</summary>
        public string Prerelease => _prerelease ?? "";

        public bool IsPrerelease => _prerelease != null;

        /// <summary>Accepts "11.19.1", "v20.1.0", "12.0.0-pre.1", "1.2.3+build"; surrounding whitespace is ignored.</summary>
        public static bool TryParse(string? text, out NpmVersion version)
        {
            version = default;
            if (text == null) return false;
            var s = text.Trim();
            int pos = 0;
            if (pos < s.Length && (s[pos] == 'v' || s[pos] == 'V')) pos++;
            if (!ReadNumber(s, ref pos, out int major) || !Expect(s, ref pos, '.') ||
                !ReadNumber(s, ref pos, out int minor) || !Expect(s, ref pos, '.') ||
                !ReadNumber(s, ref pos, out int patch))
                return false;

            string? prerelease = null;
            if (pos < s.Length && s[pos] == '-')
            {
                int start = ++pos;
                while (pos < s.Length && s[pos] != '+') pos++;
                prerelease = s.Substring(start, pos - start);
                if (!ValidIdentifiers(prerelease)) return false;
            }
            if (pos < s.Length && s[pos] == '+')
            {
                // Build metadata never affects precedence, so it is validated and then forgotten.
                if (!ValidIdentifiers(s.Substring(pos + 1))) return false;
                pos = s.Length;
            }
            if (pos != s.Length) return false;
            version = new NpmVersion(major, minor, patch, prerelease);
            return true;
        }

        public static NpmVersion Parse(string text) =>
            TryParse(text, out var v) ? v : throw new FormatException($"Not a semver version: '{text}'.");

        private static bool ReadNumber(string s, ref int pos, out int value)
        {
            value = 0;
            int start = pos;
            while (pos < s.Length && s[pos] >= '0' && s[pos] <= '9') pos++;
            int len = pos - start;
            if (len == 0 || (len > 1 && s[start] == '0')) return false; // semver forbids leading zeros
            return int.TryParse(s.Substring(start, len), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        private static bool Expect(string s, ref int pos, char c)
        {
            if (pos >= s.Length || s[pos] != c) return false;
            pos++;
            return true;
        }

        private static bool ValidIdentifiers(string dotted)
        {
            foreach (var id in dotted.Split('.'))
            {
                if (id.Length == 0) return false;
                foreach (var c in id)
                    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-')) return false;
            }
            return true;
        }

        public int CompareTo(NpmVersion other)
        {
            int c = Major.CompareTo(other.Major);
            if (c == 0) c = Minor.CompareTo(other.Minor);
            if (c == 0) c = Patch.CompareTo(other.Patch);
            if (c != 0) return c;
            if (_prerelease == null) return other._prerelease == null ? 0 : 1;
            if (other._prerelease == null) return -1;
            return ComparePrerelease(_prerelease, other._prerelease);
        }

        private static int ComparePrerelease(string a, string b)
        {
            var x = a.Split('.');
            var y = b.Split('.');
            for (int i = 0; i < x.Length && i < y.Length; i++)
            {
                bool xNum = IsNumeric(x[i]), yNum = IsNumeric(y[i]);
                int c;
                if (xNum && yNum) c = x[i].Length != y[i].Length ? x[i].Length.CompareTo(y[i].Length) : string.CompareOrdinal(x[i], y[i]);
                else if (xNum) c = -1;
                else if (yNum) c = 1;
                else c = string.CompareOrdinal(x[i], y[i]);
                if (c != 0) return Math.Sign(c);
            }
            return x.Length.CompareTo(y.Length);
        }

        // Numeric identifiers have no leading zeros (else they'd be alphanumeric), so length then text orders them.
        private static bool IsNumeric(string id)
        {
            if (id.Length > 1 && id[0] == '0') return false;
            foreach (var c in id) if (c < '0' || c > '9') return false;
            return true;
        }

        public bool Equals(NpmVersion other) => CompareTo(other) == 0;
        public override bool Equals(object? obj) => obj is NpmVersion v && Equals(v);

        public override int GetHashCode()
        {
            unchecked
            {
                int h = Major;
                h = h * 397 + Minor;
                h = h * 397 + Patch;
                return h * 397 + StringComparer.Ordinal.GetHashCode(Prerelease);
            }
        }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0}.{1}.{2}", Major, Minor, Patch) + (_prerelease == null ? "" : "-" + _prerelease);

        public static bool operator ==(NpmVersion a, NpmVersion b) => a.Equals(b);
        public static bool operator !=(NpmVersion a, NpmVersion b) => !a.Equals(b);
        public static bool operator <(NpmVersion a, NpmVersion b) => a.CompareTo(b) < 0;
        public static bool operator <=(NpmVersion a, NpmVersion b) => a.CompareTo(b) <= 0;
        public static bool operator >(NpmVersion a, NpmVersion b) => a.CompareTo(b) > 0;
        public static bool operator >=(NpmVersion a, NpmVersion b) => a.CompareTo(b) >= 0;
    }
}
