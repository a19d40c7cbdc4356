using System;
using System.Collections.Generic;
using System.IO;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// Finds repositories under a folder for <c>Get-NpmPublishPipeline -Recurse</c>: a folder is one when it holds a
    /// <c>.git</c> entry, a <c>.github</c> or <c>.circleci</c> folder, or a file a CI reader claims in its root. The walk
    /// does not go below a repository (its CI files are in its root), never enters <c>node_modules</c> or <c>.git</c>,
    /// and never follows a link or junction to a folder (it could loop or leave the tree). One folder's entries are
    /// held at a time.
    /// </summary>
    internal static class RepositoryWalker
    {
        private static readonly HashSet<string> Skipped = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "node_modules", ".git" };
        private static readonly HashSet<string> Markers = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".git", ".github", ".circleci" };

        private static readonly bool IsLinux = System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux);

        /// <summary>
        /// Linux: the folder's entries with what the enumeration below would say of each — a folder (for a link: whether
        /// it leads to one), a link — from the kinds the folder records (d_type), so that only links and entries of
        /// unknown kind cost a stat; the enumeration's FileSystemInfo.Attributes costs an lstat per entry. Null when the
        /// folder cannot be opened or listed this way: the enumeration then lists it and reports any failure as before.
        /// </summary>
        private static List<(string Name, bool IsFolder, bool IsLink)>? ListTyped(string dir)
        {
            int fd = Platform.UnixLibc.OpenAt(Platform.UnixLibc.AT_FDCWD, dir, Platform.UnixLibc.O_RDONLY | Platform.UnixLibc.O_DIRECTORY | Platform.UnixLibc.O_CLOEXEC);
            if (fd < 0) return null;
            try
            {
                var entries = Platform.UnixLibc.ReadDirectory(fd);
                if (entries == null) return null;
                var list = new List<(string, bool, bool)>(entries.Count);
                foreach (var (name, type) in entries)
                {
                    var isLink = type == Platform.UnixLibc.DT_LNK;
                    var isFolder = type == Platform.UnixLibc.DT_DIR;
                    if (type == Platform.UnixLibc.DT_UNKNOWN)
                    {
                        if (!Platform.UnixLibc.StatAt(fd, name, false, out var own, out _)) continue; // gone meanwhile
                        isLink = own.IsSymbolicLink;
                        isFolder = own.IsDirectory;
                    }
                    // as FileSystemInfo says: a link to a folder is a folder (and a reparse point)
                    if (isLink) isFolder = Platform.UnixLibc.StatAt(fd, name, true, out var target, out _) && target.IsDirectory;
                    list.Add((name, isFolder, isLink));
                }
                return list;
            }
            finally { Platform.UnixLibc.Close(fd); }
        }

        /// <param name="root">The folder to search; itself a candidate.</param>
        /// <param name="claimsRootFile">Whether some CI reader reads a file of this name in a repository root.</param>
        /// <param name="visiting">Hears each folder as it is listed (progress).</param>
        /// <param name="unreadable">Hears each folder that could not be listed; the walk goes on.</param>
        public static IEnumerable<string> Find(string root, Func<string, bool> claimsRootFile, Action<string>? visiting = null, Action<string, Exception>? unreadable = null)
        {
            if (root == null) throw new ArgumentNullException(nameof(root));
            var pending = new Stack<string>();
            pending.Push(root);
            var folders = new List<string>();
            while (pending.Count > 0)
            {
                var dir = pending.Pop();
                visiting?.Invoke(dir);
                folders.Clear();
                var repository = false;
                var typed = IsLinux ? ListTyped(dir) : null;
                if (typed != null)
                {
                    // the enumeration's FullName: the folder's full path without a trailing separator, then the name
                    var full = Path.GetFullPath(dir);
                    if (full.Length > 1) full = full.TrimEnd('/');
                    var prefix = full == "/" ? "/" : full + "/";
                    foreach (var (name, isFolder, isLink) in typed)
                    {
                        if (Markers.Contains(name)) { repository = true; break; }
                        if (!isFolder && claimsRootFile(name)) { repository = true; break; }
                        if (!isFolder || isLink || Skipped.Contains(name)) continue;
                        folders.Add(prefix + name);
                    }
                }
                else try
                {
                    foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
                    {
                        var name = entry.Name;
                        // a repository's subfolders are never entered: the first marker ends its listing, before the
                        // attributes (an lstat per entry on Unix) of the rest are asked for
                        if (Markers.Contains(name)) { repository = true; break; }
                        var attributes = entry.Attributes;
                        var isFolder = (attributes & FileAttributes.Directory) != 0;
                        if (!isFolder && claimsRootFile(name)) { repository = true; break; }
                        if (!isFolder || (attributes & FileAttributes.ReparsePoint) != 0 || Skipped.Contains(name)) continue;
                        folders.Add(entry.FullName);
                    }
                }
                catch (Exception e) when (e is UnauthorizedAccessException || e is IOException || e is System.Security.SecurityException)
                {
                    unreadable?.Invoke(dir, e);
                    continue;
                }
                if (repository)
                {
                    yield return dir;
                    continue;
                }
                // reverse, so that the stack visits subfolders in listing order
                for (var i = folders.Count - 1; i >= 0; i--) pending.Push(folders[i]);
            }
        }
    }
}
