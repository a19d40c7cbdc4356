using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;

namespace NpmHardening.Engine.Packages
{
    /// <summary>
    /// A streaming JavaScript tokenizer that looks for the primitives and obfuscation signs of <see cref="CodeFacts"/>.
    /// It knows strings (with escapes), template literals (with nested <c>${}</c>), comments and regular expression
    /// literals, so <c>"eval("</c> in a string or <c>require('child_process')</c> in a comment is not code, and a
    /// module name split across an escape is still read. It keeps a handful of tokens and a bounded prefix of each
    /// string, never the file.
    /// </summary>
    /// <remarks>
    /// Regex-or-division after <c>)</c>, <c>]</c> and <c>}</c> is decided as division; the rare code that puts a regex
    /// literal there is tokenized a little wrong until the next line break inside the misread literal, which the
    /// tokenizer treats as its end (a regex literal cannot span lines).
    /// </remarks>
    internal sealed class JsScanner
    {
        private const int KeptStringChars = 256;
        private const int EntropyMinimumLength = 256;
        private const double EntropyThreshold = 5.0;
        private const int HexEscapeThreshold = 64;
        private const int HexRunThreshold = 256;
        private const int ObfuscatorNameThreshold = 20;

        private static readonly HashSet<string> RegexAfterKeywords = new HashSet<string>(StringComparer.Ordinal)
        {
            "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await",
        };

        private static readonly HashSet<string> EnumeratingCalls = new HashSet<string>(StringComparer.Ordinal)
        {
            "stringify", "keys", "entries", "values", "getOwnPropertyNames",
        };

        /// <summary>Substrings of a string literal that name a credential store (matched on '/'-separated, lower-cased text).</summary>
        internal static readonly string[] CredentialPaths =
        {
            ".npmrc", ".ssh", "id_rsa", "id_ed25519", "id_ecdsa", ".aws/credentials", ".aws", ".azure", ".config/gcloud",
            "application_default_credentials.json", ".kube/config", ".docker/config.json", ".git-credentials", ".netrc",
            ".pypirc", ".yarnrc", ".gnupg",
        };

        /// <summary>
        /// The identifiers a rule looks at (module loaders, eval, process.env, the enumerating calls, the keywords after
        /// which a slash starts a regex). Any other identifier is only "an identifier" to the rules, so it is kept as
        /// <see cref="OtherIdent"/> instead of being built as a string: most of a file's tokens are identifiers.
        /// </summary>
        private static readonly string[][] KnownByLength = BuildKnown();
        private const string OtherIdent = "\0ident";

