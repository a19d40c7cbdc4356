using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace NpmHardening.Engine.Releases
{
    /// <summary>The kind of the next JSON value, seen without consuming it.</summary>
    internal enum JsonValueKind { Object, Array, String, Number, True, False, Null }

    /// <summary>
    /// A forward-only JSON reader over a UTF-8 stream that never holds more than its buffer and the one string it is
    /// asked for: a package document of 50 MB is read in a 64 KiB window, and a value nobody asked about (a readme, a
    /// dependency map) is skipped without being decoded. The caller walks the structure (<see cref="BeginObject"/>,
    /// <see cref="NextProperty"/>, <see cref="Skip"/>, ...); anything that is not JSON, or a stream longer than
    /// <see cref="MaxBytes"/>, is a <see cref="NpmPackumentException"/> naming the byte offset.
    /// </summary>
    internal sealed class JsonStreamReader
    {
        private const int MaxDepth = 512;

        private readonly Stream _stream;
        private readonly byte[] _buffer;
        private int _pos;
        private int _len;
        private long _offset;
        private bool _eof;
        // one '{' or '[' per open container below the caller's current one, for the skipper
        private readonly byte[] _open = new byte[MaxDepth];
        private readonly StringBuilder _text = new StringBuilder();
        private byte[] _raw = new byte[256];
        private bool _first;

        public JsonStreamReader(Stream stream, long maxBytes, int bufferSize = 65536)
        {
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            MaxBytes = maxBytes;
            _buffer = new byte[bufferSize];
        }

        /// <summary>More bytes than this is an error, not a longer wait.</summary>
        public long MaxBytes { get; }

        /// <summary>Bytes consumed so far.</summary>
        public long Position => _offset + _pos;

        // ---- structure ----------------------------------------------------------------------------------------

        /// <summary>The kind of the next value (after whitespace).</summary>
        public JsonValueKind Peek()
        {
            int c = PeekByte();
            switch (c)
            {
                case '{': return JsonValueKind.Object;
                case '[': return JsonValueKind.Array;
                case '"': return JsonValueKind.String;
                case 't': return JsonValueKind.True;
                case 'f': return JsonValueKind.False;
                case 'n': return JsonValueKind.Null;
                case -1: throw Fail("the document ends where a value should start");
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return JsonValueKind.Number;
                    throw Fail($"'{(char)c}' cannot start a JSON value");
            }
        }

        /// <summary>Consumes '{'; the next call is <see cref="NextProperty"/>.</summary>
        public void BeginObject()
        {
            if (PeekByte() != '{') throw Fail("an object was expected");
            _pos++;
            _first = true;
        }

        /// <summary>
        /// The next property name of the object being read, positioned at its value; false at the closing '}'. The value
        /// must be read or skipped before the next call.
        /// </summary>
        public bool NextProperty(out string name, int maxNameLength = 4096)
        {
            int c = PeekByte();
            if (c == '}') { _pos++; _first = false; name = ""; return false; }
            if (!_first)
            {
                if (c != ',') throw Fail("',' or '}' was expected in an object");
                _pos++;
                c = PeekByte();
            }
            _first = false;
            if (c != '"') throw Fail("a property name was expected");
            name = ReadStringCore(maxNameLength) ?? "";
            if (PeekByte() != ':') throw Fail("':' was expected after a property name");
            _pos++;
            return true;
        }

        /// <summary>Consumes '['; the next call is <see cref="NextItem"/>.</summary>
        public void BeginArray()
        {
            if (PeekByte() != '[') throw Fail("an array was expected");
            _pos++;
            _first = true;
        }

        /// <summary>Positions at the next element of the array being read; false at the closing ']'.</summary>
        public bool NextItem()
        {
            int c = PeekByte();
            if (c == ']') { _pos++; _first = false; return false; }
            if (!_first)
            {
                if (c != ',') throw Fail("',' or ']' was expected in an array");
                _pos++;
            }
            _first = false;
            return true;
        }

        /// <summary>
        /// The next value when it is a string of at most <paramref name="maxLength"/> characters; any other value (a
        /// number, an object, a string that is too long) is consumed and gives null, so a field of the wrong type reads
        /// as absent. <paramref name="wrongType"/> says which happened.
        /// </summary>
        public string? ReadString(int maxLength, out bool wrongType)
        {
            wrongType = false;
            if (Peek() != JsonValueKind.String)
            {
                wrongType = Peek() != JsonValueKind.Null;
                Skip();
                return null;
            }
            var s = ReadStringCore(maxLength);
            if (s == null) wrongType = true;
            return s;
        }

        public string? ReadString(int maxLength = 65536) => ReadString(maxLength, out _);

        /// <summary>Consumes the next value, whatever it is, checking that it is JSON but decoding nothing.</summary>
        public void Skip()
        {
            int depth = 0;
            bool expectValue = true;
            while (true)
            {
                int c = PeekByte();
                if (expectValue)
                {
                    switch (c)
                    {
                        case '{':
                        case '[':
                            if (depth == MaxDepth) throw Fail($"the document nests deeper than {MaxDepth} levels");
                            _open[depth++] = (byte)c;
                            _pos++;
                            int next = PeekByte();
                            if ((c == '{' && next == '}') || (c == '[' && next == ']')) { _pos++; depth--; expectValue = false; break; }
                            if (c == '{') { SkipStringExpected(); Colon(); }
                            continue;
                        case '"': SkipString(); break;
                        case 't': Literal("true"); break;
                        case 'f': Literal("false"); break;
                        case 'n': Literal("null"); break;
                        default:
                            if (c == '-' || (c >= '0' && c <= '9')) { SkipNumber(); break; }
                            throw c == -1 ? Fail("the document ends where a value should start") : Fail($"'{(char)c}' cannot start a JSON value");
                    }
                    expectValue = false;
                }
                if (depth == 0) return;
                c = PeekByte();
                var opener = _open[depth - 1];
                if (c == ',')
                {
                    _pos++;
                    if (opener == '{') { SkipStringExpected(); Colon(); }
                    expectValue = true;
                }
                else if ((c == '}' && opener == '{') || (c == ']' && opener == '['))
                {
                    _pos++;
                    depth--;
                    if (depth == 0) return;
                }
                else throw c == -1 ? Fail("the document ends inside an object or array") : Fail($"'{(char)c}' is not allowed here");
            }
        }

        /// <summary>Reads a number value as a double when it fits; anything else is skipped and gives null.</summary>
        public double? ReadNumber()
        {
            if (Peek() != JsonValueKind.Number) { Skip(); return null; }
            _text.Clear();
            while (true)
            {
                int c = PeekRaw();
                if (c == -1 || !(c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9'))) break;
                if (_text.Length > 64) throw Fail("a number is too long");
                _text.Append((char)c);
                _pos++;
            }
            return double.TryParse(_text.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Fail("a number is malformed");
        }

        /// <summary>After the top-level value: only whitespace may follow.</summary>
        public void End()
        {
            if (PeekByte() != -1) throw Fail("something follows the end of the document");
        }

        // ---- bytes --------------------------------------------------------------------------------------------

        public NpmPackumentException Fail(string why) =>
            new NpmPackumentException($"not a valid package document at byte {Position.ToString(CultureInfo.InvariantCulture)}: {why}.");

        /// <summary>The next byte after whitespace, not consumed; -1 at the end.</summary>
        private int PeekByte()
        {
            while (true)
            {
                if (_pos == _len && !Fill()) return -1;
                byte b = _buffer[_pos];
                if (b == ' ' || b == '\n' || b == '\r' || b == '\t') { _pos++; continue; }
                return b;
            }
        }

        private int PeekRaw() => _pos == _len && !Fill() ? -1 : _buffer[_pos];

        private bool Fill()
        {
            if (_eof) return false;
            _offset += _len;
            _pos = 0;
            _len = _stream.Read(_buffer, 0, _buffer.Length);
            if (_len <= 0) { _len = 0; _eof = true; return false; }
            if (_offset + _len > MaxBytes)
                throw new NpmPackumentException($"the package document is larger than {Describe(MaxBytes)}; stopped reading.") { TooLarge = true };
            return true;
        }

        internal static string Describe(long bytes) =>
            bytes >= 1024 * 1024 ? (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MB" : bytes.ToString(CultureInfo.InvariantCulture) + " bytes";

        private void Colon()
        {
            if (PeekByte() != ':') throw Fail("':' was expected after a property name");
            _pos++;
        }

        private void Literal(string word)
        {
            for (int i = 0; i < word.Length; i++)
            {
                if (PeekRaw() != word[i]) throw Fail($"'{word}' is misspelled");
                _pos++;
            }
        }

        private void SkipNumber()
        {
            int n = 0;
            while (true)
            {
                int c = PeekRaw();
                if (c == -1 || !(c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9'))) return;
                if (++n > 1024) throw Fail("a number is too long");
                _pos++;
            }
        }

        private void SkipStringExpected()
        {
            if (PeekByte() != '"') throw Fail("a property name was expected");
            SkipString();
        }

        /// <summary>Skips a string without decoding it: only the closing quote, escapes and control characters matter.</summary>
        private void SkipString()
        {
            _pos++; // the opening quote
            while (true)
            {
                if (_pos == _len && !Fill()) throw Fail("a string is not closed");
                // the bulk of a long string: scan the buffer for the next quote, backslash or control byte
                int i = _pos, end = _len;
                var buf = _buffer;
                while (i < end)
                {
                    byte b = buf[i];
                    if (b == '"' || b == '\\' || b < 0x20) break;
                    i++;
                }
                _pos = i;
                if (i == end) continue;
                byte stop = buf[i];
                _pos++;
                if (stop == '"') return;
                if (stop < 0x20) throw Fail("a string holds a raw control character");
                int e = PeekRaw();
                if (e == -1) throw Fail("a string is not closed");
                _pos++;
                if (e == 'u') { for (int k = 0; k < 4; k++) { if (Hex(PeekRaw()) < 0) throw Fail("a \\u escape is malformed"); _pos++; } }
                else if ("\"\\/bfnrt".IndexOf((char)e) < 0) throw Fail("a string holds an unknown escape");
            }
        }

        /// <summary>Reads a string value; null (after consuming it) when longer than <paramref name="maxLength"/> characters.</summary>
        private string? ReadStringCore(int maxLength)
        {
            _pos++; // the opening quote
            _text.Clear();
            int raw = 0;
            bool tooLong = false;
            while (true)
            {
                if (_pos == _len && !Fill()) throw Fail("a string is not closed");
                byte b = _buffer[_pos++];
                if (b == '"') break;
                if (b < 0x20) throw Fail("a string holds a raw control character");
                if (b != '\\')
                {
                    if (tooLong) continue;
                    if (raw == _raw.Length)
                    {
                        if (raw >= maxLength * 4) { tooLong = true; continue; }
                        Array.Resize(ref _raw, raw * 2);
                    }
                    _raw[raw++] = b;
                    continue;
                }
                // an escape: what came before it is UTF-8 text
                if (raw > 0 && !tooLong) { _text.Append(Encoding.UTF8.GetString(_raw, 0, raw)); raw = 0; }
                int e = PeekRaw();
                if (e == -1) throw Fail("a string is not closed");
                _pos++;
                char ch;
                switch (e)
                {
                    case '"': ch = '"'; break;
                    case '\\': ch = '\\'; break;
                    case '/': ch = '/'; break;
                    case 'b': ch = '\b'; break;
                    case 'f': ch = '\f'; break;
                    case 'n': ch = '\n'; break;
                    case 'r': ch = '\r'; break;
                    case 't': ch = '\t'; break;
                    case 'u':
                        int v = 0;
                        for (int k = 0; k < 4; k++)
                        {
                            int h = Hex(PeekRaw());
                            if (h < 0) throw Fail("a \\u escape is malformed");
                            _pos++;
                            v = v * 16 + h;
                        }
                        ch = (char)v;
                        break;
                    default: throw Fail("a string holds an unknown escape");
                }
                if (!tooLong) _text.Append(ch);
                if (_text.Length > maxLength) tooLong = true;
            }
            if (tooLong) return null;
            if (raw > 0) _text.Append(Encoding.UTF8.GetString(_raw, 0, raw));
            return _text.Length > maxLength ? null : _text.ToString();
        }

        private static int Hex(int c) =>
            c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
