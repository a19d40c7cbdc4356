using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>Reads one CI platform's definition files into the platform-neutral model. One class per platform.</summary>
    internal interface ICiDefinitionReader
    {
        CiPlatform Platform { get; }

        /// <summary>Whether this reader owns the file at <paramref name="relativePath"/> ('/'-separated, from the repository root).</summary>
        bool Claims(string relativePath);

        /// <summary>The definitions in the file, with in-repository includes, templates and local actions resolved
        /// through <paramref name="repository"/>. Throws <see cref="CiDefinitionException"/> for a file that cannot be read
        /// or parsed; the caller reports it and goes on.</summary>
        IEnumerable<CiDefinition> Read(CiRepository repository, string relativePath);
    }

    /// <summary>
    /// A repository as the readers see it: files by relative path, read through a reader that the scanning code makes
    /// safe (bounded size, no special files, no links out of the root). Readers never touch the file system directly,
    /// which also lets tests hand them an in-memory tree.
    /// </summary>
    internal abstract class CiRepository
    {
        protected CiRepository(string root) { Root = root ?? throw new ArgumentNullException(nameof(root)); }

        /// <summary>The repository root as the user named it (for messages and output).</summary>
        public string Root { get; }

        /// <summary>The text of the file at <paramref name="relativePath"/>, or null when it does not exist. Throws
        /// <see cref="CiDefinitionException"/> when it exists but cannot be used (too large, not text, a link leaving the root).</summary>
        public abstract string? ReadText(string relativePath);

        /// <summary>Whether a file exists at <paramref name="relativePath"/> (for references such as a workflow file name).</summary>
        public abstract bool FileExists(string relativePath);

        /// <summary>Names of the files directly in <paramref name="relativeFolder"/> ("" for the root), sorted ordinally;
        /// empty when the folder does not exist. For wildcard includes and for finding a repository's CI files.</summary>
        public virtual IReadOnlyList<string> ListFiles(string relativeFolder) => Array.Empty<string>();

        /// <summary>Names of the folders directly in <paramref name="relativeFolder"/> (links not followed), sorted
        /// ordinally; empty when it does not exist. For workspace globs (<c>packages/*</c>).</summary>
        public virtual IReadOnlyList<string> ListFolders(string relativeFolder) => Array.Empty<string>();

        private readonly Dictionary<string, CiPackageJson?> _packages = new Dictionary<string, CiPackageJson?>(StringComparer.Ordinal);

        /// <summary>The script resolver of this repository's scan (<see cref="PipelineScripts"/>), made on first use: it
        /// caches the package.json files it reads. Kept here rather than in a ConditionalWeakTable keyed by repository: no
        /// table lookup per step, and no dependent handle per repository for the garbage collector to trace.</summary>
        internal Shell.PackageScriptResolver? ScriptResolver { get; set; }

        /// <summary>The package.json in <paramref name="relativeFolder"/> ("" for the root; '/' separators): its name,
        /// scripts, workspaces and publishConfig. Null when there is none or it is not a JSON object (npm run would fail
        /// there too). Read once per folder. Throws <see cref="CiDefinitionException"/> as <see cref="ReadText"/> does.</summary>
        public CiPackageJson? ReadPackageJson(string relativeFolder) => ReadPackageJson(relativeFolder, out _);

        /// <summary>As <see cref="ReadPackageJson(string)"/>; <paramref name="unusable"/> tells a file that exists but is not
        /// a JSON object from no file at all (the script resolver reports the first as a problem). The script resolver and
        /// the finder share this one parse of each package.json.</summary>
        internal CiPackageJson? ReadPackageJson(string relativeFolder, out bool unusable)
        {
            var folder = NormalizePath(relativeFolder ?? "") ?? throw new CiDefinitionException(relativeFolder ?? "", 0, "names a folder outside the repository.");
            if (_packages.TryGetValue(folder, out var known))
            {
                unusable = known == null && _unusablePackages != null && _unusablePackages.Contains(folder);
                return known;
            }
            var file = folder.Length == 0 ? "package.json" : folder + "/package.json";
            var text = ReadText(file);
            var package = text == null ? null : CiPackageJson.Parse(folder, file, text);
            _packages[folder] = package;
            unusable = text != null && package == null;
            if (unusable) (_unusablePackages ??= new HashSet<string>(StringComparer.Ordinal)).Add(folder);
            return package;
        }

        private HashSet<string>? _unusablePackages;

        /// <summary>
        /// A repository-relative path in canonical form: '/' separators, no leading "./" or "/", "." and ".." segments
        /// resolved; "" for the root. Null when the path climbs out of the root or holds a NUL or a drive/UNC prefix.
        /// </summary>
        public static string? NormalizePath(string path)
        {
            if (path == null) return null;
            // nearly every path a scan asks for is already in this form ("a/b/c.yml"): it is its own answer, without the
            // split, list and join below (which were a twentieth of what a tree scan allocated)
            if (IsNormalized(path)) return path;
            if (path.IndexOf('\0') >= 0) return null;
            var text = path.Replace('\\', '/');
            if (text.Length >= 2 && text[1] == ':') return null;
            var parts = new List<string>();
            foreach (var part in text.Split('/'))
            {
                if (part.Length == 0 || part == ".") continue;
                if (part == "..")
                {
                    if (parts.Count == 0) return null;
                    parts.RemoveAt(parts.Count - 1);
                    continue;
                }
                parts.Add(part);
            }
            return string.Join("/", parts);
        }

        /// <summary>Whether <see cref="NormalizePath"/> would give <paramref name="path"/> back unchanged: no NUL, no
        /// backslash, no drive, and no empty, "." or ".." segment (so no leading, trailing or doubled '/').</summary>
        internal static bool IsNormalized(string path)
        {
            if (path.Length >= 2 && path[1] == ':') return false;
            var start = 0;
            for (var i = 0; i <= path.Length; i++)
            {
                if (i < path.Length)
                {
                    var c = path[i];
                    if (c == '\\' || c == '\0') return false;
                    if (c != '/') continue;
                }
                var length = i - start;
                if (length == 0) return path.Length == 0;
                if (path[start] == '.' && (length == 1 || length == 2 && path[start + 1] == '.')) return false;
                start = i + 1;
            }
            return true;
        }

        /// <summary>The folder part of a repository-relative path ("" for a file in the root).</summary>
        public static string FolderOf(string relativePath)
        {
            var cut = relativePath.LastIndexOf('/');
            return cut < 0 ? "" : relativePath.Substring(0, cut);
        }
    }

    /// <summary>A CI file that cannot be read or parsed; the message says what and where, never file content beyond a key name.</summary>
    internal sealed class CiDefinitionException : Exception
    {
        public CiDefinitionException(string file, int line, string reason, Exception? inner = null)
            : base(line > 0 ? file + ":" + line + ": " + reason : file + ": " + reason, inner)
        {
            File = file; Line = line; Reason = reason;
        }

        public string File { get; }
        public int Line { get; }
        public string Reason { get; }

        /// <summary>True when only one part of the file (a step, a template reference) was skipped and the rest of the
        /// file was still read; false when the whole file was lost.</summary>
        public bool PartOnly { get; private set; }

        /// <summary>True when the skipped part names a file the repository does not have (a missing template).</summary>
        public bool NotFound { get; private set; }

        /// <summary>A part of a file that cannot be used: reported beside the definitions read from the rest of the file.</summary>
        public static CiDefinitionException ForPart(string file, int line, string reason, bool notFound = false) =>
            new CiDefinitionException(file, line, reason) { PartOnly = true, NotFound = notFound };
    }
}
