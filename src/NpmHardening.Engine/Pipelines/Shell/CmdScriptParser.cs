using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>
    /// Reads Windows cmd.exe batch text into simple commands: '&amp;', '&amp;&amp;', '||', '|' and newlines separate
    /// commands, '^' escapes (and continues a line), double quotes group, parenthesised blocks of <c>if</c>/<c>for</c>
    /// hold commands, <c>rem</c> and <c>::</c> are comments, <c>@</c> is dropped. <c>if …</c>, <c>else</c> and
    /// <c>for … do</c> prefixes are removed so the command they guard is what remains.
    /// </summary>
    internal sealed class CmdScriptParser
    {
        private readonly string _s;
        private readonly ShellScriptBuilder _b;
        private int _pos;
        private int _blockDepth;

        public CmdScriptParser(string script, ShellScriptBuilder builder) { _s = script; _b = builder; }

        private char At(int p) => p < _s.Length ? _s[p] : '\0';
        private bool Eof => _pos >= _s.Length;

        public void Parse()
        {
            ShellCommand? pipeFrom = null;
            bool piped = false;
            while (!Eof)
            {
                if (_b.Full) { _b.Truncated = true; return; }
                char c = _s[_pos];
                if (c == ' ' || c == '\t' || c == '\r' || c == '@' || c == ',' || c == '=') { _pos++; continue; }
                if (c == '^' && (At(_pos + 1) == '\n' || (At(_pos + 1) == '\r' && At(_pos + 2) == '\n'))) { _pos += At(_pos + 1) == '\n' ? 2 : 3; continue; }
                if (c == '\n') { _pos++; piped = false; continue; }
                if (c == '&') { _pos += At(_pos + 1) == '&' ? 2 : 1; piped = false; continue; }
                if (c == '|') { if (At(_pos + 1) == '|') { _pos += 2; piped = false; } else { _pos++; piped = true; } continue; }
                if (c == '(') { if (_blockDepth < ShellScriptBuilder.MaxDepth) _blockDepth++; _pos++; continue; }
                if (c == ')') { if (_blockDepth > 0) _blockDepth--; _pos++; continue; }
                if (c == ':' && At(_pos + 1) == ':') { SkipLine(); continue; }
                if (c == ':' ) { SkipLine(); continue; } // a label
                var cmd = ParseCommand();
                if (cmd != null)
                {
                    if (piped && pipeFrom != null) { cmd.PipedFrom = pipeFrom; pipeFrom.PipedTo = cmd; }
                    pipeFrom = cmd;
                }
                piped = false;
            }
        }

        private void SkipLine()
        {
            while (!Eof && _s[_pos] != '\n') _pos++;
        }

        private ShellCommand? ParseCommand()
        {
            int start = _pos;
            var words = new List<ShellWord>();
            List<ShellRedirection>? redirs = null;
            while (!Eof)
            {
                char c = _s[_pos];
                if (c == ' ' || c == '\t' || c == '\r') { _pos++; continue; }
                if (c == '^' && (At(_pos + 1) == '\n' || (At(_pos + 1) == '\r' && At(_pos + 2) == '\n'))) { _pos += At(_pos + 1) == '\n' ? 2 : 3; continue; }
                if (c == '\n' || c == '&' || c == '|') break;
                if (c == ')' && _blockDepth > 0) break;
                if (c == '(' && words.Count > 0 && IsBlockOpener(words)) break;
                int fd = -2;
                int p = _pos;
                if (c >= '0' && c <= '9' && (At(p + 1) == '>' || At(p + 1) == '<')) { fd = c - '0'; p++; }
                if (At(p) == '>' || At(p) == '<')
                {
                    bool input = At(p) == '<';
                    _pos = p + 1;
                    var kind = input ? ShellRedirectionKind.Read : ShellRedirectionKind.Write;
                    if (!input && At(_pos) == '>') { _pos++; kind = ShellRedirectionKind.Append; }
                    if (At(_pos) == '&') { _pos++; kind = ShellRedirectionKind.Duplicate; }
                    while (At(_pos) == ' ' || At(_pos) == '\t') _pos++;
                    var target = ReadWord() ?? new ShellWord("", false, null);
                    redirs ??= new List<ShellRedirection>();
                    redirs.Add(new ShellRedirection(kind, fd == -2 ? (input ? 0 : 1) : fd, target));
                    continue;
                }
                var w = ReadWord();
                if (w == null) { _pos++; continue; }
                if (words.Count == 0 && !w.Quoted && w.Value.Equals("rem", StringComparison.OrdinalIgnoreCase)) { SkipLine(); return null; }
                if (words.Count < ShellScriptBuilder.MaxWordsPerCommand) words.Add(w); else _b.Truncated = true;
                // echo takes the rest of the line literally (but redirections and separators still apply)
            }
            StripPrefixes(words);
            if (words.Count == 0 && redirs == null) return null;
            List<ShellAssignment>? prefix = null;
            if (words.Count >= 2 && words[0].Value.Equals("set", StringComparison.OrdinalIgnoreCase) && !words[1].Value.StartsWith("/", StringComparison.Ordinal))
            {
                // set NAME=value / set "NAME=value": the rest of the command is the value
                var v = words[1].Value;
                int eq = v.IndexOf('=');
                if (eq > 0)
                {
                    var refs = new List<ShellVariableReference>();
                    for (int i = 1; i < words.Count; i++) refs.AddRange(words[i].References);
                    var value = v.Substring(eq + 1);
                    for (int i = 2; i < words.Count; i++) value += " " + words[i].Value;
                    prefix = new List<ShellAssignment> { new ShellAssignment(v.Substring(0, eq), new ShellWord(value, words[1].Quoted, refs), true) };
                    words.Clear();
                }
            }
            var cmd = _b.Emit(start, _pos, words, redirs, prefix, _blockDepth, null);
            if (cmd != null) ApplyEffects(cmd);
            return cmd;
        }

        private static bool IsBlockOpener(List<ShellWord> words)
        {
            var first = words[0].Value.ToLowerInvariant();
            if (first == "if" || first == "for" || first == "else") return true;
            var last = words[words.Count - 1].Value.ToLowerInvariant();
            return last == "do" || last == "else";
        }

        // if [/i] [not] (exist X | defined X | errorlevel N | A==B | A op B) CMD;  else CMD;  for … do CMD;  call CMD stays.
        private static void StripPrefixes(List<ShellWord> words)
        {
            for (int guard = 0; guard < 16 && words.Count > 0; guard++)
            {
                var first = words[0].Value.ToLowerInvariant();
                if (first == "else") { words.RemoveAt(0); continue; }
                if (first == "for")
                {
                    int doAt = -1;
                    for (int i = 1; i < words.Count; i++) if (words[i].Value.Equals("do", StringComparison.OrdinalIgnoreCase)) { doAt = i; break; }
                    words.RemoveRange(0, doAt < 0 ? words.Count : doAt + 1);
                    continue;
                }
                if (first == "if")
                {
                    int i = 1;
                    while (i < words.Count && (words[i].Value.Equals("/i", StringComparison.OrdinalIgnoreCase) || words[i].Value.Equals("not", StringComparison.OrdinalIgnoreCase))) i++;
                    if (i >= words.Count) { words.Clear(); return; }
                    var k = words[i].Value.ToLowerInvariant();
                    if (k == "exist" || k == "defined" || k == "errorlevel" || k == "cmdextversion") i += 2;
                    else if (words[i].Value.IndexOf("==", StringComparison.Ordinal) > 0 && !words[i].Value.EndsWith("==", StringComparison.Ordinal)) i += 1;
                    else if (i + 1 < words.Count && IsComparison(words[i + 1].Value)) i += 3;
                    else i += 1;
                    words.RemoveRange(0, Math.Min(i, words.Count));
                    continue;
                }
                break;
            }
        }

        private static bool IsComparison(string op)
        {
            switch (op.ToLowerInvariant())
            {
                case "==": case "equ": case "neq": case "lss": case "leq": case "gtr": case "geq": return true;
                default: return false;
            }
        }

        private void ApplyEffects(ShellCommand cmd)
        {
            if (cmd.Words.Count == 0) return;
            var name = cmd.Words[0].Value.ToLowerInvariant();
            if (name == "cd" || name == "chdir" || name == "pushd")
            {
                string? target = null;
                for (int i = 1; i < cmd.Words.Count; i++) { if (cmd.Words[i].Value.Equals("/d", StringComparison.OrdinalIgnoreCase)) continue; target = cmd.Words[i].Value; break; }
                if (target == null) return; // "cd" alone prints the directory
                if (name == "pushd") _b.PushDirectory(target); else _b.ChangeDirectory(target);
            }
            else if (name == "popd") _b.PopDirectory();
            else if (name == "echo" && cmd.Words.Count == 2)
            {
                var v = cmd.Words[1].Value.ToLowerInvariant();
                if (v == "on") _b.Trace = true;
                else if (v == "off") _b.Trace = false;
            }
            else if (name == "echo.on") _b.Trace = true;
        }

        private ShellWord? ReadWord()
        {
            int start = _pos;
            var sb = new StringBuilder();
            bool quoted = false;
            while (!Eof)
            {
                char c = _s[_pos];
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '&' || c == '|' || c == '<' || c == '>') break;
                if (c == ')' && _blockDepth > 0) break;
                if (c == '^')
                {
                    quoted = true;
                    if (At(_pos + 1) == '\n' || At(_pos + 1) == '\r') { _pos++; break; }
                    if (_pos + 1 < _s.Length && sb.Length < ShellScriptBuilder.MaxWordLength) sb.Append(_s[_pos + 1]);
                    _pos += 2;
                    continue;
                }
                if (c == '"')
                {
                    quoted = true;
                    // a quote ends at the next quote or, unclosed, at the end of the line
                    int end = _pos + 1;
                    while (end < _s.Length && _s[end] != '"' && _s[end] != '\n') end++;
                    int n = Math.Min(ShellScriptBuilder.MaxWordLength - sb.Length, end - _pos - 1);
                    if (n > 0) sb.Append(_s, _pos + 1, n);
                    _pos = end < _s.Length && _s[end] == '"' ? end + 1 : end;
                    continue;
                }
                if (sb.Length < ShellScriptBuilder.MaxWordLength) sb.Append(c);
                _pos++;
            }
            if (_pos == start) return null;
            var refs = new List<ShellVariableReference>();
            ShellVariables.Scan(_s, start, _pos, refs, allowShell: true);
            // delayed expansion !NAME!
            for (int i = start; i < _pos; i++)
            {
                if (_s[i] != '!') continue;
                int q = i + 1;
                while (q < _pos && ShellVariables.IsNameChar(_s[q])) q++;
                if (q < _pos && _s[q] == '!' && q > i + 1) { refs.Add(new ShellVariableReference(_s.Substring(i + 1, q - i - 1), ShellVariableSyntax.Cmd, null)); i = q; }
            }
            return new ShellWord(sb.ToString(), quoted, refs);
        }
    }
}
