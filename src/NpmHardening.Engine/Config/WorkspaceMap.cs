using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// Whether a folder is one of a root's workspaces, as @npmcli/map-workspaces decides it: the root's
    /// package.json "workspaces" (array, or {packages: [...]}) are globs of folders holding a package.json;
    /// patterns starting with '!' exclude.
    /// </summary>
    internal static class WorkspaceMap
    {
        public static bool IsWorkspaceOf(IPlatform platform, string root, string candidate)
        {
            var path = platform.Path;
            var read = platform.ReadFile(path.Resolve(root, root, "package.json"), 4 << 20);
            if (read.Bytes == null) return false;
            var text = Encoding.UTF8.GetString(read.Bytes).TrimStart('\uFEFF');
            if (!JsJson.TryParse(text, out var parsed) || !(parsed is JsObject pkg)) return false;
            var ws = pkg["workspaces"];
            if (ws is JsObject wsObj) ws = wsObj["packages"];
            if (!(ws is List<object?> patterns)) return false;
            if (!platform.FileExists(path.Resolve(root, candidate, "package.json"))) return false;

            var relative = Relative(path, root, candidate);
            if (relative == null) return false;
            bool included = false;
            foreach (var p in patterns)
            {
                if (!(p is string pattern) || pattern.Length == 0) continue;
                bool negate = pattern[0] == '!';
                var glob = negate ? pattern.Substring(1) : pattern;
                if (!GlobToRegex(glob).IsMatch(relative)) continue;
                included = !negate;
            }
            return included;
        }

        private static string? Relative(NodePath path, string root, string candidate)
        {
            var r = path.Resolve(root, root);
            var c = path.Resolve(root, candidate);
            var prefix = r.EndsWith(path.Separator.ToString(), StringComparison.Ordinal) ? r : r + path.Separator;
            if (!c.StartsWith(prefix, StringComparison.Ordinal)) return null;
            var rel = c.Substring(prefix.Length).Replace('\\', '/');
            foreach (var seg in rel.Split('/')) if (seg == "node_modules") return null;
            return rel;
        }

        /// <summary>minimatch's common forms: **, *, ?, [...], {a,b}; a leading "./" and trailing "/" are ignored.</summary>
        private static Regex GlobToRegex(string glob)
        {
            var g = glob.Replace('\\', '/');
            while (g.StartsWith("./", StringComparison.Ordinal)) g = g.Substring(2);
            g = g.TrimEnd('/');
            var sb = new StringBuilder("^");
            for (int i = 0; i < g.Length; i++)
            {
                char c = g[i];
                if (c == '*' && i + 1 < g.Length && g[i + 1] == '*')
                {
                    bool slashAfter = i + 2 < g.Length && g[i + 2] == '/';
                    sb.Append(slashAfter ? "(?:[^/.][^/]*/)*" : "(?:[^/.][^/]*(?:/[^/.][^/]*)*)?");
                    i += slashAfter ? 2 : 1;
                }
                else if (c == '*') sb.Append("[^/]*");
                else if (c == '?') sb.Append("[^/]");
                else if (c == '[')
                {
                    int close = g.IndexOf(']', i + 1);
                    if (close < 0) sb.Append("\\[");
                    else { sb.Append('[').Append(g.Substring(i + 1, close - i - 1).Replace("!", "^")).Append(']'); i = close; }
                }
                else if (c == '{')
                {
                    int close = g.IndexOf('}', i + 1);
                    if (close < 0) sb.Append("\\{");
                    else
                    {
                        var alts = g.Substring(i + 1, close - i - 1).Split(',');
                        sb.Append("(?:").Append(string.Join("|", Array.ConvertAll(alts, Regex.Escape))).Append(')');
                        i = close;
                    }
                }
                else sb.Append(Regex.Escape(c.ToString()));
            }
            sb.Append('$');
            return new Regex(sb.ToString(), RegexOptions.CultureInvariant);
        }
    }
}
