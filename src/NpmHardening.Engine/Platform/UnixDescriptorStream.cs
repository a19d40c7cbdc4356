using System;
using System.IO;

namespace NpmHardening.Engine.Platform
{
    /// <summary>A write-only stream over a descriptor the caller owns (disposing it does not close the descriptor).</summary>
    internal sealed class UnixDescriptorStream : Stream
    {
        private readonly int _fd;
        private readonly string _path;
        private long _written;

        public UnixDescriptorStream(int fd, string path) { _fd = fd; _path = path; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (!UnixLibc.WriteAll(_fd, buffer, offset, count, out var errno))
                throw new IOException($"{_path}: writing failed ({UnixLibc.Describe(errno)}).");
            _written += count;
        }
    }
}
