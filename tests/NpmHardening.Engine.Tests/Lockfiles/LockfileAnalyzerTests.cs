using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Lockfiles;
using NpmHardening.Engine.Rules;
using Xunit;

namespace NpmHardening.Engine.Tests.Lockfiles
{
    public class LockfileAnalyzerTests
    {
        private const string Sha512 = "sha512-" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
        private const string Sha1 = "sha1-W0Ohj0LDCkH7NBJLfc1Kq1tIQYI=";
        private const string Sha256 = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

        private static string Entry(string key, string version, string? resolved, string? integrity = Sha512, string extra = "") =>
            $"\"{key}\": {{ \"version\": \"{version}\"" + (resolved != null ? $", \"resolved\": \"{resolved}\"" : "") +
            (integrity != null ? $", \"integrity\": \"{integrity}\"" : "") + extra + " }";

        private static string Npm(string name, string version) =>
            $"https://registry.npmjs.org/{name}/-/{(name.Contains('/') ? name.Substring(name.IndexOf('/') + 1) : name)}-{version}.tgz";

        internal static NpmLockfile Lockfile(int version, params string[] entries) =>
            LockfileReaderTests.Parse("{\n\"lockfileVersion\": " + version + ",\n\"packages\": {\n\"\": {},\n" + string.Join(",\n", entries) + "\n}\n}");

        private static List<NpmLockfileFinding> Run(NpmLockfile lf, Action<NpmLockfileAuditInput>? setup = null)
        {
            var input = new NpmLockfileAuditInput(lf) { RepositoryRoot = "/repo" };
            input.AllowedHosts.Add("registry.npmjs.org");
            setup?.Invoke(input);
            var analyzer = new LockfileAnalyzer();
            var findings = analyzer.Analyze(input).Cast<NpmLockfileFinding>().ToList();
            foreach (var f in findings)
            {
                Assert.Contains(f.RuleId, analyzer.RuleIds);
                var rule = RuleCatalog.Default[f.RuleId];
                Assert.Equal(rule.Title, f.Title);
                if (f.SeverityReason == null) Assert.Equal(rule.Severity, f.Severity);
                Assert.Equal("/repo/package-lock.json", f.Location!.Path);
                Assert.NotEmpty(f.FactId);
            }
            return findings;
        }

        private static string[] Ids(IEnumerable<NpmLockfileFinding> fs, string key) => fs.Where(f => f.PackagePath == key).Select(f => f.RuleId).OrderBy(x => x).ToArray();

        [Fact]
        public void A_clean_registry_lockfile_has_no_findings()
        {
            var lf = Lockfile(3, Entry("node_modules/left-pad", "1.3.0", Npm("left-pad", "1.3.0")), Entry("node_modules/@types/node", "20.1.0", Npm("@types/node", "20.1.0")),
                "\"node_modules/web\": { \"resolved\": \"packages/web\", \"link\": true }", "\"packages/web\": { \"name\": \"web\" }");
            Assert.Empty(Run(lf));
        }

        [Fact]
        public void Hosts_schemes_and_git_pins_are_judged_per_entry_with_the_entry_s_line()
        {
            var lf = Lockfile(3,
                Entry("node_modules/a", "1.0.0", "https://mirror.example.com/a/-/a-1.0.0.tgz"),
                Entry("node_modules/b", "1.0.0", "http://registry.npmjs.org/b/-/b-1.0.0.tgz"),
                Entry("node_modules/c", "1.0.0", "git+ssh://git@github.com/o/c.git#0123456789abcdef0123456789abcdef01234567", null),
                Entry("node_modules/d", "1.0.0", "git+https://github.com/o/d.git#v1.0.0", null),
                Entry("node_modules/e", "1.0.0", "file:../e.tgz", Sha512));
            var fs = Run(lf);
            Assert.Equal(new[] { "NPMH15001" }, Ids(fs, "node_modules/a"));
            Assert.Equal(5, fs.Single(f => f.PackagePath == "node_modules/a").Location!.Line);
            Assert.Equal(new[] { "NPMH15002" }, Ids(fs, "node_modules/b"));
            Assert.Equal(new[] { "NPMH15001", "NPMH15003" }, Ids(fs, "node_modules/c"));
            Assert.Equal(new[] { "NPMH15001", "NPMH15003", "NPMH15009" }, Ids(fs, "node_modules/d"));
            Assert.Equal(new[] { "NPMH15003" }, Ids(fs, "node_modules/e"));

            var allowed = Run(lf, i => { i.AllowedHosts.Add("mirror.example.com"); i.AllowedHosts.Add("github.com"); i.AllowedSchemes.Add("git+ssh"); i.AllowedSchemes.Add("http"); });
            Assert.Empty(Ids(allowed, "node_modules/a"));
            Assert.Empty(Ids(allowed, "node_modules/b"));
            Assert.Empty(Ids(allowed, "node_modules/c"));
            Assert.Equal(new[] { "NPMH15003", "NPMH15009" }, Ids(allowed, "node_modules/d"));
        }

