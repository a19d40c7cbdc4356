using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Config
{
    /// <summary>How one ancestor folder with a package.json answers npm's "is the project one of my workspaces?".</summary>
    internal sealed class WorkspaceCheck
    {
        public static readonly WorkspaceCheck NotARoot = new WorkspaceCheck();

        /// <summary>The project folder is one of this root's workspaces: npm makes the root the project.</summary>
        public bool IsWorkspace { get; private set; }
        /// <summary>npm throws while mapping this root's workspaces: it refuses to start (message, file).</summary>
        public string? Failure { get; private set; }
        public string? FailureSource { get; private set; }
        /// <summary>The module could not decide (unmodelled glob syntax, a walk too large): why.</summary>
        public string? Undecided { get; private set; }

        public static WorkspaceCheck Member(bool isMember) => new WorkspaceCheck { IsWorkspace = isMember };
        public static WorkspaceCheck Fails(string message, string source) => new WorkspaceCheck { Failure = message, FailureSource = source };
        public static WorkspaceCheck Unknown(string why) => new WorkspaceCheck { Undecided = why };
    }

    /// <summary>An error @npmcli/map-workspaces (or the package.json reading under it) throws.</summary>
    internal sealed class WorkspaceMapException : Exception
    {
        public WorkspaceMapException(string code, string message, string source) : base(message) { Code = code; Source = source; }
        public string Code { get; }
        public new string Source { get; }
    }

    /// <summary>
    /// npm's workspace discovery for config loading, without node: the ancestor test of @npmcli/config's
    /// loadLocalPrefix (package.json read and normalized by @npmcli/package-json, any failure ignored; a
    /// truthy "workspaces" maps the workspaces) and @npmcli/map-workspaces 5 itself: negated patterns
    /// (an odd run of '!'; a later positive pattern the negation matches cancels it), a leading "./" or "/"
    /// stripped once, folder globs through glob 13 (dot folders excluded, node_modules and negated
    /// patterns ignored), the minimatch partial filter per pattern, each match's package.json normalized
    /// (a missing one skipped, anything else that throws stops npm), names from "name" or the folder, and
    /// duplicate names refused. Paths that cannot be the project are still read: npm fails on them too.
    /// </summary>
    internal static class WorkspaceMap
    {
        /// <summary>package.json files larger than this are not read (npm would; the module stays bounded).</summary>
        private const long MaxPackageJsonBytes = 16L << 20;

        /// <summary>
        /// Bytes of all the workspaces' package.json files of one root together: as much as one file. The files are the
        /// project owner's, and one 16 MiB file linked into 20,000 matched folders cost a privileged run of Set-NpmHardening
        /// or Get-NpmConfig -Path over that project a parse each (seconds and a gigabyte per file); a real monorepo's
        /// are a few KB each.
        /// </summary>
        internal const long MaxWorkspacePackageJsonBytes = MaxPackageJsonBytes;

        /// <summary>loadLocalPrefix for the ancestor <paramref name="root"/> of the project folder <paramref name="candidate"/>.</summary>
        public static WorkspaceCheck Check(IPlatform platform, string root, string candidate)
        {
            var pkg = ReadNormalized(platform, root);
            if (pkg.Content == null || !Js.Js.IsTruthy(Property(pkg.Content, "workspaces"))) return WorkspaceCheck.NotARoot;
            try
            {
                var map = Map(platform, root, Property(pkg.Content, "workspaces"));
                return WorkspaceCheck.Member(map.Any(w => string.Equals(w.Path, candidate, StringComparison.Ordinal)));
            }
            catch (WorkspaceMapException e) { return WorkspaceCheck.Fails(e.Message, e.Source); }
            catch (JsTypeErrorException e) { return WorkspaceCheck.Fails($"mapping the workspaces of {root} fails: {e.Message}", platform.Path.Join(root, "package.json")); }
            catch (UnsupportedGlobException e) { return WorkspaceCheck.Unknown($"the \"workspaces\" of {platform.Path.Join(root, "package.json")}: {e.Message}"); }
            catch (GlobWalker.TooLargeException e) { return WorkspaceCheck.Unknown($"the \"workspaces\" of {platform.Path.Join(root, "package.json")}: {e.Message}"); }
        }

        /// <summary>mapWorkspaces({ cwd, pkg: { workspaces } }): (name, folder) in npm's order; throws like npm.</summary>
        public static List<(object Name, string Path)> Map(IPlatform platform, string cwd, object? workspaces)
        {
            var path = platform.Path;
            var manifest = path.Join(cwd, "package.json");
            var declared = workspaces is JsObject o && o["packages"] is List<object?> inner ? inner : workspaces as List<object?>;
            if (declared == null)
                throw new WorkspaceMapException("EWORKSPACESCONFIG", $"\"workspaces\" in {manifest} is not an array (nor {{ \"packages\": [...] }}); npm stops with \"workspaces config expects an Array\".", manifest);
            var (patterns, negated) = AppendNegatedPatterns(declared, manifest, platform.IsWindows);
            var results = new List<(object, string)>();
            if (patterns.Count == 0 && negated.Count == 0) return results;

            var ignore = new List<string> { "**/node_modules/**" };
            ignore.AddRange(negated);
            var matches = GlobWalker.Glob(platform, cwd, patterns.Select(GlobPattern).ToList(), ignore);
            matches.Sort(StringComparer.Ordinal);

            var filter = new MinimatchOptions { Partial = true, WindowsPathsNoEscape = true, IsWindows = platform.IsWindows };
            var ordered = new List<string>();
            foreach (var pattern in patterns)
                ordered.AddRange(matches.Where(m => Minimatch.IsMatch(m, pattern, filter)));

            var seen = new List<(object Name, List<string> Paths)>();
            long remaining = MaxWorkspacePackageJsonBytes;
            foreach (var match in ordered)
            {
                var folder = path.Join(cwd, match);
                var pkg = ReadNormalized(platform, folder, remaining);
                if (pkg.Missing) continue;
                remaining -= pkg.Bytes;
                if (pkg.ErrorCode == "ETOOLARGE")
                    throw new WorkspaceMapException("ETOOLARGE",
                        $"the workspaces of {manifest} hold more than {MaxWorkspacePackageJsonBytes:N0} bytes of package.json (at {pkg.File}); the module does not read them all, so what npm makes of them is unknown.", manifest);
                if (pkg.Error != null) throw new WorkspaceMapException(pkg.ErrorCode!, pkg.Error, pkg.File);
                var nameValue = Property(pkg.Content!, "name");
                object name = Js.Js.IsTruthy(nameValue) ? nameValue! : NameFromFolder(folder, path);
                var entry = seen.FirstOrDefault(s => SameValueZero(s.Name, name));
                if (entry.Paths == null) seen.Add((name, new List<string> { folder }));
                else if (!entry.Paths.Contains(folder)) entry.Paths.Add(folder);
            }
            var duplicates = seen.Where(s => s.Paths.Count > 1).ToList();
            if (duplicates.Count > 0)
            {
                // the names are not repeated: they come from files the audited user controls
                var which = string.Join("; ", duplicates.Select(d => string.Join(", ", d.Paths)));
                throw new WorkspaceMapException("EDUPLICATEWORKSPACE",
                    $"the workspaces of {manifest} have duplicate package names ({which}); npm stops with \"must not have multiple workspaces with the same name\".", manifest);
            }
            foreach (var s in seen) results.Add((s.Name, s.Paths[0]));
            return results;
        }

        private static (List<string> Patterns, List<string> Negated) AppendNegatedPatterns(List<object?> all, string manifest, bool windows)
        {
            var patterns = new List<string>();
            var negated = new List<string>();
            var defaults = new MinimatchOptions { IsWindows = windows };
            foreach (var item in all)
            {
                if (!(item is string pattern))
                    throw new WorkspaceMapException("EWORKSPACESCONFIG", $"\"workspaces\" in {manifest} holds {Describe(item)}, not a pattern string; npm stops with a TypeError (\"pattern.match is not a function\").", manifest);
                int bangs = 0;
                while (bangs < pattern.Length && pattern[bangs] == '!') bangs++;
                pattern = pattern.Substring(bangs);
                pattern = StripLeadingSlash(pattern);
                if (bangs % 2 == 1) { negated.Add(pattern); continue; }
                // a positive pattern cancels earlier negations that match it (JavaScript's splice inside ++i skips one)
                for (int i = 0; i < negated.Count; ++i)
                    if (Minimatch.IsMatch(pattern, negated[i], defaults)) negated.RemoveAt(i);
                patterns.Add(pattern);
            }
            foreach (var n in negated)
            {
                var mm = new Minimatch(n, defaults);
                foreach (var p in patterns.Where(p => mm.Match(p)).ToList()) patterns.RemoveAt(patterns.IndexOf(p));
            }
            return (patterns, negated);
        }

        /// <summary>pattern.replace(/^\.?\/+/, ''): one "./" or "/" run, once.</summary>
        private static string StripLeadingSlash(string pattern)
        {
            int i = pattern.Length > 0 && pattern[0] == '.' ? 1 : 0;
            int j = i;
            while (j < pattern.Length && pattern[j] == '/') j++;
            return j > i ? pattern.Substring(j) : pattern;
        }

        private static string GlobPattern(string pattern)
        {
            pattern = pattern.Replace('\\', '/');
            return pattern.EndsWith("/", StringComparison.Ordinal) ? pattern : pattern + "/";
        }

        private static string Describe(object? v) => v switch
        {
            null => "null",
            List<object?> _ => "an array",
            JsObject _ => "an object",
            _ => "the value " + Js.Js.ToJson(v),
        };

        /// <summary>@npmcli/name-from-folder: the folder name, with its "@scope/" when the parent is a scope folder.</summary>
        private static string NameFromFolder(string dir, NodePath path)
        {
            var baseName = Basename(dir, path);
            var parent = Basename(path.Dirname(dir), path);
            return parent.Length > 0 && parent[0] == '@' ? parent + "/" + baseName : baseName;
        }

        private static string Basename(string p, NodePath path)
        {
            var trimmed = p.TrimEnd(path.Separator, '/');
            int cut = Math.Max(trimmed.LastIndexOf('/'), path.Separator == '\\' ? trimmed.LastIndexOf('\\') : -1);
            return cut >= 0 ? trimmed.Substring(cut + 1) : trimmed;
        }

        private static bool SameValueZero(object a, object b)
        {
            if (a is string sa) return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            if (a is double da) return b is double db && (da == db || double.IsNaN(da) && double.IsNaN(db));
            if (a is bool ba) return b is bool bb && ba == bb;
            return ReferenceEquals(a, b);
        }

        private static object? Property(object content, string key) => content is JsObject o ? o[key] : JsUndefined.Value;

        // ---- @npmcli/package-json: PackageJson.normalize(folder) ---------------------------------------------

        private sealed class PackageRead
        {
            public object? Content { get; set; }
            public bool Missing { get; set; }
            public string? Error { get; set; }
            public string? ErrorCode { get; set; }
            public string File { get; set; } = "";
            public long Bytes { get; set; }
        }

        /// <summary>Reads and normalizes folder/package.json with normalize's default steps; reports what would throw.</summary>
        private static PackageRead ReadNormalized(IPlatform platform, string folder, long maxBytes = MaxPackageJsonBytes)
        {
            var file = platform.Path.Resolve(folder, folder, "package.json");
            var result = new PackageRead { File = file };
            var read = platform.ReadFile(file, Math.Min(maxBytes, MaxPackageJsonBytes));
            switch (read.Status)
            {
                case FileReadStatus.Ok: break;
                case FileReadStatus.NotFound: result.Missing = true; return result;
                case FileReadStatus.IsDirectory:
                    return Fail(result, "EISDIR", $"{file} is a folder; npm stops with \"Could not read package.json: EISDIR\".");
                case FileReadStatus.TooLarge:
                    return Fail(result, "ETOOLARGE", $"{file} is larger than {MaxPackageJsonBytes:N0} bytes; the module does not read it, so what npm makes of it is unknown.");
                default:
                    // ENOTDIR (the match is not a folder) is skipped like ENOENT; anything else stops npm
                    if (!platform.DirectoryExists(folder)) { result.Missing = true; return result; }
                    return Fail(result, "EREAD", $"{file} cannot be read ({read.Error}); npm stops with \"Could not read package.json\".");
            }
            result.Bytes = read.Bytes!.Length;
            var text = new UTF8Encoding(false, false).GetString(read.Bytes!);
            if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
            if (!JsJson.TryParse(text, out var content))
                return Fail(result, "EJSONPARSE", $"{file} is not valid JSON; npm stops with \"Invalid package.json\".");
            var problem = NormalizeFailure(content);
            if (problem != null) return Fail(result, "ENORMALIZE", $"{file} {problem}; npm stops while normalizing it.");
            result.Content = content;
            return result;
        }

        private static PackageRead Fail(PackageRead r, string code, string message)
        {
            r.ErrorCode = code;
            r.Error = message;
            return r;
        }

        /// <summary>
        /// What makes @npmcli/package-json 7's normalize (steps _id, _attributes, bundledDependencies,
        /// bundleDependencies, optionalDedupe, scripts, funding, bin, binDir) throw on parsed JSON.
        /// </summary>
        private static string? NormalizeFailure(object? content)
        {
            if (!Js.Js.IsTruthy(content)) return "holds " + Js.Js.ToJson(content) + " (\"Can not normalize without content\")";
            if (!(content is JsObject) && !(content is List<object?>))
                return "holds the value " + Js.Js.ToJson(content) + ", not an object (\"Cannot use 'in' operator\")";
            if (!(content is JsObject pkg)) return null; // an array normalizes (it has no fields)
            var directories = pkg["directories"];
            var bin = pkg["bin"];
            if (directories is JsObject dirs && Js.Js.IsTruthy(dirs["bin"]) && !Js.Js.IsTruthy(bin) && !(dirs["bin"] is string))
                return "has a \"directories.bin\" that is not a string (\"ref.replace is not a function\")";
            if (bin is List<object?> bins && bins.Any(b => !(b is string)))
                return "has a \"bin\" array with an entry that is not a string (path.basename throws)";
            // `${data.name ?? ''}@${data.version ?? ''}`: an object with its own "toString" cannot become a string
            if (Js.Js.ToPrimitiveThrows(pkg["name"]) || Js.Js.ToPrimitiveThrows(pkg["version"]))
                return "has a \"name\" or \"version\" that cannot be converted to a string (\"Cannot convert object to primitive value\")";
            return null;
        }
    }
}
