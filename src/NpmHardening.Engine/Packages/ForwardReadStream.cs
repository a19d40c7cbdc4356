using System;
using System.IO;

namespace NpmHardening.Engine.Packages
{
    /// <summary>
    /// The shape of every stream the tarball readers and the staged review layer over another: read forward once, no
    /// seeking, no writing. Subclasses implement <see cref="Stream.Read(byte[], int, int)"/> and may report a length
    /// or position.
    /// </summary>
    internal abstract class ForwardReadStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
