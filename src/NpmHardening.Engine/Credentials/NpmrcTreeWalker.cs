using System;
using System.Collections.Generic;
using System.IO;

namespace NpmHardening.Engine.Credentials
{
    /// <summary>
    /// Finds every <c>.npmrc</c> file under a folder as a stream: one folder's entries are held at a time and the
    /// stack holds only folders still to visit, so memory does not grow with the tree. Symbolic links and
    /// junctions to folders are not entered (they can loop or leave the tree); <c>node_modules</c> is skipped
    /// unless asked for, because installed packages ship their own .npmrc files that npm never reads.
    /// </summary>
    public static class NpmrcTreeWalker
    {
        public const string FileName = ".npmrc";

        /// <param name="root">The folder to search.</param>
        /// <param name="includeNodeModules">Also search node_modules folders.</param>
        /// <param name="ignoreCase">Match the file name without regard to case (Windows and macOS file systems).</param>
        /// <param name="visiting">Hears each folder as it is listed (progress).</param>
        /// <param name="unreadable">Hears each folder that could not be listed; the walk goes on.</param>
        public static IEnumerable<string> Find(string root, bool includeNodeModules, bool ignoreCase,
            Action<string>? visiting = null, Action<string, Exception>? unreadable = null)
        {
            if (root == null) throw new ArgumentNullException(nameof(root));
            var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var pending = new Stack<string>();
            pending.Push(root);
            var files = new List<string>();
            var folders = new List<string>();
            while (pending.Count > 0)
            {
                var dir = pending.Pop();
                visiting?.Invoke(dir);
                files.Clear();
                folders.Clear();
                try
                {
                    foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
                    {
                        var attributes = entry.Attributes;
                        if ((attributes & FileAttributes.Directory) != 0)
                        {
                            if ((attributes & FileAttributes.ReparsePoint) != 0) continue;
                            if (!includeNodeModules && string.Equals(entry.Name, "node_modules", comparison)) continue;
                            folders.Add(entry.FullName);
                        }
                        else if (string.Equals(entry.Name, FileName, comparison))
                        {
                            files.Add(entry.FullName);
                        }
                    }
                }
                catch (Exception e) when (e is UnauthorizedAccessException || e is IOException || e is System.Security.SecurityException)
                {
                    unreadable?.Invoke(dir, e);
                    // entries listed before the failure are still reported
                }
                foreach (var file in files) yield return file;
                // pushed in reverse so that folders are visited in the order the file system listed them
                for (int i = folders.Count - 1; i >= 0; i--) pending.Push(folders[i]);
            }
        }
    }
}
