using System;
using System.IO;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// Reads a file and says who owns what was read, from one open handle: on Unix the owner and mode of the open
    /// descriptor (stat of <c>/proc/self/fd/N</c>, or <c>/dev/fd/N</c>, which name the open file itself, not a path
    /// that could since point elsewhere); on Windows the owner SID and DACL of the handle (GetSecurityInfo). A platform
    /// whose files are not on disk (a test machine in memory) has no handles and no races: its path answer is used.
    /// </summary>
    public static class OwnedFileReader
    {
        /// <summary>The file and its owner; null when it cannot be opened, is larger than <paramref name="maxBytes"/>, or is not a file.</summary>
        public static OwnedFile? Read(IPlatform platform, string path, long maxBytes)
        {
            if (platform == null) throw new ArgumentNullException(nameof(platform));
            if (string.IsNullOrEmpty(path)) return null;
            var stream = platform.OpenRead(path);
            if (stream == null) return null;
            using (stream)
            {
                FileAccessInfo? access;
                string? ownerSid = null;
                try
                {
                    if (stream is FileStream file)
                    {
                        if (platform.IsWindows)
                        {
                            var sd = WindowsHandleSecurity.Read(file.SafeFileHandle);
                            access = sd?.Access(path);
                            ownerSid = sd?.OwnerSid;
                        }
                        else access = DescriptorAccess(platform, file, path);
                    }
                    else access = platform.GetFileAccess(path);
                }
                catch (Exception e) when (FileAccessReader.IsProbeFailure(e)) { access = null; }

                var bytes = ReadAtMost(stream, maxBytes);
                return bytes == null ? null : new OwnedFile(path, bytes, access, ownerSid);
            }
        }

        /// <summary>stat() through the descriptor's /proc (or /dev/fd) name: the open file, whatever its path points to now.</summary>
        private static FileAccessInfo? DescriptorAccess(IPlatform platform, FileStream file, string path)
        {
            var fd = file.SafeFileHandle.DangerousGetHandle().ToInt64();
            string? name = null;
            foreach (var folder in new[] { "/proc/self/fd", "/dev/fd" })
                if (Directory.Exists(folder)) { name = folder + "/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture); break; }
            if (name == null) return null;
            var a = platform.GetFileAccess(name);
            return a == null ? null : new FileAccessInfo(path, a.Owner, a.UnixMode, a.OtherReaders, a.OtherWriters);
        }

        private static byte[]? ReadAtMost(Stream stream, long maxBytes)
        {
            var buffer = new MemoryStream();
            var chunk = new byte[16384];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > maxBytes) return null;
            }
            return buffer.ToArray();
        }
    }
}