        [Fact]
        public void Integrity_is_missing_sha1_only_weak_first_or_malformed()
        {
            var lf = Lockfile(3,
                Entry("node_modules/a", "1.0.0", Npm("a", "1.0.0"), null),
                Entry("node_modules/b", "1.0.0", Npm("b", "1.0.0"), Sha1),
                Entry("node_modules/c", "1.0.0", Npm("c", "1.0.0"), Sha256),
                Entry("node_modules/d", "1.0.0", Npm("d", "1.0.0"), Sha1 + " " + Sha512),
                Entry("node_modules/e", "1.0.0", Npm("e", "1.0.0"), "sha512-tooshort"),
                Entry("node_modules/f", "1.0.0", Npm("f", "1.0.0"), "md5-AAAAAAAAAAAAAAAAAAAAAA=="),
                Entry("node_modules/g", "1.0.0", Npm("g", "1.0.0"), ""),
                Entry("node_modules/h", "1.0.0", Npm("h", "1.0.0"), Sha512 + " " + Sha1),
                Entry("node_modules/i", "1.0.0", Npm("i", "1.0.0"), null, ", \"inBundle\": true"));
            var fs = Run(lf);
            Assert.Equal(new[] { "NPMH15004" }, Ids(fs, "node_modules/a"));
            Assert.Equal(new[] { "NPMH15005" }, Ids(fs, "node_modules/b"));
            Assert.Equal(new[] { "NPMH15006" }, Ids(fs, "node_modules/c"));
            Assert.Equal(new[] { "NPMH15006" }, Ids(fs, "node_modules/d"));
            Assert.Equal(new[] { "NPMH15007" }, Ids(fs, "node_modules/e"));
            Assert.Equal(new[] { "NPMH15007" }, Ids(fs, "node_modules/f"));
            Assert.Equal(new[] { "NPMH15007" }, Ids(fs, "node_modules/g"));
            Assert.Empty(Ids(fs, "node_modules/h"));
            Assert.Empty(Ids(fs, "node_modules/i"));
        }

        [Fact]
        public void A_tarball_of_another_package_is_a_name_mismatch_and_a_declared_alias_is_low()
        {
            var lf = Lockfile(3,
                Entry("node_modules/react", "1.0.0", Npm("evil-react", "1.0.0")),
                Entry("node_modules/x", "4.17.21", Npm("lodash", "4.17.21"), Sha512, ", \"name\": \"lodash\""),
                Entry("node_modules/@corp/ui", "1.0.0", "https://npm.corp.example/api/npm/@corp/other/-/other-1.0.0.tgz"),
                Entry("node_modules/ok", "1.0.0", "https://npm.corp.example/api/npm/ok/-/ok-1.0.0.tgz"));
            var fs = Run(lf, i => { i.Registry = "https://npm.corp.example/api/npm/"; i.AllowedHosts.Add("npm.corp.example"); });
            var swap = fs.Single(f => f.PackagePath == "node_modules/react");
            Assert.Equal("NPMH15008", swap.RuleId);
            Assert.Equal(NpmFindingStatus.Fail, swap.Status);
            Assert.Equal(NpmSeverity.High, swap.Severity);
            Assert.Contains("evil-react", swap.Message);
            var alias = fs.Single(f => f.PackagePath == "node_modules/x");
            Assert.Equal(NpmSeverity.Low, alias.Severity);
            Assert.NotNull(alias.SeverityReason);
            Assert.Equal("lodash", alias.Package);
            Assert.Equal(new[] { "NPMH15008" }, Ids(fs, "node_modules/@corp/ui"));
            Assert.Empty(Ids(fs, "node_modules/ok"));
        }

