using System;
using System.Collections.Generic;
using System.Globalization;

namespace NpmHardening.Engine.Rules
{
    /// <summary>
    /// The catalog's order of rule ids: by area number, then by rule number within the area (<c>NPMH&lt;area&gt;&lt;nnn&gt;</c>),
    /// so NPMH1009 comes before NPMH2001 and NPMH9008 before NPMH10001, where text order would put NPMH10001 between
    /// NPMH1009 and NPMH2001. Ids of another shape follow, in ordinal order; equal keys fall back to ordinal order so
    /// only identical ids compare equal.
    /// </summary>
    internal sealed class RuleIdOrder : IComparer<string>
    {
        public static readonly RuleIdOrder Instance = new RuleIdOrder();

        private RuleIdOrder() { }

        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x == null) return -1;
            if (y == null) return 1;
            bool px = TryParse(x, out var ax, out var nx), py = TryParse(y, out var ay, out var ny);
            if (px != py) return px ? -1 : 1;
            if (px)
            {
                int c = ax.CompareTo(ay);
                if (c != 0) return c;
                c = nx.CompareTo(ny);
                if (c != 0) return c;
            }
            return string.CompareOrdinal(x, y);
        }

        /// <summary>NPMH, then at least four digits: all but the last three are the area, the last three the rule.</summary>
        internal static bool TryParse(string id, out long area, out int number)
        {
            area = 0; number = 0;
            if (id.Length < 8 || !id.StartsWith("NPMH", StringComparison.OrdinalIgnoreCase)) return false;
            var digits = id.Substring(4);
            // at most 18 digits so the area fits a long
            if (digits.Length > 18) return false;
            foreach (var ch in digits) if (ch < '0' || ch > '9') return false;
            return long.TryParse(digits.Substring(0, digits.Length - 3), NumberStyles.None, CultureInfo.InvariantCulture, out area)
                && int.TryParse(digits.Substring(digits.Length - 3), NumberStyles.None, CultureInfo.InvariantCulture, out number);
        }
    }
}
