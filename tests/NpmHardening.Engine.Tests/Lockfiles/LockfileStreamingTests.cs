using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Lockfiles;
using Xunit;

namespace NpmHardening.Engine.Tests.Lockfiles
{
    /// <summary>
    /// LockfileAnalyzer.AnalyzeFile (streams, clears entries on bytes) against the materialising path it replaces in
    /// Test-NpmLockfile (NpmLockfileReader.Read, then Analyze): the same findings in the same order, field for field,
    /// the same problems, and the same exception for bad input.
    /// </summary>
    public sealed class LockfileStreamingTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "npmh-stream-" + Guid.NewGuid().ToString("n").Substring(0, 8));
        private int _files;

        public LockfileStreamingTests() => Directory.CreateDirectory(_dir);

        public void Dispose()
        {
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }

        private const string Good = "sha512-" + "Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy+/==";

        private string Write(string text, string? name = null)
        {
            var folder = Path.Combine(_dir, (_files++).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, name ?? "package-lock.json");
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
            return path;
        }

        /// <summary>One finding as text: every public property, nested ones included.</summary>
        private static string Text(NpmFinding f) => System.Text.Json.JsonSerializer.Serialize(f, f.GetType());

        private static void Configure(NpmLockfileAuditInput input, int settings)
        {
            input.RepositoryRoot = Path.GetDirectoryName(Path.GetDirectoryName(input.Lockfile.Path))!;
            input.AllowedHosts.Add("registry.npmjs.org");
            if ((settings & 1) != 0)
            {
                input.Registry = "https://npm.corp.example/npm/";
                input.AllowedHosts.Add("npm.corp.example");
            }
            if ((settings & 2) != 0)
                input.ScopeRegistries = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase) { ["@corp"] = new[] { "https://npm.corp.example/npm/" } };
            if ((settings & 4) != 0) input.AllowedHosts.Add("Mirror.Example.COM:8443");
            if ((settings & 8) != 0) input.AllowedSchemes.Add("git+ssh");
        }

        /// <summary>Runs both paths over one file and asserts they agree; returns the streaming audit (null when both threw).</summary>
        private static NpmLockfileFileAudit? AssertSame(string path, int settings = 0, NpmLockfileLimits? limits = null)
        {
            var analyzer = new LockfileAnalyzer();
            NpmLockfile? model = null;
            NpmLockfileException? before = null, after = null;
            try { model = NpmLockfileReader.Read(path, limits); }
            catch (NpmLockfileException e) { before = e; }
            var streamed = new NpmLockfileAuditInput(path);
            Configure(streamed, settings);
            NpmLockfileFileAudit? audit = null;
            try { audit = analyzer.AnalyzeFile(streamed, limits); }
            catch (NpmLockfileException e) { after = e; }
            if (before != null)
            {
                Assert.True(after != null, $"{path}: Read threw {before.Kind} ({before.Message}) and AnalyzeFile did not");
                Assert.Equal(before.Kind, after!.Kind);
                Assert.Equal(before.Line, after.Line);
                Assert.Equal(before.Column, after.Column);
                Assert.Equal(before.Message, after.Message);
                return null;
            }
            Assert.True(after == null, $"{path}: AnalyzeFile threw {after?.Kind} ({after?.Message}) and Read did not");
            var materialised = new NpmLockfileAuditInput(model!);
            Configure(materialised, settings);
            var expected = analyzer.Analyze(materialised).Select(Text).ToList();
            var actual = audit!.Findings.Select(Text).ToList();
            Assert.Equal(expected, actual);
            Assert.Equal(model!.Problems.Select(p => p.Kind + "|" + p.Line + "|" + p.Message), audit.Lockfile.Problems.Select(p => p.Kind + "|" + p.Line + "|" + p.Message));
            Assert.Equal(model.Entries.Count, audit.Entries);
            Assert.Equal(model.LockfileVersion, audit.Lockfile.LockfileVersion);
            Assert.Equal(model.LockfileVersionLine, audit.Lockfile.LockfileVersionLine);
            Assert.Equal(model.Name, audit.Lockfile.Name);
            Assert.Equal(model.Version, audit.Lockfile.Version);
            Assert.Equal(model.Length, audit.Lockfile.Length);
            return audit;
        }

        /// <summary>C# twin of the Pester/bench generator New-TestLockfile (LockfileTools.ps1), lockfileVersion 3.</summary>
        internal static string Generated(int count, bool problems, int seed = 15)
        {
            var rnd = new Random(seed);
            var popular = File.ReadAllLines(Path.Combine(RepoRoot(), "src", "NpmHardening.Engine", "Data", "popular-packages.txt"))
                .Where(l => l.Length > 0 && l[0] != '#').ToList();
            string[] words = { "core", "utils", "parser", "plugin", "loader", "config", "cli", "runtime", "types", "helper", "stream", "http", "async", "fs", "path", "color", "string", "array", "object", "events" };
            var names = new List<string>();
            var seen = new HashSet<string>();
            foreach (var p in popular) if (names.Count < Math.Min(count, popular.Count) && seen.Add(p)) names.Add(p);
            while (names.Count < count)
            {
                var n = popular[rnd.Next(popular.Count)] + "-" + words[rnd.Next(words.Length)];
                if (rnd.Next(3) == 0) n += "-" + words[rnd.Next(words.Length)];
                if (seen.Add(n)) names.Add(n);
            }
            const string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            var sb = new StringBuilder("{\n  \"name\": \"generated\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"name\": \"generated\",\n      \"version\": \"1.0.0\"\n    }");
            for (int i = 0; i < count; i++)
            {
                string name = names[i], bare = name.StartsWith("@") ? name.Substring(name.IndexOf('/') + 1) : name;
                string ver = $"{rnd.Next(0, 12)}.{rnd.Next(0, 30)}.{rnd.Next(0, 20)}";
                var hash = new char[86];
                for (int c = 0; c < 86; c++) hash[c] = b64[rnd.Next(64)];
                string key = i > 20 && rnd.Next(6) == 0 ? $"node_modules/{names[rnd.Next(20)]}/node_modules/{name}" : $"node_modules/{name}";
                string resolved = $"https://registry.npmjs.org/{name}/-/{bare}-{ver}.tgz";
                string? integrity = "sha512-" + new string(hash) + "==";
                bool dev = rnd.Next(3) == 0, script = false;
                if (problems && i % 50 >= 40)
                    switch (i % 50)
                    {
                        case 40: resolved = resolved.Replace("https://", "http://"); break;
                        case 41: resolved = resolved.Replace("registry.npmjs.org", "mirror.example.com"); break;
                        case 42: resolved = $"git+ssh://git@github.com/example/{bare}.git#main"; integrity = null; break;
                        case 43: integrity = "sha1-W0Ohj0LDCkH7NBJLfc1Kq1tIQYI="; break;
                        case 44: integrity = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; break;
                        case 45: resolved = $"https://registry.npmjs.org/evil-{bare}/-/evil-{bare}-{ver}.tgz"; break;
                        case 46: integrity = null; break;
                        case 47: script = true; break;
                        case 48: integrity = "sha512-broken"; break;
                        case 49: resolved = $"file:../vendor/{bare}-{ver}.tgz"; break;
                    }
                sb.Append(",\n    \"").Append(key).Append("\": {\n      \"version\": \"").Append(ver).Append("\",\n      \"resolved\": \"").Append(resolved).Append('"');
                if (integrity != null) sb.Append(",\n      \"integrity\": \"").Append(integrity).Append('"');
                if (dev) sb.Append(",\n      \"dev\": true");
                if (script) sb.Append(",\n      \"hasInstallScript\": true");
                sb.Append(",\n      \"license\": \"MIT\"");
                int deps = rnd.Next(0, 4);
                if (deps > 0)
                    sb.Append(",\n      \"dependencies\": {").Append(string.Join(",", Enumerable.Range(0, deps).Select(_ => names[rnd.Next(count)]).Distinct().Select(d => $"\n        \"{d}\": \"^1.0.0\""))).Append("\n      }");
                sb.Append(",\n      \"engines\": {\n        \"node\": \">=14\"\n      }\n    }");
            }
            return sb.Append("\n  }\n}\n").ToString();
        }

        private static string RepoRoot()
        {
            for (var dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
                if (File.Exists(Path.Combine(dir, "build.ps1"))) return dir;
            throw new InvalidOperationException("The repository root (build.ps1) is not above " + AppContext.BaseDirectory);
        }

        [Theory]
        [InlineData(false, 0)]
        [InlineData(true, 0)]
        [InlineData(true, 15)]
        public void The_generated_10000_package_fixture_gives_the_same_findings_both_ways(bool problems, int settings)
        {
            var path = Write(Generated(10000, problems));
            var audit = AssertSame(path, settings)!;
            Assert.True(audit.Streamed);
            Assert.Equal(10001, audit.Entries);
            // the fixture's findings are not all of one kind: the comparison covers every rule the generator injects
            if (problems) Assert.True(audit.Findings.Select(f => f.RuleId).Distinct().Count() >= 9, string.Join(",", audit.Findings.Select(f => f.RuleId).Distinct()));
            else Assert.NotEmpty(audit.Findings);   // typosquat warnings of generated compound names
        }

        [Fact]
        public void Streaming_the_generated_fixture_allocates_a_small_fraction_of_the_file()
        {
            var text = Generated(10000, problems: false);
            var path = Write(text);
            var analyzer = new LockfileAnalyzer();
            void Run()
            {
                var input = new NpmLockfileAuditInput(path);
                input.AllowedHosts.Add("registry.npmjs.org");
                analyzer.AnalyzeFile(input);
            }
            Run();   // the typosquat index, the rule catalog and the per-thread scratch exist from here on
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long size = new FileInfo(path).Length;
            // the materialising path allocated about 8.7 times the file (38.8 MB for 4.4 MB); the bound is a tenth of the file
            Assert.True(allocated < size / 10, $"AnalyzeFile allocated {allocated:N0} bytes for a {size:N0}-byte lockfile");
        }

        [Fact]
        public void Hand_made_edge_entries_give_the_same_findings_both_ways()
        {
            string E(string key, string fields) => $"\"{key}\": {{ {fields} }}";
            var entries = new[]
            {
                E("node_modules/left-pad", $"\"version\": \"1.3.0\", \"resolved\": \"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz\", \"integrity\": \"{Good}\""),
                // alias: the name field names the tarball's package
                E("node_modules/@swc/legacy-helpers", $"\"name\": \"@swc/helpers\", \"version\": \"0.5.1\", \"resolved\": \"https://registry.npmjs.org/@swc/helpers/-/helpers-0.5.1.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/ALIAS", $"\"name\": \"lodash\", \"version\": \"4.17.21\", \"resolved\": \"https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/a", $"\"resolved\": \"https://Registry.npmjs.org/a/-/a-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/b", $"\"resolved\": \"https://u:npm_abcdefghijklmnopqrstuvwxyz0123456789@registry.npmjs.org/b/-/b-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/c", $"\"resolved\": \"https://registry.npmjs.org:443/c/-/c-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/d", $"\"resolved\": \"https://mirror.example.com:8443/d/-/d-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/e", $"\"resolved\": \"https://registry.npmjs.org/e/-/e-1.0.0.tgz?token=secret\", \"integrity\": \"{Good}\""),
                E("node_modules/f", $"\"resolved\": \"https:\\/\\/registry.npmjs.org\\/f\\/-\\/f-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/g", $"\"resolved\": \"https://registry.npmjs.org\", \"integrity\": \"{Good}\""),
                E("node_modules/h", $"\"resolved\": \"https://registry.npmjs.org?x/h/\", \"integrity\": \"{Good}\""),
                E("node_modules/café", $"\"resolved\": \"https://registry.npmjs.org/caf\\u00e9/-/x.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/i", $"\"resolved\": \"https://registry.npmjs.org/i/-/i-1.0.0.tgz\", \"integrity\": \" {Good}\""),
                E("node_modules/j", $"\"resolved\": \"https://registry.npmjs.org/j/-/j-1.0.0.tgz\", \"integrity\": \"{Good} sha1-W0Ohj0LDCkH7NBJLfc1Kq1tIQYI=\""),
                E("node_modules/k", "\"resolved\": \"https://registry.npmjs.org/k/-/k-1.0.0.tgz\", \"integrity\": \"\""),
                E("node_modules/l", "\"resolved\": \"https://registry.npmjs.org/l/-/l-1.0.0.tgz\", \"inBundle\": true"),
                E("node_modules/m", "\"resolved\": \"https://registry.npmjs.org/m/-/m-1.0.0.tgz\""),
                E("node_modules/@corp/n", $"\"resolved\": \"https://registry.npmjs.org/@corp/n/-/n-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/@CORP/o", $"\"resolved\": \"https://registry.npmjs.org/@CORP/o/-/o-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/@corp/p", $"\"resolved\": \"https://npm.corp.example/npm/@corp/p/-/p-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/q", $"\"resolved\": \"https://npm.corp.example/npm/q/-/q-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/r", $"\"resolved\": \"https://npm.corp.example/npm/other/-/r-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/lodahs", $"\"resolved\": \"https://registry.npmjs.org/lodahs/-/lodahs-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/@tpyes/node", $"\"resolved\": \"https://registry.npmjs.org/@tpyes/node/-/node-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/s", $"\"resolved\": \"https://registry.npmjs.org/s/-/s-1.0.0.tgz\", \"integrity\": \"{Good}\", \"hasInstallScript\": true"),
                E("node_modules/t", "\"resolved\": \"git+ssh://git@github.com/a/t.git#0123456789abcdef0123456789abcdef01234567\""),
                E("node_modules/u", "\"resolved\": \"github:a/u#main\""),
                E("node_modules/v", "\"resolved\": \"../outside\", \"link\": true"),
                E("node_modules/w", "\"resolved\": \"packages/w\", \"link\": true"),
                E("packages/w", "\"name\": \"w\", \"version\": \"1.0.0\""),
                E("node_modules/x/node_modules/y", $"\"resolved\": \"https://registry.npmjs.org/y/-/y-1.0.0.tgz\", \"integrity\": \"{Good}\", \"dev\": true, \"devOptional\": true"),
                E("xnode_modules/z", $"\"resolved\": \"https://registry.npmjs.org/z/-/z-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/", $"\"resolved\": \"https://registry.npmjs.org//-/x.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/aa", $"\"resolved\": \"http://registry.npmjs.org/aa/-/aa-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/bb", $"\"resolved\": \"HTTPS://registry.npmjs.org/bb/-/bb-1.0.0.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/cc", $"\"resolved\": \"https://registry.npmjs.org\\\\cc/-/cc.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/dd", $"\"resolved\": \"file:../dd.tgz\", \"integrity\": \"{Good}\""),
                E("node_modules/ee", $"\"integrity\": \"{Good}\""),
                E("node_modules/ff", "\"integrity\": \"sha512-broken\""),
                E("node_modules/gg", $"\"resolved\": \"https://registry.npmjs.org/gg/-/gg.tgz\", \"integrity\": \"{Good}\", \"bundled\": true, \"requires\": {{ \"a\": \"1\" }}"),
            };
            var text = "{\n\"lockfileVersion\": 3,\n\"packages\": {\n\"\": { \"name\": \"root\" },\n" + string.Join(",\n", entries) + "\n}\n}";
            foreach (var settings in new[] { 0, 1, 2, 3, 4, 7, 15 })
                Assert.True(AssertSame(Write(text), settings)!.Streamed);
        }

        [Fact]
        public void Files_that_need_the_full_model_fall_back_to_it_with_the_same_findings_and_problems()
        {
            string entry(string key) => $"\"{key}\": {{ \"resolved\": \"http://registry.npmjs.org/x/-/x.tgz\" }}";
            // a duplicate package key: the later entry replaces the earlier one in place, and the problem is reported
            var dupKey = AssertSame(Write("{\"lockfileVersion\": 3, \"packages\": {" + entry("node_modules/a") + "," + entry("node_modules/b") + "," +
                "\"node_modules/a\": { \"resolved\": \"https://registry.npmjs.org/a/-/a.tgz\" } } }"))!;
            Assert.False(dupKey.Streamed);
            Assert.Single(dupKey.Lockfile.Problems);
            var dupField = AssertSame(Write("{\"lockfileVersion\": 3, \"packages\": { \"node_modules/a\": { \"resolved\": \"http://x/a.tgz\", \"resolved\": \"https://registry.npmjs.org/a/-/a.tgz\" } } }"))!;
            Assert.False(dupField.Streamed);
            var dupTop = AssertSame(Write("{\"lockfileVersion\": 3, \"packages\": {" + entry("node_modules/a") + "}, \"packages\": {" + entry("node_modules/b") + "} }"))!;
            Assert.False(dupTop.Streamed);
            var v1 = AssertSame(Write("{\"lockfileVersion\": 1, \"dependencies\": { \"a\": { \"version\": \"1.0.0\", \"resolved\": \"http://registry.npmjs.org/a/-/a-1.0.0.tgz\", \"dependencies\": { \"b\": { \"version\": \"npm:c@2.0.0\" } } } } }"))!;
            Assert.False(v1.Streamed);
            Assert.Equal(NpmHardening.Engine.Analyzers.LockfileAnalyzer.OutdatedVersion, v1.Findings[0].RuleId);
        }

        [Fact]
        public void Header_orders_that_stream_give_the_same_findings()
        {
            var e = "\"node_modules/a\": { \"resolved\": \"http://registry.npmjs.org/a/-/a.tgz\" }";
            // no lockfileVersion: outdated, and that finding comes first although it is known only at the end
            Assert.True(AssertSame(Write("{\"packages\": {" + e + "} }"))!.Streamed);
            Assert.True(AssertSame(Write("{\"packages\": {" + e + "}, \"lockfileVersion\": 1 }"))!.Streamed);
            // v2: the v1 copy after (or before) the packages section is not read
            Assert.True(AssertSame(Write("{\"lockfileVersion\": 2, \"packages\": {" + e + "}, \"dependencies\": { \"a\": { \"version\": \"1\" } } }"))!.Streamed);
            Assert.True(AssertSame(Write("{\"lockfileVersion\": 2, \"dependencies\": { \"a\": { \"version\": \"1\" } }, \"packages\": {" + e + "} }"))!.Streamed);
            Assert.True(AssertSame(Write("{\"lockfileVersion\": 3 }"))!.Streamed);
        }

        [Fact]
        public void Bad_input_throws_the_same_error_at_the_same_place()
        {
            var valid = "{\n\"lockfileVersion\": 3,\n\"packages\": {\n\"\": {},\n\"node_modules/a\": { \"version\": \"1.0.0\", \"resolved\": \"https://registry.npmjs.org/a/-/a-1.0.0.tgz\", \"integrity\": \"" + Good + "\", \"dependencies\": { \"b\": \"1\" } }\n}\n}\n";
            var cases = new List<string>
            {
                "",
                "[]",
                "{\"name\": \"x\"}",
                "{\"lockfileVersion\": \"3\"}",
                "{\"lockfileVersion\": 3, \"packages\": []}",
                "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": []}}",
                "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"resolved\": 1}}}",
                "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"name\": null}}}",
                "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"dev\": \"yes\"}}}",
                "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"dependencies\": [\"b\"]}}}",
                "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/npm_abcdefghijklmnopqrstuvwxyz0123456789\": 1}}",
                "{\"lockfileVersion\": 3, \"packages\": {}} {}",
                "{\"lockfileVersion\": 3, \"packages\": {\n<<<<<<< HEAD\n\"node_modules/a\": {}\n=======\n\"node_modules/b\": {}\n>>>>>>> x\n}}",
                "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": " + new string('[', 300) + new string(']', 300) + "}}",
                "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"engines\": " + new string('[', 300) + new string(']', 300) + "}}}",
            };
            // every prefix of a valid file: truncated at each kind of token
            for (int cut = 1; cut < valid.Length; cut += 7) cases.Add(valid.Substring(0, cut));
            foreach (var text in cases) AssertSame(Write(text));
            // the size limit, with the same message
            var path = Write(valid);
            Assert.Null(AssertSame(path, limits: new NpmLockfileLimits { MaxBytes = 100 }));
            Assert.Null(AssertSame(Write("{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"x\": " + new string('[', 40) + new string(']', 40) + "}}}"), limits: new NpmLockfileLimits { MaxDepth = 20 }));
        }

        [Fact]
        public void Random_lockfiles_and_random_damage_give_the_same_result_both_ways()
        {
            // entries assembled from field variants the screen must clear or pass on, then a random edit of the text;
            // each file is judged under one of the settings (registry, scope map, hosts, schemes)
            string[] keys = { "node_modules/{0}", "node_modules/x/node_modules/{0}", "packages/{0}", "xnode_modules/{0}", "", "node_modules/" };
            string[] names = { "lodash", "lodahs", "react-utils", "@types/node", "@tpyes/node", "@corp/lib", "café", "Lodash", "ms", "expresss", "a" };
            string[] resolved =
            {
                null!, "https://registry.npmjs.org/{0}/-/x-1.0.0.tgz", "https://registry.npmjs.org/{1}/-/x-1.0.0.tgz", "http://registry.npmjs.org/{0}/-/x.tgz",
                "https://REGISTRY.npmjs.org/{0}/-/x.tgz", "https://u:p@registry.npmjs.org/{0}/-/x.tgz", "https://registry.npmjs.org:443/{0}/-/x.tgz",
                "https://mirror.example.com:8443/{0}/-/x.tgz", "https://npm.corp.example/npm/{0}/-/x.tgz", "https://npm.corp.example/{0}/-/x.tgz",
                "git+ssh://git@github.com/a/b.git#0123456789abcdef0123456789abcdef01234567", "github:a/b#main", "file:../x.tgz", "../outside",
                "https://registry.npmjs.org/{0}?t=1", "https://registry.yarnpkg.com/{0}/-/x.tgz", "https:\\/\\/registry.npmjs.org\\/{0}\\/-\\/x.tgz",
            };
            string[] integrity = { null!, Good, "sha1-W0Ohj0LDCkH7NBJLfc1Kq1tIQYI=", "sha512-broken", Good + " sha1-W0Ohj0LDCkH7NBJLfc1Kq1tIQYI=", " " + Good, "" };
            string[] extras = { "", ", \"dev\": true", ", \"inBundle\": true", ", \"link\": true", ", \"hasInstallScript\": true", ", \"license\": \"MIT\", \"engines\": {\"node\": \">=1\"}", ", \"bundled\": true" };
            var entryGen = Gen.Select(Gen.Int[0, keys.Length - 1], Gen.Int[0, names.Length - 1], Gen.Int[0, names.Length], Gen.Int[0, resolved.Length - 1], Gen.Int[0, integrity.Length - 1], Gen.Int[0, extras.Length - 1])
                .Select((k, n, alias, r, i, x) =>
                {
                    string name = names[n], other = alias < names.Length ? names[alias] : name;
                    var fields = new List<string>();
                    if (alias < names.Length && alias != n) fields.Add($"\"name\": \"{other}\"");
                    fields.Add("\"version\": \"1.0.0\"");
                    if (resolved[r] != null) fields.Add($"\"resolved\": \"{string.Format(resolved[r], name, other)}\"");
                    if (integrity[i] != null) fields.Add($"\"integrity\": \"{integrity[i]}\"");
                    return $"\"{string.Format(keys[k], name)}\": {{ {string.Join(", ", fields)}{extras[x]} }}";
                });
            Gen.Select(entryGen.Array[1, 8], Gen.Int[0, 15], Gen.Int[0, 3], Gen.Int[0, 10000], Gen.Char["{}[]\",:0123456789tfn\\ \n/"])
                .Sample((entries, settings, damage, at, c) =>
                {
                    var text = "{\n\"lockfileVersion\": 3,\n\"packages\": {\n" + string.Join(",\n", entries) + "\n}\n}\n";
                    int where = at % text.Length;
                    text = damage switch
                    {
                        1 => text.Remove(where, 1),
                        2 => text.Insert(where, c.ToString()),
                        _ => text,
                    };
                    AssertSame(Write(text), settings);
                }, iter: 400);
        }
    }
}
