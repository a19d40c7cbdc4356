using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>
    /// Reads PowerShell script text into simple commands: statements split at newlines, ';', '|', '&amp;&amp;', '||' and
    /// at braces/parentheses (so the commands inside <c>if (…) { … }</c> and <c>$( … )</c> are commands too); quotes
    /// ('' and "" with backtick escapes), here-strings, backtick continuations, comments and redirections. Single pass,
    /// bounded nesting.
    /// </summary>
    internal sealed class PowerShellScriptParser
    {
        private readonly string _s;
        private readonly ShellScriptBuilder _b;
        private int _pos;
        // reading a method call's arguments, where a comma ends a word
        private bool _inArguments;

        public PowerShellScriptParser(string script, ShellScriptBuilder builder) { _s = script; _b = builder; }

        public void Parse() => ParseBlock(0, '\0');

        private char At(int p) => p < _s.Length ? _s[p] : '\0';
        private bool Eof => _pos >= _s.Length;

        private void SkipBlanks()
        {
            while (!Eof)
            {
                char c = _s[_pos];
                if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\u00a0') _pos++;
                else if (c == '`' && At(_pos + 1) == '\n') _pos = Math.Min(_s.Length, _pos + 2);
                else if (c == '`' && At(_pos + 1) == '\r' && At(_pos + 2) == '\n') _pos = Math.Min(_s.Length, _pos + 3);
                else if (c == '<' && At(_pos + 1) == '#') SkipBlockComment();
                else break;
            }
        }

        private void SkipBlockComment()
        {
            int close = _s.IndexOf("#>", _pos + 2, StringComparison.Ordinal);
            if (close < 0) { _b.NoteProblem("a block comment is not closed"); _pos = _s.Length; }
            else _pos = close + 2;
        }

        // Statements until the closing character of the enclosing construct ('}' or ')'), or the end.
        private void ParseBlock(int depth, char close)
        {
            ShellCommand? pipeFrom = null;
            bool piped = false;
            while (!Eof)
            {
                if (_b.Full) { _b.Truncated = true; _pos = _s.Length; return; }
                SkipBlanks();
                if (Eof) return;
                char c = _s[_pos];
                if (c == '#') { while (!Eof && _s[_pos] != '\n') _pos++; continue; }
                if (c == '\n' || c == ';') { _pos++; piped = false; continue; }
                if (c == '&' && At(_pos + 1) == '&') { _pos = Math.Min(_s.Length, _pos + 2); piped = false; continue; }
                if (c == '|' && At(_pos + 1) == '|') { _pos = Math.Min(_s.Length, _pos + 2); piped = false; continue; }
                if (c == '|') { _pos++; piped = true; continue; }
                if (c == '}' || c == ')')
                {
                    if (close != '\0' && c == close) return;
                    _pos++; piped = false; continue;
                }
                if (c == '{' || c == '(' || (c == '@' && (At(_pos + 1) == '(' || At(_pos + 1) == '{')) || (c == '$' && At(_pos + 1) == '('))
                {
                    // a script block, a parenthesised pipeline, @( ), $( ), @{ }: the commands inside are commands
                    int open = c == '{' || c == '(' ? _pos : _pos + 1;
                    char want = _s[open] == '{' ? '}' : ')';
                    _pos = open + 1;
                    Nested(depth, want);
                    if (At(_pos) == want) _pos++;
                    continue;
                }
                var cmd = ParseStatement(depth, close);
                if (cmd != null)
                {
                    if (piped && pipeFrom != null) { cmd.PipedFrom = pipeFrom; pipeFrom.PipedTo = cmd; }
                    pipeFrom = cmd;
                }
                piped = false;
            }
        }

        private void Nested(int depth, char close)
        {
            if (depth + 1 > ShellScriptBuilder.MaxDepth) { _b.Truncated = true; SkipBalanced(close); return; }
            var saved = _b.Save();
            ParseBlock(depth + 1, close);
            // a script block's Set-Location persists in PowerShell (same scope for if/foreach), so only nested
            // expressions restore; blocks keep the directory
            if (close == ')') _b.Restore(saved);
        }

        private void SkipBalanced(char close)
        {
            char open = close == '}' ? '{' : '(';
            int level = 0;
            while (!Eof)
            {
                char c = _s[_pos];
                if (c == '`') { _pos = Math.Min(_s.Length, _pos + 2); continue; }
                if (c == '\'') { int q = _s.IndexOf('\'', _pos + 1); _pos = q < 0 ? _s.Length : q + 1; continue; }
                if (c == open) level++;
                else if (c == close) { if (level == 0) return; level--; }
                _pos++;
            }
        }

        private ShellCommand? ParseStatement(int depth, char close)
        {
            int start = _pos;
            var words = new List<ShellWord>();
            List<ShellRedirection>? redirs = null;
            while (true)
            {
                SkipBlanks();
                if (Eof) break;
                char c = _s[_pos];
                // [IO.File]::WriteAllText(path, value): the method's arguments are the command's words
                if (c == '(' && words.Count == 1 && IsStaticMethod(words[0].Value))
                {
                    _pos++;
                    ReadArguments(depth, words);
                    if (At(_pos) == ')') _pos++;
                    continue;
                }
                // Set-Content -Path (Join-Path $HOME '.npmrc'): a parenthesised argument is one word, and the commands
                // inside it run first
                if ((c == '(' || (c == '$' || c == '@') && At(_pos + 1) == '(') && words.Count > 0 && !IsKeyword(words[0]))
                {
                    int argStart = _pos;
                    _pos = c == '(' ? _pos + 1 : _pos + 2;
                    Nested(depth, ')');
                    if (At(_pos) == ')') _pos++;
                    var raw = _s.Substring(argStart, _pos - argStart);
                    var refs = new List<ShellVariableReference>();
                    ShellVariables.Scan(_s, argStart, _pos, refs, allowShell: true);
                    if (words.Count < ShellScriptBuilder.MaxWordsPerCommand) words.Add(new ShellWord(raw, true, refs)); else _b.Truncated = true;
                    continue;
                }
                if (c == '\n' || c == ';' || c == '|' || c == '}' || c == ')' || c == '{' || c == '(') break;
                if (c == '&' && At(_pos + 1) == '&') break;
                if (c == '#' ) { while (!Eof && _s[_pos] != '\n') _pos++; break; }
                if (c == '&' && words.Count == 0) { _pos++; continue; } // call operator
                if (c == '&') { _pos++; break; } // background job
                int fd = -2;
                int p = _pos;
                if ((c >= '1' && c <= '6') || c == '*') { if (At(p + 1) == '>') { fd = c == '*' ? -1 : c - '0'; p++; } }
                if (_s[p] == '>')
                {
                    _pos = p + 1;
                    var kind = ShellRedirectionKind.Write;
                    if (At(_pos) == '>') { _pos++; kind = ShellRedirectionKind.Append; }
                    if (At(_pos) == '&') { _pos++; kind = ShellRedirectionKind.Duplicate; }
                    SkipBlanks();
                    var target = ReadWord(depth) ?? new ShellWord("", false, null);
                    redirs ??= new List<ShellRedirection>();
                    redirs.Add(new ShellRedirection(kind, fd == -2 ? 1 : fd, target));
                    continue;
                }
                var w = ReadWord(depth);
                if (w == null) { _pos++; continue; }
                if (words.Count == 0 && w.Value == "." && !w.Quoted) continue; // dot-sourcing
                if (words.Count < ShellScriptBuilder.MaxWordsPerCommand) words.Add(w); else _b.Truncated = true;
            }
            if (words.Count == 0 && redirs == null) return null;
            List<ShellAssignment>? prefix = null;
            var assignment = AsAssignment(words);
            if (assignment != null) { prefix = new List<ShellAssignment> { assignment }; words.Clear(); }
            var cmd = _b.Emit(start, _pos, words, redirs, prefix, depth, null);
            if (cmd != null) ApplyEffects(cmd);
            return cmd;
        }

        private static readonly HashSet<string> Keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "if", "elseif", "else", "while", "for", "foreach", "switch", "function", "filter", "until", "do", "catch", "param", "try", "finally", "trap", "return",
        };

        private static bool IsKeyword(ShellWord w) => !w.Quoted && Keywords.Contains(w.Value);

        /// <summary><c>[Type]::Method</c>, <c>[System.IO.File]::AppendAllText</c>: a .NET static method call.</summary>
        internal static bool IsStaticMethod(string word) =>
            word.Length > 5 && word[0] == '[' && word.IndexOf("]::", StringComparison.Ordinal) > 1 && !word.EndsWith("]::", StringComparison.Ordinal);

        // The arguments of a method call up to its ')': comma-separated expressions, array literals @( ) flattened,
        // each read as a word (quotes removed, variables noted).
        private void ReadArguments(int depth, List<ShellWord> words)
        {
            int guard = 0;
            while (!Eof && guard++ < 10000)
            {
                SkipBlanks();
                if (Eof) return;
                char c = _s[_pos];
                if (c == ')') return;
                if (c == ',' || c == '\n' || c == '+') { _pos++; continue; }
                if (c == '(' || c == '@' && At(_pos + 1) == '(')
                {
                    _pos = c == '(' ? _pos + 1 : _pos + 2;
                    if (depth + 1 > ShellScriptBuilder.MaxDepth) { _b.Truncated = true; SkipBalanced(')'); }
                    else ReadArguments(depth + 1, words);
                    if (At(_pos) == ')') _pos++;
                    continue;
                }
                _inArguments = true;
                var w = ReadWord(depth);
                _inArguments = false;
                if (w == null) { _pos++; continue; }
                if (words.Count < ShellScriptBuilder.MaxWordsPerCommand) words.Add(w); else _b.Truncated = true;
            }
        }

        // $env:NAME = value, $NAME = value (one word "$env:X=v" or three words)
        private static ShellAssignment? AsAssignment(List<ShellWord> words)
        {
            if (words.Count == 0) return null;
            var first = words[0].Value;
            if (first.Length < 2 || first[0] != '$') return null;
            string target;
            ShellWord value;
            int eq = first.IndexOf('=');
            if (eq > 0 && !words[0].Quoted)
            {
                target = first.Substring(0, eq);
                value = new ShellWord(first.Substring(eq + 1), words[0].Quoted, words[0].References);
                if (value.Value.Length == 0 && words.Count > 1) value = words[1];
            }
            else if (words.Count >= 2 && words[1].Value == "=" && !words[1].Quoted)
            {
                target = first;
                value = words.Count > 2 ? words[2] : new ShellWord("", false, null);
            }
            else return null;
            string name = target.StartsWith("$env:", StringComparison.OrdinalIgnoreCase) ? target.Substring(5) : target.Substring(1);
            if (name.Length == 0) return null;
            return new ShellAssignment(name, value, true);
        }

        private void ApplyEffects(ShellCommand cmd)
        {
            if (cmd.Words.Count == 0) return;
            string name = cmd.Words[0].Value.ToLowerInvariant();
            switch (name)
            {
                case "set-location": case "cd": case "sl": case "chdir":
                    _b.ChangeDirectory(PathArgument(cmd));
                    break;
                case "push-location": case "pushd":
                    _b.PushDirectory(PathArgument(cmd));
                    break;
                case "pop-location": case "popd":
                    _b.PopDirectory();
                    break;
                case "set-psdebug":
                    for (int i = 1; i < cmd.Words.Count; i++)
                    {
                        var a = cmd.Words[i].Value;
                        if (a.StartsWith("-trace", StringComparison.OrdinalIgnoreCase))
                        {
                            string level = a.IndexOf(':') > 0 ? a.Substring(a.IndexOf(':') + 1) : (i + 1 < cmd.Words.Count ? cmd.Words[i + 1].Value : "");
                            _b.Trace = level.Trim() != "0";
                        }
                        else if (a.Equals("-off", StringComparison.OrdinalIgnoreCase)) _b.Trace = false;
                    }
                    break;
            }
        }

        private static string? PathArgument(ShellCommand cmd)
        {
            for (int i = 1; i < cmd.Words.Count; i++)
            {
                var a = cmd.Words[i].Value;
                if (a.StartsWith("-", StringComparison.Ordinal) && !cmd.Words[i].Quoted)
                {
                    if ((a.Equals("-Path", StringComparison.OrdinalIgnoreCase) || a.Equals("-LiteralPath", StringComparison.OrdinalIgnoreCase)) && i + 1 < cmd.Words.Count)
                        return cmd.Words[i + 1].Value;
                    continue;
                }
                return a;
            }
            return null;
        }

        private ShellWord? ReadWord(int depth)
        {
            int start = _pos;
            var sb = new StringBuilder();
            List<ShellVariableReference>? refs = null;
            bool quoted = false;
            while (!Eof)
            {
                char c = _s[_pos];
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '|' || c == '}' || c == ')' || c == '{' || c == '(' || c == '>') break;
                if (c == '&') break;
                if (c == ',' && _inArguments) break;
                if (c == '`')
                {
                    quoted = true;
                    if (At(_pos + 1) == '\n' || At(_pos + 1) == '\0') break;
                    Append(sb, Escape(At(_pos + 1)));
                    _pos = Math.Min(_s.Length, _pos + 2);
                    continue;
                }
                if (c == '@' && (At(_pos + 1) == '\'' || At(_pos + 1) == '"') && (At(_pos + 2) == '\n' || (At(_pos + 2) == '\r' && At(_pos + 3) == '\n')))
                {
                    quoted = true;
                    ReadHereString(sb, ref refs, At(_pos + 1));
                    continue;
                }
                if (c == '\'' || c == '\u2018' || c == '\u2019')
                {
                    quoted = true;
                    _pos++;
                    int segStart = _pos;
                    while (!Eof)
                    {
                        char q = _s[_pos];
                        if (q == '\'' || q == '\u2018' || q == '\u2019')
                        {
                            if (At(_pos + 1) == q) { Append(sb, q); _pos = Math.Min(_s.Length, _pos + 2); continue; }
                            break;
                        }
                        Append(sb, q);
                        _pos++;
                    }
                    refs ??= new List<ShellVariableReference>();
                    ShellVariables.Scan(_s, segStart, _pos, refs, allowShell: false);
                    if (Eof) _b.NoteProblem("a single quote is not closed"); else _pos++;
                    continue;
                }
                if (c == '"' || c == '\u201c' || c == '\u201d')
                {
                    quoted = true;
                    _pos++;
                    ReadDoubleQuoted(sb, ref refs, depth);
                    continue;
                }
                if (c == '$')
                {
                    ReadDollar(sb, ref refs, depth);
                    continue;
                }
                Append(sb, c);
                _pos++;
            }
            if (_pos == start) return null;
            return new ShellWord(sb.ToString(), quoted, refs);
        }

        private static char Escape(char c)
        {
            switch (c)
            {
                case 'n': return '\n';
                case 't': return '\t';
                case 'r': return '\r';
                case '0': return '\0';
                default: return c;
            }
        }

        private static void Append(StringBuilder sb, char c)
        {
            if (sb.Length < ShellScriptBuilder.MaxWordLength) sb.Append(c);
        }

        private void AppendRaw(StringBuilder sb, int from, int to)
        {
            int n = Math.Min(ShellScriptBuilder.MaxWordLength - sb.Length, to - from);
            if (n > 0) sb.Append(_s, from, n);
        }

        private void ReadDoubleQuoted(StringBuilder sb, ref List<ShellVariableReference>? refs, int depth)
        {
            while (!Eof)
            {
                char c = _s[_pos];
                if (c == '"' || c == '\u201c' || c == '\u201d')
                {
                    if (At(_pos + 1) == c) { Append(sb, c); _pos = Math.Min(_s.Length, _pos + 2); continue; }
                    _pos++;
                    return;
                }
                if (c == '`') { Append(sb, Escape(At(_pos + 1))); _pos = Math.Min(_s.Length, _pos + 2); continue; }
                if (c == '$') { ReadDollar(sb, ref refs, depth); continue; }
                Append(sb, c);
                _pos++;
            }
            _b.NoteProblem("a double quote is not closed");
        }

        private void ReadHereString(StringBuilder sb, ref List<ShellVariableReference>? refs, char quote)
        {
            // @'<newline> … <newline>'@  — the terminator must start a line
            int bodyStart = _s.IndexOf('\n', _pos) + 1;
            int p = bodyStart;
            int end = -1;
            while (p < _s.Length)
            {
                if (_s[p] == quote && At(p + 1) == '@') { end = p; break; }
                int nl = _s.IndexOf('\n', p);
                if (nl < 0) break;
                p = nl + 1;
            }
            if (end < 0) { _b.NoteProblem("a here-string is not closed"); end = _s.Length; }
            int bodyEnd = end;
            if (bodyEnd > bodyStart && _s[bodyEnd - 1] == '\n') bodyEnd--;
            if (bodyEnd > bodyStart && _s[bodyEnd - 1] == '\r') bodyEnd--;
            AppendRaw(sb, bodyStart, Math.Max(bodyStart, bodyEnd));
            refs ??= new List<ShellVariableReference>();
            ShellVariables.Scan(_s, bodyStart, Math.Max(bodyStart, bodyEnd), refs, allowShell: quote == '"');
            _pos = Math.Min(_s.Length, end + 2);
        }

        // $env:NAME, ${env:NAME}, $NAME, $( … ), ${{ … }} — kept as written, names recorded.
        private void ReadDollar(StringBuilder sb, ref List<ShellVariableReference>? refs, int depth)
        {
            int s0 = _pos;
            refs ??= new List<ShellVariableReference>();
            char n = At(_pos + 1);
            if (n == '(')
            {
                // an Azure macro $(Name) or a subexpression $( pipeline )
                int a = _pos + 2, q = a;
                while (q < _s.Length && q - a < 256 && (ShellVariables.IsNameChar(_s[q]) || _s[q] == '.' || _s[q] == '-')) q++;
                if (q > a && ShellVariables.IsNameStart(_s[a]) && At(q) == ')')
                {
                    refs.Add(new ShellVariableReference(_s.Substring(a, q - a), ShellVariableSyntax.AzureMacro, null));
                    _pos = q + 1;
                    AppendRaw(sb, s0, _pos);
                    return;
                }
                _pos = Math.Min(_s.Length, _pos + 2);
                Nested(depth, ')');
                if (At(_pos) == ')') _pos++;
                // the variables the subexpression reads are what the word expands ("…=$($env:NPM_TOKEN)")
                ShellVariables.Scan(_s, Math.Min(_s.Length, s0 + 2), _pos, refs, allowShell: true);
                AppendRaw(sb, s0, _pos);
                return;
            }
            if (n == '{')
            {
                int close = At(_pos + 2) == '{' ? _s.IndexOf("}}", _pos + 3, StringComparison.Ordinal) + 1 : _s.IndexOf('}', _pos + 2);
                int end = close <= 0 ? _s.Length : close + 1;
                ShellVariables.Scan(_s, _pos, end, refs, allowShell: true);
                _pos = end;
                AppendRaw(sb, s0, _pos);
                return;
            }
            int p = _pos + 1;
            if (p < _s.Length && (ShellVariables.IsNameStart(_s[p])))
            {
                int q = p;
                while (q < _s.Length && (ShellVariables.IsNameChar(_s[q]) || _s[q] == ':'))
                {
                    if (_s[q] == ':' && !(q + 1 < _s.Length && ShellVariables.IsNameStart(_s[q + 1]))) break;
                    q++;
                }
                string name = _s.Substring(p, q - p);
                int colon = name.IndexOf(':');
                if (colon > 0 && name.Substring(0, colon).Equals("env", StringComparison.OrdinalIgnoreCase))
                    refs.Add(new ShellVariableReference(name.Substring(colon + 1), ShellVariableSyntax.PowerShellEnv, null));
                else if (colon < 0)
                    refs.Add(new ShellVariableReference(name, ShellVariableSyntax.Shell, null));
                _pos = q;
                AppendRaw(sb, s0, _pos);
                return;
            }
            Append(sb, '$');
            _pos++;
        }
    }
}
