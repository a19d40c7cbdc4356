using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>Joins and normalises the relative, '/'-separated directories scripts move through (<c>cd</c>, <c>working-directory</c>).</summary>
    internal static class ShellPath
    {
        // Variables and expressions that name the checkout root on each CI platform; a path starting with one of them
        // is taken as relative to the repository root.
        private static readonly string[] RootPrefixes =
        {
            "$GITHUB_WORKSPACE", "${GITHUB_WORKSPACE}", "${{ github.workspace }}", "${{github.workspace}}",
            "$CI_PROJECT_DIR", "${CI_PROJECT_DIR}", "$BITBUCKET_CLONE_DIR", "${BITBUCKET_CLONE_DIR}",
            "$(Build.SourcesDirectory)", "$(System.DefaultWorkingDirectory)", "$(Pipeline.Workspace)/s",
            "$BUILD_SOURCESDIRECTORY", "$SYSTEM_DEFAULTWORKINGDIRECTORY", "$env:GITHUB_WORKSPACE", "$env:BUILD_SOURCESDIRECTORY",
            "%GITHUB_WORKSPACE%", "%BUILD_SOURCESDIRECTORY%", "$WORKSPACE", "${WORKSPACE}", "${env.WORKSPACE}", "$CIRCLE_WORKING_DIRECTORY",
        };

        /// <summary>Joins <paramref name="relative"/> onto <paramref name="baseDirectory"/>: null/"" for the starting directory,
        /// a normalised relative path, or the target as written when it is absolute, starts with a variable, or climbs above
        /// the start (<c>..</c>). A target naming the CI checkout root (<c>$GITHUB_WORKSPACE/pkg</c>) yields "/pkg" — rooted —
        /// which <see cref="FromRepositoryRoot"/> understands.</summary>
        public static string? Join(string? baseDirectory, string? relative)
        {
            if (relative == null) return "~";
            var r = relative.Trim();
            if (r.Length == 0 || r == "~" || r == "-") return r.Length == 0 ? "~" : r;
            foreach (var p in RootPrefixes)
            {
                if (r.StartsWith(p, StringComparison.Ordinal) && (r.Length == p.Length || r[p.Length] == '/' || r[p.Length] == '\\'))
                    return "/" + (Normalise(r.Substring(p.Length)) ?? "");
            }
            if (IsOpaque(r)) return r;
            if (baseDirectory != null && IsOpaque(baseDirectory) && !baseDirectory.StartsWith("/", StringComparison.Ordinal)) return baseDirectory + "/" + r;
            string combined = string.IsNullOrEmpty(baseDirectory) ? r : baseDirectory + "/" + r;
            bool rooted = combined.StartsWith("/", StringComparison.Ordinal);
            var n = Normalise(rooted ? combined.Substring(1) : combined);
            if (n == null) return combined; // climbs above the start: keep as written
            if (rooted) return "/" + n;
            return n.Length == 0 ? null : n;
        }

        /// <summary>A script directory (as <see cref="Join"/> produces) resolved against the step's directory, giving a path
        /// from the repository root ("" for the root), or null when it cannot be known (a variable, an absolute path, "..").</summary>
        public static string? FromRepositoryRoot(string? stepDirectory, string? scriptDirectory)
        {
            string? step = stepDirectory;
            if (string.IsNullOrEmpty(step) || step == "." || step == "./") step = null;
            if (step != null)
            {
                step = step.Replace('\\', '/');
                var j = Join(null, step);
                if (j == null) step = "";
                else if (j.StartsWith("/", StringComparison.Ordinal)) step = j.Substring(1);
                else if (IsOpaque(j) || j.StartsWith("~", StringComparison.Ordinal)) return null;
                else step = j;
            }
            if (scriptDirectory == null) return step ?? "";
            if (scriptDirectory.StartsWith("/", StringComparison.Ordinal)) return Normalise(scriptDirectory.Substring(1));
            if (IsOpaque(scriptDirectory) || scriptDirectory.StartsWith("~", StringComparison.Ordinal) || scriptDirectory == "-") return null;
            return Normalise(string.IsNullOrEmpty(step) ? scriptDirectory : step + "/" + scriptDirectory);
        }

        private static bool IsOpaque(string p)
            => p.IndexOf('$') >= 0 || p.IndexOf('%') >= 0 || p.IndexOf('`') >= 0 || p.IndexOf('*') >= 0
               || (p.Length >= 2 && p[1] == ':') || p.StartsWith("\\", StringComparison.Ordinal) || p.StartsWith("~", StringComparison.Ordinal);

        /// <summary>Removes "." and empty segments and resolves "..", or returns null when ".." climbs above the start.</summary>
        public static string? Normalise(string path)
        {
            var parts = new List<string>();
            foreach (var seg in path.Replace('\\', '/').Split('/'))
            {
                if (seg.Length == 0 || seg == ".") continue;
                if (seg == "..")
                {
                    if (parts.Count == 0) return null;
                    parts.RemoveAt(parts.Count - 1);
                    continue;
                }
                parts.Add(seg);
            }
            var sb = new StringBuilder();
            for (int i = 0; i < parts.Count; i++) { if (i > 0) sb.Append('/'); sb.Append(parts[i]); }
            return sb.ToString();
        }
    }
}
