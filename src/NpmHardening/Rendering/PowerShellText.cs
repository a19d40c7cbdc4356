using System.Collections;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NpmHardening.Commands.Rendering
{
    /// <summary>Values written as PowerShell source, for remediation commands users paste (the cmdlet layer only: the engine writes no PowerShell).</summary>
    internal static class PowerShellText
    {
        /// <summary>$true, 7, 'none' (single quotes doubled), @('a', 'b').</summary>
        public static string Literal(object? value)
        {
            switch (value)
            {
                case null: return "$null";
                case bool b: return b ? "$true" : "$false";
                case double d: return NpmHardening.Engine.Js.Js.NumberToString(d);
                case int i: return i.ToString(CultureInfo.InvariantCulture);
                case long l: return l.ToString(CultureInfo.InvariantCulture);
                case string s: return Quote(s);
                case IEnumerable e: return "@(" + string.Join(", ", e.Cast<object?>().Select(Literal)) + ")";
                default: return Quote(value.ToString() ?? "");
            }
        }

        /// <summary>A single-quoted PowerShell string: nothing inside expands.</summary>
        public static string Quote(string text)
        {
            var sb = new StringBuilder(text.Length + 2).Append('\'');
            foreach (var c in text)
            {
                // PowerShell also treats the typographic quotes as quote characters
                if (c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201A' || c == '\u201B') sb.Append(c);
                sb.Append(c);
            }
            return sb.Append('\'').ToString();
        }
    }
}
