using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Support;
using Xunit;

namespace NpmHardening.Engine.Tests.Tokens
{
    public class NpmTokenScannerTests
    {
        private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

        /// <summary>A token with a valid checksum, built the way npm builds them (random part + base62 CRC32).</summary>
        internal static string NewToken(int seed, bool validChecksum = true)
        {
            var random = new Random(seed);
            var chars = Enumerable.Range(0, 30).Select(_ => Base62[random.Next(62)]).ToArray();
            var body = new string(chars);
            var checksum = NpmCredential.Checksum(body);
            if (!validChecksum) checksum = checksum[0] == 'A' ? "B" + checksum.Substring(1) : "A" + checksum.Substring(1);
            return "npm_" + body + checksum;
        }

        private static (FakePlatform Platform, NpmTokenScanner Scanner, List<TokenScanProblem> Problems) Setup()
        {
            var platform = new FakePlatform(false, "/work", "/home/u");
            var problems = new List<TokenScanProblem>();
            // the fake machine's files belong to "owner" unless a test says otherwise: the scanning account
            var scanner = new NpmTokenScanner(platform) { Problem = problems.Add, IsCI = false, Operator = new AuditedAccount("owner") };
            return (platform, scanner, problems);
        }

        [Fact]
        public void Every_credential_line_is_found_with_its_line_scope_and_kind()
        {
            var (platform, scanner, problems) = Setup();
            var token = NewToken(1);
            var shadowed = NewToken(2);
            var uuid = "0f6e4f3c-1b2a-4c3d-9e8f-a1b2c3d4e5f6";
            platform.AddFile("/work/.npmrc",
                "; comment\n" +
                $"//registry.npmjs.org/:_authToken={shadowed}\n" +
                $"//registry.npmjs.org/:_authToken=\"{token}\"\r\n" +
                $"//npm.example.com/repo/:_authToken={uuid}\n" +
                "_auth=Ym9iOnMzY3JldA==\n" +
                "//npm.example.com/repo/:username=alice\n" +
                "//npm.example.com/repo/:_password=czNjcmV0\n" +
                "https-proxy=http://proxy-user:pr0xy-pass@proxy.example.com:8080\n" +
                "strict-ssl=true\n");
            var found = scanner.ScanFile("/work/.npmrc").ToList();

            Assert.Empty(problems);
            // the unscoped _auth (line 5) breaks two rules: a password on disk, and a key npm 9+ refuses
            Assert.Equal(new[] { 2, 3, 4, 5, 5, 7, 8 }, found.Select(f => f.Line!.Value).ToArray());
            var granular = found.Where(f => f.Kind == NpmCredentialKind.GranularToken).ToList();
            Assert.Equal(2, granular.Count); // the shadowed duplicate is still a leaked token
            Assert.All(granular, f => Assert.Equal("//registry.npmjs.org/", f.Registry));
            Assert.All(granular, f => Assert.True(f.ChecksumValid));
            Assert.Equal(NpmCredential.Fingerprint(token), found[1].Fingerprint); // the quotes are ini's, not the token's
            Assert.Equal(NpmCredentialKind.LegacyUuidToken, found[2].Kind);
            Assert.Equal("//npm.example.com/repo/", found[2].Registry);
            Assert.Equal(NpmCredentialKind.BasicAuth, found[3].Kind);
            Assert.Equal("bob", found[3].UserName);
            Assert.Null(found[3].Registry);
            Assert.Equal(("NPMH7002", "NPMH7003"), (found[3].RuleId, found[4].RuleId));
            Assert.Contains("not scoped", found[4].Message);
            Assert.Equal(found[3].Fingerprint, found[4].Fingerprint);
            Assert.Equal(NpmCredentialKind.Password, found[5].Kind);
            Assert.Equal(NpmCredentialKind.UrlWithPassword, found[6].Kind);
            Assert.Equal("NPMH9002", found[6].RuleId);
            Assert.All(found, f => Assert.Equal(NpmFindingStatus.Fail, f.Status));
            Assert.All(found, f => Assert.Equal("File", f.Layer));
        }

