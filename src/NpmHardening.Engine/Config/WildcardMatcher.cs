using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// Whole-text matching of wildcard patterns in time linear in the text (times the pattern's size), whatever the
    /// pattern: a Thompson automaton run on sets of states, never backtracking. Translated to a regular expression,
    /// <c>*a*a*a*b</c> against a long key, or a glob of many <c>{a,}</c> groups against a short name, backtracks
    /// exponentially, and both the patterns (in an npmrc value) and the texts (npmrc keys) can come from a user.
    /// Parsing and construction use explicit stacks, so deep nesting cannot overflow the stack either.
    /// </summary>
    internal sealed class WildcardMatcher
    {
        private enum Kind : byte { Char, Set, Any, AnyButNewLine, AnyButSlash, Split, Empty, Match }

        private struct State
        {
            public Kind Kind;
            public char C;
            public CharSet? Set;
            public int Out;
            public int Out2;
        }

        private readonly List<State> _states = new List<State>();
        private int _start;
        private readonly bool _ignoreCase;
        /// <summary>PowerShell's comparison: the text's character in lower case against the pattern's, already lowered.</summary>
        private bool _lowerCaseCompare;

        private WildcardMatcher(bool ignoreCase) { _ignoreCase = ignoreCase; }

        /// <summary>
        /// A PowerShell wildcard, matched as <c>System.Management.Automation.WildcardPattern</c> matches it (every rule-id,
        /// exclusion, policy and setting-name pattern of the module, so one pattern means one thing everywhere): <c>*</c>
        /// any run of characters (line breaks too), <c>?</c> exactly one, <c>[a-c]</c> a class of characters and ranges
        /// (no negation: <c>^</c> and <c>!</c> are literal there; a <c>]</c> right after the <c>[</c> is literal), a
        /// backtick escapes the next character (a trailing backtick is literal). Case-insensitive by default: text and
        /// pattern compare in lower case. A class left open or a range that runs backwards is invalid, as it is in
        /// PowerShell: <see cref="NpmWildcardPatternException"/>.
        /// </summary>
        public static WildcardMatcher PowerShell(string pattern, bool ignoreCase = true)
        {
            if (pattern == null) throw new ArgumentNullException(nameof(pattern));
            var m = new WildcardMatcher(ignoreCase) { _lowerCaseCompare = ignoreCase };
            var b = new Builder(m);
            bool escaped = false, inClass = false, classJustOpened = false;
            var members = new System.Text.StringBuilder();
            var isOperator = new List<bool>();
            foreach (char c in pattern)
            {
                if (inClass)
                {
                    if (c == ']' && !classJustOpened && !escaped)
                    {
                        inClass = false;
                        b.Set(ClassOf(members.ToString(), isOperator, pattern, ignoreCase));
                        members.Clear();
                        isOperator.Clear();
                    }
                    else if (c != '`' || escaped)
                    {
                        members.Append(c);
                        isOperator.Add(c == '-' && !escaped);
                    }
                    classJustOpened = false;
                }
                else if (c == '*' && !escaped) b.Star(Kind.Any);
                else if (c == '?' && !escaped) b.One(Kind.Any);
                else if (c == '[' && !escaped) { inClass = true; classJustOpened = true; }
                else if (c != '`' || escaped) b.Char(ignoreCase ? char.ToLowerInvariant(c) : c);
                escaped = c == '`' && !escaped;
            }
            if (inClass) throw new NpmWildcardPatternException(pattern, "a [ class is not closed by ]");
            // PowerShell keeps a trailing backtick as a character, except in the pattern made of that one backtick
            if (escaped && pattern != "`") b.Char('`');
            return b.Finish();
        }

        /// <summary>The members of a PowerShell class: <c>x-y</c> is a range where an unescaped '-' has a character on each side.</summary>
        private static CharSet ClassOf(string members, List<bool> isOperator, string pattern, bool ignoreCase)
        {
            var ranges = new List<(char, char)>();
            int i = 0;
            while (i < members.Length)
            {
                if (i + 2 < members.Length && isOperator[i + 1])
                {
                    char from = members[i], to = members[i + 2];
                    if (from > to) throw new NpmWildcardPatternException(pattern, $"the range {from}-{to} runs backwards");
                    // PowerShell builds each class as a .NET regular expression, where "-[" opens a class subtraction
                    // that the pattern never closes: it refuses every range that ends at '['
                    if (to == '[') throw new NpmWildcardPatternException(pattern, $"a range cannot end at [ ({from}-[)");
                    ranges.Add((from, to));
                    i += 3;
                }
                else
                {
                    ranges.Add((members[i], members[i]));
                    i++;
                }
            }
            return CharSet.Of(ranges, ignoreCase);
        }

        /// <summary>True when <paramref name="pattern"/> is a valid PowerShell wildcard (<see cref="PowerShell"/> accepts it).</summary>
        public static bool IsValidPowerShell(string pattern, out string? problem)
        {
            try { PowerShell(pattern); problem = null; return true; }
            catch (NpmWildcardPatternException e) { problem = e.Message; return false; }
        }

        /// <summary>
        /// minimatch's basics, as npm matches package names: <c>*</c> and <c>?</c> within a path segment, <c>**</c> across
        /// segments, <c>[…]</c> classes (<c>[!…]</c> or <c>[^…]</c> negated), <c>{a,b}</c> alternatives (nested), a backslash
        /// escapes. Null when braces do not balance (minimatch then matches the pattern literally).
        /// </summary>
        public static WildcardMatcher? Minimatch(string pattern)
        {
            var b = new Builder(new WildcardMatcher(false));
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                switch (c)
                {
                    case '*':
                        if (i + 1 < pattern.Length && pattern[i + 1] == '*') { b.Star(Kind.AnyButNewLine); i++; }
                        else b.Star(Kind.AnyButSlash);
                        break;
                    case '?': b.One(Kind.AnyButSlash); break;
                    case '[':
                        int close = pattern.IndexOf(']', i + 1);
                        if (close < 0) { b.Char('['); break; }
                        var set = CharSet.Parse(pattern.Substring(i + 1, close - i - 1), negation: "!^", ignoreCase: false);
                        if (set == null) return null;
                        b.Set(set);
                        i = close;
                        break;
                    case '{': b.Open(); break;
                    case '}' when b.Depth > 0: b.Close(); break;
                    case ',' when b.Depth > 0: b.Alternative(); break;
                    case '\\' when i + 1 < pattern.Length: b.Char(pattern[++i]); break;
                    default: b.Char(c); break;
                }
            }
            return b.Depth != 0 ? null : b.Finish();
        }

        /// <summary>Whether the whole of <paramref name="text"/> matches.</summary>
        public bool IsMatch(string text)
        {
            int n = _states.Count;
            var mark = new int[n];
            var current = new List<int>();
            var next = new List<int>();
            var stack = new Stack<int>();
            int generation = 1;
            Add(current, _start, mark, generation, stack);
            foreach (char c in text)
            {
                if (current.Count == 0) return false;
                generation++;
                next.Clear();
                foreach (int s in current)
                {
                    var st = _states[s];
                    if (Accepts(st, c)) Add(next, st.Out, mark, generation, stack);
                }
                var swap = current; current = next; next = swap;
            }
            foreach (int s in current) if (_states[s].Kind == Kind.Match) return true;
            return false;
        }

        private bool Accepts(State st, char c)
        {
            switch (st.Kind)
            {
                case Kind.Char:
                    if (_lowerCaseCompare) return st.C == char.ToLowerInvariant(c);
                    return st.C == c || _ignoreCase && CharSet.SameIgnoringCase(st.C, c);
                case Kind.Set: return st.Set!.Contains(_lowerCaseCompare ? char.ToLowerInvariant(c) : c);
                case Kind.Any: return true;
                case Kind.AnyButNewLine: return c != '\n';
                case Kind.AnyButSlash: return c != '/';
                default: return false;
            }
        }

        /// <summary>Adds a state and everything reachable from it without reading a character.</summary>
        private void Add(List<int> list, int state, int[] mark, int generation, Stack<int> stack)
        {
            stack.Push(state);
            while (stack.Count > 0)
            {
                int s = stack.Pop();
                if (s < 0 || mark[s] == generation) continue;
                mark[s] = generation;
                var st = _states[s];
                if (st.Kind == Kind.Split) { stack.Push(st.Out2); stack.Push(st.Out); }
                else if (st.Kind == Kind.Empty) stack.Push(st.Out);
                else list.Add(s);
            }
        }

        /// <summary>A piece of automaton under construction: its entry and the exits still to connect.</summary>
        private struct Fragment
        {
            public int Start;
            public List<(int State, bool Second)> Exits;
        }

        /// <summary>Thompson's construction with an explicit stack of open groups.</summary>
        private sealed class Builder
        {
            private readonly WildcardMatcher _m;
            private readonly Stack<(List<Fragment> Alternatives, Fragment? Sequence)> _groups = new Stack<(List<Fragment>, Fragment?)>();
            private List<Fragment> _alternatives = new List<Fragment>();
            private Fragment? _sequence;

            public Builder(WildcardMatcher m) { _m = m; }

            public int Depth => _groups.Count;

            private int NewState(Kind kind, char c = '\0', CharSet? set = null)
            {
                _m._states.Add(new State { Kind = kind, C = c, Set = set, Out = -1, Out2 = -1 });
                return _m._states.Count - 1;
            }

            private static Fragment Single(int state) => new Fragment { Start = state, Exits = new List<(int, bool)> { (state, false) } };

            private void Append(Fragment f)
            {
                if (_sequence is Fragment s)
                {
                    Connect(s.Exits, f.Start);
                    _sequence = new Fragment { Start = s.Start, Exits = f.Exits };
                }
                else _sequence = f;
            }

            private void Connect(List<(int State, bool Second)> exits, int target)
            {
                foreach (var (state, second) in exits)
                {
                    var st = _m._states[state];
                    if (second) st.Out2 = target; else st.Out = target;
                    _m._states[state] = st;
                }
            }

            public void Char(char c) => Append(Single(NewState(Kind.Char, c)));
            public void One(Kind any) => Append(Single(NewState(any)));
            public void Set(CharSet set) => Append(Single(NewState(Kind.Set, set: set)));

            public void Star(Kind any)
            {
                // split → (consume → back to split) | exit
                int split = NewState(Kind.Split);
                int consume = NewState(any);
                var st = _m._states[consume];
                st.Out = split;
                _m._states[consume] = st;
                var sp = _m._states[split];
                sp.Out = consume;
                _m._states[split] = sp;
                Append(new Fragment { Start = split, Exits = new List<(int, bool)> { (split, true) } });
            }

            public void Open()
            {
                _groups.Push((_alternatives, _sequence));
                _alternatives = new List<Fragment>();
                _sequence = null;
            }

            public void Alternative()
            {
                _alternatives.Add(_sequence ?? Single(NewState(Kind.Empty)));
                _sequence = null;
            }

            public void Close()
            {
                Alternative();
                var group = Alternate(_alternatives);
                var (alternatives, sequence) = _groups.Pop();
                _alternatives = alternatives;
                _sequence = sequence;
                Append(group);
            }

            private Fragment Alternate(List<Fragment> options)
            {
                if (options.Count == 1) return options[0];
                // a chain of splits, one per option
                var exits = new List<(int, bool)>();
                int start = -1, previous = -1;
                for (int i = 0; i < options.Count; i++)
                {
                    exits.AddRange(options[i].Exits);
                    if (i == options.Count - 1)
                    {
                        Connect(new List<(int, bool)> { (previous, true) }, options[i].Start);
                        break;
                    }
                    int split = NewState(Kind.Split);
                    Connect(new List<(int, bool)> { (split, false) }, options[i].Start);
                    if (previous >= 0) Connect(new List<(int, bool)> { (previous, true) }, split);
                    else start = split;
                    previous = split;
                }
                return new Fragment { Start = start, Exits = exits };
            }

            public WildcardMatcher Finish()
            {
                int match = NewState(Kind.Match);
                if (_sequence is Fragment s)
                {
                    Connect(s.Exits, match);
                    _m._start = s.Start;
                }
                else _m._start = match;
                return _m;
            }
        }

        /// <summary>A bracket class: single characters and ranges, possibly negated.</summary>
        internal sealed class CharSet
        {
            /// <summary>Matches no character (a class whose range runs backwards).</summary>
            public static readonly CharSet Nothing = new CharSet();
            private readonly List<(char From, char To)> _ranges = new List<(char, char)>();
            private bool _negated;
            private bool _ignoreCase;

            /// <summary>The body between the brackets; null when a range runs backwards (the expression it replaces was invalid then).</summary>
            public static CharSet? Parse(string body, string negation, bool ignoreCase)
            {
                var set = new CharSet { _ignoreCase = ignoreCase };
                int i = 0;
                if (body.Length > 0 && negation.IndexOf(body[0]) >= 0) { set._negated = true; i = 1; }
                for (; i < body.Length; i++)
                {
                    char from = body[i];
                    if (i + 2 < body.Length && body[i + 1] == '-')
                    {
                        char to = body[i + 2];
                        if (to < from) return null;
                        set._ranges.Add((from, to));
                        i += 2;
                    }
                    else set._ranges.Add((from, from));
                }
                return set;
            }

            /// <summary>A class of the given characters and ranges, never negated.</summary>
            public static CharSet Of(List<(char From, char To)> ranges, bool ignoreCase)
            {
                var set = new CharSet { _ignoreCase = ignoreCase };
                set._ranges.AddRange(ranges);
                return set;
            }

            public bool Contains(char c)
            {
                bool found = In(c) || _ignoreCase && (In(char.ToLowerInvariant(c)) || In(char.ToUpperInvariant(c)));
                return found != _negated;
            }

            private bool In(char c)
            {
                foreach (var (from, to) in _ranges) if (c >= from && c <= to) return true;
                return false;
            }

            public static bool SameIgnoringCase(char a, char b) =>
                char.ToLowerInvariant(a) == char.ToLowerInvariant(b) || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);
        }
    }
}