        [Fact]
        public void A_scoped_package_from_another_registry_than_its_scope_s_is_dependency_confusion()
        {
            var lf = Lockfile(3,
                Entry("node_modules/@corp/auth", "9.9.9", Npm("@corp/auth", "9.9.9")),
                Entry("node_modules/@corp/ui", "1.0.0", "https://npm.corp.example/@corp/ui/-/ui-1.0.0.tgz"),
                Entry("node_modules/@other/x", "1.0.0", Npm("@other/x", "1.0.0")));
            var fs = Run(lf, i =>
            {
                i.ScopeRegistries = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase) { ["@corp"] = new[] { "https://npm.corp.example/" } };
                i.AllowedHosts.Add("npm.corp.example");
            });
            var confusion = Assert.Single(fs);
            Assert.Equal("NPMH15014", confusion.RuleId);
            Assert.Equal("node_modules/@corp/auth", confusion.PackagePath);
            Assert.Contains("public registry", confusion.Message);
        }

        [Fact]
        public void A_registry_url_without_the_package_path_is_a_name_mismatch_not_a_crash()
        {
            var lf = Lockfile(3, Entry("node_modules/a", "1.0.0", "https://registry.npmjs.org"), Entry("node_modules/b", "1.0.0", "https://registry.npmjs.org?x"),
                Entry("node_modules/c", "1.0.0", "https://user:pass@registry.npmjs.org/d/-/d-1.0.0.tgz"));
            var findings = Run(lf);
            Assert.Equal(new[] { LockfileAnalyzer.NameMismatch }, Ids(findings, "node_modules/a"));
            Assert.Equal(new[] { LockfileAnalyzer.NameMismatch }, Ids(findings, "node_modules/b"));
            var c = Assert.Single(findings, f => f.PackagePath == "node_modules/c");
            Assert.Contains("a tarball of d (https://***@registry.npmjs.org/d/-/d-1.0.0.tgz)", c.Message);
        }

        [Fact]
        public void Install_scripts_are_listed_and_flagged_unless_allow_scripts_approves_them()
        {
            const string script = ", \"hasInstallScript\": true";
            var lf = Lockfile(3,
                Entry("node_modules/esbuild", "0.20.0", Npm("esbuild", "0.20.0"), Sha512, script),
                Entry("node_modules/sharp", "0.33.0", Npm("sharp", "0.33.0"), Sha512, script),
                Entry("node_modules/core-js", "3.0.0", Npm("core-js", "3.0.0"), Sha512, script),
                Entry("node_modules/canvas", "2.0.0", Npm("canvas", "2.0.0"), Sha512, script));
            var policy = new AllowScriptsPolicy("/repo/package.json", new Dictionary<string, bool> { ["esbuild"] = true, ["sharp@0.33.0"] = true, ["core-js"] = false, ["canvas@^2"] = true });
            var fs = Run(lf, i => i.AllowScripts = policy);
            Assert.Equal(new[] { "NPMH15011" }, Ids(fs, "node_modules/esbuild"));
            Assert.Equal(new[] { "NPMH15011" }, Ids(fs, "node_modules/sharp"));
            Assert.Equal(new[] { "NPMH15011" }, Ids(fs, "node_modules/core-js"));
            Assert.Equal(new[] { "NPMH15011", "NPMH15012" }, Ids(fs, "node_modules/canvas"));
            Assert.Equal("npm approve-scripts canvas", fs.Single(f => f.RuleId == "NPMH15012").Remediation!.NpmCommand);
            Assert.All(fs.Where(f => f.RuleId == "NPMH15011"), f => Assert.Equal(NpmSeverity.Info, f.Severity));
            Assert.Equal(4, Run(lf).Count(f => f.RuleId == "NPMH15012"));
        }

        [Fact]
        public void A_link_outside_the_repository_is_flagged_and_one_inside_is_not()
        {
            var lf = Lockfile(3,
                "\"node_modules/in\": { \"resolved\": \"packages/in\", \"link\": true }",
                "\"node_modules/up\": { \"resolved\": \"../elsewhere\", \"link\": true }",
                "\"node_modules/abs\": { \"resolved\": \"/etc\", \"link\": true }",
                "\"node_modules/sneaky\": { \"resolved\": \"packages/../../x\", \"link\": true }");
            var fs = Run(lf);
            Assert.Equal(new[] { "node_modules/abs", "node_modules/sneaky", "node_modules/up" }, fs.Where(f => f.RuleId == "NPMH15010").Select(f => f.PackagePath).OrderBy(x => x, StringComparer.Ordinal));
        }

