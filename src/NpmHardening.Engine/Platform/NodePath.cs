using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// Node's <c>path</c> module semantics (resolve, dirname, join), in a POSIX and a win32 flavour, so that
    /// the paths npm computes (<c>resolve(prefix, 'etc/npmrc')</c>, <c>resolve(home, '.npmrc')</c>, path-typed
    /// values) come out exactly as npm computes them, whichever OS we run on.
    /// </summary>
    public abstract class NodePath
    {
        public static readonly NodePath Posix = new PosixPath();
        public static readonly NodePath Win32 = new Win32Path();

        public abstract char Separator { get; }
        public abstract bool IsAbsolute(string path);
        /// <summary>path.resolve(cwd, ...segments): right-to-left until absolute, then normalized, no trailing separator.</summary>
        public abstract string Resolve(string cwd, params string[] segments);
        public abstract string Dirname(string path);
        /// <summary>path.join: concatenate with the separator, then normalize (keeps a relative result relative).</summary>
        public abstract string Join(params string[] segments);
        /// <summary>Case-sensitivity of file names as npm compares them (string equality).</summary>
        public virtual StringComparison Comparison => StringComparison.Ordinal;

        private sealed class PosixPath : NodePath
        {
            public override char Separator => '/';
            public override bool IsAbsolute(string path) => path.Length > 0 && path[0] == '/';

            public override string Resolve(string cwd, params string[] segments)
            {
                var resolved = "";
                bool absolute = false;
                for (int i = segments.Length - 1; i >= -1 && !absolute; i--)
                {
                    var path = i >= 0 ? segments[i] : cwd;
                    if (string.IsNullOrEmpty(path)) continue;
                    resolved = path + "/" + resolved;
                    absolute = path[0] == '/';
                }
                var normalized = NormalizeSegments(resolved, !absolute, '/', c => c == '/');
                return absolute ? "/" + normalized : (normalized.Length > 0 ? normalized : ".");
            }

            public override string Dirname(string path)
            {
                if (path.Length == 0) return ".";
                bool hasRoot = path[0] == '/';
                int end = -1;
                bool matchedSlash = true;
                for (int i = path.Length - 1; i >= 1; --i)
                {
                    if (path[i] == '/')
                    {
                        if (!matchedSlash) { end = i; break; }
                    }
                    else matchedSlash = false;
                }
                if (end == -1) return hasRoot ? "/" : ".";
                if (hasRoot && end == 1) return "//";
                return path.Substring(0, end);
            }

            public override string Join(params string[] segments)
            {
                var joined = string.Join("/", Array.FindAll(segments, s => !string.IsNullOrEmpty(s)));
                if (joined.Length == 0) return ".";
                bool absolute = joined[0] == '/';
                bool trailing = joined[joined.Length - 1] == '/';
                var n = NormalizeSegments(joined, !absolute, '/', c => c == '/');
                if (n.Length == 0 && !absolute) n = ".";
                if (n.Length > 0 && trailing) n += "/";
                return absolute ? "/" + n : n;
            }
        }

        private sealed class Win32Path : NodePath
        {
            public override char Separator => '\\';
            public override StringComparison Comparison => StringComparison.Ordinal;
            private static bool IsSep(char c) => c == '\\' || c == '/';
            private static bool IsDriveLetter(char c) => c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';

            /// <summary>Splits "C:\x", "\\server\share\x", "\x", "C:x" into (device, isAbsolute, rest).</summary>
            private static void Split(string path, out string device, out bool absolute, out string rest)
            {
                device = ""; absolute = false; rest = path;
                if (path.Length == 0) return;
                if (path.Length > 1 && IsSep(path[0]) && IsSep(path[1]))
                {
                    // UNC: \\server\share
                    int j = 2;
                    while (j < path.Length && !IsSep(path[j])) j++;
                    if (j < path.Length && j > 2)
                    {
                        int k = j + 1;
                        while (k < path.Length && IsSep(path[k])) k++;
                        int l = k;
                        while (l < path.Length && !IsSep(path[l])) l++;
                        if (l > k)
                        {
                            device = "\\\\" + path.Substring(2, j - 2) + "\\" + path.Substring(k, l - k);
                            absolute = true;
                            rest = path.Substring(l);
                            return;
                        }
                    }
                    absolute = true;
                    rest = path;
                    return;
                }
                if (IsSep(path[0])) { absolute = true; rest = path; return; }
                if (path.Length > 1 && path[1] == ':' && IsDriveLetter(path[0]))
                {
                    device = path.Substring(0, 2);
                    if (path.Length > 2 && IsSep(path[2])) absolute = true;
                    rest = path.Substring(2);
                }
            }

            public override bool IsAbsolute(string path)
            {
                Split(path, out _, out var abs, out _);
                return abs;
            }

            public override string Resolve(string cwd, params string[] segments)
            {
                string resolvedDevice = "", resolvedTail = "";
                bool resolvedAbsolute = false;
                for (int i = segments.Length - 1; i >= -1; i--)
                {
                    string path = i >= 0 ? segments[i] : cwd;
                    if (string.IsNullOrEmpty(path)) continue;
                    Split(path, out var device, out var isAbs, out var rest);
                    if (device.Length > 0 && resolvedDevice.Length > 0 &&
                        !string.Equals(device, resolvedDevice, StringComparison.OrdinalIgnoreCase))
                        continue; // a path on another drive does not contribute
                    if (resolvedDevice.Length == 0 && device.Length > 0) resolvedDevice = device;
                    if (!resolvedAbsolute)
                    {
                        resolvedTail = rest + "\\" + resolvedTail;
                        resolvedAbsolute = isAbs;
                    }
                    if (resolvedAbsolute && resolvedDevice.Length > 0) break;
                }
                var tail = NormalizeSegments(resolvedTail, !resolvedAbsolute, '\\', IsSep);
                if (resolvedAbsolute) return resolvedDevice + "\\" + tail;
                var r = resolvedDevice + tail;
                return r.Length > 0 ? r : ".";
            }

            public override string Dirname(string path)
            {
                Split(path, out var device, out var abs, out var rest);
                int rootEnd = device.Length + (abs && rest.Length > 0 && IsSep(rest[0]) ? 1 : 0);
                int end = -1;
                bool matched = true;
                for (int i = path.Length - 1; i >= rootEnd; i--)
                {
                    if (IsSep(path[i])) { if (!matched) { end = i; break; } }
                    else matched = false;
                }
                if (end == -1) return rootEnd > 0 ? path.Substring(0, rootEnd) : (device.Length > 0 ? device : ".");
                return path.Substring(0, end);
            }

            public override string Join(params string[] segments)
            {
                var joined = string.Join("\\", Array.FindAll(segments, s => !string.IsNullOrEmpty(s)));
                if (joined.Length == 0) return ".";
                Split(joined, out var device, out var abs, out var rest);
                bool trailing = IsSep(joined[joined.Length - 1]);
                var n = NormalizeSegments(rest, !abs, '\\', IsSep);
                if (n.Length == 0 && !abs) n = ".";
                if (n.Length > 0 && trailing) n += "\\";
                return device + (abs ? "\\" : "") + n;
            }
        }

        /// <summary>Collapses separators, drops ".", resolves ".." (kept at the front of relative paths).</summary>
        private static string NormalizeSegments(string path, bool allowAboveRoot, char sep, Func<char, bool> isSep)
        {
            var parts = new List<string>();
            var sb = new StringBuilder();
            void Flush()
            {
                var seg = sb.ToString();
                sb.Clear();
                if (seg.Length == 0 || seg == ".") return;
                if (seg == "..")
                {
                    if (parts.Count > 0 && parts[parts.Count - 1] != "..") parts.RemoveAt(parts.Count - 1);
                    else if (allowAboveRoot) parts.Add("..");
                    return;
                }
                parts.Add(seg);
            }
            foreach (var c in path)
            {
                if (isSep(c)) Flush();
                else sb.Append(c);
            }
            Flush();
            return string.Join(sep.ToString(), parts);
        }
    }
}
