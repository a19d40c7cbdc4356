using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>
    /// A single-pass, recursive-descent reader of POSIX shell (bash/sh) scripts into simple commands. It knows the
    /// lexical rules that decide where a command and a word end — quotes, escapes, continuations, comments, operators,
    /// substitutions, heredocs, reserved words — and nothing about what commands mean. Every character is looked at a
    /// bounded number of times and nesting is capped, so hostile input costs linear time and bounded stack.
    /// </summary>
    internal sealed class PosixScriptParser
    {
        private enum Until { End, Paren, Backtick, CaseItem }

        private sealed class PendingHeredoc
        {
            public string Delimiter = "";
            public bool StripTabs;
            public bool Quoted;
            public ShellCommand? Owner;
        }

        private readonly string _s;
        private readonly ShellScriptBuilder _b;
        private int _pos;
        private readonly List<PendingHeredoc> _pending = new List<PendingHeredoc>();

        public PosixScriptParser(string script, ShellScriptBuilder builder) { _s = script; _b = builder; }

        public void Parse()
        {
            ParseList(Until.End, 0, null);
            if (_pending.Count > 0) ReadHeredocBodies();
        }

        private char At(int p) => p < _s.Length ? _s[p] : '\0';
        private bool Eof => _pos >= _s.Length;

        private void SkipBlanks()
        {
            while (_pos < _s.Length)
            {
                char c = _s[_pos];
                if (c == ' ' || c == '\t' || c == '\r') _pos++;
                else if (c == '\\' && At(_pos + 1) == '\n') _pos = Math.Min(_s.Length, _pos + 2);
                else if (c == '\\' && At(_pos + 1) == '\r' && At(_pos + 2) == '\n') _pos = Math.Min(_s.Length, _pos + 3);
                else break;
            }
        }

        private void SkipComment()
        {
            while (_pos < _s.Length && _s[_pos] != '\n') _pos++;
        }

        // A list: commands separated by ; & && || | and newlines, until the terminator of the construct it is in.
        private void ParseList(Until until, int depth, string? stopWord)
        {
            ShellCommand? pipeFrom = null;
            bool piped = false;
            while (!Eof)
            {
                if (_b.Full) { _b.Truncated = true; _pos = _s.Length; return; }
                SkipBlanks();
                if (Eof) return;
                char c = _s[_pos];
                switch (c)
                {
                    case '#': SkipComment(); continue;
                    case '\n':
                        _pos++;
                        if (_pending.Count > 0) ReadHeredocBodies();
                        piped = false;
                        continue;
                    case ';':
                        if (until == Until.CaseItem && At(_pos + 1) == ';') return;
                        if (until == Until.CaseItem && At(_pos + 1) == '&') return;
                        _pos++; piped = false; continue;
                    case '&':
                        _pos += At(_pos + 1) == '&' ? 2 : 1; piped = false; continue;
                    case '|':
                        if (At(_pos + 1) == '|') { _pos = Math.Min(_s.Length, _pos + 2); piped = false; continue; }
                        _pos += At(_pos + 1) == '&' ? 2 : 1; piped = true; continue;
                    case ')':
                        if (until == Until.Paren) return;
                        _pos++; continue;
                    case '`':
                        if (until == Until.Backtick) return;
                        break;
                    case '(':
                        if (At(_pos + 1) == '(') { SkipArithmetic(); continue; }
                        _pos++;
                        ParseNested(Until.Paren, depth);
                        if (At(_pos) == ')') _pos++;
                        piped = false;
                        continue;
                }
                var cmd = ParseCommand(until, depth, stopWord, out bool stop);
                if (stop) return;
                if (cmd != null)
                {
                    if (piped && pipeFrom != null) { cmd.PipedFrom = pipeFrom; pipeFrom.PipedTo = cmd; }
                    pipeFrom = cmd;
                }
                piped = false;
            }
        }

        private void ParseNested(Until until, int depth)
        {
            if (depth + 1 > ShellScriptBuilder.MaxDepth)
            {
                _b.Truncated = true;
                SkipBalanced(until == Until.Paren ? ')' : '`');
                return;
            }
            var saved = _b.Save();
            ParseList(until, depth + 1, null);
            _b.Restore(saved);
        }

        // Past the nesting limit: skips to the matching close without reading commands (counting parens, minding quotes).
        private void SkipBalanced(char close)
        {
            int level = 0;
            while (_pos < _s.Length)
            {
                char c = _s[_pos];
                if (c == '\\') { _pos = Math.Min(_s.Length, _pos + 2); continue; }
                if (c == '\'') { int q = _s.IndexOf('\'', _pos + 1); _pos = q < 0 ? _s.Length : q + 1; continue; }
                if (close == '`' && c == '`') return;
                if (close == ')')
                {
                    if (c == '(') level++;
                    else if (c == ')') { if (level == 0) return; level--; }
                }
                _pos++;
            }
        }

        private void SkipArithmetic()
        {
            // (( … )) and $(( … )): balanced parentheses, nothing inside is a command
            int level = 0;
            while (_pos < _s.Length)
            {
                char c = _s[_pos++];
                if (c == '(') level++;
                else if (c == ')') { level--; if (level == 0) return; }
                else if (c == '\n' && level <= 0) return;
            }
        }

        private static bool IsOperatorChar(char c) => c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>';

        private static readonly HashSet<string> LeadingReserved = new HashSet<string>(StringComparer.Ordinal)
        { "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "coproc" };
        private static readonly HashSet<string> ClosingReserved = new HashSet<string>(StringComparer.Ordinal)
        { "fi", "done", "esac", "}" };

        // One simple command. Returns null when nothing was emitted (a reserved word alone, a function header).
        private ShellCommand? ParseCommand(Until until, int depth, string? stopWord, out bool stop)
        {
            stop = false;
            int start = _pos;
            int cmdStart = -1;
            var words = new List<ShellWord>();
            List<ShellRedirection>? redirs = null;
            List<ShellAssignment>? prefix = null;
            List<PendingHeredoc>? heredocs = null;
            bool inDoubleBracket = false;
            bool skipCommand = false; // for / select / case headers and function keywords
            int lastEnd = _pos;

            while (true)
            {
                SkipBlanks();
                if (Eof) break;
                char c = _s[_pos];
                if (c == '\n') break;
                if (inDoubleBracket)
                {
                    // [[ … ]]: && || < > ( ) are operators of the test, not of the shell
                    var w = ReadWord(until, depth, ' ', testMode: true);
                    if (w == null) { _pos++; continue; }
                    lastEnd = _pos;
                    if (w.Value == "]]" && !w.Quoted) inDoubleBracket = false;
                    if (words.Count < ShellScriptBuilder.MaxWordsPerCommand) words.Add(w);
                    continue;
                }
                if (c == ';' || (c == '&' && At(_pos + 1) != '>') || c == '|' || c == ')') break;
                if (c == '`' && until == Until.Backtick) break;
                if (c == '#' ) { SkipComment(); break; }
                if (c == '(')
                {
                    if (words.Count == 1 && prefix == null)
                    {
                        // name () { … } — a function definition; the body's commands are read as commands
                        int save = _pos;
                        _pos++;
                        SkipBlanks();
                        if (At(_pos) == ')') { _pos++; return null; }
                        _pos = save;
                    }
                    if (words.Count == 0 && prefix == null && At(_pos + 1) == '(') { SkipArithmetic(); continue; }
                    break;
                }
                int fd = -2;
                if (c >= '0' && c <= '9')
                {
                    int q = _pos;
                    while (q < _s.Length && _s[q] >= '0' && _s[q] <= '9' && q - _pos < 4) q++;
                    if (q < _s.Length && (_s[q] == '>' || _s[q] == '<')) { fd = ParseInt(_pos, q); _pos = q; c = _s[_pos]; }
                }
                if (c == '<' || c == '>' || (c == '&' && At(_pos + 1) == '>'))
                {
                    redirs ??= new List<ShellRedirection>();
                    ReadRedirection(fd, until, depth, redirs, ref heredocs);
                    if (cmdStart < 0) cmdStart = start;
                    lastEnd = _pos;
                    continue;
                }
                if (cmdStart < 0) cmdStart = _pos;
                int wordStart = _pos;
                var word = ReadWord(until, depth, ' ', testMode: false);
                if (word == null) { _pos++; continue; }
                lastEnd = _pos;

                if (words.Count == 0 && !word.Quoted)
                {
                    if (stopWord != null && word.Value == stopWord) { _pos = wordStart; stop = true; return null; }
                    if (prefix == null && LeadingReserved.Contains(word.Value)) { cmdStart = -1; continue; }
                    if (prefix == null && ClosingReserved.Contains(word.Value)) { cmdStart = -1; continue; }
                    if (prefix == null && word.Value == "[[") { inDoubleBracket = true; words.Add(word); continue; }
                    if (prefix == null && (word.Value == "for" || word.Value == "select" || word.Value == "function")) { skipCommand = true; words.Add(word); continue; }
                    if (prefix == null && word.Value == "case") { ParseCase(until, depth); return null; }
                    int eq = AssignmentSplit(_s, wordStart, _pos);
                    if (eq > 0)
                    {
                        prefix ??= new List<ShellAssignment>();
                        string name = _s.Substring(wordStart, eq - wordStart);
                        string valueText = word.Value.Length > name.Length ? word.Value.Substring(word.Value.IndexOf('=') + 1) : "";
                        prefix.Add(new ShellAssignment(name.TrimEnd('+'), new ShellWord(valueText, word.Quoted, word.References), false));
                        continue;
                    }
                }
                if (words.Count < ShellScriptBuilder.MaxWordsPerCommand) words.Add(word);
                else _b.Truncated = true;
            }

            if (skipCommand || (words.Count == 0 && prefix == null && redirs == null)) return null;
            var cmd = _b.Emit(cmdStart < 0 ? start : cmdStart, Math.Max(lastEnd, cmdStart < 0 ? start : cmdStart), words, redirs, prefix, depth, null);
            if (cmd == null) return null;
            if (heredocs != null) foreach (var h in heredocs) h.Owner = cmd;
            ApplyEffects(cmd);
            return cmd;
        }

        private int ParseInt(int from, int to)
        {
            int n = 0;
            for (int i = from; i < to; i++) n = n * 10 + (_s[i] - '0');
            return n;
        }

        // cd/pushd/popd, set -x/+x, export/declare/readonly NAME=value.
        private void ApplyEffects(ShellCommand cmd)
        {
            var w = cmd.Words;
            if (w.Count == 0) return;
            string name = w[0].Value;
            switch (name)
            {
                case "cd":
                {
                    string? target = null;
                    for (int i = 1; i < w.Count; i++)
                    {
                        if (w[i].Value == "-L" || w[i].Value == "-P" || w[i].Value == "-e" || w[i].Value == "-@") continue;
                        if (w[i].Value == "--") continue;
                        target = w[i].Value; break;
                    }
                    _b.ChangeDirectory(target);
                    break;
                }
                case "pushd":
                {
                    string? target = null;
                    for (int i = 1; i < w.Count; i++) { if (w[i].Value == "-n") continue; target = w[i].Value; break; }
                    if (target != null) _b.PushDirectory(target);
                    break;
                }
                case "popd": _b.PopDirectory(); break;
                case "set":
                    for (int i = 1; i < w.Count; i++)
                    {
                        var a = w[i].Value;
                        if ((a == "-o" || a == "+o") && i + 1 < w.Count)
                        {
                            if (w[i + 1].Value == "xtrace") _b.Trace = a == "-o";
                            i++;
                            continue;
                        }
                        if (a.Length >= 2 && (a[0] == '-' || a[0] == '+') && a[1] != '-' && a.IndexOf('x') > 0)
                        {
                            _b.Trace = a[0] == '-';
                        }
                        if (a == "--") break;
                    }
                    break;
                case "export":
                case "declare":
                case "typeset":
                case "readonly":
                case "local":
                    for (int i = 1; i < w.Count; i++)
                    {
                        var v = w[i].Value;
                        int eq = v.IndexOf('=');
                        if (eq > 0 && ShellVariables.IsNameStart(v[0]))
                        {
                            bool ok = true;
                            for (int k = 0; k < eq; k++) if (!ShellVariables.IsNameChar(v[k])) { ok = false; break; }
                            if (ok)
                            {
                                var refs = new List<ShellVariableReference>();
                                foreach (var r in w[i].References) refs.Add(r);
                                _b.AddPersisting(new ShellAssignment(v.Substring(0, eq), new ShellWord(v.Substring(eq + 1), w[i].Quoted, refs), true));
                            }
                        }
                    }
                    break;
            }
        }

        // NAME=… or NAME+=… at the start of a word (unquoted name): returns the offset of '=' (or '+'), else -1.
        private static int AssignmentSplit(string s, int start, int end)
        {
            if (start >= end || !ShellVariables.IsNameStart(s[start])) return -1;
            int i = start + 1;
            while (i < end && ShellVariables.IsNameChar(s[i])) i++;
            if (i < end && s[i] == '=') return i;
            if (i + 1 < end && s[i] == '+' && s[i + 1] == '=') return i;
            return -1;
        }

        private void ReadRedirection(int fd, Until until, int depth, List<ShellRedirection> redirs, ref List<PendingHeredoc>? heredocs)
        {
            char c = _s[_pos];
            ShellRedirectionKind kind;
            int descriptor = fd;
            if (c == '&')
            {
                // &> file, &>> file
                _pos = Math.Min(_s.Length, _pos + 2);
                descriptor = -1;
                kind = ShellRedirectionKind.Write;
                if (At(_pos) == '>') { _pos++; kind = ShellRedirectionKind.Append; }
            }
            else if (c == '>')
            {
                _pos++;
                if (descriptor < 0) descriptor = 1;
                kind = ShellRedirectionKind.Write;
                if (At(_pos) == '>') { _pos++; kind = ShellRedirectionKind.Append; }
                else if (At(_pos) == '|') _pos++;
                else if (At(_pos) == '&') { _pos++; kind = ShellRedirectionKind.Duplicate; }
            }
            else
            {
                _pos++;
                if (descriptor < 0) descriptor = 0;
                kind = ShellRedirectionKind.Read;
                if (At(_pos) == '<')
                {
                    _pos++;
                    if (At(_pos) == '<') { _pos++; kind = ShellRedirectionKind.HereString; }
                    else
                    {
                        bool strip = false;
                        if (At(_pos) == '-') { _pos++; strip = true; }
                        SkipBlanks();
                        int ds = _pos;
                        var delim = ReadWord(until, depth, ' ', testMode: false, emitNested: false);
                        var h = new PendingHeredoc { Delimiter = delim?.Value ?? "", StripTabs = strip, Quoted = delim != null && delim.Quoted };
                        _pending.Add(h);
                        heredocs ??= new List<PendingHeredoc>();
                        heredocs.Add(h);
                        redirs.Add(new ShellRedirection(ShellRedirectionKind.Heredoc, 0, delim ?? new ShellWord("", false, null)));
                        return;
                    }
                }
                else if (At(_pos) == '&') { _pos++; kind = ShellRedirectionKind.Duplicate; }
                else if (At(_pos) == '>') { _pos++; }
            }
            SkipBlanks();
            var target = ReadWord(until, depth, ' ', testMode: false) ?? new ShellWord("", false, null);
            redirs.Add(new ShellRedirection(kind, descriptor, target));
        }

        // Called after a newline: reads the bodies of the heredocs opened on the line just ended.
        private void ReadHeredocBodies()
        {
            var list = _pending.ToArray();
            _pending.Clear();
            foreach (var h in list)
            {
                int bodyStart = _pos;
                int bodyEnd = _s.Length;
                bool found = false;
                while (_pos < _s.Length)
                {
                    int lineStart = _pos;
                    int nl = _s.IndexOf('\n', _pos);
                    int lineEnd = nl < 0 ? _s.Length : nl;
                    int ls = lineStart;
                    if (h.StripTabs) while (ls < lineEnd && _s[ls] == '\t') ls++;
                    int le = lineEnd;
                    if (le > ls && _s[le - 1] == '\r') le--;
                    _pos = nl < 0 ? _s.Length : nl + 1;
                    if (le - ls == h.Delimiter.Length && string.CompareOrdinal(_s, ls, h.Delimiter, 0, h.Delimiter.Length) == 0)
                    {
                        bodyEnd = lineStart;
                        found = true;
                        break;
                    }
                }
                if (!found) _b.NoteProblem("a heredoc is not terminated");
                if (h.Owner != null)
                {
                    var body = _s.Substring(bodyStart, Math.Max(0, bodyEnd - bodyStart));
                    if (body.Length > ShellScriptBuilder.MaxWordLength * 16) body = body.Substring(0, ShellScriptBuilder.MaxWordLength * 16);
                    if (h.StripTabs) body = StripLeadingTabs(body);
                    h.Owner.HeredocBody = body;
                    h.Owner.HeredocQuoted = h.Quoted;
                }
            }
        }

        private static string StripLeadingTabs(string body)
        {
            var sb = new StringBuilder(body.Length);
            bool lineStart = true;
            foreach (char ch in body)
            {
                if (lineStart && ch == '\t') continue;
                lineStart = ch == '\n';
                sb.Append(ch);
            }
            return sb.ToString();
        }

        // case WORD in PATTERN) LIST ;; … esac
        private void ParseCase(Until until, int depth)
        {
            // the subject and "in"
            while (!Eof)
            {
                SkipBlanks();
                if (Eof) return;
                char c = _s[_pos];
                if (c == '\n' || c == ';') { _pos++; continue; }
                var w = ReadWord(until, depth, ' ', testMode: false);
                if (w == null) { _pos++; continue; }
                if (w.Value == "in" && !w.Quoted) break;
            }
            while (!Eof)
            {
                if (_b.Full) return;
                SkipBlanks();
                if (Eof) return;
                char c = _s[_pos];
                if (c == '\n' || c == ';') { _pos++; continue; }
                if (c == '#') { SkipComment(); continue; }
                // esac?
                if (c == 'e' && string.CompareOrdinal(_s, _pos, "esac", 0, 4) == 0 && IsWordEnd(At(_pos + 4))) { _pos += 4; return; }
                if (c == ')' && until == Until.Paren) return;
                // the pattern, up to its unquoted ')'
                if (c == '(') _pos++;
                while (!Eof && _s[_pos] != ')' && _s[_pos] != '\n')
                {
                    char p = _s[_pos];
                    if (p == '\\') { _pos = Math.Min(_s.Length, _pos + 2); continue; }
                    if (p == '\'' || p == '"')
                    {
                        int q = _s.IndexOf(p, _pos + 1);
                        _pos = q < 0 ? _s.Length : q + 1;
                        continue;
                    }
                    _pos++;
                }
                if (At(_pos) == ')') _pos++;
                if (depth + 1 > ShellScriptBuilder.MaxDepth) { _b.Truncated = true; _pos = _s.Length; return; }
                var saved = _b.Save();
                ParseList(Until.CaseItem, depth + 1, "esac");
                _b.Restore(saved);
                // ;; ;& ;;&
                if (At(_pos) == ';') { _pos++; if (At(_pos) == ';' || At(_pos) == '&') _pos++; if (At(_pos) == '&') _pos++; }
            }
        }

        private static bool IsWordEnd(char c) => c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == ')' || c == '&' || c == '|';

        /// <summary>Reads one word at _pos; returns null when no word starts here (an operator character).</summary>
        private ShellWord? ReadWord(Until until, int depth, char _, bool testMode, bool emitNested = true)
        {
            var sb = RentBuilder();
            try
            {
                List<ShellVariableReference>? refs = null;
                bool quoted = false;
                int start = _pos;
                while (!Eof)
                {
                    char c = _s[_pos];
                    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') break;
                    if (!testMode && IsOperatorChar(c))
                    {
                        // NAME=( … ): an array assignment is one word
                        if (c == '(' && _pos > start && _s[_pos - 1] == '=')
                        {
                            int level = 0;
                            while (!Eof)
                            {
                                char a = _s[_pos];
                                Append(sb, a);
                                _pos++;
                                if (a == '(') level++;
                                else if (a == ')') { level--; if (level == 0) break; }
                            }
                            continue;
                        }
                        break;
                    }
                    if (testMode && (c == ';' || c == '&' && At(_pos + 1) != '&' || c == '|' && At(_pos + 1) != '|')) break;
                    if (c == '`')
                    {
                        if (until == Until.Backtick) break;
                        int s0 = _pos;
                        _pos++;
                        ParseNestedSubstitution(Until.Backtick, depth, emitNested);
                        if (At(_pos) == '`') _pos++;
                        AppendRaw(sb, s0, _pos);
                        continue;
                    }
                    if (c == '\\')
                    {
                        quoted = true;
                        if (At(_pos + 1) == '\n') { _pos = Math.Min(_s.Length, _pos + 2); continue; }
                        if (_pos + 1 < _s.Length) Append(sb, _s[_pos + 1]);
                        _pos = Math.Min(_s.Length, _pos + 2);
                        continue;
                    }
                    if (c == '\'')
                    {
                        quoted = true;
                        int close = _s.IndexOf('\'', _pos + 1);
                        if (close < 0) { _b.NoteProblem("a single quote is not closed"); close = _s.Length; }
                        AppendRaw(sb, _pos + 1, close);
                        refs ??= new List<ShellVariableReference>();
                        ShellVariables.Scan(_s, _pos + 1, close, refs, allowShell: false);
                        _pos = Math.Min(_s.Length, close + 1);
                        continue;
                    }
                    if (c == '"')
                    {
                        quoted = true;
                        _pos++;
                        ReadDoubleQuoted(sb, ref refs, until, depth, emitNested);
                        continue;
                    }
                    if (c == '$')
                    {
                        char n = At(_pos + 1);
                        if (n == '\'')
                        {
                            quoted = true;
                            _pos = Math.Min(_s.Length, _pos + 2);
                            ReadAnsiC(sb);
                            continue;
                        }
                        if (n == '"') { quoted = true; _pos = Math.Min(_s.Length, _pos + 2); ReadDoubleQuoted(sb, ref refs, until, depth, emitNested); continue; }
                        ReadDollar(sb, ref refs, until, depth, emitNested);
                        continue;
                    }
                    Append(sb, c);
                    _pos++;
                }
                if (_pos == start) return null;
                return new ShellWord(sb.ToString(), quoted, refs);
            }
            finally { ReturnBuilder(sb); }
        }

        // A word's builder is reused for the thread's next words (a scan reads every script line of thousands of CI files
        // and package.json scripts word by word). A stack, not one builder: a word can hold a command substitution whose
        // words are read while the outer word's builder is still in use. A builder that grew past a few KiB is dropped.
        [ThreadStatic] private static Stack<StringBuilder>? t_wordBuilders;

        private static StringBuilder RentBuilder()
        {
            var spare = t_wordBuilders;
            return spare != null && spare.Count > 0 ? spare.Pop() : new StringBuilder();
        }

        private static void ReturnBuilder(StringBuilder sb)
        {
            if (sb.Capacity > 4096) return;
            sb.Clear();
            (t_wordBuilders ??= new Stack<StringBuilder>()).Push(sb);
        }

        private static void Append(StringBuilder sb, char c)
        {
            if (sb.Length < ShellScriptBuilder.MaxWordLength) sb.Append(c);
        }

        private void AppendRaw(StringBuilder sb, int from, int to)
        {
            int room = ShellScriptBuilder.MaxWordLength - sb.Length;
            int n = Math.Min(room, to - from);
            if (n > 0) sb.Append(_s, from, n);
        }

        private void ReadDoubleQuoted(StringBuilder sb, ref List<ShellVariableReference>? refs, Until until, int depth, bool emitNested)
        {
            while (!Eof)
            {
                char c = _s[_pos];
                if (c == '"') { _pos++; return; }
                if (c == '\\')
                {
                    char n = At(_pos + 1);
                    if (n == '\n') { _pos = Math.Min(_s.Length, _pos + 2); continue; }
                    if (n == '$' || n == '`' || n == '"' || n == '\\') { Append(sb, n); _pos = Math.Min(_s.Length, _pos + 2); continue; }
                    Append(sb, c); _pos++; continue;
                }
                if (c == '`')
                {
                    if (until == Until.Backtick) { _b.NoteProblem("a double quote is not closed"); return; }
                    int s0 = _pos;
                    _pos++;
                    ParseNestedSubstitution(Until.Backtick, depth, emitNested);
                    if (At(_pos) == '`') _pos++;
                    AppendRaw(sb, s0, _pos);
                    continue;
                }
                if (c == '$') { ReadDollar(sb, ref refs, until, depth, emitNested); continue; }
                Append(sb, c);
                _pos++;
            }
            _b.NoteProblem("a double quote is not closed");
        }

        private void ReadAnsiC(StringBuilder sb)
        {
            while (!Eof)
            {
                char c = _s[_pos];
                if (c == '\'') { _pos++; return; }
                if (c == '\\' && _pos + 1 < _s.Length)
                {
                    char n = _s[_pos + 1];
                    _pos = Math.Min(_s.Length, _pos + 2);
                    switch (n)
                    {
                        case 'n': Append(sb, '\n'); break;
                        case 't': Append(sb, '\t'); break;
                        case 'r': Append(sb, '\r'); break;
                        case 'e': case 'E': Append(sb, '\u001b'); break;
                        case '0': Append(sb, '\0'); break;
                        default: Append(sb, n); break;
                    }
                    continue;
                }
                Append(sb, c);
                _pos++;
            }
            _b.NoteProblem("a $'…' string is not closed");
        }

        // $NAME, ${…}, ${{ … }}, $(…), $((…)), $1, $@ … — kept as written in the word, referenced names recorded.
        private void ReadDollar(StringBuilder sb, ref List<ShellVariableReference>? refs, Until until, int depth, bool emitNested)
        {
            int s0 = _pos;
            char n = At(_pos + 1);
            refs ??= new List<ShellVariableReference>();
            if (n == '{')
            {
                if (At(_pos + 2) == '{')
                {
                    int close = _s.IndexOf("}}", _pos + 3, StringComparison.Ordinal);
                    int end = close < 0 ? _s.Length : close + 2;
                    ShellVariables.Scan(_s, _pos, end, refs, allowShell: false);
                    _pos = end;
                    AppendRaw(sb, s0, _pos);
                    return;
                }
                // ${…}: to the matching brace, skipping quoted parts
                int p = _pos + 2;
                int level = 1;
                while (p < _s.Length)
                {
                    char c = _s[p];
                    if (c == '\\') { p += 2; continue; }
                    if (c == '\'') { int q = _s.IndexOf('\'', p + 1); p = q < 0 ? _s.Length : q + 1; continue; }
                    if (c == '{') level++;
                    else if (c == '}') { level--; if (level == 0) { p++; break; } }
                    else if (c == '\n' && level == 1 && p - _pos > 4096) break;
                    p++;
                }
                ShellVariables.Scan(_s, _pos, Math.Min(p, _s.Length), refs, allowShell: true);
                _pos = Math.Min(p, _s.Length);
                AppendRaw(sb, s0, _pos);
                return;
            }
            if (n == '(')
            {
                if (At(_pos + 2) == '(')
                {
                    _pos++;
                    SkipArithmetic();
                    AppendRaw(sb, s0, _pos);
                    return;
                }
                // Azure macro $(Name) / $(Build.SourcesDirectory): a reference; lowercase dot-free names may also be commands
                int a = _pos + 2;
                int q = a;
                while (q < _s.Length && q - a < 256 && (ShellVariables.IsNameChar(_s[q]) || _s[q] == '.' || _s[q] == '-')) q++;
                if (q > a && ShellVariables.IsNameStart(_s[a]) && At(q) == ')')
                {
                    string name = _s.Substring(a, q - a);
                    refs.Add(new ShellVariableReference(name, ShellVariableSyntax.AzureMacro, null));
                    bool commandLike = name.IndexOf('.') < 0 && name.ToLowerInvariant() == name;
                    if (!commandLike)
                    {
                        _pos = q + 1;
                        AppendRaw(sb, s0, _pos);
                        return;
                    }
                }
                _pos = Math.Min(_s.Length, _pos + 2);
                ParseNestedSubstitution(Until.Paren, depth, emitNested);
                if (At(_pos) == ')') _pos++;
                AppendRaw(sb, s0, _pos);
                return;
            }
            if (ShellVariables.IsNameStart(n))
            {
                int q = _pos + 1;
                while (q < _s.Length && ShellVariables.IsNameChar(_s[q])) q++;
                refs.Add(new ShellVariableReference(_s.Substring(_pos + 1, q - _pos - 1), ShellVariableSyntax.Shell, null));
                _pos = q;
                AppendRaw(sb, s0, _pos);
                return;
            }
            if ((n >= '0' && n <= '9') || n == '@' || n == '*' || n == '#' || n == '?' || n == '-' || n == '$' || n == '!')
            {
                _pos = Math.Min(_s.Length, _pos + 2);
                AppendRaw(sb, s0, _pos);
                return;
            }
            Append(sb, '$');
            _pos++;
        }

        private void ParseNestedSubstitution(Until until, int depth, bool emitNested)
        {
            if (!emitNested || depth + 1 > ShellScriptBuilder.MaxDepth)
            {
                if (depth + 1 > ShellScriptBuilder.MaxDepth) _b.Truncated = true;
                SkipBalanced(until == Until.Paren ? ')' : '`');
                return;
            }
            var saved = _b.Save();
            ParseList(until, depth + 1, null);
            _b.Restore(saved);
        }
    }
}
