using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// A repository on disk, read through <see cref="IPlatform.ReadFile"/>: no FIFO, socket or device is ever opened,
    /// files over <see cref="CiYaml.MaxFileBytes"/> are refused from their size before any byte is read, a path whose
    /// links lead out of the repository is refused, and a file that is not UTF-8 text (UTF-16, NUL bytes, invalid
    /// sequences) is an error rather than garbage handed to a parser. Every refusal is a
    /// <see cref="CiDefinitionException"/> naming the file.
    /// </summary>
    internal sealed class FileCiRepository : CiRepository, IDisposable
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        private readonly IPlatform _platform;
        private readonly string _realRoot;
        private readonly long _maxBytes;

        public FileCiRepository(IPlatform platform, string root, long maxBytes = CiYaml.MaxFileBytes)
            : base(root)
        {
            _platform = platform ?? throw new ArgumentNullException(nameof(platform));
            _realRoot = TrimSeparator(platform.RealPath(root));
            _maxBytes = maxBytes;
            // the root's real path was just taken: it is inside by definition, and its listing needs no second realpath
            _inside[Root] = true;
        }

        /// <summary>A repository whose root the caller opened from its held parent folder (<see cref="UnixHeldFolder.HoldBelow"/>,
        /// which refuses links): the root's physical path is where that walk arrived, and its listing and descriptor
        /// serve the scan as if <see cref="Listing"/> had opened it. The repository owns (and disposes) the folder.</summary>
        private FileCiRepository(IPlatform platform, string root, UnixHeldFolder heldRoot, long maxBytes)
            : base(root)
        {
            _platform = platform ?? throw new ArgumentNullException(nameof(platform));
            _realRoot = TrimSeparator(heldRoot.PhysicalPath);
            _maxBytes = maxBytes;
            _inside[Root] = true;
            _held[Root] = heldRoot;
            _listings[Root] = heldRoot.Entries;
        }

        /// <summary>A repository whose real place was settled before it was opened (<see cref="Open"/>): whatever the
        /// root's path resolves to now, only what lies at <paramref name="realRoot"/> is inside.</summary>
        private FileCiRepository(IPlatform platform, string root, string realRoot, long maxBytes)
            : base(root)
        {
            _platform = platform ?? throw new ArgumentNullException(nameof(platform));
            _realRoot = TrimSeparator(realRoot);
            _maxBytes = maxBytes;
        }

        /// <summary>The repository at <paramref name="root"/>; its root is opened from its parent held in
        /// <paramref name="parents"/> when that parent can answer, else by the platform's walk.</summary>
        /// <param name="tree">the folder a tree scan (-Recurse) started from, when its walk found <paramref name="root"/>
        /// below it; <paramref name="realTree"/> is that folder's real path (taken once per tree when given)</param>
        internal static FileCiRepository Open(IPlatform platform, string root, UnixHeldFolderCache? parents, long maxBytes = CiYaml.MaxFileBytes,
            string? tree = null, string? realTree = null)
        {
            var anchored = Anchored(platform, root, tree, realTree);
            if (parents != null && platform is SystemPlatform && !platform.IsWindows)
            {
                var trimmed = root.Length > 1 ? root.TrimEnd('/') : root;
                var cut = trimmed.LastIndexOf('/');
                if (cut >= 0 && cut < trimmed.Length - 1)
                {
                    var parent = cut == 0 ? "/" : trimmed.Substring(0, cut);
                    if (parents.HoldChild(parent, trimmed.Substring(cut + 1)) is UnixHeldFolder held)
                    {
                        // a parent held while a folder above it was a link arrived somewhere else than the walk did
                        if (anchored == null || string.Equals(TrimSeparator(held.PhysicalPath), anchored, StringComparison.Ordinal))
                            return new FileCiRepository(platform, root, held, maxBytes);
                        held.Dispose();
                    }
                }
            }
            return anchored != null ? new FileCiRepository(platform, root, anchored, maxBytes) : new FileCiRepository(platform, root, maxBytes);
        }

        /// <summary>
        /// Where a repository found by a tree's walk really is: the tree's real path and the names the walk took below it.
        /// The walk lists folders and never enters a link, so that is the place it found; a realpath of the root taken now
        /// would follow a link that the tree's owner put in place of the root, or of a folder above it, after the walk
        /// listed it, and make a folder outside the tree the repository. Null for the tree itself (a link given as -Path
        /// is the user's choice, followed as before), a root not below the tree, and on Windows.
        /// </summary>
        private static string? Anchored(IPlatform platform, string root, string? tree, string? realTree)
        {
            if (tree == null || platform.IsWindows) return null;
            var top = TrimSeparator(System.IO.Path.GetFullPath(tree));
            var prefix = top.EndsWith("/", StringComparison.Ordinal) ? top : top + "/";
            var trimmed = TrimSeparator(root);
            if (trimmed.Length <= prefix.Length || !trimmed.StartsWith(prefix, StringComparison.Ordinal)) return null;
            var realTop = TrimSeparator(realTree ?? platform.RealPath(top));
            var below = trimmed.Substring(prefix.Length);
            return realTop == "/" ? "/" + below : realTop + "/" + below;
        }

        public override string? ReadText(string relativePath)
        {
            var relative = Relative(relativePath);
            if (_texts.TryGetValue(relative, out var seen)) return seen;
            var full = FullPath(relative);
            // the file's folder and name, split once for the listing check and the held read below
            var folder = CiRepository.FolderOf(relative);
            var folderFull = folder.Length == 0 ? Root : FolderFullPath(folder);
            var name = folder.Length == 0 ? relative : relative.Substring(folder.Length + 1);
            if (ListedAsMissing(folderFull, name))
            {
                // what realpath gives for a missing file is the path itself, so the link check is on the text
                if (!InsideUncached(full, full)) throw LeadsOut(relative);
                return null;
            }
            FileReadResult read;
            if (_inside.TryGetValue(full, out var known))
            {
                if (!known) throw LeadsOut(relative);
                read = Read(folderFull, name, full);
            }
            else
            {
                read = Read(folderFull, name, full);
                // the walk that opened the file resolved every link on its way: checking the place it reached is the
                // realpath check without a second walk of the path (nine readlink calls in a tree like the bench's), and
                // it checks what was read; a platform that does not say where it read is checked by realpath as before
                var inside = read.Status == FileReadStatus.Ok && read.PhysicalPath != null
                    ? InsideUncached(full, read.PhysicalPath)
                    : InsideUncached(full, _platform.RealPath(full));
                if (_inside.Count < 4096) _inside[full] = inside;
                if (!inside) throw LeadsOut(relative);
            }
            switch (read.Status)
            {
                case FileReadStatus.Ok: break;
                case FileReadStatus.NotFound: return null;
                case FileReadStatus.IsDirectory: throw new CiDefinitionException(relative, 0, "is a folder, not a file.");
                case FileReadStatus.TooLarge:
                    throw new CiDefinitionException(relative, 0, "is " + read.Length.ToString("N0", CultureInfo.InvariantCulture) +
                        " bytes, more than the " + _maxBytes.ToString("N0", CultureInfo.InvariantCulture) + " read for a CI file; it is not read.");
                case FileReadStatus.NotRegularFile: throw new CiDefinitionException(relative, 0, "is not a regular file (a FIFO, socket or device); it is not opened.");
                case FileReadStatus.AccessDenied: throw new CiDefinitionException(relative, 0, "cannot be read: access is denied.");
                case FileReadStatus.UnsafeLink: throw new CiDefinitionException(relative, 0, "was not read: " + read.Error);
                default: throw new CiDefinitionException(relative, 0, "cannot be read (" + (read.Error ?? "I/O error") + ").");
            }
            var text = Decode(relative, read.Content!.Value);
            if (_textChars + text.Length <= MaxCachedChars)
            {
                _texts[relative] = text;
                _textChars += text.Length;
            }
            return text;
        }

        private static CiDefinitionException LeadsOut(string relative) =>
            new CiDefinitionException(relative, 0, "is reached through a symbolic link that leads out of the repository; its content is not used.");

        // the readers and the finder read some files more than once (package.json for the script resolver and for
        // publishConfig, a reusable workflow for each caller): a file's text is read once per scan of the repository
        private const long MaxCachedChars = 4 * 1024 * 1024;
        private readonly Dictionary<string, string> _texts = new Dictionary<string, string>(StringComparer.Ordinal);
        private long _textChars;

        /// <summary>Whether the folder at <paramref name="folderFull"/> was listed in this scan and holds no entry named
        /// <paramref name="name"/>, compared without case (so a case-insensitive file system cannot turn a hit into a miss): a probe for
        /// an optional file (.npmrc, a workspace's package.json) then needs no walk.</summary>
        private bool ListedAsMissing(string folderFull, string name)
        {
            if (!_listings.TryGetValue(folderFull, out var entries) || entries == null) return false;
            foreach (var entry in entries)
                if (string.Equals(entry.Name, name, StringComparison.OrdinalIgnoreCase)) return false;
            return true;
        }

        public override bool FileExists(string relativePath)
        {
            var relative = CiRepository.NormalizePath(relativePath);
            if (relative == null || relative.Length == 0) return false;
            var full = FullPath(relative);
            return _platform.FileExists(full) && Inside(full);
        }

        // a link is listed as a file: reading it goes through ReadText, which refuses links that leave the root
        public override IReadOnlyList<string> ListFiles(string relativeFolder) =>
            List(relativeFolder, kind => kind == FileEntryKind.File || kind == FileEntryKind.SymbolicLink);

        public override IReadOnlyList<string> ListFolders(string relativeFolder) =>
            List(relativeFolder, kind => kind == FileEntryKind.Directory);

        /// <summary>Names of the entries of one folder inside the root whose kind is wanted, in ordinal order.</summary>
        private IReadOnlyList<string> List(string relativeFolder, Func<FileEntryKind, bool> wanted)
        {
            var relative = CiRepository.NormalizePath(relativeFolder);
            if (relative == null) return Array.Empty<string>();
            var full = relative.Length == 0 ? Root : FullPath(relative);
            if (!_inside.ContainsKey(full) && !_listings.ContainsKey(full) && _held.Count < MaxHeldFolders && HoldBelowHeld(relative) is UnixHeldFolder below)
            {
                // opened from a held folder of this repository one component at a time, never through a link: where that
                // walk arrived is the folder's real path, so the link check needs no realpath(3) of the folder
                var inside = InsideUncached(full, below.PhysicalPath);
                if (_inside.Count < 4096) _inside[full] = inside;
                if (!inside)
                {
                    below.Dispose();
                    return Array.Empty<string>();
                }
                Keep(full, below);
            }
            else if (!Inside(full)) return Array.Empty<string>();
            var entries = Listing(relative, full);
            if (entries == null) return Array.Empty<string>();
            var names = new List<string>();
            foreach (var entry in entries)
                if (wanted(entry.Kind)) names.Add(entry.Name);
            names.Sort(StringComparer.Ordinal);
            return names;
        }

        // a scan lists the root for its folders and again for its files, and a reader can list a folder the scan
        // listed: one listing of a folder serves the whole scan of the repository (a listing only names candidates;
        // every file is still read through ReadText and its checks)
        private readonly Dictionary<string, IReadOnlyList<DirectoryEntry>?> _listings = new Dictionary<string, IReadOnlyList<DirectoryEntry>?>(StringComparer.Ordinal);

        private IReadOnlyList<DirectoryEntry>? Listing(string relative, string full)
        {
            if (_listings.TryGetValue(full, out var known)) return known;
            IReadOnlyList<DirectoryEntry>? entries;
            // Unix: the listing's descriptor is kept for the scan, and the folder's files are read through it rather than
            // by a walk from "/" each (UnixHeldFolder: the walk's last step, same checks); a folder below one already
            // held is opened from it, component by component, as the walk would pass through
            var held = _held.Count < MaxHeldFolders && _platform is SystemPlatform system ? HoldBelowHeld(relative) ?? system.HoldFolder(full) : null;
            if (held != null) entries = Keep(full, held);
            else
            {
                entries = _platform.ListDirectory(full);
                if (_listings.Count < 256) _listings[full] = entries;
            }
            return entries;
        }

        /// <summary>Keeps <paramref name="held"/> for the scan (its files are read through it) with its listing.</summary>
        private IReadOnlyList<DirectoryEntry> Keep(string full, UnixHeldFolder held)
        {
            // listed again after the listing cache filled: the newer hold replaces the older, which is closed now rather
            // than by its finalizer
            if (_held.TryGetValue(full, out var older)) older.Dispose();
            _held[full] = held;
            if (_listings.Count < 256) _listings[full] = held.Entries;
            return held.Entries;
        }

        /// <summary>The folder opened from its nearest held ancestor inside the repository; null when none is held or it cannot answer.</summary>
        private UnixHeldFolder? HoldBelowHeld(string relative)
        {
            if (relative.Length == 0 || _held.Count == 0) return null;
            for (var cut = relative.LastIndexOf('/'); ; cut = relative.LastIndexOf('/', cut - 1))
            {
                var ancestor = cut < 0 ? "" : relative.Substring(0, cut);
                if (_held.TryGetValue(ancestor.Length == 0 ? Root : FullPath(ancestor), out var held))
                    return held.HoldBelow(cut < 0 ? relative : relative.Substring(cut + 1));
                if (cut <= 0) return null;
            }
        }

        // descriptors held at once by one repository's scan (the bench's repositories list two or three folders)
        private const int MaxHeldFolders = 16;
        private readonly Dictionary<string, UnixHeldFolder> _held = new Dictionary<string, UnixHeldFolder>(StringComparer.Ordinal);

        /// <summary>Reads the file through its folder's held descriptor when there is one and it can answer; else by the
        /// platform's full walk.</summary>
        private FileReadResult Read(string folderFull, string name, string full)
        {
            if (_held.Count > 0)
            {
                if (_held.TryGetValue(folderFull, out var held))
                {
                    // who controls the file is not part of a pipeline scan's answer (ReadText returns the text alone)
                    if (held.Read(name, _maxBytes, full, withControllers: false) is FileReadResult result) return result;
                }
            }
            return _platform.ReadFile(full, _maxBytes);
        }

        /// <summary>Closes the folders held for this scan; the repository can still be read afterwards (by full walks).</summary>
        public void Dispose()
        {
            foreach (var held in _held.Values) held.Dispose();
            _held.Clear();
        }

        /// <summary>UTF-8 text without its BOM; UTF-16, NUL bytes and invalid UTF-8 are errors (no CI platform reads them as YAML).</summary>
        internal static string Decode(string relative, byte[] bytes) => Decode(relative, new ArraySegment<byte>(bytes));

        /// <summary>As <see cref="Decode(string, byte[])"/>, for the bytes of a read buffer that may be longer than the file.</summary>
        internal static string Decode(string relative, ArraySegment<byte> content)
        {
            var bytes = content.Array!;
            int start = content.Offset, count = content.Count;
            if (count >= 2 && (bytes[start] == 0xFF && bytes[start + 1] == 0xFE || bytes[start] == 0xFE && bytes[start + 1] == 0xFF))
                throw new CiDefinitionException(relative, 0, "is encoded as UTF-16; CI platforms read their files as UTF-8. Save it as UTF-8.");
            if (Array.IndexOf(bytes, (byte)0, start, count) >= 0)
                throw new CiDefinitionException(relative, 0, "holds NUL bytes, so it is not a text file.");
            var offset = count >= 3 && bytes[start] == 0xEF && bytes[start + 1] == 0xBB && bytes[start + 2] == 0xBF ? 3 : 0;
            try
            {
                return StrictUtf8.GetString(bytes, start + offset, count - offset);
            }
            catch (DecoderFallbackException)
            {
                throw new CiDefinitionException(relative, 0, "is not valid UTF-8 text.");
            }
        }

        private static string Relative(string relativePath)
        {
            var relative = CiRepository.NormalizePath(relativePath);
            if (relative == null || relative.Length == 0)
                throw new CiDefinitionException(relativePath ?? "", 0, "names no file inside the repository.");
            return relative;
        }

        private string FullPath(string relative)
        {
            _rootResolvesToItself ??= _platform.Path.Separator == '/' && _platform.Path.Resolve(Root, Root) == Root;
            return Join(_platform.Path, Root, _rootResolvesToItself.Value, relative);
        }

        /// <summary>The full path of a folder inside the repository, joined once per scan of the repository: every file
        /// read asks for its folder's (the listing and the held descriptor are kept by it).</summary>
        private string FolderFullPath(string folder)
        {
            if (_folderPaths.TryGetValue(folder, out var known)) return known;
            var full = FullPath(folder);
            if (_folderPaths.Count < 256) _folderPaths[folder] = full;
            return full;
        }

        private readonly Dictionary<string, string> _folderPaths = new Dictionary<string, string>(StringComparer.Ordinal);

        // whether the root is an absolute path in the form Resolve gives (no ".", "..", doubled or trailing '/'); asked once
        private bool? _rootResolvesToItself;

        /// <summary>
        /// The full path of <paramref name="relative"/> below <paramref name="root"/>: what <c>path.Resolve(root, root,
        /// relative)</c> gives. A scan asks for it several times per file read (its folder's held descriptor, its listing,
        /// the link check), and the resolve splits, lists and joins every time; where the root is its own resolution and
        /// the relative path is in normal form (<see cref="CiRepository.IsNormalized"/>: what a scan's paths nearly all
        /// are), resolving only joins them with '/', so that is done instead.
        /// </summary>
        internal static string Join(NodePath path, string root, bool rootResolvesToItself, string relative)
        {
            if (rootResolvesToItself && relative.Length > 0 && CiRepository.IsNormalized(relative))
                return root.Length == 1 ? "/" + relative : root + "/" + relative;
            return path.Resolve(root, root, relative.Replace('/', path.Separator));
        }

        /// <summary>Whether the path, with every link on it resolved, is still in the repository (the root's own links
        /// are the user's choice and allowed). A path that does not exist yet resolves to itself.</summary>
        // the finder reads the same files many times (package.json, .npmrc for every publish path); a path's real
        // location is looked up once per scan of the repository
        private readonly Dictionary<string, bool> _inside = new Dictionary<string, bool>(StringComparer.Ordinal);

        private bool Inside(string full)
        {
            if (_inside.TryGetValue(full, out var known)) return known;
            var inside = InsideUncached(full, _platform.RealPath(full));
            if (_inside.Count < 4096) _inside[full] = inside;
            return inside;
        }

        private bool InsideUncached(string full, string realPath)
        {
            var real = TrimSeparator(realPath);
            var comparison = _platform.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (string.Equals(real, _realRoot, comparison)) return true;
            return real.StartsWith(_realRoot + _platform.Path.Separator, comparison) ||
                   _realRoot.EndsWith(_platform.Path.Separator.ToString(), StringComparison.Ordinal) && real.StartsWith(_realRoot, comparison);
        }

        private static string TrimSeparator(string path) =>
            path.Length > 1 && (path.EndsWith("/", StringComparison.Ordinal) || path.EndsWith("\\", StringComparison.Ordinal)) && !(path.Length == 3 && path[1] == ':')
                ? path.TrimEnd('/', '\\') : path;
    }
}
