using System;
using System.IO;
using System.Runtime.InteropServices;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>
    /// The real file system, through the descriptor-based (Unix) or handle-based (Windows) access in Platform/: a write
    /// never follows a link another account controls, never acts on a path twice, and is done only when every account
    /// that controls the path could have done it itself (docs/security.md).
    /// </summary>
    public class SystemFileWriter : IFileWriter
    {
        public static readonly SystemFileWriter Instance = new SystemFileWriter();

        public SystemFileWriter()
        {
            IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        }

        public bool IsWindows { get; }

        public IWriteTarget Open(string path, WriteTargetPolicy policy)
        {
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            var full = Path.GetFullPath(path);
            return IsWindows ? WindowsWriteTarget.Open(full, policy, CreateTempStream) : UnixWriteTarget.Open(full, policy, CreateTempStream);
        }

        public IPrivateFolder OpenPrivateFolder(string path, bool create)
        {
            var full = Path.GetFullPath(path);
            return IsWindows ? WindowsPrivateFolder.Open(full, create) : (IPrivateFolder)UnixPrivateFolder.Open(full, create);
        }

        public string ResolveRealPath(string path) => SystemPlatform.Instance.RealPath(Path.GetFullPath(path));

        /// <summary>The stream a target's new content is written through; tests override it to fail or slow down mid-write.</summary>
        protected virtual Stream CreateTempStream(Stream file, string targetName) => file;
    }
}
