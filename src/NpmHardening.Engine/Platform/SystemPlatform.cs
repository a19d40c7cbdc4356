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
                // File.Exists is also true for a FIFO, socket or device, which npm's stat().isFile() is not
                if (!IsWindows && RegularFile.IsRegular(path) is bool regular) return regular;
                return File.Exists(path);
            }
            catch { return false; }
        }

        public bool DirectoryExists(string path)
        {
            try { return Directory.Exists(path); } catch { return false; }
        }

        public FileReadResult ReadFile(string path, long maxBytes) => RegularFile.ReadAll(path, maxBytes);

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
            try { return RegularFile.Open(path, 1 << 16).Stream; }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException) { return null; }
        }

        public string RealPath(string path)
        {
            // netstandard2.0 has no link APIs; on Unix we ask libc, on Windows GetFinalPathNameByHandle is
            // not needed for npm's own paths (npm itself does not realpath on Windows).
            if (IsWindows) return path;
            try
            {
                var p = NativeMethods.realpath(path, IntPtr.Zero);
                if (p == IntPtr.Zero) return path;
                try { return Marshal.PtrToStringAnsi(p) ?? path; }
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
