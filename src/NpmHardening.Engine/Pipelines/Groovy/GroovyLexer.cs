using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Pipelines.Groovy
{
    /// <summary>
    /// Splits Groovy source into tokens, one at a time, in one pass: every character is looked at a bounded number of
    /// times, and the lexer holds only the current token, so a huge file costs time in proportion to its size and no
    /// memory beyond the token being built. It knows every Groovy string form (so a quote, brace or <c>//</c> inside a
    /// string or comment never confuses the structure), decides whether <c>/</c> starts a slashy string or divides
    /// from the token before it, and reports an unterminated string or comment as a
    /// <see cref="CiDefinitionException"/> naming the line where it began.
    /// </summary>
    internal sealed class GroovyLexer
    {
        // A GString inside ${…} inside a GString… is legal but never deep in a real pipeline; the bound keeps the
        // recursion (and the stack) small whatever the input.
        private const int MaxInterpolationDepth = 32;

        private static readonly string[] Operators =
        {
            ">>>=", "...",
            ">>>", "<=>", "===", "!==", "**=", "<<=", ">>=", "..<", "==~", "?.@",
            "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>",
            "->", "?.", "*.", ".&", ".@", "..", "=~", "**", "?:", "::", "?=",
        };

        // Words after which an expression starts, so a '/' that follows begins a slashy string.
        private static readonly HashSet<string> ExpressionKeywords = new HashSet<string>(StringComparer.Ordinal)
        {
            "return", "in", "case", "assert", "throw", "else", "new", "instanceof", "as", "yield",
        };

        private readonly string _text;
        private readonly string _file;
        private int _pos;
        private int _line = 1;
        private int _lineStart;
        private int _depth;
        private GroovyToken? _previous;

        public GroovyLexer(string text, string file)
        {
            _text = text ?? throw new ArgumentNullException(nameof(text));
            _file = file ?? throw new ArgumentNullException(nameof(file));
            if (_text.Length > 0 && _text[0] == '\uFEFF') _pos = 1;
            // A shebang line is a comment only at the very start of a script.
            if (string.CompareOrdinal(_text, _pos, "#!", 0, 2) == 0)
                while (_pos < _text.Length && _text[_pos] != '\n' && _text[_pos] != '\r') _pos++;
        }

        public string File => _file;

        /// <summary>All tokens up to and including <see cref="GroovyTokenKind.End"/> (tests; readers stream with <see cref="Next"/>).</summary>
        public static List<GroovyToken> Tokenize(string text, string file)
        {
            var lexer = new GroovyLexer(text, file);
            var tokens = new List<GroovyToken>();
            GroovyToken token;
            do { token = lexer.Next(); tokens.Add(token); } while (token.Kind != GroovyTokenKind.End);
            return tokens;
        }

        /// <summary>The next token; <see cref="GroovyTokenKind.End"/> at the end of the text (and again on every later call).</summary>
        public GroovyToken Next()
        {
            var token = Lex(_previous);
            _previous = token;
            return token;
        }

        private GroovyToken Lex(GroovyToken? previous)
        {
            bool newline = SkipTrivia();
            int start = _pos, line = _line, column = _pos - _lineStart + 1;
            if (_pos >= _text.Length) return new GroovyToken(GroovyTokenKind.End, "", line, column, start, start, newline);

            char c = _text[_pos];
            switch (c)
            {
                case '{': return Single(GroovyTokenKind.LeftBrace, newline);
                case '}': return Single(GroovyTokenKind.RightBrace, newline);
                case '(': return Single(GroovyTokenKind.LeftParen, newline);
                case ')': return Single(GroovyTokenKind.RightParen, newline);
                case '[': return Single(GroovyTokenKind.LeftBracket, newline);
                case ']': return Single(GroovyTokenKind.RightBracket, newline);
                case ',': return Single(GroovyTokenKind.Comma, newline);
                case ';': return Single(GroovyTokenKind.Semicolon, newline);
                case '\'':
                case '"':
                    return LexQuoted(c, newline);
            }

            bool expressionExpected = ExpectsOperand(previous);
            if (c == '/' && expressionExpected) return LexSlashy(newline);
            if (c == '$' && Peek(1) == '/' && expressionExpected) return LexDollarSlashy(newline);
            if (IsIdentifierStart(c))
            {
                _pos++;
                while (_pos < _text.Length && IsIdentifierPart(_text[_pos])) _pos++;
                return Make(GroovyTokenKind.Identifier, _text.Substring(start, _pos - start), line, column, start, newline);
            }
            if (c >= '0' && c <= '9') return LexNumber(newline);

            foreach (var op in Operators)
            {
                if (string.CompareOrdinal(_text, _pos, op, 0, op.Length) == 0)
                {
                    _pos += op.Length;
                    return Make(GroovyTokenKind.Operator, op, line, column, start, newline);
                }
            }
            // One character: an operator, or something Groovy would reject ('#', '`', a stray backslash) that the
            // parser skips like any construct it does not know.
            _pos += char.IsHighSurrogate(c) && _pos + 1 < _text.Length ? 2 : 1;
            return Make(GroovyTokenKind.Operator, _text.Substring(start, _pos - start), line, column, start, newline);
        }

        /// <summary>Whether the token before a '/' leaves the parser expecting a value (then '/' opens a slashy string)
        /// rather than an operator (then it divides). After ')' ']' '}' a name, number or string it divides: dividing
        /// after '}' is the safe guess, because a statement that is only a slashy string does nothing.</summary>
        private static bool ExpectsOperand(GroovyToken? previous)
        {
            if (previous == null) return true;
            switch (previous.Kind)
            {
                case GroovyTokenKind.Identifier: return ExpressionKeywords.Contains(previous.Text);
                case GroovyTokenKind.Number:
                case GroovyTokenKind.String:
                case GroovyTokenKind.RightParen:
                case GroovyTokenKind.RightBracket:
                case GroovyTokenKind.RightBrace:
                    return false;
                case GroovyTokenKind.Operator:
                    return previous.Text != "++" && previous.Text != "--";
                default:
                    return true;
            }
        }

        /// <summary>Skips blanks, line breaks, comments and backslash line continuations; true when a line break was crossed.</summary>
        private bool SkipTrivia()
        {
            bool newline = false;
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == '\n' || c == '\r') { NewLine(); newline = true; }
                else if (c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\u00A0' || c == '\uFEFF') _pos++;
                else if (c == '\\' && (Peek(1) == '\n' || Peek(1) == '\r')) { _pos++; NewLine(); }
                else if (c == '/' && Peek(1) == '/')
                {
                    while (_pos < _text.Length && _text[_pos] != '\n' && _text[_pos] != '\r') _pos++;
                }
                else if (c == '/' && Peek(1) == '*')
                {
                    int startLine = _line;
                    _pos += 2;
                    while (true)
                    {
                        if (_pos >= _text.Length) throw Error(startLine, "unterminated /* comment");
                        char d = _text[_pos];
                        if (d == '*' && Peek(1) == '/') { _pos += 2; break; }
                        if (d == '\n' || d == '\r') { NewLine(); newline = true; }
                        else _pos++;
                    }
                }
                else break;
            }
            return newline;
        }

        // Advances over one line break (\n, \r\n or \r) and counts it.
        private void NewLine()
        {
            if (_text[_pos] == '\r' && Peek(1) == '\n') _pos++;
            _pos++;
            _line++;
            _lineStart = _pos;
        }

        private GroovyToken LexQuoted(char quote, bool newline)
        {
            int start = _pos, line = _line, column = _pos - _lineStart + 1;
            bool triple = Peek(1) == quote && Peek(2) == quote;
            bool interpolating = quote == '"';
            GroovyStringForm form = triple
                ? (interpolating ? GroovyStringForm.TripleDouble : GroovyStringForm.TripleSingle)
                : (interpolating ? GroovyStringForm.Double : GroovyStringForm.Single);
            _pos += triple ? 3 : 1;
            int contentLine = _line;
            // Groovy keeps a line break right after the opening quotes in the value; a script's first line is the
            // next one, so the reader reports lines from there and the value starts there.
            if (triple && (Peek(0) == '\n' || Peek(0) == '\r')) { NewLine(); contentLine = _line; }

            var value = new StringBuilder();
            bool interpolated = false;
            while (true)
            {
                if (_pos >= _text.Length) throw Unterminated(form, line);
                char c = _text[_pos];
                if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote)))
                {
                    _pos += triple ? 3 : 1;
                    break;
                }
                if (c == '\n' || c == '\r')
                {
                    if (!triple) throw Unterminated(form, line);
                    int from = _pos;
                    NewLine();
                    value.Append(_text, from, _pos - from);
                    continue;
                }
                if (c == '\\') { Escape(value); continue; }
                if (c == '$' && interpolating && Interpolation(value)) { interpolated = true; continue; }
                value.Append(c);
                _pos++;
            }
            var token = Make(GroovyTokenKind.String, value.ToString(), line, column, start, newline);
            token.StringForm = form;
            token.Interpolated = interpolated;
            token.ContentLine = contentLine;
            return token;
        }

        private GroovyToken LexSlashy(bool newline)
        {
            int start = _pos, line = _line, column = _pos - _lineStart + 1;
            _pos++;
            var value = new StringBuilder();
            bool interpolated = false;
            while (true)
            {
                if (_pos >= _text.Length) throw Unterminated(GroovyStringForm.Slashy, line);
                char c = _text[_pos];
                if (c == '/') { _pos++; break; }
                if (c == '\\' && Peek(1) == '/') { value.Append('/'); _pos += 2; continue; }
                if (c == '\n' || c == '\r') { int from = _pos; NewLine(); value.Append(_text, from, _pos - from); continue; }
                if (c == '$' && Interpolation(value)) { interpolated = true; continue; }
                value.Append(c);
                _pos++;
            }
            var token = Make(GroovyTokenKind.String, value.ToString(), line, column, start, newline);
            token.StringForm = GroovyStringForm.Slashy;
            token.Interpolated = interpolated;
            token.ContentLine = line;
            return token;
        }

        private GroovyToken LexDollarSlashy(bool newline)
        {
            int start = _pos, line = _line, column = _pos - _lineStart + 1;
            _pos += 2;
            var value = new StringBuilder();
            bool interpolated = false;
            while (true)
            {
                if (_pos >= _text.Length) throw Unterminated(GroovyStringForm.DollarSlashy, line);
                char c = _text[_pos];
                if (c == '/' && Peek(1) == '$') { _pos += 2; break; }
                if (c == '$' && (Peek(1) == '$' || Peek(1) == '/')) { value.Append(Peek(1)); _pos += 2; continue; }
                if (c == '\n' || c == '\r') { int from = _pos; NewLine(); value.Append(_text, from, _pos - from); continue; }
                if (c == '$' && Interpolation(value)) { interpolated = true; continue; }
                value.Append(c);
                _pos++;
            }
            var token = Make(GroovyTokenKind.String, value.ToString(), line, column, start, newline);
            token.StringForm = GroovyStringForm.DollarSlashy;
            token.Interpolated = interpolated;
            token.ContentLine = line;
            return token;
        }

        /// <summary>At a '$' inside an interpolating string: copies <c>$name.path</c> or <c>${expr}</c> into the value as
        /// written and returns true; returns false (the '$' is then a plain character) when neither follows.</summary>
        private bool Interpolation(StringBuilder value)
        {
            int start = _pos;
            char next = Peek(1);
            if (next == '{')
            {
                int startLine = _line;
                if (++_depth > MaxInterpolationDepth) throw Error(startLine, "strings nested more than " + MaxInterpolationDepth + " deep inside ${…}");
                _pos += 2;
                // The expression is Groovy again: lex it token by token so that braces, quotes and comments inside it
                // are read as Groovy reads them; the braces count down to the one that closes the interpolation.
                int braces = 1;
                GroovyToken? previous = null;
                while (true)
                {
                    var token = Lex(previous);
                    previous = token;
                    if (token.Kind == GroovyTokenKind.End) throw Error(startLine, "unterminated ${…} in a string");
                    if (token.Kind == GroovyTokenKind.LeftBrace) braces++;
                    else if (token.Kind == GroovyTokenKind.RightBrace && --braces == 0) break;
                }
                _depth--;
                value.Append(_text, start, _pos - start);
                return true;
            }
            if (IsIdentifierStart(next) && next != '$')
            {
                _pos++;
                while (true)
                {
                    while (_pos < _text.Length && IsIdentifierPart(_text[_pos]) && _text[_pos] != '$') _pos++;
                    // "$a.b" reads the property b of a; a '.' not followed by a name ends the reference.
                    if (Peek(0) == '.' && IsIdentifierStart(Peek(1)) && Peek(1) != '$') { _pos++; continue; }
                    break;
                }
                value.Append(_text, start, _pos - start);
                return true;
            }
            return false;
        }

        /// <summary>At a backslash inside a quoted string: appends what the escape stands for.</summary>
        private void Escape(StringBuilder value)
        {
            char e = Peek(1);
            switch (e)
            {
                case 'n': value.Append('\n'); _pos += 2; return;
                case 't': value.Append('\t'); _pos += 2; return;
                case 'r': value.Append('\r'); _pos += 2; return;
                case 'b': value.Append('\b'); _pos += 2; return;
                case 'f': value.Append('\f'); _pos += 2; return;
                case 's': value.Append(' '); _pos += 2; return;
                case '\\': case '\'': case '"': case '$': value.Append(e); _pos += 2; return;
                case '\n':
                case '\r':
                    // A backslash at the end of a line joins the lines; the line still counts.
                    _pos++;
                    NewLine();
                    return;
                case 'u':
                {
                    int p = _pos + 2;
                    while (p < _text.Length && _text[p] == 'u') p++;
                    if (p + 4 <= _text.Length && IsHex(_text[p]) && IsHex(_text[p + 1]) && IsHex(_text[p + 2]) && IsHex(_text[p + 3]))
                    {
                        value.Append((char)Convert.ToInt32(_text.Substring(p, 4), 16));
                        _pos = p + 4;
                        return;
                    }
                    break;
                }
                default:
                    if (e >= '0' && e <= '7')
                    {
                        int p = _pos + 1, code = 0, max = e <= '3' ? 3 : 2;
                        for (int i = 0; i < max && p < _text.Length && _text[p] >= '0' && _text[p] <= '7'; i++, p++)
                            code = code * 8 + (_text[p] - '0');
                        value.Append((char)code);
                        _pos = p;
                        return;
                    }
                    break;
            }
            if (_pos + 1 >= _text.Length) { _pos++; return; } // the string is then unterminated; the caller says so
            // Groovy rejects an unknown escape; keeping both characters loses nothing a reader needs.
            value.Append('\\');
            _pos++;
        }

        private GroovyToken LexNumber(bool newline)
        {
            int start = _pos, line = _line, column = _pos - _lineStart + 1;
            if (_text[_pos] == '0' && (Peek(1) == 'x' || Peek(1) == 'X' || Peek(1) == 'b' || Peek(1) == 'B'))
            {
                _pos += 2;
                while (_pos < _text.Length && (IsHex(_text[_pos]) || _text[_pos] == '_')) _pos++;
            }
            else
            {
                Digits();
                // "1..5" is a range: a '.' makes a fraction only when a digit follows it.
                if (Peek(0) == '.' && char.IsDigit(Peek(1))) { _pos++; Digits(); }
                if ((Peek(0) == 'e' || Peek(0) == 'E') && (char.IsDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && char.IsDigit(Peek(2)))))
                {
                    _pos += 2;
                    Digits();
                }
            }
            if ("gGlLiIdDfF".IndexOf(Peek(0)) >= 0 && Peek(0) != '\0') _pos++;
            return Make(GroovyTokenKind.Number, _text.Substring(start, _pos - start), line, column, start, newline);
        }

        private void Digits()
        {
            while (_pos < _text.Length && ((_text[_pos] >= '0' && _text[_pos] <= '9') || _text[_pos] == '_')) _pos++;
        }

        private GroovyToken Single(GroovyTokenKind kind, bool newline)
        {
            int start = _pos, column = _pos - _lineStart + 1;
            _pos++;
            return Make(kind, _text.Substring(start, 1), _line, column, start, newline);
        }

        private GroovyToken Make(GroovyTokenKind kind, string text, int line, int column, int start, bool newline)
            => new GroovyToken(kind, text, line, column, start, _pos, newline);

        private char Peek(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

        internal static bool IsIdentifierStart(char c) => c == '_' || c == '$' || char.IsLetter(c);
        internal static bool IsIdentifierPart(char c) => c == '_' || c == '$' || char.IsLetterOrDigit(c);
        private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

        private CiDefinitionException Unterminated(GroovyStringForm form, int line)
        {
            string what;
            switch (form)
            {
                case GroovyStringForm.Single: what = "'…' string (a single-quoted string cannot span lines)"; break;
                case GroovyStringForm.Double: what = "\"…\" string (a double-quoted string cannot span lines)"; break;
                case GroovyStringForm.TripleSingle: what = "'''…''' string"; break;
                case GroovyStringForm.TripleDouble: what = "\"\"\"…\"\"\" string"; break;
                case GroovyStringForm.Slashy: what = "/…/ string"; break;
                default: what = "$/…/$ string"; break;
            }
            return Error(line, "unterminated " + what);
        }

        internal CiDefinitionException Error(int line, string reason) => new CiDefinitionException(_file, line, reason);
    }
}
