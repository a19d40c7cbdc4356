using System;
using System.Collections.Generic;
using System.IO;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// A downloaded tarball held in memory in 1 MiB segments: written once, then read from the start. A MemoryStream
    /// grows by doubling and copying, so a 20 MB download briefly holds 16 + 32 MB and leaves garbage behind (the staged
    /// review measured 119 MB above its working set for two 20 MB tarballs); this holds what was written, rounded up
    /// to a segment.
    /// </summary>
    internal sealed class SegmentedMemoryStream : Stream
    {
        private const int SegmentBytes = 1 << 20;
        private readonly List<byte[]> _segments = new List<byte[]>();
        private long _length;
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => _length;

        public override long Position
        {
            get => _position;
            set
            {
                if (value < 0 || value > _length) throw new ArgumentOutOfRangeException(nameof(value));
                _position = value;
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_position != _length) throw new NotSupportedException("Writes only append.");
            while (count > 0)
            {
                int inSegment = (int)(_length % SegmentBytes);
                if (inSegment == 0 && _segments.Count * (long)SegmentBytes == _length) _segments.Add(new byte[SegmentBytes]);
                int n = Math.Min(count, SegmentBytes - inSegment);
                Buffer.BlockCopy(buffer, offset, _segments[_segments.Count - 1], inSegment, n);
                offset += n; count -= n; _length += n;
            }
            _position = _length;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int total = 0;
            while (count > 0 && _position < _length)
            {
                var segment = _segments[(int)(_position / SegmentBytes)];
                int inSegment = (int)(_position % SegmentBytes);
                int n = (int)Math.Min(Math.Min(count, SegmentBytes - inSegment), _length - _position);
                Buffer.BlockCopy(segment, inSegment, buffer, offset, n);
                offset += n; count -= n; total += n; _position += n;
            }
            return total;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin == SeekOrigin.Begin ? offset : origin == SeekOrigin.Current ? _position + offset : _length + offset;
            return _position;
        }

        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Flush() { }

        protected override void Dispose(bool disposing)
        {
            _segments.Clear();
            base.Dispose(disposing);
        }
    }
}
