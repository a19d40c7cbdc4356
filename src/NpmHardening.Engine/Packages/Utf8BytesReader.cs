using System;
using System.IO;
using System.Text;

namespace NpmHardening.Engine.Packages
{
    /// <summary>
    /// A reusable text reader over UTF-8 bytes held in an array: what a <see cref="StreamReader"/> with
    /// <c>new UTF8Encoding(false, false)</c> and no byte-order-mark detection reads from a <see cref="MemoryStream"/> of
    /// them (invalid bytes become U+FFFD, a byte order mark is a U+FEFF character, an incomplete sequence at the end is one
    /// U+FFFD), without a stream, a reader and their two buffers for every file. One per thread (<see cref="Start"/>
    /// points it at the next file).
    /// </summary>
    internal sealed class Utf8BytesReader : TextReader
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);
        // bytes decoded per step; a UTF-8 byte gives at most one char, plus one for a sequence left from the step before
        private const int Step = 4096;

        private readonly Decoder _decoder = Utf8.GetDecoder();
        private readonly char[] _chars = new char[Step + 2];
        private byte[] _bytes = new byte[0];
        private int _next, _end, _charPos, _charLen;
        private bool _flushed;

        /// <summary>Reads the first <paramref name="count"/> bytes of <paramref name="bytes"/> from the start.</summary>
        public void Start(byte[] bytes, int count)
        {
            _bytes = bytes ?? throw new ArgumentNullException(nameof(bytes));
            if (count < 0 || count > bytes.Length) throw new ArgumentOutOfRangeException(nameof(count));
            _next = 0;
            _end = count;
            _charPos = _charLen = 0;
            _flushed = false;
            _decoder.Reset();
        }

        /// <summary>Lets go of the array (it goes back to a pool).</summary>
        public void Stop()
        {
            _bytes = new byte[0];
            _next = _end = _charPos = _charLen = 0;
            _flushed = true;
        }

        public override int Read(char[] buffer, int index, int count)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (index < 0 || count < 0 || buffer.Length - index < count) throw new ArgumentOutOfRangeException(nameof(count));
            if (count == 0) return 0;
            if (_charPos == _charLen && !Decode()) return 0;
            int n = Math.Min(count, _charLen - _charPos);
            Buffer.BlockCopy(_chars, _charPos * sizeof(char), buffer, index * sizeof(char), n * sizeof(char));
            _charPos += n;
            return n;
        }

        public override int Peek()
        {
            if (_charPos == _charLen && !Decode()) return -1;
            return _chars[_charPos];
        }

        public override int Read()
        {
            if (_charPos == _charLen && !Decode()) return -1;
            return _chars[_charPos++];
        }

        /// <summary>Decodes the next step into the char buffer; false at the end (after the decoder was flushed).</summary>
        private bool Decode()
        {
            while (!_flushed)
            {
                int take = Math.Min(_end - _next, Step);
                bool last = _next + take == _end;
                _charLen = _decoder.GetChars(_bytes, _next, take, _chars, 0, last);
                _charPos = 0;
                _next += take;
                _flushed = last;
                if (_charLen > 0) return true;
            }
            return false;
        }
    }
}
