using System.IO;

namespace NpmHardening.Engine.Platform
{
    /// <summary>A write-only stream over a descriptor the caller owns (disposing it does not close the descriptor).</summary>
    internal sealed class UnixDescriptorStream : WriteOnlyStream
    {
        private readonly int _fd;
        private readonly string _path;

        public UnixDescriptorStream(int fd, string path) { _fd = fd; _path = path; }

        protected override void WriteAll(byte[] buffer, int offset, int count)
        {
            if (!UnixLibc.WriteAll(_fd, buffer, offset, count, out var errno))
                throw new IOException($"{_path}: writing failed ({UnixLibc.Describe(errno)}).");
        }
    }
}
