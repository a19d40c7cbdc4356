using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace NpmHardening.Engine.Platform
{
    /// <summary>The real machine.</summary>
    public sealed class SystemPlatform : IPlatform
    {
        public static readonly SystemPlatform Instance = new SystemPlatform();

        private SystemPlatform()
        {
            IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        }

        public bool IsWindows { get; }
        public NodePath Path => IsWindows ? NodePath.Win32 : NodePath.Posix;

        public IReadOnlyDictionary<string, string> Environment
        {
            get
            {
                var env = EnvironmentMap.Create(IsWindows);
                foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
                    env[(string)e.Key] = (string?)e.Value ?? "";
                return env;
            }
        }

        public string? OsHomeDirectory
        {
            get
            {
                // libuv's uv_os_homedir: USERPROFILE on Windows; HOME else the passwd entry on Unix.
                if (IsWindows) return System.Environment.GetEnvironmentVariable("USERPROFILE");
                var home = System.Environment.GetEnvironmentVariable("HOME");
                if (!string.IsNullOrEmpty(home)) return home;
                var profile = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
                return string.IsNullOrEmpty(profile) ? null : profile;
            }
        }

        public string CurrentDirectory => Directory.GetCurrentDirectory();

        public bool FileExists(string path)
        {
            try
            {
                if (!File.Exists(path)) return false;
                // .NET reports a dangling symbolic link as an existing file (it falls back to lstat); stat,
                // which npm uses, follows the link and fails.
                if ((new FileInfo(path).Attributes & FileAttributes.ReparsePoint) == 0) return true;
                return IsWindows ? LinkTargetOpens(path) : !ReferenceEquals(RealPathOrNull(path), null);
            }
            catch { return false; }
        }

        private static bool LinkTargetOpens(string path)
        {
            try { using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete)) return true; }
            catch (UnauthorizedAccessException) { return true; } // exists, not readable: stat would still succeed
            catch (IOException) { return false; }
        }

        public bool DirectoryExists(string path)
        {
            try { return Directory.Exists(path); } catch { return false; }
        }

        public IReadOnlyList<DirectoryEntry>? ListDirectory(string path)
        {
            try
            {
                var list = new List<DirectoryEntry>();
                foreach (var info in new DirectoryInfo(path).EnumerateFileSystemInfos())
                    list.Add(new DirectoryEntry(info.Name, KindOf(info.Attributes)));
                return list;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException || e is ArgumentException || e is NotSupportedException)
            {
                return null;
            }
        }

        public FileEntryKind GetEntryKind(string path)
        {
            try
            {
                var attributes = new FileInfo(path).Attributes; // lstat: a link is reported as a reparse point
                return (int)attributes == -1 ? FileEntryKind.Missing : KindOf(attributes);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException || e is ArgumentException || e is NotSupportedException)
            {
                return FileEntryKind.Missing;
            }
        }

        private static FileEntryKind KindOf(FileAttributes attributes) =>
            (attributes & FileAttributes.ReparsePoint) != 0 ? FileEntryKind.SymbolicLink
            : (attributes & FileAttributes.Directory) != 0 ? FileEntryKind.Directory
            : FileEntryKind.File;

        public FileReadResult ReadFile(string path, long maxBytes)
        {
            try
            {
                using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan);
                long length = fs.Length;
                if (length > maxBytes) return FileReadResult.Failed(FileReadStatus.TooLarge, $"the file is {length:N0} bytes", length);
                var buffer = new byte[length];
                int read = 0;
                while (read < buffer.Length)
                {
                    int n = fs.Read(buffer, read, buffer.Length - read);
                    if (n == 0) break;
                    read += n;
                }
                if (read != buffer.Length) Array.Resize(ref buffer, read);
                return FileReadResult.Ok(buffer);
            }
            catch (FileNotFoundException) { return FileReadResult.Missing(); }
            catch (DirectoryNotFoundException) { return FileReadResult.Missing(); }
            catch (UnauthorizedAccessException e)
            {
                if (Directory.Exists(path)) return FileReadResult.Failed(FileReadStatus.IsDirectory, "the path is a directory");
                return FileReadResult.Failed(FileReadStatus.AccessDenied, e.Message);
            }
            catch (IOException e)
            {
                if (Directory.Exists(path)) return FileReadResult.Failed(FileReadStatus.IsDirectory, "the path is a directory");
                return FileReadResult.Failed(FileReadStatus.IoError, e.Message);
            }
        }

        public (DateTime LastWriteUtc, long Length)? GetFileStamp(string path)
        {
            try
            {
                var info = new FileInfo(path);
                return info.Exists ? (info.LastWriteTimeUtc, info.Length) : ((DateTime, long)?)null;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return null;
            }
        }

        public Stream? OpenRead(string path)
        {
            try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException) { return null; }
        }

        public string RealPath(string path)
        {
            // netstandard2.0 has no link APIs; on Unix we ask libc, on Windows GetFinalPathNameByHandle is
            // not needed for npm's own paths (npm itself does not realpath on Windows).
            if (IsWindows) return path;
            return RealPathOrNull(path) ?? path;
        }

        /// <summary>realpath(3), or null when it fails (a dangling link, a missing component).</summary>
        private static string? RealPathOrNull(string path)
        {
            try
            {
                var p = NativeMethods.realpath(path, IntPtr.Zero);
                if (p == IntPtr.Zero) return null;
                try { return Marshal.PtrToStringAnsi(p); }
                finally { NativeMethods.free(p); }
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return path;
            }
        }

        public string? FindExecutable(string name, IReadOnlyDictionary<string, string> environment)
            => ExecutableSearch.Find(this, name, environment);

        // Implemented in FileAccessReader.cs, UserProfiles.cs and PersistentEnvironment.cs beside this file.
        public FileAccessInfo? GetFileAccess(string path) => FileAccessReader.Read(this, path);
        public IEnumerable<UserProfileInfo> EnumerateUserProfiles() => UserProfiles.Enumerate(this);
        public IEnumerable<PersistentVariable> GetPersistentVariables(EnvironmentScope scope, UserProfileInfo? user) =>
            PersistentEnvironment.Read(this, scope, user);

        private static class NativeMethods
        {
            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr realpath(string path, IntPtr resolved);

            [DllImport("libc")]
            public static extern void free(IntPtr ptr);
        }
    }

    /// <summary>PATH search shared by the real and fake platforms.</summary>
    public static class ExecutableSearch
    {
        public static string? Find(IPlatform platform, string name, IReadOnlyDictionary<string, string> environment)
        {
            var pathVar = EnvironmentMap.Get(environment, "PATH") ?? "";
            var separator = platform.IsWindows ? ';' : ':';
            var extensions = new List<string> { "" };
            if (platform.IsWindows)
            {
                extensions.Clear();
                var pathext = EnvironmentMap.Get(environment, "PATHEXT") ?? ".COM;.EXE;.BAT;.CMD";
                foreach (var e in pathext.Split(';')) if (e.Length > 0) extensions.Add(e.ToLowerInvariant());
                if (System.IO.Path.HasExtension(name)) extensions.Insert(0, "");
            }
            foreach (var dir in pathVar.Split(separator))
            {
                if (dir.Length == 0) continue;
                var d = dir.Trim('"');
                foreach (var ext in extensions)
                {
                    var candidate = platform.Path.Resolve(platform.CurrentDirectory, d, name + ext);
                    if (platform.FileExists(candidate)) return candidate;
                }
            }
            return null;
        }
    }
}
