using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NpmHardening.Engine.Lockfiles
{
    internal enum JsonToken
    {
        None,
        StartObject,
        EndObject,
        StartArray,
        EndArray,
        PropertyName,
        String,
        Number,
        True,
        False,
        Null,
        EndOfDocument,
    }

    /// <summary>
    /// A forward-only UTF-8 JSON tokenizer over a stream with one fixed buffer, with the strictness of JSON.parse and
    /// the positions a finding needs (1-based line and column of every token). It keeps no tree: the lockfile reader
    /// takes the values it models and skips the rest without decoding their strings.
    /// </summary>
    /// <remarks>
    /// Not System.Text.Json's Utf8JsonReader: on netstandard2.0 that is a package of seven assemblies the module would
    /// ship and isolate, and it does not expose the line of a token, which every lockfile finding carries. Lines are
    /// counted in whitespace only, because a raw line break inside a JSON string is a syntax error.
    /// </remarks>
    internal sealed class LockfileJsonReader
    {
        private enum Expect { Value, NameOrEnd, Name, ValueOrEnd, CommaOrEnd, Done }

        private readonly Stream _stream;
        private readonly string _path;
        private readonly int _maxDepth;
        private readonly byte[] _buffer;
        private int _pos;
        private int _len;
        private long _bufferStart;      // absolute offset of _buffer[0]
        private long _lineStart;        // absolute offset of the current line's first byte
        private int _line = 1;
        private bool _eof;
        private Expect _expect = Expect.Value;
        private readonly List<bool> _containers = new List<bool>(); // true: object
        private byte[] _text = new byte[256];
        private int _textLength;

        public LockfileJsonReader(Stream stream, string path, int maxDepth, int bufferSize = 64 * 1024)
            : this(stream, path, maxDepth, new byte[bufferSize])
        {
        }

        /// <summary>Reads through a buffer the caller owns (a pooled one): its whole length is used.</summary>
        public LockfileJsonReader(Stream stream, string path, int maxDepth, byte[] buffer)
        {
            _stream = stream;
            _path = path;
            _maxDepth = maxDepth;
            _buffer = buffer;
        }

        public JsonToken Token { get; private set; }
        /// <summary>Line of the current token's first byte.</summary>
        public int TokenLine { get; private set; }
        /// <summary>Column (bytes, 1-based) of the current token's first byte.</summary>
        public int TokenColumn { get; private set; }
        /// <summary>Containers open after the current token.</summary>
        public int Depth => _containers.Count;
        /// <summary>Bytes read from the stream so far.</summary>
        public long BytesRead => _bufferStart + _len;

        /// <summary>The decoded text of the current PropertyName or String token (or the raw text of a Number).</summary>
        public string GetString() => Encoding.UTF8.GetString(_text, 0, _textLength);

        /// <summary>The decoded UTF-8 bytes of the current PropertyName or String token, valid until the next read.</summary>
        public ReadOnlySpan<byte> ValueSpan => new ReadOnlySpan<byte>(_text, 0, _textLength);

        /// <summary>Whether the current string token's UTF-8 bytes equal <paramref name="ascii"/>, without decoding it.</summary>
        public bool ValueEquals(string ascii)
        {
            if (_textLength != ascii.Length) return false;
            for (int i = 0; i < ascii.Length; i++)
                if (_text[i] != ascii[i]) return false;
            return true;
        }

        public JsonToken Read() => Read(materialize: true);

        private JsonToken Read(bool materialize)
        {
            while (true)
            {
                SkipWhitespace();
                int b = Peek();
                MarkToken();
                if (b < 0)
                {
                    if (_expect == Expect.Done) return Token = JsonToken.EndOfDocument;
                    throw Error(NpmLockfileErrorKind.Truncated, _containers.Count > 0
                        ? $"The JSON ends inside {_containers.Count} open object(s) or array(s): the file is truncated."
                        : "The file is empty or ends before its first value: it is truncated.");
                }
                switch (_expect)
                {
                    case Expect.Done:
                        throw Syntax("content after the end of the JSON document");
                    case Expect.CommaOrEnd:
                        if (b == ',') { _pos++; _expect = _containers[_containers.Count - 1] ? Expect.Name : Expect.Value; continue; }
                        if (b == '}' && _containers[_containers.Count - 1]) return EndContainer(JsonToken.EndObject);
                        if (b == ']' && !_containers[_containers.Count - 1]) return EndContainer(JsonToken.EndArray);
                        throw Syntax(_containers[_containers.Count - 1] ? "',' or '}' expected" : "',' or ']' expected");
                    case Expect.NameOrEnd:
                        if (b == '}') return EndContainer(JsonToken.EndObject);
                        if (b == '"') return ReadName(materialize);
                        throw Syntax("a property name in double quotes or '}' expected");
                    case Expect.Name:
                        if (b == '"') return ReadName(materialize);
                        throw Syntax("a property name in double quotes expected");
                    case Expect.ValueOrEnd:
                        if (b == ']') return EndContainer(JsonToken.EndArray);
                        return ReadValue(b, materialize);
                    default:
                        return ReadValue(b, materialize);
                }
            }
        }

        /// <summary>
        /// Skips the value that follows the current PropertyName token (or the current token when it starts a
        /// container) without decoding strings; afterwards the reader stands on the value's last token.
        /// </summary>
        public void SkipValue()
        {
            if (Token == JsonToken.PropertyName) Read(materialize: false);
            if (Token != JsonToken.StartObject && Token != JsonToken.StartArray) return;
            int depth = Depth;
            while (Depth >= depth) Read(materialize: false);
        }

        private JsonToken ReadName(bool materialize)
        {
            ReadStringBody(materialize);
            int line = TokenLine, column = TokenColumn;
            SkipWhitespace();
            if (Peek() != ':') { MarkToken(); throw Syntax("':' expected after a property name"); }
            _pos++;
            TokenLine = line;
            TokenColumn = column;
            _expect = Expect.Value;
            return Token = JsonToken.PropertyName;
        }

        private JsonToken ReadValue(int b, bool materialize)
        {
            switch (b)
            {
                case '{':
                case '[':
                    if (_containers.Count >= _maxDepth)
                        throw Error(NpmLockfileErrorKind.TooDeep, $"The JSON nests deeper than {_maxDepth} objects and arrays; no npm lockfile does (the limit is NpmLockfileLimits.MaxDepth).");
                    _pos++;
                    _containers.Add(b == '{');
                    _expect = b == '{' ? Expect.NameOrEnd : Expect.ValueOrEnd;
                    return Token = b == '{' ? JsonToken.StartObject : JsonToken.StartArray;
                case '"':
                    ReadStringBody(materialize);
                    AfterValue();
                    return Token = JsonToken.String;
                case 't': Literal("true"); AfterValue(); return Token = JsonToken.True;
                case 'f': Literal("false"); AfterValue(); return Token = JsonToken.False;
                case 'n': Literal("null"); AfterValue(); return Token = JsonToken.Null;
                default:
                    if (b == '-' || (b >= '0' && b <= '9')) { ReadNumber(); AfterValue(); return Token = JsonToken.Number; }
                    throw Syntax("a value expected");
            }
        }

        private JsonToken EndContainer(JsonToken token)
        {
            _pos++;
            _containers.RemoveAt(_containers.Count - 1);
            AfterValue();
            return Token = token;
        }

        private void AfterValue() => _expect = _containers.Count == 0 ? Expect.Done : Expect.CommaOrEnd;

        private void Literal(string word)
        {
            for (int i = 0; i < word.Length; i++)
            {
                if (Peek() != word[i]) throw Syntax("a value expected");
                _pos++;
            }
        }

        private void ReadNumber()
        {
            // JSON's number grammar exactly: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
            _textLength = 0;
            if (Peek() == '-') Take();
            int b = Peek();
            if (b == '0') Take();
            else if (b >= '1' && b <= '9') TakeDigits();
            else throw Syntax("a digit expected");
            if (Peek() == '.')
            {
                Take();
                if (!IsDigit(Peek())) throw Syntax("a digit expected after '.'");
                TakeDigits();
            }
            b = Peek();
            if (b == 'e' || b == 'E')
            {
                Take();
                b = Peek();
                if (b == '+' || b == '-') Take();
                if (!IsDigit(Peek())) throw Syntax("a digit expected in the exponent");
                TakeDigits();
            }
        }

        private static bool IsDigit(int b) => b >= '0' && b <= '9';

        private void TakeDigits()
        {
            while (IsDigit(Peek())) Take();
        }

        private void Take()
        {
            Append((byte)_buffer[_pos]);
            _pos++;
        }

        private void ReadStringBody(bool materialize)
        {
            _pos++; // the opening quote
            _textLength = 0;
            while (true)
            {
                if (_pos >= _len && !Fill())
                    throw Error(NpmLockfileErrorKind.Truncated, "The file ends inside a string: it is truncated.");
                // copy the run of plain bytes in one go
                int start = _pos;
                while (_pos < _len)
                {
                    byte c = _buffer[_pos];
                    if (c == '"' || c == '\\' || c < 0x20) break;
                    _pos++;
                }
                if (materialize && _pos > start) Append(_buffer, start, _pos - start);
                if (_pos >= _len) continue;
                byte b = _buffer[_pos];
                if (b == '"') { _pos++; return; }
                if (b < 0x20)
                {
                    MarkHere();
                    throw Syntax(b == '\n' || b == '\r' ? "a line break inside a string (a string not closed on its line)" : "a control character inside a string");
                }
                _pos++; // backslash
                int e = Peek();
                if (e < 0) throw Error(NpmLockfileErrorKind.Truncated, "The file ends inside a string: it is truncated.");
                _pos++;
                switch (e)
                {
                    case '"': case '\\': case '/': if (materialize) Append((byte)e); break;
                    case 'b': if (materialize) Append((byte)'\b'); break;
                    case 'f': if (materialize) Append((byte)'\f'); break;
                    case 'n': if (materialize) Append((byte)'\n'); break;
                    case 'r': if (materialize) Append((byte)'\r'); break;
                    case 't': if (materialize) Append((byte)'\t'); break;
                    case 'u':
                        int code = ReadHex4();
                        if (code >= 0xD800 && code <= 0xDBFF && Peek() == '\\' && Ensure(6) && _buffer[_pos + 1] == 'u')
                        {
                            int save = _pos;
                            _pos += 2;
                            int low = ReadHex4();
                            if (low >= 0xDC00 && low <= 0xDFFF) code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            else _pos = save;
                        }
                        // a lone surrogate cannot be UTF-8: it becomes U+FFFD, as a .NET string read from UTF-8 would
                        if (code >= 0xD800 && code <= 0xDFFF) code = 0xFFFD;
                        if (materialize) AppendCodePoint(code);
                        break;
                    default:
                        _pos--;
                        MarkHere();
                        throw Syntax("an invalid escape in a string");
                }
            }
        }

        private int ReadHex4()
        {
            int value = 0;
            for (int i = 0; i < 4; i++)
            {
                int h = Peek();
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0)
                {
                    if (h < 0) throw Error(NpmLockfileErrorKind.Truncated, "The file ends inside a string: it is truncated.");
                    MarkHere();
                    throw Syntax("four hex digits expected after \\u");
                }
                value = value * 16 + d;
                _pos++;
            }
            return value;
        }

        private void AppendCodePoint(int code)
        {
            if (code < 0x80) Append((byte)code);
            else if (code < 0x800) { Append((byte)(0xC0 | (code >> 6))); Append((byte)(0x80 | (code & 0x3F))); }
            else if (code < 0x10000)
            {
                Append((byte)(0xE0 | (code >> 12))); Append((byte)(0x80 | ((code >> 6) & 0x3F))); Append((byte)(0x80 | (code & 0x3F)));
            }
            else
            {
                Append((byte)(0xF0 | (code >> 18))); Append((byte)(0x80 | ((code >> 12) & 0x3F)));
                Append((byte)(0x80 | ((code >> 6) & 0x3F))); Append((byte)(0x80 | (code & 0x3F)));
            }
        }

        private void Append(byte b)
        {
            if (_textLength == _text.Length) Array.Resize(ref _text, _text.Length * 2);
            _text[_textLength++] = b;
        }

        private void Append(byte[] source, int start, int count)
        {
            if (_textLength + count > _text.Length) Array.Resize(ref _text, Math.Max(_text.Length * 2, _textLength + count));
            Buffer.BlockCopy(source, start, _text, _textLength, count);
            _textLength += count;
        }

        private void SkipWhitespace()
        {
            while (true)
            {
                while (_pos < _len)
                {
                    byte c = _buffer[_pos];
                    if (c == ' ' || c == '\t' || c == '\r') { _pos++; continue; }
                    if (c == '\n') { _pos++; _line++; _lineStart = _bufferStart + _pos; continue; }
                    return;
                }
                if (!Fill()) return;
            }
        }

        private int Peek()
        {
            if (_pos < _len) return _buffer[_pos];
            return Fill() ? _buffer[_pos] : -1;
        }

        /// <summary>Makes at least <paramref name="count"/> bytes available at the position; false at the end of the stream.</summary>
        private bool Ensure(int count)
        {
            while (_len - _pos < count)
            {
                if (_eof) return false;
                if (!Fill()) return _len - _pos >= count;
            }
            return true;
        }

        /// <summary>Drops the consumed bytes and reads more of the stream; false when nothing is left at the position.</summary>
        private bool Fill()
        {
            if (_eof) return false;
            int remaining = _len - _pos;
            if (remaining > 0 && remaining == _buffer.Length) return true;
            if (remaining > 0) Buffer.BlockCopy(_buffer, _pos, _buffer, 0, remaining);
            _bufferStart += _pos;
            _pos = 0;
            _len = remaining;
            int n;
            try
            {
                n = _stream.Read(_buffer, _len, _buffer.Length - _len);
            }
            catch (IOException ex)
            {
                throw new NpmLockfileException(NpmLockfileErrorKind.Unreadable, _path, _line, null, $"Reading '{_path}' failed: {ex.Message}", ex);
            }
            if (n <= 0) { _eof = true; return _len > 0; }
            _len += n;
            return true;
        }

        private void MarkToken()
        {
            TokenLine = _line;
            TokenColumn = (int)Math.Min(int.MaxValue, _bufferStart + _pos - _lineStart + 1);
        }

        private void MarkHere() => MarkToken();

        private NpmLockfileException Syntax(string what)
        {
            if (Peek() < 0)
                return Error(NpmLockfileErrorKind.Truncated, "The JSON ends in the middle of a value: the file is truncated.");
            if (AtConflictMarker(out char marker))
                return new NpmLockfileException(NpmLockfileErrorKind.ConflictMarker, _path, TokenLine, TokenColumn,
                    $"'{_path}' line {TokenLine} is a merge-conflict marker ({new string(marker, 7)}): the lockfile was committed in the middle of a merge. Resolve the conflict (npm install rewrites a conflicted lockfile), then audit it again.");
            return new NpmLockfileException(NpmLockfileErrorKind.Syntax, _path, TokenLine, TokenColumn,
                $"'{_path}' is not valid JSON at line {TokenLine}, column {TokenColumn}: {what}.");
        }

        /// <summary>Whether the error position is the start of a line that opens with git's seven-character conflict marker.</summary>
        private bool AtConflictMarker(out char marker)
        {
            marker = '\0';
            if (_bufferStart + _pos != _lineStart || !Ensure(7)) return false;
            byte first = _buffer[_pos];
            if (first != '<' && first != '=' && first != '>' && first != '|') return false;
            for (int i = 1; i < 7; i++)
                if (_buffer[_pos + i] != first) return false;
            marker = (char)first;
            return true;
        }

        private NpmLockfileException Error(NpmLockfileErrorKind kind, string message) =>
            new NpmLockfileException(kind, _path, TokenLine, TokenColumn, $"'{_path}' line {TokenLine}: {message}");
    }
}
