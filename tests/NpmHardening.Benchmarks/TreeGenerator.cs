// The tree of the tree-scan benchmark (Invoke-TreeBenchmark.ps1), compiled by that script with Add-Type.
// Plain C# 5 (no newer syntax) so that Windows PowerShell 5.1's Add-Type compiles it too.
//
// Deterministic: one seed gives the same folders, files, contents and planted credentials on every machine and
// runtime (its own SplitMix64, not System.Random, whose seeded sequence is an implementation detail).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NpmHardeningBench
{
    public sealed class PlantedCredential
    {
        /// <summary>Path relative to the tree root, with '/' separators.</summary>
        public string File;
        public int Line;
        /// <summary>The NpmCredentialKind name Test-NpmrcToken should report.</summary>
        public string Kind;
        /// <summary>The config key as written (never the secret).</summary>
        public string Key;
    }

    public sealed class TreeSummary
    {
        public int Folders;
        public int Files;
        public int FoldersInNodeModules;
        public int FilesInNodeModules;
        public int PlantedFiles;
        public int CleanNpmrcOutsideNodeModules;
        public int NpmrcInsideNodeModules;
        public int NameDecoys;
        public int MaxDepth;
        public long Bytes;
        public List<PlantedCredential> Planted = new List<PlantedCredential>();
    }

    public static class TreeGenerator
    {
        private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

        private sealed class Folder
        {
            public string Rel;
            public int Kind; // 0 org, 1 project, 2 source (src/test and below), 3 node_modules, 4 package, 5 package subfolder
            public bool InNodeModules;
            public int Depth;
            public int Project = -1;
            public int Counter;
            public HashSet<string> Names = new HashSet<string>(StringComparer.Ordinal);
        }

        private sealed class Rng
        {
            private ulong _state;
            public Rng(ulong seed) { _state = seed; }
            public ulong Next()
            {
                _state += 0x9E3779B97F4A7C15UL;
                ulong z = _state;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
            public int Below(int n) { return (int)(Next() % (ulong)n); }
            public double Unit() { return (Next() >> 11) * (1.0 / 9007199254740992.0); }
        }

        /// <summary>
        /// Writes the tree under <paramref name="root"/> (which must not exist yet). <paramref name="folders"/>
        /// counts the folders below the root, <paramref name="files"/> every file; <paramref name="planted"/>
        /// .npmrc files with credentials are put where Test-NpmrcToken -Recurse looks (outside node_modules).
        /// </summary>
        public static TreeSummary Generate(string root, int folders, int files, int planted, ulong seed)
        {
            if (folders < 200 || files < folders || planted < 1) throw new ArgumentException("The tree needs at least 200 folders, as many files as folders, and one planted file.");
            var rng = new Rng(seed);
            var all = new List<Folder>(folders);
            var summary = new TreeSummary();

            // Layout: organisations of projects; each project has src/ and test/; source folders nest; about
            // four in ten projects have node_modules with packages that nest lib/dist folders of their own.
            int projectCount = Math.Max(10, folders / 20);
            int orgCount = Math.Max(1, projectCount / 50);
            var projects = new List<Folder>();
            var sources = new List<Folder>();
            var nodeModules = new Dictionary<int, Folder>();
            var packagesByProject = new Dictionary<int, List<Folder>>();
            var nmProjects = new List<int>();
            for (int o = 0; o < orgCount && all.Count < folders; o++)
            {
                var org = Add(all, null, "org-" + o.ToString("D2"), 0, false, -1);
                for (int p = o; p < projectCount && all.Count + 3 <= folders; p += orgCount)
                {
                    var project = Add(all, org, ProjectName(rng, p), 1, false, projects.Count);
                    projects.Add(project);
                    sources.Add(Add(all, project, "src", 2, false, project.Project));
                    sources.Add(Add(all, project, "test", 2, false, project.Project));
                    if (rng.Unit() < 0.4) nmProjects.Add(project.Project);
                }
            }
            if (nmProjects.Count == 0) nmProjects.Add(0);
            while (all.Count < folders)
            {
                if (rng.Unit() < 0.45)
                {
                    int p = nmProjects[rng.Below(nmProjects.Count)];
                    Folder nm;
                    if (!nodeModules.TryGetValue(p, out nm))
                    {
                        nm = Add(all, projects[p], "node_modules", 3, true, p);
                        nodeModules[p] = nm;
                        packagesByProject[p] = new List<Folder>();
                        continue;
                    }
                    var packages = packagesByProject[p];
                    if (packages.Count == 0 || rng.Unit() < 0.55)
                    {
                        var package = Add(all, nm, "pkg-" + packages.Count.ToString("D3"), 4, true, p);
                        packages.Add(package);
                    }
                    else
                    {
                        var under = packages[rng.Below(packages.Count)];
                        if (under.Depth - nm.Depth < 4) packages.Add(Add(all, under, rng.Unit() < 0.5 ? "lib" + under.Counter++ : "dist" + under.Counter++, 5, true, p));
                    }
                }
                else
                {
                    var parent = sources[rng.Below(sources.Count)];
                    if (parent.Depth >= 9) continue;
                    sources.Add(Add(all, parent, "mod-" + (parent.Counter++).ToString("D2"), 2, false, parent.Project));
                }
            }

            Directory.CreateDirectory(root);
            foreach (var f in all) Directory.CreateDirectory(Path.Combine(root, f.Rel));

            int written = 0;
            var outside = new List<Folder>();
            var insidePackages = new List<Folder>();
            foreach (var f in all)
            {
                if (!f.InNodeModules && f.Kind != 0) outside.Add(f);
                if (f.Kind == 4) insidePackages.Add(f);
                if (f.InNodeModules) summary.FoldersInNodeModules++;
                if (f.Depth > summary.MaxDepth) summary.MaxDepth = f.Depth;
            }

            // Planted: four in five at project roots, the rest in nested source folders.
            var plantedAt = new List<Folder>();
            var used = new HashSet<Folder>();
            int atRoots = planted - planted / 5;
            PickDistinct(rng, projects, atRoots, used, plantedAt);
            var nested = sources.FindAll(s => s.Depth >= 3);
            PickDistinct(rng, nested.Count > 0 ? nested : sources, planted - plantedAt.Count, used, plantedAt);
            for (int i = 0; i < plantedAt.Count; i++)
            {
                WritePlanted(root, plantedAt[i], i, rng, summary);
                written++;
            }
            summary.PlantedFiles = plantedAt.Count;

            // .npmrc files without credentials: settings-only ones in other projects, and ones that packages ship
            // inside node_modules (which npm never reads, and -Recurse skips).
            var clean = new List<Folder>();
            PickDistinct(rng, projects, Math.Min(projects.Count - plantedAt.Count, Math.Max(1, planted * 3 / 5)), used, clean);
            foreach (var f in clean)
            {
                WriteFile(root, f, ".npmrc", "; project settings (no credentials)\nsave-exact=true\nengine-strict=true\naudit-level=high\n", summary);
                summary.CleanNpmrcOutsideNodeModules++;
                written++;
            }
            var shipped = new List<Folder>();
            PickDistinct(rng, insidePackages, Math.Min(insidePackages.Count, Math.Max(1, planted * 2 / 5)), used, shipped);
            foreach (var f in shipped)
            {
                WriteFile(root, f, ".npmrc", "package-lock=false\n", summary);
                summary.NpmrcInsideNodeModules++;
                summary.FilesInNodeModules++;
                written++;
            }

            // Decoys by name: files that look like npm config to a careless glob but hold no credential.
            string[] decoyNames = { ".npmrc.example", ".npmrc.bak", "npmrc", ".yarnrc", "npmrc.md" };
            int decoys = Math.Min(planted, files / 100);
            for (int i = 0; i < decoys; i++)
            {
                var f = outside[rng.Below(outside.Count)];
                var name = decoyNames[i % decoyNames.Length];
                if (f.Names.Contains(name)) continue;
                WriteFile(root, f, name, "# template: copy to .npmrc and set NPM_TOKEN in the environment\nregistry=https://registry.npmjs.org/\n", summary);
                summary.NameDecoys++;
                written++;
            }

            // Each project and package has its package.json and entry point; the rest fall anywhere but the
            // organisation folders, as source files, typings, maps, docs and data.
            foreach (var f in all)
            {
                if (written >= files) break;
                if (f.Kind == 1 || f.Kind == 4)
                {
                    WriteFile(root, f, "package.json", "{\n  \"name\": \"" + Path.GetFileName(f.Rel) + "\",\n  \"version\": \"1." + rng.Below(20) + ".0\"\n}\n", summary);
                    written++;
                    if (f.InNodeModules) summary.FilesInNodeModules++;
                }
            }
            var candidates = all.FindAll(f => f.Kind != 0 && f.Kind != 3);
            string[] sourceExt = { ".js", ".ts", ".json", ".mjs", ".css" };
            string[] packageExt = { ".js", ".d.ts", ".js.map", ".cjs", ".json" };
            string[] projectExt = { ".md", ".json", ".yml", ".txt", ".lock" };
            while (written < files)
            {
                var f = candidates[rng.Below(candidates.Count)];
                string[] exts = f.InNodeModules ? packageExt : f.Kind == 1 ? projectExt : sourceExt;
                var name = "file-" + (f.Counter++).ToString("D3") + exts[rng.Below(exts.Length)];
                WriteFile(root, f, name, Filler(rng, name), summary);
                written++;
                if (f.InNodeModules) summary.FilesInNodeModules++;
            }

            summary.Folders = all.Count;
            summary.Files = written;
            return summary;
        }

        private static Folder Add(List<Folder> all, Folder parent, string name, int kind, bool inNodeModules, int project)
        {
            var f = new Folder
            {
                Rel = parent == null ? name : parent.Rel + "/" + name,
                Kind = kind,
                InNodeModules = inNodeModules,
                Depth = parent == null ? 1 : parent.Depth + 1,
                Project = project,
            };
            if (parent != null) parent.Names.Add(name);
            all.Add(f);
            return f;
        }

        private static string ProjectName(Rng rng, int index)
        {
            string[] words = { "web", "api", "ui", "cli", "core", "admin", "docs", "infra", "auth", "billing", "search", "mobile" };
            return words[rng.Below(words.Length)] + "-" + index.ToString("D4");
        }

        private static void PickDistinct(Rng rng, List<Folder> from, int count, HashSet<Folder> used, List<Folder> into)
        {
            int guard = 0;
            int target = into.Count + count;
            while (into.Count < target && guard++ < count * 1000)
            {
                var f = from[rng.Below(from.Count)];
                if (used.Add(f)) into.Add(f);
            }
        }

        private static void WriteFile(string root, Folder folder, string name, string content, TreeSummary summary)
        {
            folder.Names.Add(name);
            var bytes = new UTF8Encoding(false).GetBytes(content);
            File.WriteAllBytes(Path.Combine(Path.Combine(root, folder.Rel), name), bytes);
            summary.Bytes += bytes.Length;
        }

        private static string Filler(Rng rng, string name)
        {
            // Mostly short text with nothing secret in it; one in five is empty, as many real files are.
            int kind = rng.Below(5);
            if (kind == 0) return "";
            var sb = new StringBuilder();
            int lines = 1 + rng.Below(12);
            for (int i = 0; i < lines; i++)
            {
                if (name.EndsWith(".json")) sb.Append("{ \"key").Append(i).Append("\": ").Append(rng.Below(100000)).Append(" }\n");
                else if (name.EndsWith(".md") || name.EndsWith(".txt")) sb.Append("Line ").Append(i).Append(" of the notes, nothing to see here.\n");
                else sb.Append("export const value").Append(i).Append(" = ").Append(rng.Below(100000)).Append(";\n");
            }
            return sb.ToString();
        }

        // One planted .npmrc: registry settings around one to three credentials of the kinds Test-NpmrcToken
        // classifies. Every kind appears (the variant cycles with the file's index) and most are nerf-dart scoped.
        private static void WritePlanted(string root, Folder folder, int index, Rng rng, TreeSummary summary)
        {
            var lines = new List<string>();
            var rel = folder.Rel + "/.npmrc";
            lines.Add("# project npm configuration");
            lines.Add("registry=https://registry.npmjs.org/");
            int count = 1 + index % 3;
            for (int c = 0; c < count; c++)
            {
                int variant = (index + c * 2) % 6;
                switch (variant)
                {
                    case 0:
                        Plant(lines, summary, rel, "//registry.npmjs.org/:_authToken", GranularToken(rng), "GranularToken");
                        break;
                    case 1:
                        lines.Add("@acme:registry=https://npm.acme.example/");
                        Plant(lines, summary, rel, "//npm.acme.example/:_authToken", Uuid(rng), "LegacyUuidToken");
                        break;
                    case 2:
                        Plant(lines, summary, rel, "//npm.pkg.example.com/:_auth", Base64("ci-bot:" + Secret(rng, 20)), "BasicAuth");
                        break;
                    case 3:
                        lines.Add("//registry.example.org/:username=builder");
                        Plant(lines, summary, rel, "//registry.example.org/:_password", Base64(Secret(rng, 24)), "Password");
                        lines.Add("//registry.example.org/:email=builder@example.org");
                        break;
                    case 4:
                        lines.Add("@corp:registry=https://npm.corp.example/npm/");
                        Plant(lines, summary, rel, "//npm.corp.example/npm/:_authToken", GranularToken(rng), "GranularToken");
                        break;
                    default:
                        Plant(lines, summary, rel, "_auth", Base64("deploy:" + Secret(rng, 16)), "BasicAuth");
                        break;
                }
            }
            lines.Add("save-exact=true");
            WriteFile(root, folder, ".npmrc", string.Join("\n", lines.ToArray()) + "\n", summary);
        }

        private static void Plant(List<string> lines, TreeSummary summary, string rel, string key, string value, string kind)
        {
            lines.Add(key + "=" + value);
            summary.Planted.Add(new PlantedCredential { File = rel, Line = lines.Count, Kind = kind, Key = key });
        }

        private static string Secret(Rng rng, int length)
        {
            var sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) sb.Append(Base62[rng.Below(62)]);
            return sb.ToString();
        }

        private static string Base64(string text) { return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)); }

        private static string Uuid(Rng rng)
        {
            const string hex = "0123456789abcdef";
            var sb = new StringBuilder(36);
            for (int i = 0; i < 32; i++)
            {
                if (i == 8 || i == 12 || i == 16 || i == 20) sb.Append('-');
                sb.Append(hex[rng.Below(16)]);
            }
            return sb.ToString();
        }

        /// <summary>npm_ + 30 base62 characters + the base62 CRC32 of those 30 (6 characters), as npm issues them.</summary>
        private static string GranularToken(Rng rng)
        {
            var random = Secret(rng, 30);
            uint crc = 0xFFFFFFFFu;
            foreach (byte b in Encoding.ASCII.GetBytes(random))
            {
                crc ^= b;
                for (int i = 0; i < 8; i++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
            crc ^= 0xFFFFFFFFu;
            var check = new char[6];
            for (int i = 5; i >= 0; i--) { check[i] = Base62[(int)(crc % 62)]; crc /= 62; }
            return "npm_" + random + new string(check);
        }
    }
}
