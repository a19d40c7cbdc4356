using System;
using System.IO;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// Reading an open file to its end, at most a given size: a file that grows past it while it is read is an error,
    /// never a silent truncation. Shared by the Unix descriptor and Windows handle reads.
    /// </summary>
    internal static class BoundedRead
    {
        /// <param name="read">reads into (buffer, offset, count); the count read, 0 at the end, negative on failure</param>
        /// <param name="failed">the exception for a failed read</param>
        /// <param name="regularFile">the file is a regular file whose size was <paramref name="expected"/> when the read
        /// began: a read that returns less than asked and brings the total to exactly that size has reached the end, so
        /// the read that would return 0 is not made. A regular file returns less than asked at its end (a short read
        /// before it, which some network file systems make, leaves the total below that size and the read goes on); a
        /// file that grew before the read fills the buffer's extra byte and is read on as before, and one that grows
        /// after it is the same race as one that grows after the read that would have returned 0.</param>
        public static byte[] ToEnd(Func<byte[], int, int, int> read, long expected, long maxBytes, string path, Func<Exception> failed, bool regularFile = false)
        {
            var (buffer, count) = ToEndUntrimmed(read, expected, maxBytes, path, failed, regularFile);
            if (count != buffer.Length) Array.Resize(ref buffer, count);
            return buffer;
        }

        /// <summary>As <see cref="ToEnd"/>, but the buffer is returned as read, with the count of its bytes that hold the
        /// file: the buffer has one byte more than the size reported (to see growth), so trimming it is a copy of the
        /// whole file, which a caller that only decodes the bytes does not need.</summary>
        public static (byte[] Buffer, int Count) ToEndUntrimmed(Func<byte[], int, int, int> read, long expected, long maxBytes, string path, Func<Exception> failed, bool regularFile = false)
        {
            var buffer = new byte[Math.Min(Math.Max(expected, 0) + 1, maxBytes + 1)];
            int total = 0;
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (buffer.Length > maxBytes) throw TooLarge(path, maxBytes);
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                }
                int n = read(buffer, total, buffer.Length - total);
                if (n < 0) throw failed();
                if (n == 0) break;
                total += n;
                if (regularFile && total == expected && total < buffer.Length) break;
            }
            if (total > maxBytes) throw TooLarge(path, maxBytes);
            return (buffer, total);
        }

        private static IOException TooLarge(string path, long maxBytes) =>
            new SafePathException(SafePathError.IoError, path, $"{path} grew past {maxBytes:N0} bytes while it was read.");
    }

    /// <summary>A write-only stream over a descriptor or handle the caller keeps (disposing the stream leaves it open).</summary>
    internal abstract class WriteOnlyStream : Stream
    {
        private long _written;

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
            WriteAll(buffer, offset, count);
            _written += count;
        }

        /// <summary>Writes every byte or throws IOException naming the file.</summary>
        protected abstract void WriteAll(byte[] buffer, int offset, int count);
    }
}