        [Fact]
        public void A_v1_lockfile_is_outdated_and_its_entries_are_judged_like_v3()
        {
            var lf = LockfileReaderTests.Parse("{\n\"lockfileVersion\": 1,\n\"dependencies\": {\n\"a\": { \"version\": \"1.0.0\", \"resolved\": \"http://registry.npmjs.org/a/-/a-1.0.0.tgz\", \"integrity\": \"" + Sha1 + "\" }\n}\n}");
            var fs = Run(lf);
            var outdated = fs.Single(f => f.RuleId == "NPMH15015");
            Assert.Equal(2, outdated.Location!.Line);
            Assert.Equal(new[] { "NPMH15002", "NPMH15005" }, Ids(fs, "node_modules/a"));
        }

        [Fact]
        public void Secrets_in_a_resolved_url_never_reach_a_finding()
        {
            var lf = Lockfile(3, Entry("node_modules/a", "1.0.0", "https://bob:npm_SECRETSECRETSECRETSECRETSECRET1234@mirror.example.com/a/-/a-1.0.0.tgz?_authToken=TOPSECRET", null));
            var fs = Run(lf);
            Assert.NotEmpty(fs);
            foreach (var f in fs)
            {
                var text = System.Text.Json.JsonSerializer.Serialize(f) + f;
                Assert.DoesNotContain("SECRET", text);
                Assert.DoesNotContain("bob", text);
            }
        }

        [Theory]
        [InlineData("lodahs", "lodash")]
        [InlineData("loadsh", "lodash")]
        [InlineData("expresss", "express")]
        [InlineData("exprss", "express")]
        [InlineData("cross-env.js", null)]
        [InlineData("crossenv", "cross-env")]
        [InlineData("reqeusts", null)]
        [InlineData("@tpyes/node", "@types/node")]
        [InlineData("@types/nodee", null)]
        [InlineData("lodash", null)]
        [InlineData("ms", null)]
        [InlineData("zzzzzzzzzzzz", null)]
        public void Typosquat_candidates_are_one_or_two_edits_from_a_popular_name_and_scope_aware(string name, string? expected)
        {
            Assert.True(TyposquatIndex.Default.Count >= 2000);
            Assert.Equal(expected, TyposquatIndex.Default.Match(name));
        }

        [Fact]
        public void The_typosquat_index_finds_exactly_what_a_brute_force_scan_finds()
        {
            var popular = new[] { "express", "lodash", "typescript", "webpack-cli", "react-dom", "abc", "@types/node", "@babel/core" };
            var index = new TyposquatIndex(popular);
            var rnd = new Random(15);
            const string alphabet = "abcdeilnoprstwx-.";
            for (int n = 0; n < 20000; n++)
            {
                var target = popular[rnd.Next(popular.Length)];
                if (target.StartsWith("@")) continue;
                var chars = target.ToList();
                int edits = rnd.Next(0, 4);
                for (int e = 0; e < edits && chars.Count > 1; e++)
                {
                    int at = rnd.Next(chars.Count);
                    switch (rnd.Next(4))
                    {
                        case 0: chars.RemoveAt(at); break;
                        case 1: chars.Insert(at, alphabet[rnd.Next(alphabet.Length)]); break;
                        case 2: chars[at] = alphabet[rnd.Next(alphabet.Length)]; break;
                        default: if (at + 1 < chars.Count) { (chars[at], chars[at + 1]) = (chars[at + 1], chars[at]); } break;
                    }
                }
                var candidate = new string(chars.ToArray());
                string? brute = null;
                int best = int.MaxValue;
                if (!popular.Contains(candidate))
                    foreach (var p in popular.Where(p => !p.StartsWith("@")).OrderBy(p => p, StringComparer.Ordinal))
                    {
                        int k = p.Length >= 9 ? 2 : p.Length >= 5 ? 1 : 0;
                        int d = TyposquatIndex.Distance(candidate, p, 10);
                        if (k > 0 && d <= k && d < best) { best = d; brute = p; }
                    }
                Assert.True(brute == index.Match(candidate), $"{candidate}: brute {brute}, index {index.Match(candidate)}");
            }
        }
    }
}
