using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NpmHardening.Engine.Js
{
    /// <summary>
    /// JSON.parse with JavaScript's exact acceptance rules, producing JS values (string, double, bool, null,
    /// List&lt;object?&gt;, JsObject). npm's ini parser runs every quoted value through JSON.parse and keeps
    /// the raw text when it throws, so "accepts exactly what JSON.parse accepts" is the contract.
    /// </summary>
    public static class JsJson
    {
        public static bool TryParse(string text, out object? value)
        {
            var p = new Parser(text);
            try
            {
                p.SkipWs();
                value = p.ParseValue(0);
                p.SkipWs();
                if (p.Pos != text.Length) { value = null; return false; }
                return true;
            }
            catch (JsonSyntax)
            {
                value = null;
                return false;
            }
        }

        private sealed class JsonSyntax : System.Exception { }

        private sealed class Parser
        {
            private readonly string _s;
            public int Pos;
            public Parser(string s) { _s = s; }

            public void SkipWs()
            {
                while (Pos < _s.Length)
                {
                    char c = _s[Pos];
                    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') Pos++;
                    else break;
                }
            }

            public object? ParseValue(int depth)
            {
                if (depth > 512 || Pos >= _s.Length) throw new JsonSyntax();
                char c = _s[Pos];
                switch (c)
                {
                    case '"': return ParseString();
                    case '{': return ParseObject(depth);
                    case '[': return ParseArray(depth);
                    case 't': Expect("true"); return true;
                    case 'f': Expect("false"); return false;
                    case 'n': Expect("null"); return null;
                    default:
                        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
                        throw new JsonSyntax();
                }
            }

            private void Expect(string word)
            {
                if (string.CompareOrdinal(_s, Pos, word, 0, word.Length) != 0) throw new JsonSyntax();
                Pos += word.Length;
            }

            private double ParseNumber()
            {
                int start = Pos;
                if (_s[Pos] == '-') Pos++;
                if (Pos >= _s.Length) throw new JsonSyntax();
                if (_s[Pos] == '0') Pos++;
                else if (_s[Pos] >= '1' && _s[Pos] <= '9') { while (Pos < _s.Length && _s[Pos] >= '0' && _s[Pos] <= '9') Pos++; }
                else throw new JsonSyntax();
                if (Pos < _s.Length && _s[Pos] == '.')
                {
                    Pos++;
                    int d = Pos;
                    while (Pos < _s.Length && _s[Pos] >= '0' && _s[Pos] <= '9') Pos++;
                    if (Pos == d) throw new JsonSyntax();
                }
                if (Pos < _s.Length && (_s[Pos] == 'e' || _s[Pos] == 'E'))
                {
                    Pos++;
                    if (Pos < _s.Length && (_s[Pos] == '+' || _s[Pos] == '-')) Pos++;
                    int d = Pos;
                    while (Pos < _s.Length && _s[Pos] >= '0' && _s[Pos] <= '9') Pos++;
                    if (Pos == d) throw new JsonSyntax();
                }
                return JsNumber.FromDecimalLiteral(_s.Substring(start, Pos - start));
            }

            private string ParseString()
            {
                Pos++; // opening quote
                // most strings hold no escape: cut them out of the text in one piece (package.json files are read for
                // every repository a pipeline scan visits); anything else is read character by character below
                int end = Pos;
                while (end < _s.Length && _s[end] != '"' && _s[end] != '\\' && _s[end] >= 0x20) end++;
                if (end < _s.Length && _s[end] == '"')
                {
                    var plain = _s.Substring(Pos, end - Pos);
                    Pos = end + 1;
                    return plain;
                }
                var sb = new StringBuilder();
                while (true)
                {
                    if (Pos >= _s.Length) throw new JsonSyntax();
                    char c = _s[Pos++];
                    if (c == '"') return sb.ToString();
                    if (c < 0x20) throw new JsonSyntax();
                    if (c != '\\') { sb.Append(c); continue; }
                    if (Pos >= _s.Length) throw new JsonSyntax();
                    char e = _s[Pos++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (Pos + 4 > _s.Length) throw new JsonSyntax();
                            int code = 0;
                            for (int i = 0; i < 4; i++)
                            {
                                char h = _s[Pos++];
                                int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                                if (v < 0) throw new JsonSyntax();
                                code = code * 16 + v;
                            }
                            sb.Append((char)code);
                            break;
                        default: throw new JsonSyntax();
                    }
                }
            }

            private List<object?> ParseArray(int depth)
            {
                Pos++;
                var list = new List<object?>();
                SkipWs();
                if (Pos < _s.Length && _s[Pos] == ']') { Pos++; return list; }
                while (true)
                {
                    SkipWs();
                    list.Add(ParseValue(depth + 1));
                    SkipWs();
                    if (Pos >= _s.Length) throw new JsonSyntax();
                    if (_s[Pos] == ',') { Pos++; continue; }
                    if (_s[Pos] == ']') { Pos++; return list; }
                    throw new JsonSyntax();
                }
            }

            private JsObject ParseObject(int depth)
            {
                Pos++;
                var obj = new JsObject();
                SkipWs();
                if (Pos < _s.Length && _s[Pos] == '}') { Pos++; return obj; }
                while (true)
                {
                    SkipWs();
                    if (Pos >= _s.Length || _s[Pos] != '"') throw new JsonSyntax();
                    var key = ParseString();
                    SkipWs();
                    if (Pos >= _s.Length || _s[Pos] != ':') throw new JsonSyntax();
                    Pos++;
                    SkipWs();
                    obj[key] = ParseValue(depth + 1);
                    SkipWs();
                    if (Pos >= _s.Length) throw new JsonSyntax();
                    if (_s[Pos] == ',') { Pos++; continue; }
                    if (_s[Pos] == '}') { Pos++; return obj; }
                    throw new JsonSyntax();
                }
            }
        }
    }
}
