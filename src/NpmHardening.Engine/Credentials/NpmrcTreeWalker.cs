using System;
using System.Collections.Generic;
using System.IO;
using System.Linq.Expressions;

namespace NpmHardening.Engine.Credentials
{
    /// <summary>
    /// Finds every <c>.npmrc</c> file under a folder as a stream: one folder's entries are held at a time and the
    /// stack holds only folders still to visit, so memory does not grow with the tree. Symbolic links and
    /// junctions to folders are not entered (they can loop or leave the tree); <c>node_modules</c> is skipped
    /// unless asked for, because installed packages ship their own .npmrc files that npm never reads. Listing opens no
    /// file: a FIFO, socket or device named .npmrc is yielded like any other, so that the reader, which never opens such a
    /// file (see <c>RegularFile</c>), reports it by name instead of the walk hiding it.
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
            Action<string>? visiting = null, Action<string, Exception>? unreadable = null) =>
            Find(root, includeNodeModules, ignoreCase, visiting, unreadable, FastLister.For(ignoreCase));

        /// <param name="lister">
        /// Lists one folder as full paths: subfolders that are not links, marked with a trailing NUL, and files named
        /// .npmrc. Null: <see cref="DirectoryInfo.EnumerateFileSystemInfos()"/>, which builds an object per entry.
        /// </param>
        internal static IEnumerable<string> Find(string root, bool includeNodeModules, bool ignoreCase,
            Action<string>? visiting, Action<string, Exception>? unreadable, Func<string, IEnumerable<string>>? lister)
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
                    if (lister != null)
                    {
                        foreach (var path in lister(dir))
                        {
                            if (path[path.Length - 1] != FastLister.FolderMark) { files.Add(path); continue; }
                            var folder = path.Substring(0, path.Length - 1);
                            if (!includeNodeModules && string.Equals(Path.GetFileName(folder), "node_modules", comparison)) continue;
                            folders.Add(folder);
                        }
                    }
                    else
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

        /// <summary>
        /// On .NET Core, <c>System.IO.Enumeration.FileSystemEnumerable&lt;T&gt;</c> lists a folder without building
        /// a FileSystemInfo (and, on Unix, without an lstat) for every entry: a filter runs on the raw entry and only
        /// subfolders and .npmrc files become strings. That type is not in netstandard2.0, so it is reached by name
        /// and its two callbacks, which take the entry by reference, are compiled from expression trees. Where it
        /// does not exist (Windows PowerShell 5.1 on .NET Framework) or cannot be built, the walk uses DirectoryInfo.
        /// </summary>
        internal static class FastLister
        {
            public const char FolderMark = '\0';
            private static readonly Lazy<Func<string, IEnumerable<string>>?> Ordinal = new Lazy<Func<string, IEnumerable<string>>?>(() => Build(false));
            private static readonly Lazy<Func<string, IEnumerable<string>>?> IgnoreCase = new Lazy<Func<string, IEnumerable<string>>?>(() => Build(true));

            public static Func<string, IEnumerable<string>>? For(bool ignoreCase) => ignoreCase ? IgnoreCase.Value : Ordinal.Value;

            internal static Func<string, IEnumerable<string>>? Build(bool ignoreCase)
            {
                try
                {
                    var entryType = Type.GetType("System.IO.Enumeration.FileSystemEntry", false);
                    var enumerableOpen = Type.GetType("System.IO.Enumeration.FileSystemEnumerable`1", false);
                    var optionsType = Type.GetType("System.IO.EnumerationOptions", false);
                    if (entryType == null || enumerableOpen == null || optionsType == null) return null;
                    var enumerable = enumerableOpen.MakeGenericType(typeof(string));
                    var transformType = enumerable.GetNestedType("FindTransform")?.MakeGenericType(typeof(string));
                    var predicateType = enumerable.GetNestedType("FindPredicate")?.MakeGenericType(typeof(string));
                    var spanType = entryType.GetProperty("FileName")?.PropertyType;
                    var memoryExtensions = spanType?.Assembly.GetType("System.MemoryExtensions");
                    var equals = memoryExtensions?.GetMethod("Equals", new[] { spanType!, spanType!, typeof(StringComparison) });
                    var asSpan = memoryExtensions?.GetMethod("AsSpan", new[] { typeof(string) });
                    var toFullPath = entryType.GetMethod("ToFullPath", Type.EmptyTypes);
                    var concat = typeof(string).GetMethod(nameof(string.Concat), new[] { typeof(string), typeof(string) });
                    var ctor = transformType == null ? null : enumerable.GetConstructor(new[] { typeof(string), transformType, optionsType });
                    var include = enumerable.GetProperty("ShouldIncludePredicate");
                    if (transformType == null || predicateType == null || equals == null || asSpan == null || toFullPath == null || concat == null || ctor == null || include == null) return null;

                    var entry = Expression.Parameter(entryType.MakeByRefType(), "entry");
                    var isDirectory = Expression.Property(entry, "IsDirectory");
                    // full path, with the mark when it is a folder
                    var transform = Expression.Lambda(transformType,
                        Expression.Condition(isDirectory,
                            Expression.Call(concat, Expression.Call(entry, toFullPath), Expression.Constant(FolderMark.ToString())),
                            Expression.Call(entry, toFullPath)),
                        entry).Compile();
                    // folders that are not links or junctions (IsDirectory is true for a link to a folder), and files named .npmrc
                    var predicate = Expression.Lambda(predicateType,
                        Expression.Condition(isDirectory,
                            Expression.Equal(
                                Expression.And(Expression.Convert(Expression.Property(entry, "Attributes"), typeof(int)), Expression.Constant((int)FileAttributes.ReparsePoint)),
                                Expression.Constant(0)),
                            Expression.Call(equals, Expression.Property(entry, "FileName"), Expression.Call(asSpan, Expression.Constant(FileName)),
                                Expression.Constant(ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))),
                        entry).Compile();
                    // As DirectoryInfo enumerates: hidden and system entries included (.npmrc is hidden on Unix), and an
                    // unreadable folder throws instead of listing as empty, so that it is reported.
                    var options = Activator.CreateInstance(optionsType);
                    optionsType.GetProperty("AttributesToSkip")!.SetValue(options, (FileAttributes)0);
                    optionsType.GetProperty("IgnoreInaccessible")!.SetValue(options, false);
                    var dir = Expression.Parameter(typeof(string), "dir");
                    return Expression.Lambda<Func<string, IEnumerable<string>>>(
                        Expression.MemberInit(
                            Expression.New(ctor, dir, Expression.Constant(transform, transformType), Expression.Constant(options, optionsType)),
                            Expression.Bind(include, Expression.Constant(predicate, predicateType))),
                        dir).Compile();
                }
                catch (Exception e) when (!(e is OutOfMemoryException))
                {
                    // Any failure to build it only costs speed: the DirectoryInfo walk gives the same answers.
                    return null;
                }
            }
        }
    }
}
