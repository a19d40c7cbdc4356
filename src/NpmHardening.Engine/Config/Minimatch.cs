using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace NpmHardening.Engine.Config
{
    /// <summary>The options of minimatch 10 that npm's workspace code (map-workspaces, glob) sets.</summary>
    internal sealed class MinimatchOptions
    {
        public bool Dot { get; set; }
        public bool NoCase { get; set; }
        /// <summary>glob on win32/darwin: case-insensitivity only makes a part magic when it has other magic.</summary>
        public bool NoCaseMagicOnly { get; set; }
        public bool NoComment { get; set; }
        public bool NoNegate { get; set; }
        public bool Partial { get; set; }
        public bool WindowsPathsNoEscape { get; set; }
        public int OptimizationLevel { get; set; } = 1;
        public bool IsWindows { get; set; }
        public int BraceExpandMax { get; set; } = BraceExpansion.DefaultMax;
    }

    /// <summary>A pattern minimatch cannot represent here (extglobs such as <c>+(a|b)</c> are not modelled).</summary>
    internal sealed class UnsupportedGlobException : Exception
    {
        public UnsupportedGlobException(string pattern) : base($"the pattern '{pattern}' uses extended glob syntax (!(…), ?(…), +(…), *(…), @(…)), which is not evaluated") { }
    }

    /// <summary>A JavaScript TypeError thrown by the code being ported (npm stops on it).</summary>
    internal sealed class JsTypeErrorException : Exception
    {
        public JsTypeErrorException(string message) : base(message) { }
    }

    /// <summary>The "**" part of a parsed pattern.</summary>
    internal sealed class GlobStar
    {
        public static readonly GlobStar Instance = new GlobStar();
        private GlobStar() { }
        public override string ToString() => "**";
    }

    /// <summary>A magic path portion: the regular expression minimatch builds, or its fast test for the common shapes.</summary>
    internal sealed class MagicPart
    {
        public MagicPart(Regex regex, Func<string, bool>? fast, string glob) { Regex = regex; Fast = fast; Glob = glob; }
        public Regex Regex { get; }
        public Func<string, bool>? Fast { get; }
        public string Glob { get; }
        public bool Test(string name) => Fast != null ? Fast(name) : Regex.IsMatch(name);
        public override string ToString() => Glob;
    }

    /// <summary>
    /// A port of minimatch 10 (the version npm 11 ships) for what npm's workspace discovery uses: negation,
    /// comments, brace expansion, the "." / ".." optimisations of levels 1 and 2, the per-portion matchers
    /// (literal, <c>**</c>, or a regular expression with minimatch's dot rules and fast paths), bracket classes
    /// with POSIX names, escapes, and <c>match</c> with <c>partial</c>. Each part is one of: string (literal),
    /// <see cref="GlobStar"/>, <see cref="MagicPart"/>. Extended globs throw <see cref="UnsupportedGlobException"/>.
    /// Regular expressions are built for .NET with JavaScript's meaning: '$' is the end of the text (\z).
    /// </summary>
    internal sealed class Minimatch
    {
        public const int MaxPatternLength = 1024 * 64;

        private readonly MinimatchOptions _options;

        public Minimatch(string pattern, MinimatchOptions options)
        {
            AssertValidPattern(pattern);
            _options = options;
            Pattern = options.WindowsPathsNoEscape ? pattern.Replace('\\', '/') : pattern;
            Make();
        }

        public string Pattern { get; private set; }
        public bool Negate { get; private set; }
        public bool Comment { get; private set; }
        public bool Empty { get; private set; }
        /// <summary>The expanded patterns, each a list of parts (string, GlobStar, MagicPart).</summary>
        public List<List<object>> Set { get; private set; } = new List<List<object>>();
        /// <summary>The same patterns as glob text, one string per portion (glob's cache keys).</summary>
        public List<List<string>> GlobParts { get; private set; } = new List<List<string>>();

        public static void AssertValidPattern(string pattern)
        {
            if (pattern.Length > MaxPatternLength) throw new JsTypeErrorException("pattern is too long");
        }

        /// <summary>minimatch(path, pattern, options).</summary>
        public static bool IsMatch(string path, string pattern, MinimatchOptions options)
        {
            AssertValidPattern(pattern);
            if (!options.NoComment && pattern.Length > 0 && pattern[0] == '#') return false;
            return new Minimatch(pattern, options).Match(path);
        }

        private void Make()
        {
            if (!_options.NoComment && Pattern.Length > 0 && Pattern[0] == '#') { Comment = true; return; }
            if (Pattern.Length == 0) { Empty = true; return; }
            if (!_options.NoNegate)
            {
                int offset = 0;
                while (offset < Pattern.Length && Pattern[offset] == '!') { Negate = !Negate; offset++; }
                if (offset > 0) Pattern = Pattern.Substring(offset);
            }
            var globSet = BraceExpand(Pattern, _options).Distinct(StringComparer.Ordinal).ToList();
            var raw = globSet.Select(SlashSplit).ToList();
            GlobParts = Preprocess(raw);
            Set = GlobParts.Select(parts => parts.Select(Parse).ToList()).ToList();
        }

        // ---- brace expansion and splitting -------------------------------------------------------------------

        private static readonly Regex HasBraceSet = new Regex(@"\{(?:(?!\{)[^\n\r\u2028\u2029])*\}", RegexOptions.CultureInvariant);

        public static List<string> BraceExpand(string pattern, MinimatchOptions options)
        {
            if (!HasBraceSet.IsMatch(pattern)) return new List<string> { pattern };
            return BraceExpansion.Expand(pattern, options.BraceExpandMax);
        }

        /// <summary>
        /// JavaScript's p.split(/\/+/): the text between runs of slashes, with an empty first or last part when the text
        /// starts or ends with one. A loop rather than Regex.Split, whose instantiation over the framework's value types
        /// no ReadyToRun image holds, so it was JIT-compiled in every process's first audit (issue 10 F).
        /// </summary>
        internal static List<string> SlashSplit(string p)
        {
            var parts = new List<string>();
            int start = 0, i = 0;
            while (i < p.Length)
            {
                if (p[i] != '/') { i++; continue; }
                parts.Add(p.Substring(start, i - start));
                while (i < p.Length && p[i] == '/') i++;
                start = i;
            }
            parts.Add(p.Substring(start));
            return parts;
        }

        // ---- preprocessing (optimizationLevel) -------------------------------------------------------------

        private List<List<string>> Preprocess(List<List<string>> globParts)
        {
            if (_options.OptimizationLevel >= 2) return SecondPhase(FirstPhase(globParts));
            if (_options.OptimizationLevel >= 1) return globParts.Select(LevelOne).ToList();
            return globParts.Select(RemoveAdjacentGlobstars).ToList();
        }

        private static List<string> RemoveAdjacentGlobstars(List<string> parts)
        {
            var result = new List<string>();
            foreach (var p in parts)
                if (!(p == "**" && result.Count > 0 && result[result.Count - 1] == "**")) result.Add(p);
            return result;
        }

        private static List<string> LevelOne(List<string> parts)
        {
            var set = new List<string>();
            foreach (var part in parts)
            {
                var prev = set.Count > 0 ? set[set.Count - 1] : null;
                if (part == "**" && prev == "**") continue;
                if (part == ".." && !string.IsNullOrEmpty(prev) && prev != ".." && prev != "." && prev != "**")
                {
                    set.RemoveAt(set.Count - 1);
                    continue;
                }
                set.Add(part);
            }
            return set.Count == 0 ? new List<string> { "" } : set;
        }

        /// <summary>levelTwoFileOptimize: squeeze '.' and '' portions and resolve "p/.." in a path being matched.</summary>
        private List<string> LevelTwoFile(List<string> parts)
        {
            parts = new List<string>(parts);
            bool did;
            do
            {
                did = false;
                for (int i = 1; i < parts.Count - 1; i++)
                {
                    var p = parts[i];
                    if (i == 1 && p.Length == 0 && parts[0].Length == 0) continue;
                    if (p == "." || p.Length == 0) { did = true; parts.RemoveAt(i); i--; }
                }
                if (At(parts, 0) == "." && parts.Count == 2 && (parts[1] == "." || parts[1].Length == 0)) { did = true; parts.RemoveAt(1); }
                int dd = 0;
                while (-1 != (dd = IndexOf(parts, "..", dd + 1)))
                {
                    var p = At(parts, dd - 1) ?? "";
                    if (p.Length > 0 && p != "." && p != ".." && p != "**" && !(_options.IsWindows && IsDrive(p)))
                    {
                        did = true;
                        parts.RemoveRange(dd - 1, 2);
                        dd -= 2;
                    }
                }
            } while (did);
            return parts.Count == 0 ? new List<string> { "" } : parts;
        }

        private static bool IsDrive(string p) => p.Length == 2 && p[1] == ':' && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z');

        private static int IndexOf(List<string> parts, string value, int from)
        {
            for (int i = Math.Max(from, 0); i < parts.Count; i++) if (parts[i] == value) return i;
            return -1;
        }

        private static List<List<string>> FirstPhase(List<List<string>> globParts)
        {
            bool did;
            do
            {
                did = false;
                for (int pi = 0; pi < globParts.Count; pi++)
                {
                    var parts = globParts[pi];
                    int gs = -1;
                    while (-1 != (gs = IndexOf(parts, "**", gs + 1)))
                    {
                        int gss = gs;
                        while (gss + 1 < parts.Count && parts[gss + 1] == "**") gss++;
                        if (gss > gs) parts.RemoveRange(gs + 1, gss - gs);
                        var next = At(parts, gs + 1);
                        var p = At(parts, gs + 2);
                        var p2 = At(parts, gs + 3);
                        if (next != "..") continue;
                        if (string.IsNullOrEmpty(p) || p == "." || p == ".." || string.IsNullOrEmpty(p2) || p2 == "." || p2 == "..") continue;
                        did = true;
                        parts.RemoveAt(gs);
                        var other = new List<string>(parts);
                        other[gs] = "**";
                        globParts.Add(other);
                        gs--;
                    }
                    for (int i = 1; i < parts.Count - 1; i++)
                    {
                        var p = parts[i];
                        if (i == 1 && p.Length == 0 && parts[0].Length == 0) continue;
                        if (p == "." || p.Length == 0) { did = true; parts.RemoveAt(i); i--; }
                    }
                    if (parts[0] == "." && parts.Count == 2 && (parts[1] == "." || parts[1].Length == 0)) { did = true; parts.RemoveAt(1); }
                    int dd = 0;
                    while (-1 != (dd = IndexOf(parts, "..", dd + 1)))
                    {
                        var p = At(parts, dd - 1) ?? "";
                        if (p.Length > 0 && p != "." && p != ".." && p != "**")
                        {
                            did = true;
                            bool needDot = dd == 1 && At(parts, dd + 1) == "**";
                            parts.RemoveRange(dd - 1, 2);
                            if (needDot) parts.Insert(dd - 1, ".");
                            if (parts.Count == 0) parts.Add("");
                            dd -= 2;
                        }
                    }
                }
            } while (did);
            return globParts;
        }

        private static string? At(List<string> parts, int i) => i >= 0 && i < parts.Count ? parts[i] : null;

        private List<List<string>> SecondPhase(List<List<string>> globParts)
        {
            for (int i = 0; i < globParts.Count - 1; i++)
                for (int j = i + 1; j < globParts.Count; j++)
                {
                    var matched = PartsMatch(globParts[i], globParts[j], true);
                    if (matched != null)
                    {
                        globParts[i] = new List<string>();
                        globParts[j] = matched;
                        break;
                    }
                }
            return globParts.Where(g => g.Count > 0).ToList();
        }

        private List<string>? PartsMatch(List<string> a, List<string> b, bool emptyGSMatch)
        {
            int ai = 0, bi = 0;
            var result = new List<string>();
            char which = ' ';
            while (ai < a.Count && bi < b.Count)
            {
                if (a[ai] == b[bi]) { result.Add(which == 'b' ? b[bi] : a[ai]); ai++; bi++; }
                else if (emptyGSMatch && a[ai] == "**" && b[bi] == At(a, ai + 1)) { result.Add(a[ai]); ai++; }
                else if (emptyGSMatch && b[bi] == "**" && a[ai] == At(b, bi + 1)) { result.Add(b[bi]); bi++; }
                else if (a[ai] == "*" && b[bi].Length > 0 && (_options.Dot || !b[bi].StartsWith(".", StringComparison.Ordinal)) && b[bi] != "**")
                {
                    if (which == 'b') return null;
                    which = 'a'; result.Add(a[ai]); ai++; bi++;
                }
                else if (b[bi] == "*" && a[ai].Length > 0 && (_options.Dot || !a[ai].StartsWith(".", StringComparison.Ordinal)) && a[ai] != "**")
                {
                    if (which == 'a') return null;
                    which = 'b'; result.Add(b[bi]); ai++; bi++;
                }
                else return null;
            }
            return a.Count == b.Count ? result : null;
        }

        // ---- one path portion ------------------------------------------------------------------------------

        private const string Qmark = "[^/]";
        private const string Star = Qmark + "*?";
        private const string StarNoEmpty = Qmark + "+?";
        private const string StartNoTraversal = @"(?!(?:^|/)\.\.?(?:\z|/))";
        private const string StartNoDot = @"(?!\.)";

        private static readonly Regex StarRE = new Regex(@"^\*+\z", RegexOptions.CultureInvariant);
        private static readonly Regex StarDotExtRE = new Regex(@"^\*+([^+@!?*\[(]*)\z", RegexOptions.CultureInvariant);
        private static readonly Regex QmarksRE = new Regex(@"^\?+([^+@!?*\[(]*)?\z", RegexOptions.CultureInvariant);
        private static readonly Regex StarDotStarRE = new Regex(@"^\*+\.\*+\z", RegexOptions.CultureInvariant);
        private static readonly Regex DotStarRE = new Regex(@"^\.\*+\z", RegexOptions.CultureInvariant);

        private object Parse(string pattern)
        {
            AssertValidPattern(pattern);
            if (pattern == "**") return GlobStar.Instance;
            if (pattern.Length == 0) return "";
            var fast = FastTest(pattern);
            if (HasExtglob(pattern)) throw new UnsupportedGlobException(pattern);

            var (src, hasMagic) = ParseGlob(pattern, noEmpty: true);
            string start = "";
            bool dotTravAllowed = pattern == "." || pattern == "..";
            if (!dotTravAllowed)
            {
                bool aps(int i) => i < src.Length && (src[i] == '[' || src[i] == '.');
                bool needNoTrav = (_options.Dot && aps(0)) || (src.StartsWith("\\.", StringComparison.Ordinal) && aps(2))
                    || (src.StartsWith("\\.\\.", StringComparison.Ordinal) && aps(4));
                bool needNoDot = !_options.Dot && aps(0);
                start = needNoTrav ? StartNoTraversal : needNoDot ? StartNoDot : "";
            }
            var body = Unescape(src);
            bool anyMagic = hasMagic || (_options.NoCase && !_options.NoCaseMagicOnly && pattern.ToUpperInvariant() != pattern.ToLowerInvariant());
            if (!anyMagic) return body;
            var options = RegexOptions.CultureInvariant | (_options.NoCase ? RegexOptions.IgnoreCase : RegexOptions.None);
            return new MagicPart(new Regex("^" + start + src + @"\z", options), fast, pattern);
        }

        /// <summary>An extglob opener (one of !?+*@ followed by '(') outside a bracket class and not escaped.</summary>
        private static bool HasExtglob(string str)
        {
            bool escaping = false, inBrace = false, braceNeg = false;
            int braceStart = -1;
            for (int i = 0; i < str.Length;)
            {
                char c = str[i++];
                if (escaping || c == '\\') { escaping = !escaping; continue; }
                if (inBrace)
                {
                    if (i == braceStart + 1) { if (c == '^' || c == '!') braceNeg = true; }
                    else if (c == ']' && !(i == braceStart + 2 && braceNeg)) inBrace = false;
                    continue;
                }
                if (c == '[') { inBrace = true; braceStart = i; braceNeg = false; continue; }
                if ("!?+*@".IndexOf(c) >= 0 && i < str.Length && str[i] == '(') return true;
            }
            return false;
        }

        /// <summary>minimatch's fast tests for *, *.ext, ???, ???.ext, *.*, .* (they replace the regex test).</summary>
        private Func<string, bool>? FastTest(string pattern)
        {
            bool dot = _options.Dot, nocase = _options.NoCase;
            Match m;
            if (StarRE.IsMatch(pattern))
                return dot ? (Func<string, bool>)(f => f.Length != 0 && f != "." && f != "..") : f => f.Length != 0 && !f.StartsWith(".", StringComparison.Ordinal);
            if ((m = StarDotExtRE.Match(pattern)).Success)
            {
                var ext = m.Groups[1].Value;
                if (nocase)
                {
                    var lower = Js.JsCase.ToLowerCase(ext);
                    return dot ? (Func<string, bool>)(f => Js.JsCase.ToLowerCase(f).EndsWith(lower, StringComparison.Ordinal))
                        : f => !f.StartsWith(".", StringComparison.Ordinal) && Js.JsCase.ToLowerCase(f).EndsWith(lower, StringComparison.Ordinal);
                }
                return dot ? (Func<string, bool>)(f => f.EndsWith(ext, StringComparison.Ordinal))
                    : f => !f.StartsWith(".", StringComparison.Ordinal) && f.EndsWith(ext, StringComparison.Ordinal);
            }
            if ((m = QmarksRE.Match(pattern)).Success)
            {
                int len = m.Value.Length;
                var ext = m.Groups[1].Success ? m.Groups[1].Value : "";
                Func<string, bool> noext = dot ? (Func<string, bool>)(f => f.Length == len && f != "." && f != "..")
                    : f => f.Length == len && !f.StartsWith(".", StringComparison.Ordinal);
                if (ext.Length == 0) return noext;
                if (nocase)
                {
                    var lower = Js.JsCase.ToLowerCase(ext);
                    return f => noext(f) && Js.JsCase.ToLowerCase(f).EndsWith(lower, StringComparison.Ordinal);
                }
                return f => noext(f) && f.EndsWith(ext, StringComparison.Ordinal);
            }
            if (StarDotStarRE.IsMatch(pattern))
                return dot ? (Func<string, bool>)(f => f != "." && f != ".." && f.IndexOf('.') >= 0)
                    : f => !f.StartsWith(".", StringComparison.Ordinal) && f.IndexOf('.') >= 0;
            if (DotStarRE.IsMatch(pattern))
                return f => f != "." && f != ".." && f.StartsWith(".", StringComparison.Ordinal);
            return null;
        }

        private const string ReSpecials = "().*{}+?[]^$\\!";

        /// <summary>AST.#parseGlob for a portion without extglobs: the regex source and whether it has magic.</summary>
        private static (string Source, bool HasMagic) ParseGlob(string glob, bool noEmpty)
        {
            bool escaping = false, hasMagic = false, inStar = false;
            var re = new StringBuilder();
            for (int i = 0; i < glob.Length; i++)
            {
                char c = glob[i];
                if (escaping)
                {
                    escaping = false;
                    re.Append(ReSpecials.IndexOf(c) >= 0 ? "\\" : "").Append(c);
                    continue;
                }
                if (c == '*')
                {
                    if (inStar) continue;
                    inStar = true;
                    re.Append(noEmpty && glob.All(x => x == '*') ? StarNoEmpty : Star);
                    hasMagic = true;
                    continue;
                }
                inStar = false;
                if (c == '\\')
                {
                    if (i == glob.Length - 1) re.Append("\\\\");
                    else escaping = true;
                    continue;
                }
                if (c == '[')
                {
                    var (src, consumed, magic) = ParseClass(glob, i);
                    if (consumed > 0)
                    {
                        re.Append(src);
                        i += consumed - 1;
                        hasMagic = hasMagic || magic;
                        continue;
                    }
                }
                if (c == '?')
                {
                    re.Append(Qmark);
                    hasMagic = true;
                    continue;
                }
                re.Append(RegExpEscape(c));
            }
            return (re.ToString(), hasMagic);
        }

        /// <summary>regExpEscape of one character: /[-[\]{}()*+?.,\\^$|#\s]/ gets a backslash.</summary>
        private static string RegExpEscape(char c) =>
            "-[]{}()*+?.,\\^$|#".IndexOf(c) >= 0 || Js.JsText.IsWhiteSpace(c) ? "\\" + c : c.ToString();

        private static readonly (string Name, string Source, bool Negated)[] PosixClasses =
        {
            ("[:alnum:]", @"\p{L}\p{Nl}\p{Nd}", false), ("[:alpha:]", @"\p{L}\p{Nl}", false), ("[:ascii:]", @"\x00-\x7f", false),
            ("[:blank:]", @"\p{Zs}\t", false), ("[:cntrl:]", @"\p{Cc}", false), ("[:digit:]", @"\p{Nd}", false),
            ("[:graph:]", @"\p{Z}\p{C}", true), ("[:lower:]", @"\p{Ll}", false), ("[:print:]", @"\p{C}", false),
            ("[:punct:]", @"\p{P}", false), ("[:space:]", @"\p{Z}\t\r\n\v\f", false), ("[:upper:]", @"\p{Lu}", false),
            ("[:word:]", @"\p{L}\p{Nl}\p{Nd}\p{Pc}", false), ("[:xdigit:]", "A-Fa-f0-9", false),
        };

        private const string NeverMatches = "(?!)";

        private static string BraceEscape(string s)
        {
            var sb = new StringBuilder();
            foreach (var c in s) { if (c == '[' || c == ']' || c == '\\' || c == '-') sb.Append('\\'); sb.Append(c); }
            return sb.ToString();
        }

        /// <summary>brace-expressions.js parseClass: [source, consumed length, magic]; consumed 0 when it is no class.</summary>
        private static (string Source, int Consumed, bool Magic) ParseClass(string glob, int position)
        {
            var ranges = new List<string>();
            var negs = new List<string>();
            int i = position + 1, endPos = position;
            bool sawStart = false, escaping = false, negate = false;
            string rangeStart = "";
            while (i < glob.Length)
            {
                char c = glob[i];
                if ((c == '!' || c == '^') && i == position + 1) { negate = true; i++; continue; }
                if (c == ']' && sawStart && !escaping) { endPos = i + 1; break; }
                sawStart = true;
                if (c == '\\' && !escaping) { escaping = true; i++; continue; }
                if (c == '[' && !escaping)
                {
                    bool found = false;
                    foreach (var (name, source, negated) in PosixClasses)
                    {
                        if (string.CompareOrdinal(glob, i, name, 0, name.Length) != 0) continue;
                        if (rangeStart.Length > 0) return (NeverMatches, glob.Length - position, true);
                        i += name.Length;
                        (negated ? negs : ranges).Add(source);
                        found = true;
                        break;
                    }
                    if (found) continue;
                }
                escaping = false;
                if (rangeStart.Length > 0)
                {
                    if (string.CompareOrdinal(c.ToString(), rangeStart) > 0) ranges.Add(BraceEscape(rangeStart) + "-" + BraceEscape(c.ToString()));
                    else if (c.ToString() == rangeStart) ranges.Add(BraceEscape(c.ToString()));
                    rangeStart = "";
                    i++;
                    continue;
                }
                if (string.CompareOrdinal(glob, i + 1, "-]", 0, 2) == 0 && i + 3 <= glob.Length)
                {
                    ranges.Add(BraceEscape(c + "-"));
                    i += 2;
                    continue;
                }
                if (i + 1 < glob.Length && glob[i + 1] == '-')
                {
                    rangeStart = c.ToString();
                    i += 2;
                    continue;
                }
                ranges.Add(BraceEscape(c.ToString()));
                i++;
            }
            if (endPos < i) return ("", 0, false);
            if (ranges.Count == 0 && negs.Count == 0) return (NeverMatches, glob.Length - position, true);
            if (negs.Count == 0 && ranges.Count == 1 && IsSingleChar(ranges[0]) && !negate)
            {
                var r = ranges[0].Length == 2 ? ranges[0].Substring(1) : ranges[0];
                return (RegExpEscape(r[0]), endPos - position, false);
            }
            var sranges = "[" + (negate ? "^" : "") + string.Concat(ranges) + "]";
            var snegs = "[" + (negate ? "" : "^") + string.Concat(negs) + "]";
            var comb = ranges.Count > 0 && negs.Count > 0 ? "(" + sranges + "|" + snegs + ")" : ranges.Count > 0 ? sranges : snegs;
            return (comb, endPos - position, true);
        }

        /// <summary>/^\\?.$/: one character, possibly escaped ('.' is not a line terminator).</summary>
        private static bool IsSingleChar(string s)
        {
            var body = s.Length == 2 && s[0] == '\\' ? s.Substring(1) : s;
            return body.Length == 1 && !Js.JsText.IsLineTerminator(body[0]);
        }

        private static readonly Regex UnescapeClass = new Regex(@"((?!\\)[^\n\r\u2028\u2029]|^)\[([^/\\])\]", RegexOptions.CultureInvariant);
        private static readonly Regex UnescapeChar = new Regex(@"\\([^/])", RegexOptions.CultureInvariant);

        /// <summary>unescape(s) with minimatch's defaults: [x] to x, \x to x.</summary>
        private static string Unescape(string s) => UnescapeChar.Replace(UnescapeClass.Replace(s, "$1$2"), "$1");

        // ---- matching --------------------------------------------------------------------------------------

        public bool Match(string f) => Match(f, _options.Partial);

        public bool Match(string f, bool partial)
        {
            if (Comment) return false;
            if (Empty) return f.Length == 0;
            if (f == "/" && partial) return true;
            if (_options.IsWindows) f = f.Replace('\\', '/');
            var ff = SlashSplit(f);
            foreach (var pattern in Set)
                if (MatchOne(ff, pattern, partial)) return !Negate;
            return Negate;
        }

        private bool MatchOne(List<string> file, List<object> pattern, bool partial)
        {
            if (_options.OptimizationLevel >= 2) file = LevelTwoFile(file);
            if (pattern.Any(p => p is GlobStar)) return MatchGlobstar(file, pattern, partial, 0, 0);
            return MatchParts(file, pattern, partial, 0, 0);
        }

        private bool MatchGlobstar(List<string> file, List<object> pattern, bool partial, int fileIndex, int patternIndex)
        {
            int firstgs = pattern.FindIndex(patternIndex, p => p is GlobStar);
            int lastgs = pattern.FindLastIndex(p => p is GlobStar);
            var head = Slice(pattern, patternIndex, firstgs);
            var body = partial ? Slice(pattern, firstgs + 1, pattern.Count) : Slice(pattern, firstgs + 1, lastgs);
            var tail = partial ? new List<object>() : Slice(pattern, lastgs + 1, pattern.Count);

            if (head.Count > 0)
            {
                var fileHead = Slice(file, fileIndex, fileIndex + head.Count);
                if (!MatchParts(fileHead, head, partial, 0, 0)) return false;
                fileIndex += head.Count;
            }
            int fileTailMatch = 0;
            if (tail.Count > 0)
            {
                if (tail.Count + fileIndex > file.Count) return false;
                int tailStart = file.Count - tail.Count;
                if (MatchParts(file, tail, partial, tailStart, 0)) fileTailMatch = tail.Count;
                else
                {
                    if (file[file.Count - 1].Length != 0 || fileIndex + tail.Count == file.Count) return false;
                    tailStart--;
                    if (!MatchParts(file, tail, partial, tailStart, 0)) return false;
                    fileTailMatch = tail.Count + 1;
                }
            }
            if (body.Count == 0)
            {
                bool sawSome = fileTailMatch > 0;
                for (int i = fileIndex; i < file.Count - fileTailMatch; i++)
                {
                    var f = file[i];
                    sawSome = true;
                    if (f == "." || f == ".." || (!_options.Dot && f.StartsWith(".", StringComparison.Ordinal))) return false;
                }
                return partial || sawSome;
            }
            var segments = new List<(List<object> Body, int After)> { (new List<object>(), 0) };
            int nonGsParts = 0;
            var sums = new List<int> { 0 };
            foreach (var b in body)
            {
                if (b is GlobStar) { sums.Add(nonGsParts); segments.Add((new List<object>(), 0)); }
                else { segments[segments.Count - 1].Body.Add(b); nonGsParts++; }
            }
            int idx = segments.Count - 1;
            int fileLength = file.Count - fileTailMatch;
            for (int s = 0; s < segments.Count; s++)
                segments[s] = (segments[s].Body, fileLength - (sums[idx--] + segments[s].Body.Count));
            return MatchBodySections(file, segments, fileIndex, 0, partial, 0, fileTailMatch > 0) == true;
        }

        private const int MaxGlobstarRecursion = 200;

        /// <summary>false: no match; null: no match and no point trying further; true: match.</summary>
        private bool? MatchBodySections(List<string> file, List<(List<object> Body, int After)> segments, int fileIndex, int bodyIndex,
            bool partial, int depth, bool sawTail)
        {
            if (bodyIndex >= segments.Count)
            {
                for (int i = fileIndex; i < file.Count; i++)
                {
                    sawTail = true;
                    var f = file[i];
                    if (f == "." || f == ".." || (!_options.Dot && f.StartsWith(".", StringComparison.Ordinal))) return false;
                }
                return sawTail;
            }
            var (body, after) = segments[bodyIndex];
            while (fileIndex <= after)
            {
                var m = MatchParts(Slice(file, 0, fileIndex + body.Count), body, partial, fileIndex, 0);
                if (m && depth < MaxGlobstarRecursion)
                {
                    var sub = MatchBodySections(file, segments, fileIndex + body.Count, bodyIndex + 1, partial, depth + 1, sawTail);
                    if (sub != false) return sub;
                }
                if (fileIndex >= file.Count)
                {
                    // file[fileIndex] is undefined in the JavaScript: harmless with dot, a TypeError without
                    if (!_options.Dot) throw new JsTypeErrorException("Cannot read properties of undefined (reading 'startsWith')");
                }
                else
                {
                    var f = file[fileIndex];
                    if (f == "." || f == ".." || (!_options.Dot && f.StartsWith(".", StringComparison.Ordinal))) return false;
                }
                fileIndex++;
            }
            return partial ? true : (bool?)null;
        }

        /// <summary>Array.prototype.slice(start, end) for non-negative bounds: empty when end &lt;= start.</summary>
        private static List<T> Slice<T>(List<T> list, int start, int end)
        {
            start = Math.Min(Math.Max(start, 0), list.Count);
            end = Math.Min(Math.Max(end, start), list.Count);
            return list.GetRange(start, end - start);
        }

        private static bool MatchParts(List<string> file, List<object> pattern, bool partial, int fileIndex, int patternIndex)
        {
            int fi = fileIndex, pi = patternIndex, fl = file.Count, pl = pattern.Count;
            for (; fi < fl && pi < pl; fi++, pi++)
            {
                var p = pattern[pi];
                var f = file[fi];
                if (p is GlobStar) return false;
                bool hit = p is string s ? f == s : ((MagicPart)p).Test(f);
                if (!hit) return false;
            }
            if (fi == fl && pi == pl) return true;
            if (fi == fl) return partial;
            return fi == fl - 1 && file[fi].Length == 0;
        }
    }
}