        [Fact]
        public void No_secret_appears_in_any_property_of_a_finding()
        {
            var (platform, scanner, _) = Setup();
            var token = NewToken(3);
            var secrets = new[] { token, "Ym9iOnMzY3JldA==", "s3cret", "czNjcmV0", "pr0xy-pass", "4e1f0c2a-8b7d-4c6e-9f3a-0d2b1c4e6f8a" };
            platform.AddFile("/work/.npmrc",
                $"//registry.npmjs.org/:_authToken={token}\n# backup {token}\n_auth=Ym9iOnMzY3JldA==\n//h/:_password=czNjcmV0\n" +
                "proxy=http://u:pr0xy-pass@p:1\n//x/:_authToken=4e1f0c2a-8b7d-4c6e-9f3a-0d2b1c4e6f8a\n");
            platform.Env["NPM_TOKEN"] = token;
            platform.Env["npm_config_//registry.npmjs.org/:_authToken"] = token;
            var found = scanner.ScanFile("/work/.npmrc").ToList();
            Assert.Equal(7, found.Count); // the unscoped _auth is NPMH7002 and NPMH7003
            foreach (var f in found)
            {
                var text = string.Join("\n", typeof(NpmTokenFinding).GetProperties().Select(p => Convert.ToString(p.GetValue(f))));
                text += "\n" + f;
                foreach (var secret in secrets)
                {
                    Assert.DoesNotContain(secret, text);
                    Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), text);
                }
            }
        }

        [Fact]
        public void Invalid_checksum_lowers_severity_and_readable_file_raises_it()
        {
            var (platform, scanner, _) = Setup();
            platform.AddFile("/work/a/.npmrc", $"//registry.npmjs.org/:_authToken={NewToken(4, validChecksum: false)}\n");
            platform.AddFile("/work/b/.npmrc", $"//registry.npmjs.org/:_authToken={NewToken(5)}\n");
            platform.AddFile("/work/c/.npmrc", $"//registry.npmjs.org/:_authToken={NewToken(6)}\n");
            platform.Access["/work/c/.npmrc"] = new FileAccessInfo("/work/c/.npmrc", "u", Convert.ToInt32("644", 8), new[] { "group", "others" }, Array.Empty<string>());
            var a = scanner.ScanFile("/work/a/.npmrc").Single();
            var b = scanner.ScanFile("/work/b/.npmrc").Single();
            var c = scanner.ScanFile("/work/c/.npmrc").Single();
            Assert.False(a.ChecksumValid);
            Assert.Equal(NpmSeverity.Low, a.Severity);
            Assert.Equal(NpmSeverity.High, b.Severity);
            Assert.Equal(NpmSeverity.Critical, c.Severity);
            Assert.Contains("others can read", c.FileAccess);
        }

        [Fact]
        public void A_reference_passes_when_its_variable_is_set_and_shares_the_fingerprint_of_the_value()
        {
            var (platform, scanner, _) = Setup();
            var token = NewToken(7);
            platform.Env["NPM_TOKEN"] = token;
            platform.AddFile("/work/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n//other.example/:_authToken=${UNSET_TOKEN}\n_authToken=${NPM_TOKEN}\n");
            var found = scanner.ScanFile("/work/.npmrc").ToList();
            Assert.Equal(4, found.Count);
            Assert.Equal(NpmCredentialKind.EnvironmentReference, found[0].Kind);
            Assert.Equal(NpmFindingStatus.Pass, found[0].Status);
            Assert.True(found[0].VariableSet);
            Assert.Equal("env:NPM_TOKEN", found[0].VariableSource);
            Assert.Equal(NpmCredential.Fingerprint(token), found[0].Fingerprint);
            Assert.True(found[0].ChecksumValid);
            Assert.Equal("${NPM_TOKEN}", found[0].Redacted);
            Assert.Equal(NpmFindingStatus.Warning, found[1].Status);
            Assert.False(found[1].VariableSet);
            // unscoped: the reference is judged as any other (its variable is set), and npm 9+ refuses the key
            Assert.Equal(("NPMH7001", NpmFindingStatus.Pass), (found[2].RuleId, found[2].Status));
            Assert.Equal(("NPMH7003", NpmFindingStatus.Fail), (found[3].RuleId, found[3].Status));
        }

        [Fact]
        public void A_token_scoped_to_a_plain_http_registry_is_critical_unless_the_registry_is_loopback()
        {
            var (platform, scanner, _) = Setup();
            platform.AddFile("/work/a/.npmrc", $"registry=http://npm.corp.example/\n//npm.corp.example/:_authToken={NewToken(8)}\n");
            platform.AddFile("/work/b/.npmrc", $"registry=http://127.0.0.1:4873/\n//127.0.0.1:4873/:_authToken={NewToken(9)}\n");
            Assert.Equal(NpmSeverity.Critical, scanner.ScanFile("/work/a/.npmrc").Single().Severity);
            Assert.Equal(NpmSeverity.High, scanner.ScanFile("/work/b/.npmrc").Single().Severity);
        }

        [Fact]
        public void Tokens_in_comments_sections_and_utf16_files_are_found()
        {
            var (platform, scanner, problems) = Setup();
            var t1 = NewToken(10); var t2 = NewToken(11); var t3 = NewToken(12);
            platform.AddFile("/work/a/.npmrc", $"# old one: {t1}\n[legacy]\n//registry.npmjs.org/:_authToken={t2}\n");
            platform.AddFile("/work/b/.npmrc", new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes($"//registry.npmjs.org/:_authToken={t3}\r\n")).ToArray());
            var a = scanner.ScanFile("/work/a/.npmrc").ToList();
            Assert.Equal(new[] { NpmCredential.Fingerprint(t1), NpmCredential.Fingerprint(t2) }, a.Select(f => f.Fingerprint));
            Assert.Equal("(a comment)", a[0].Key);
            Assert.Contains("[legacy]", a[1].Message);
            var b = scanner.ScanFile("/work/b/.npmrc").Single();
            Assert.Equal(NpmCredential.Fingerprint(t3), b.Fingerprint);
            var warning = Assert.Single(problems);
            Assert.Equal(TokenScanProblemKind.Utf16, warning.Kind);
            Assert.False(warning.IsError);
        }

        [Fact]
        public void Bad_files_are_reported_by_name_and_the_scan_goes_on()
        {
            var (platform, scanner, problems) = Setup();
            var token = NewToken(13);
            var binary = new byte[4096];
            Encoding.ASCII.GetBytes(token).CopyTo(binary, 100);
            platform.AddFile("/work/bin/.npmrc", binary);
            platform.AddFile("/work/denied/.npmrc", "x=1\n").Deny("/work/denied/.npmrc");
            platform.AddFile("/work/ok/.npmrc", $"//registry.npmjs.org/:_authToken={token}\n");
            var binaryFindings = scanner.ScanFile("/work/bin/.npmrc").ToList();
            Assert.Empty(scanner.ScanFile("/work/denied/.npmrc"));
            Assert.Single(scanner.ScanFile("/work/ok/.npmrc"));
            Assert.Equal(new[] { TokenScanProblemKind.Binary, TokenScanProblemKind.Unreadable }, problems.Select(p => p.Kind));
            Assert.Equal(new[] { "/work/bin/.npmrc", "/work/denied/.npmrc" }, problems.Select(p => p.Target));
            // the binary file was still swept for token-shaped strings
            Assert.Equal(NpmCredential.Fingerprint(token), Assert.Single(binaryFindings).Fingerprint);
            Assert.All(problems, p => Assert.DoesNotContain(token, p.Message));
        }

        [Fact]
        public void A_file_reached_twice_is_reported_once()
        {
            var (platform, scanner, _) = Setup();
            platform.AddFile("/work/.npmrc", $"//registry.npmjs.org/:_authToken={NewToken(14)}\n");
            Assert.Single(scanner.ScanFile("/work/.npmrc"));
            Assert.True(scanner.AlreadyScanned("/work/.npmrc"));
            Assert.Empty(scanner.ScanFile("/work/.npmrc"));
        }

        [Fact]
        public void Variables_holding_tokens_are_judged_by_where_they_are_defined()
        {
            var (platform, scanner, _) = Setup();
            var token = NewToken(15);
            platform.Env["NODE_AUTH_TOKEN"] = token;
            platform.Env["npm_config_//npm.pkg.github.com/:_authToken"] = "ghp_notanpmtoken_butsecret";
            platform.Env["NPM_TOKEN_REF"] = "${NPM_TOKEN}"; // a reference holds nothing
            platform.Env["PATH"] = "/usr/bin";
            platform.PersistentVariables.Add((new PersistentVariable("NPM_TOKEN", token, EnvironmentScope.User, "/home/u/.bashrc", 12), null));
            var context = PostureContext.CurrentUser(platform, null, "/work");
            var resolution = new PostureScanner(platform, DateTimeOffset.Now) { Installation = new NpmInstallation(null, null, null, null) }.Resolve(context);
            var found = scanner.ScanContext(context, resolution).ToList();

            var persistent = Assert.Single(found, f => f.Layer == "UserEnvironment");
            Assert.Equal(NpmFindingStatus.Fail, persistent.Status);
            Assert.Equal(NpmSeverity.High, persistent.Severity);
            Assert.Equal("/home/u/.bashrc:12", persistent.Src());
            Assert.Equal(12, persistent.Line);
            var session = found.Where(f => f.Layer == "Environment").ToList();
            Assert.Equal(new[] { "NODE_AUTH_TOKEN", "npm_config_//npm.pkg.github.com/:_authToken" }, session.Select(f => f.Key));
            Assert.All(session, f => Assert.Equal(NpmFindingStatus.Warning, f.Status));
            Assert.Equal("//npm.pkg.github.com/", session[1].Registry);
            // the same token in a shell file and in this session: one fingerprint shows where it spread
            Assert.Equal(persistent.Fingerprint, session[0].Fingerprint);

            var ci = new NpmTokenScanner(platform) { IsCI = true };
            Assert.All(ci.ScanContext(context, resolution).Where(f => f.Layer == "Environment"), f => Assert.Equal(NpmFindingStatus.Pass, f.Status));
        }

        [Fact]
        public void A_layer_npm_skips_is_not_read_as_a_file_named_after_its_reason()
        {
            // Audited from the home folder, the project .npmrc is the user .npmrc: npm skips the project layer, whose
            // Source then says why. Found under Wine, where the reason's quotes made an "Invalid name" error; here a
            // file of that name in the current folder would have been scanned as the project's.
            var (platform, scanner, problems) = Setup();
            platform.CurrentDirectory = "/home/u";
            var user = NewToken(40);
            var planted = NewToken(41);
            platform.AddFile("/home/u/.npmrc", $"//registry.npmjs.org/:_authToken={user}\n");
            var context = PostureContext.CurrentUser(platform, null, "/home/u");
            var resolution = new PostureScanner(platform, DateTimeOffset.Now) { Installation = new NpmInstallation(null, null, null, null) }.Resolve(context);
            var project = resolution.Layers.Single(l => l.Layer == NpmConfigLayer.Project);
            Assert.NotNull(project.SkipReason);
            platform.AddFile(project.Source!, $"//registry.npmjs.org/:_authToken={planted}\n");

            var found = scanner.ScanContext(context, resolution).ToList();

            Assert.Empty(problems);
            var token = Assert.Single(found, f => f.Kind == NpmCredentialKind.GranularToken);
            Assert.Equal("User", token.Layer);
            Assert.Equal(NpmCredential.Fingerprint(user), token.Fingerprint);
        }

        [Fact]
        public void The_tree_walk_lists_folders_through_FileSystemEnumerable_on_dotnet_core()
        {
            // The test host is .NET, where the fast lister must build; if it silently fell back to DirectoryInfo the
            // walk would still be right but several times slower (tests/NpmHardening.Benchmarks, tree part).
            Assert.NotNull(NpmrcTreeWalker.FastLister.Build(ignoreCase: false));
            Assert.NotNull(NpmrcTreeWalker.FastLister.Build(ignoreCase: true));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void The_tree_walk_reports_a_folder_it_cannot_list_and_goes_on(bool fast)
        {
            var missing = Path.Combine(Path.GetTempPath(), "npmh-walk-missing-" + Guid.NewGuid().ToString("N"));
            var unreadable = new List<(string, Exception)>();
            var found = NpmrcTreeWalker.Find(missing, false, false, null, (d, e) => unreadable.Add((d, e)), fast ? NpmrcTreeWalker.FastLister.Build(false) : null).ToList();
            Assert.Empty(found);
            var (dir, error) = Assert.Single(unreadable);
            Assert.Equal(missing, dir);
            Assert.IsAssignableFrom<IOException>(error);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void The_tree_walk_finds_every_npmrc_skips_node_modules_and_does_not_follow_links(bool fast)
        {
            var lister = fast ? NpmrcTreeWalker.FastLister.Build(false) : null;
            Assert.Equal(fast, lister != null);
            var root = Path.Combine(Path.GetTempPath(), "npmh-walk-" + Guid.NewGuid().ToString("N"));
            try
            {
                var expected = new List<string>();
                for (int i = 0; i < 5; i++)
                {
                    var dir = Path.Combine(root, "p" + i, "deep", "er");
                    Directory.CreateDirectory(dir);
                    File.WriteAllText(Path.Combine(dir, "package.json"), "{}");
                    if (i % 2 == 0) { File.WriteAllText(Path.Combine(dir, ".npmrc"), "x=1\n"); expected.Add(Path.Combine(dir, ".npmrc")); }
                }
                Directory.CreateDirectory(Path.Combine(root, "p0", "node_modules", "dep"));
                File.WriteAllText(Path.Combine(root, "p0", "node_modules", "dep", ".npmrc"), "x=1\n");
                File.WriteAllText(Path.Combine(root, ".npmrc"), "x=1\n");
                expected.Add(Path.Combine(root, ".npmrc"));
                Directory.CreateDirectory(Path.Combine(root, "dir-named", ".npmrc")); // a folder with that name is not a file
                if (!OperatingSystem.IsWindows())
                    Directory.CreateSymbolicLink(Path.Combine(root, "p1", "loop"), root); // would loop forever if followed

                var found = NpmrcTreeWalker.Find(root, false, false, null, null, lister).ToList();
                Assert.Equal(expected.OrderBy(x => x, StringComparer.Ordinal), found.OrderBy(x => x, StringComparer.Ordinal));
                var withModules = NpmrcTreeWalker.Find(root, true, false, null, null, lister).ToList();
                Assert.Equal(found.Count + 1, withModules.Count);
            }
            finally
            {
                if (Directory.Exists(root)) Directory.Delete(root, true);
            }
        }
    
        [Fact]
        public void Online_answers_are_findings_of_their_own_and_each_token_is_asked_about_once_at_its_own_scope()
        {
            var (platform, scanner, _) = Setup();
            var live = NewToken(20); var revoked = NewToken(21); var bypass = NewToken(22); var fake = NewToken(23, validChecksum: false);
            var text = $"//registry.npmjs.org/:_authToken={live}\n//registry.npmjs.org/:_authToken={live}\n" +
                $"//old.example/:_authToken={revoked}\n//ci.example/:_authToken={bypass}\n" +
                $"//registry.npmjs.org/:_authToken={fake}\n_authToken={live}\n_auth=Ym9iOnB3\n//ci2.example/:_authToken=${{CI_TOKEN}}\n";
            platform.AddFile("/work/a/.npmrc", text);
            platform.Env["CI_TOKEN"] = bypass;
            var offline = new NpmTokenScanner(platform) { IsCI = false }.ScanFile("/work/a/.npmrc").ToList();
            var asked = new List<(string Scope, string Token)>();
            scanner.OnlineCheck = (scope, registries, token, proxy) =>
            {
                asked.Add((scope, token));
                if (token == revoked) return new NpmTokenCheck { Registry = "https://old.example/", Scope = scope, Valid = false, Error = "401" };
                if (token == bypass) return new NpmTokenCheck { Registry = "https://ci.example/", Scope = scope, Valid = true, User = "ci", BypassTwoFactor = true, Readonly = false, HasCidr = true, Expires = DateTimeOffset.Now.AddDays(9), TwoFactorMode = "auth-and-writes" };
                return new NpmTokenCheck { Registry = "https://registry.npmjs.org/", Scope = scope, Valid = true, User = "alice", Readonly = false, HasCidr = false, TwoFactorMode = "auth-and-writes" };
            };
            var all = scanner.ScanFile("/work/a/.npmrc").ToList();

            // the live token twice at one scope: asked once; the fake, the unscoped copy and _auth: never
            Assert.Equal(new[] { ("//registry.npmjs.org/", live), ("//old.example/", revoked), ("//ci.example/", bypass), ("//ci2.example/", bypass) }, asked.ToArray());

            // the offline findings are the same facts with or without -Online: rule, severity, status, message, FactId
            var online = all.Where(f => f.RuleId.StartsWith("NPMH71", StringComparison.Ordinal)).ToList();
            var found = all.Except(online).ToList();
            Assert.Equal(offline.Select(f => (f.RuleId, f.Severity, f.SeverityReason, f.Status, f.Message, f.FactId, f.Line)),
                found.Select(f => (f.RuleId, f.Severity, f.SeverityReason, f.Status, f.Message, f.FactId, f.Line)));
            // and carry what the check did and what the registry answered
            Assert.True(found[0].Valid);
            Assert.Equal("alice", found[1].User);
            Assert.False(found[2].Valid);
            Assert.True(found[3].BypassTwoFactor);
            Assert.Null(found[4].Valid);
            Assert.Contains("checksum", found[4].OnlineError);
            Assert.Contains("not scoped", found[5].OnlineError);
            Assert.Equal("NPMH7003", found[6].RuleId); // the unscoped line's second rule: nothing to ask a registry
            Assert.Null(found[6].OnlineError);
            Assert.Contains("password is never sent", found[7].OnlineError);

            // each online fact is a finding of its own, right after its token, at the token's file and line, linked by Fingerprint
            NpmTokenFinding Fact(string rule, int line) => Assert.Single(online, f => f.RuleId == rule && f.Line == line);
            foreach (var o in online)
            {
                var token = Assert.Single(found, f => f.Line == o.Line);
                Assert.All(all.Skip(all.IndexOf(token) + 1).Take(all.IndexOf(o) - all.IndexOf(token)), x => Assert.Equal(o.Line, x.Line));
                Assert.Equal("/work/a/.npmrc", o.Path);
                Assert.Equal(token.Fingerprint, o.Fingerprint);
                Assert.Equal(token.Key, o.Key);
                Assert.Equal(RuleCatalog.Default[o.RuleId].Title, o.Title);
                Assert.Equal(RuleCatalog.Default[o.RuleId].Severity, o.Severity);
                Assert.NotEqual(token.FactId, o.FactId);
                Assert.DoesNotContain(live, o.Message);
            }
            Assert.Equal(NpmFindingStatus.Fail, Fact("NPMH7104", 3).Status);            // rejected
            Assert.DoesNotContain(online, f => f.Line == 3 && f.RuleId != "NPMH7104");   // nothing more is known of a rejected token
            Assert.Equal(NpmFindingStatus.Pass, Fact("NPMH7104", 1).Status);            // accepted
            Assert.Equal(NpmFindingStatus.Fail, Fact("NPMH7103", 1).Status);            // can publish, no expiry, no CIDR
            Assert.Equal(NpmFindingStatus.Pass, Fact("NPMH7101", 1).Status);
            // the same token on another line: asked once, and the answer told at each line that holds it
            Assert.Equal(online.Where(f => f.Line == 1).Select(f => (f.RuleId, f.Status)), online.Where(f => f.Line == 2).Select(f => (f.RuleId, f.Status)));
            Assert.Equal(NpmFindingStatus.Fail, Fact("NPMH7102", 4).Status);            // bypasses 2FA
            Assert.Equal(NpmFindingStatus.Pass, Fact("NPMH7103", 4).Status);            // bounded by expiry and CIDR
            Assert.Equal(NpmFindingStatus.Fail, Fact("NPMH7102", 8).Status);            // the reference reads the same token
            Assert.Equal(NpmFindingStatus.Pass, found.Single(f => f.Line == 8).Status); // the reference itself is still fine
            Assert.DoesNotContain(online, f => f.Line == 5 || f.Line == 6 || f.Line == 7); // never sent: no online fact
        }
    }
}
