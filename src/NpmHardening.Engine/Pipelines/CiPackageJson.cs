using System;
using System.Collections.Generic;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// What the pipeline analysis needs from a repository's package.json: the scripts that <c>npm run</c>, <c>pnpm</c>
    /// and <c>yarn</c> run, the workspaces they can reach, and what decides where and how a publish goes
    /// (<c>private</c>, <c>publishConfig.registry</c>, <c>publishConfig.provenance</c>).
    /// </summary>
    internal sealed class CiPackageJson
    {
        private CiPackageJson(string folder, string file)
        {
            Folder = folder; File = file;
        }

        /// <summary>The folder holding it, relative to the repository root ("" for the root).</summary>
        public string Folder { get; }
        /// <summary>The file's relative path ('/' separators).</summary>
        public string File { get; }
        public string? Name { get; private set; }
        /// <summary><c>"private": true</c>: npm refuses to publish it.</summary>
        public bool Private { get; private set; }
        /// <summary>Script name → command line, ordinal keys, in file order.</summary>
        public IReadOnlyDictionary<string, string> Scripts { get; private set; } = new Dictionary<string, string>(StringComparer.Ordinal);
        /// <summary>Workspace patterns (<c>workspaces</c> as a list, or <c>workspaces.packages</c>).</summary>
        public IReadOnlyList<string> Workspaces { get; private set; } = Array.Empty<string>();
        public string? PublishRegistry { get; private set; }
        /// <summary><c>publishConfig.provenance</c>, or null when not set.</summary>
        public bool? PublishProvenance { get; private set; }
        /// <summary>The <c>release</c> key (semantic-release's configuration) as parsed JSON, or null.</summary>
        public object? ReleaseConfig { get; private set; }
        /// <summary>Names in dependencies and devDependencies (a semantic-release or changesets set-up shows here).</summary>
        public IReadOnlyCollection<string> DependencyNames { get; private set; } = Array.Empty<string>();

        /// <summary>Null when <paramref name="text"/> is not a JSON object.</summary>
        public static CiPackageJson? Parse(string folder, string file, string text)
        {
            if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
            if (!JsJson.TryParse(text, out var value) || !(value is JsObject root)) return null;
            var package = new CiPackageJson(folder, file)
            {
                Name = root["name"] as string,
                Private = root["private"] is bool p && p,
            };
            if (root["scripts"] is JsObject scripts)
            {
                var map = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var key in scripts.Keys)
                    if (scripts[key] is string command) map[key] = command;
                package.Scripts = map;
            }
            var workspaces = root["workspaces"];
            if (workspaces is JsObject w) workspaces = w["packages"];
            if (workspaces is List<object?> list)
            {
                var patterns = new List<string>();
                foreach (var item in list) if (item is string s) patterns.Add(s);
                package.Workspaces = patterns;
            }
            if (root["publishConfig"] is JsObject publish)
            {
                package.PublishRegistry = publish["registry"] as string;
                package.PublishProvenance = publish["provenance"] is bool b ? b : (bool?)null;
            }
            if (root.ContainsKey("release")) package.ReleaseConfig = root["release"];
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var section in new[] { "dependencies", "devDependencies" })
                if (root[section] is JsObject deps) foreach (var key in deps.Keys) names.Add(key);
            package.DependencyNames = names;
            return package;
        }
    }
}