        private static string[][] BuildKnown()
        {
            var words = new HashSet<string>(RegexAfterKeywords, StringComparer.Ordinal);
            words.UnionWith(EnumeratingCalls);
            words.UnionWith(new[] { "require", "import", "from", "eval", "Function", "process", "env", "in" });
            var byLength = new string[32][];
            for (int n = 0; n < byLength.Length; n++)
            {
                var list = new List<string>();
                foreach (var w in words) if (w.Length == n) list.Add(w);
                byLength[n] = list.ToArray();
            }
            return byLength;
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private static string KnownOrOther(char[] name, int length)
        {
            if (length >= KnownByLength.Length) return OtherIdent;
            foreach (var w in KnownByLength[length])
            {
                int i = 0;
                while (i < w.Length && w[i] == name[i]) i++;
                if (i == w.Length) return w;
            }
            return OtherIdent;
        }

        // one string per ASCII character: a punctuator is compared, never built, once per token
        private static readonly string[] Punctuators = BuildPunctuators();

        private static string[] BuildPunctuators()
        {
            var a = new string[128];
            for (int i = 0; i < a.Length; i++) a[i] = ((char)i).ToString();
            return a;
        }

        // an identifier's first 128 characters (no rule needs more)
        private readonly char[] _ident = new char[128];
        private TextReader _reader = TextReader.Null;
        private long _maxChars;
        private readonly char[] _buffer = new char[8192];
        private int _pos, _len;
        private long _read;
        private bool _eof;
        private int _line = 1;
        private int _column;
        private long _lines = 1;

        private CodeFacts _facts = new CodeFacts();
        // the last tokens, newest at _head: a ring, so a token costs one store instead of shifting the history
        private readonly Tok[] _history = new Tok[8];
        private int _head;
        private readonly Stack<int> _templateDepth = new Stack<int>();
        private int _braceDepth;
        private int _obfuscatorNames;

        // one scanner per thread, reused: its buffers (about 20 KB) would otherwise be allocated again for every file
        [ThreadStatic] private static JsScanner? t_spare;

        private void Start(TextReader reader, long maxChars)
        {
            _reader = reader;
            _maxChars = maxChars;
            _pos = _len = 0;
            _read = 0;
            _eof = false;
            _line = 1;
            _column = 0;
            _lines = 1;
            _facts = new CodeFacts();
            Array.Clear(_history, 0, _history.Length);
            _head = 0;
            _templateDepth.Clear();
            _braceDepth = 0;
            _obfuscatorNames = 0;
        }

        /// <summary>Scans the code from <paramref name="reader"/>, at most <paramref name="maxChars"/> characters.</summary>
        public static CodeFacts Scan(TextReader reader, long maxChars)
        {
            // taken, not borrowed: a scan that throws leaves no half-used scanner for the next one
            var scanner = t_spare ?? new JsScanner();
            t_spare = null;
            scanner.Start(reader, maxChars);
            scanner.Run();
            scanner._reader = TextReader.Null;
            t_spare = scanner;
            return scanner._facts;
        }

        /// <summary>Scans a string (tests, package.json scripts run with node -e).</summary>
        public static CodeFacts Scan(string code) => Scan(new StringReader(code), long.MaxValue);

        private enum Kind { None, Ident, String, Number, Punct, Regex }

        private struct Tok
        {
            public Kind Kind;
            public string Text;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Peek(int ahead = 0)
        {
            if (_pos + ahead >= _len) Fill();
            return _pos + ahead < _len ? _buffer[_pos + ahead] : -1;
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void Fill()
        {
            if (_eof) return;
            if (_pos > 0)
            {
                Array.Copy(_buffer, _pos, _buffer, 0, _len - _pos);
                _len -= _pos;
                _pos = 0;
            }
            while (_len < _buffer.Length && !_eof)
            {
                long room = _maxChars - _read;
                if (room <= 0) { _eof = true; _facts.Partial = true; break; }
                int n = _reader.Read(_buffer, _len, (int)Math.Min(_buffer.Length - _len, room));
                if (n <= 0) { _eof = true; break; }
                _len += n;
                _read += n;
                if (_len >= 4) break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Take()
        {
            int c = Peek();
            if (c < 0) return -1;
            _pos++;
            if (c == '\n')
            {
                if (_column > _facts.LongestLine) _facts.LongestLine = _column;
                _column = 0;
                _line++;
                _lines++;
            }
            else _column++;
            return c;
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void Run()
        {
            if (Peek() == '#' && Peek(1) == '!') SkipLine();
            while (true)
            {
                while (_pos < _len && (_buffer[_pos] == ' ' || _buffer[_pos] == '\t')) { _pos++; _column++; }
                int c = Peek();
                if (c < 0) break;
                if (c == '\n' || c == '\r' || c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == 0xFEFF || c == 0xA0 || c == 0x2028 || c == 0x2029)
                {
                    Take();
                    continue;
                }
                if (c == '/')
                {
                    int d = Peek(1);
                    if (d == '/') { SkipLine(); continue; }
                    if (d == '*') { SkipBlockComment(); continue; }
                    if (RegexAllowed()) { ReadRegex(); continue; }
                    Take();
                    Emit(Kind.Punct, "/");
                    continue;
                }
                if (c == '\'' || c == '"') { Take(); ReadString((char)c); continue; }
                if (c == '`') { Take(); ReadTemplate(); continue; }
                if (c >= '0' && c <= '9') { ReadNumber(); continue; }
                if (IsIdentStart(c)) { ReadIdent(); continue; }
                Take();
                if (c == '{') { _braceDepth++; Emit(Kind.Punct, "{"); continue; }
                if (c == '}')
                {
                    if (_templateDepth.Count > 0 && _templateDepth.Peek() == _braceDepth)
                    {
                        _templateDepth.Pop();
                        ReadTemplate();
                        continue;
                    }
                    if (_braceDepth > 0) _braceDepth--;
                    Emit(Kind.Punct, "}");
                    continue;
                }
                if (c == '?' && Peek() == '.' && !(Peek(1) >= '0' && Peek(1) <= '9')) { Take(); Emit(Kind.Punct, "."); continue; }
                Emit(Kind.Punct, c < 128 ? Punctuators[c] : "?");
            }
            if (_column > _facts.LongestLine) _facts.LongestLine = _column;
            long average = _read / Math.Max(1, _lines);
            if (_facts.LongestLine >= 1000 && average >= 200) _facts.Style |= CodeStyle.Minified;
            if (_obfuscatorNames >= ObfuscatorNameThreshold) _facts.Style |= CodeStyle.ObfuscatorNames;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsIdentStart(int c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c == '\\' || c >= 0x80;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsIdentPart(int c) => IsIdentStart(c) || (c >= '0' && c <= '9');

        private bool RegexAllowed()
        {
            var p = Back(0);
            switch (p.Kind)
            {
                case Kind.None: return true;
                case Kind.Punct: return p.Text != ")" && p.Text != "]" && p.Text != "}";
                case Kind.Ident: return RegexAfterKeywords.Contains(p.Text);
                default: return false;
            }
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void SkipLine()
        {
            while (true)
            {
                int c = Peek();
                if (c < 0 || c == '\n') return;
                Take();
            }
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void SkipBlockComment()
        {
            Take(); Take();
            while (true)
            {
                int c = Take();
                if (c < 0) return;
                if (c == '*' && Peek() == '/') { Take(); return; }
            }
        }

        private void ReadRegex()
        {
            Take();
            bool inClass = false;
            while (true)
            {
                int c = Peek();
                if (c < 0 || c == '\n') break;
                Take();
                if (c == '\\') { if (Peek() != '\n') Take(); continue; }
                if (c == '[') inClass = true;
                else if (c == ']') inClass = false;
                else if (c == '/' && !inClass) break;
            }
            while (IsIdentPart(Peek())) Take();
            Emit(Kind.Regex, "");
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void ReadNumber()
        {
            while (true)
            {
                while (_pos < _len)
                {
                    char p = _buffer[_pos];
                    if (!((p >= '0' && p <= '9') || (p >= 'a' && p <= 'z') || (p >= 'A' && p <= 'Z') || p == '_' || p == '$' || p == '.')) break;
                    _pos++;
                    _column++;
                }
                int c = Peek();
                if (IsIdentPart(c) || c == '.') { Take(); continue; }
                if ((c == '+' || c == '-') && _column > 0) { /* exponent sign: harmless to split */ }
                break;
            }
            Emit(Kind.Number, "");
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void ReadIdent()
        {
            var name = _ident;
            int length = 0;
            while (true)
            {
                // plain identifier characters straight from the buffer (never a line break, so only the column moves)
                while (_pos < _len)
                {
                    char p = _buffer[_pos];
                    if (!((p >= 'a' && p <= 'z') || (p >= 'A' && p <= 'Z') || (p >= '0' && p <= '9') || p == '_' || p == '$')) break;
                    _pos++;
                    _column++;
                    if (length < name.Length) name[length++] = p;
                }
                int c = Peek();
                if (c < 0 || !IsIdentPart(c)) break;
                Take();
                if (c == '\\' && Peek() == 'u')
                {
                    // an escaped identifier (ev\u0061l): decoded so it cannot hide a name
                    Take();
                    int v = ReadUnicodeEscapeValue();
                    if (v >= 0 && length < name.Length) name[length++] = (char)v;
                    continue;
                }
                if (length < name.Length) name[length++] = (char)c;
            }
            if (length >= 5 && name[0] == '_' && name[1] == '0' && name[2] == 'x' && IsHex(name, 3, length)) _obfuscatorNames++;
            Emit(Kind.Ident, KnownOrOther(name, length));
        }

        private static bool IsHex(char[] s, int from, int length)
        {
            for (int i = from; i < length; i++) if (HexValue(s[i]) < 0) return false;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int HexValue(int c) =>
            c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

        /// <summary>After "\u": XXXX or {X…}; the code unit (or -1).</summary>
        private int ReadUnicodeEscapeValue()
        {
            int v = 0;
            if (Peek() == '{')
            {
                Take();
                int digits = 0;
                while (HexValue(Peek()) >= 0 && digits < 8) { v = v * 16 + HexValue(Take()); digits++; }
                if (Peek() == '}') Take();
                return v <= 0xFFFF ? v : '?';
            }
            for (int i = 0; i < 4; i++)
            {
                int h = HexValue(Peek());
                if (h < 0) return -1;
                Take();
                v = v * 16 + h;
            }
            return v;
        }

        private sealed class StringStats
        {
            // the literal's first KeptStringChars characters, in an array: a StringBuilder's Append and indexer are
            // calls the JIT does not inline, paid on every character of every string
            public readonly char[] Kept = new char[KeptStringChars];
            public int KeptLength;
            public readonly int[] Counts = new int[256];
            public long Length;
            public int HexEscapes;
            public int HexRun;
            public int LongestHexRun;

            public void Reset()
            {
                KeptLength = 0;
                if (Length > 0) Array.Clear(Counts, 0, Counts.Length);
                Length = 0; HexEscapes = 0; HexRun = 0; LongestHexRun = 0;
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Add(int c)
            {
                Length++;
                if (KeptLength < KeptStringChars) Kept[KeptLength++] = (char)c;
                Counts[c & 0xFF]++;
                if (HexValue(c) >= 0) { HexRun++; if (HexRun > LongestHexRun) LongestHexRun = HexRun; }
                else HexRun = 0;
            }

            public double Entropy()
            {
                double h = 0;
                foreach (var n in Counts)
                {
                    if (n == 0) continue;
                    double p = (double)n / Length;
                    h -= p * Math.Log(p, 2);
                }
                return h;
            }
        }

        // one instance for every literal: a file of thousands of strings allocates one table, not thousands
        private readonly StringStats _string = new StringStats();

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void ReadString(char quote)
        {
            var s = _string;
            s.Reset();
            while (true)
            {
                if (_pos >= _len && Peek() < 0) break;
                char c = _buffer[_pos];
                if (c == '\n') break;
                // Take() of a character that is not a line break
                _pos++;
                _column++;
                if (c == quote) break;
                if (c == '\\') { ReadEscape(s); continue; }
                s.Add(c);
            }
            FinishString(s);
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void ReadTemplate()
        {
            var s = _string;
            s.Reset();
            while (true)
            {
                int c = Peek();
                if (c < 0) break;
                Take();
                if (c == '`') break;
                if (c == '\\') { ReadEscape(s); continue; }
                if (c == '$' && Peek() == '{')
                {
                    Take();
                    FinishString(s);
                    // the expression is code: Run's loop goes on, and the brace that closes it resumes the template
                    _templateDepth.Push(_braceDepth);
                    return;
                }
                s.Add(c);
            }
            FinishString(s);
        }

        private void ReadEscape(StringStats s)
        {
            int e = Take();
            switch (e)
            {
                case -1: return;
                case 'x':
                {
                    int h1 = HexValue(Peek());
                    if (h1 < 0) { s.Add('x'); return; }
                    Take();
                    int h2 = HexValue(Peek());
                    if (h2 < 0) { s.Add(h1); return; }
                    Take();
                    s.HexEscapes++;
                    s.Add(h1 * 16 + h2);
                    return;
                }
                case 'u':
                {
                    int v = ReadUnicodeEscapeValue();
                    if (v < 0) { s.Add('u'); return; }
                    s.HexEscapes++;
                    s.Add(v);
                    return;
                }
                case 'n': s.Add('\n'); return;
                case 't': s.Add('\t'); return;
                case 'r': s.Add('\r'); return;
                case '\r': if (Peek() == '\n') Take(); return;
                case '\n': return;
                default: s.Add(e); return;
            }
        }

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void FinishString(StringStats s)
        {
            if (s.HexEscapes >= HexEscapeThreshold || s.LongestHexRun >= HexRunThreshold) _facts.Style |= CodeStyle.HexBlob;
            if (s.Length >= EntropyMinimumLength && s.Entropy() >= EntropyThreshold) _facts.Style |= CodeStyle.HighEntropy;
            Emit(Kind.String, s.Kept, s.KeptLength);
        }

        /// <summary>A string literal's kept text: built only when it can name a module or a credential path.</summary>
        [MethodImpl(JitHints.AggressiveOptimization)]
        private void Emit(Kind kind, char[] kept, int keptLength)
        {
            var p1 = Back(0);
            var p2 = Back(1);
            bool module = (p1.Kind == Kind.Punct && p1.Text == "(" && p2.Kind == Kind.Ident && (p2.Text == "require" || p2.Text == "import")) ||
                (p1.Kind == Kind.Ident && (p1.Text == "from" || p1.Text == "import"));
            // NamesCredentialPath answers false unless the text has a '.', "id_" or "application_default" (both hold '_')
            bool path = false;
            if (keptLength >= 4)
                for (int i = 0; i < keptLength && !path; i++) path = kept[i] == '.' || kept[i] == '_';
            if (module || path)
            {
                var text = new string(kept, 0, keptLength);
                if (module) Module(text);
                if (path && NamesCredentialPath(text)) _facts.Add(CodePrimitive.CredentialPath, _line);
            }
            // no rule reads a string token's text from the history
            Emit(kind, "");
        }

        /// <summary>The token <paramref name="n"/> before the current one (0: the last one emitted).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Tok Back(int n) => _history[(_head - n) & (_history.Length - 1)];

        [MethodImpl(JitHints.AggressiveOptimization)]
        private void Emit(Kind kind, string text)
        {
            var p1 = Back(0);
            var p2 = Back(1);
            var p3 = Back(2);
            var p4 = Back(3);
            switch (kind)
            {
                case Kind.Punct when text == "(":
                    if (p1.Kind == Kind.Ident && (p1.Text == "eval" || p1.Text == "Function") && !(p2.Kind == Kind.Punct && p2.Text == "."))
                        _facts.Add(CodePrimitive.DynamicCode, _line);
                    break;
                case Kind.Ident when text == "env":
                    if (p1.Kind == Kind.Punct && p1.Text == "." && p2.Kind == Kind.Ident && p2.Text == "process" && !(p3.Kind == Kind.Punct && p3.Text == "."))
                    {
                        if ((p3.Kind == Kind.Ident && p3.Text == "in") ||
                            (p3.Kind == Kind.Punct && p3.Text == "(" && p4.Kind == Kind.Ident && EnumeratingCalls.Contains(p4.Text)))
                            _facts.Add(CodePrimitive.EnvironmentHarvest, _line);
                    }
                    break;
            }
            _head = (_head + 1) & (_history.Length - 1);
            _history[_head] = new Tok { Kind = kind, Text = text };
        }

        private void Module(string name)
        {
            if (name.StartsWith("node:", StringComparison.Ordinal)) name = name.Substring(5);
            switch (name)
            {
                case "child_process": _facts.Add(CodePrimitive.ProcessExecution, _line); break;
                case "vm": _facts.Add(CodePrimitive.DynamicCode, _line); break;
                case "net": case "dgram": case "dns": case "dns/promises": _facts.Add(CodePrimitive.RawNetwork, _line); break;
            }
        }

        internal static bool NamesCredentialPath(string text)
        {
            if (text.Length < 4 || text.IndexOf('.') < 0 && text.IndexOf("id_", StringComparison.Ordinal) < 0 && text.IndexOf("application_default", StringComparison.Ordinal) < 0) return false;
            var t = text.Replace('\\', '/').ToLowerInvariant();
            foreach (var p in CredentialPaths)
            {
                int at = t.IndexOf(p, StringComparison.Ordinal);
                while (at >= 0)
                {
                    // a whole path segment (".aws" in "x/.aws/y", not ".awsome"): bounded by start, end or '/'
                    bool startOk = at == 0 || t[at - 1] == '/' || t[at - 1] == '~' || p[0] != '.';
                    int end = at + p.Length;
                    bool endOk = end == t.Length || t[end] == '/' || t[end] == '"' || t[end] == '\'';
                    if (startOk && endOk) return true;
                    at = t.IndexOf(p, at + 1, StringComparison.Ordinal);
                }
            }
            return false;
        }
    }
}
