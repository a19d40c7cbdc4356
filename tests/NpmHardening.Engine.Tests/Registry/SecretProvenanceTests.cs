using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Tokens;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>
    /// Which secret an online check may send, on a machine in memory where file owners are set by the test: another
    /// account's references never take this process's variables, nor a definition in a file that account does not own;
    /// a file given by path that the scanning account does not own never chooses where its variables go. The scanner
    /// (Test-NpmrcToken) and the credential lookup (Get-NpmAccount) answer alike.
    /// </summary>
    public class SecretProvenanceTests
    {
        private const string Listener = "//127.0.0.1:45000/";
        private static readonly UserProfileInfo Alice = new UserProfileInfo("alice", "/home/alice", "1001", false);

        private static FileAccessInfo Owned(string path, string owner, int mode, params string[] readers) =>
            new FileAccessInfo(path, owner, mode, readers, (mode & 2) != 0 ? new[] { "others" } : Array.Empty<string>());

        /// <summary>Root auditing alice: alice's npmrc sends ${name} to her listener; root's own session has the variable too.</summary>
        private static FakePlatform Machine(string name = "ROOT_DB_PASSWORD")
        {
            var platform = new FakePlatform(false, "/root", "/root");
            platform.Profiles.Add(Alice);
            platform.AddFile("/home/alice/.npmrc", $"registry=http://127.0.0.1:45000/\n{Listener}:_authToken=${{{name}}}\n");
            platform.Access["/home/alice/.npmrc"] = Owned("/home/alice/.npmrc", "alice", 0x180);
            platform.Env[name] = "root-session-secret";
            platform.Env["PATH"] = "/usr/bin";
            return platform;
        }

        private static void Define(FakePlatform platform, string file, string owner, int mode, string name, string value, EnvironmentScope scope, string? sid, params string[] readers)
        {
            platform.AddFile(file, $"# start-up\nexport {name}={value}\n");
            platform.Access[file] = Owned(file, owner, mode, readers);
            platform.PersistentVariables.Add((new PersistentVariable(name, value, scope, file, 2), sid));
        }

        private static (List<(string Scope, string Token)> Asked, List<NpmTokenFinding> Found) ScanProfile(FakePlatform platform)
        {
            var scanner = new NpmTokenScanner(platform) { IsCI = false, Operator = new AuditedAccount("root", "0") };
            var asked = new List<(string, string)>();
            scanner.OnlineCheck = (scope, registries, token, proxy) =>
            {
                asked.Add((scope, token));
                return new NpmTokenCheck { Registry = "http://127.0.0.1:45000/", Scope = scope, Valid = true, User = "someone" };
            };
            var context = PostureContext.ForProfile(Alice);
            var found = scanner.ScanContext(context, Resolve(platform, context)).ToList();
            return (asked, found);
        }

        private static NpmConfigResolution Resolve(FakePlatform platform, PostureContext context) =>
            new PostureScanner(platform, DateTimeOffset.Now) { Installation = new NpmInstallation(null, null, null, null) }.Resolve(context);

        /// <summary>What Get-NpmAccount -UserProfile would send for a whoami on alice's registry.</summary>
        private static RegistryCredential? AccountCredential(FakePlatform platform)
        {
            var context = PostureContext.ForProfile(Alice);
            var provenance = new SecretProvenance(platform, AuditedAccount.ForProfile(Alice), null, Alice);
            return RegistryCredentials.ForUrl(Resolve(platform, context), "http://127.0.0.1:45000/-/whoami", provenance);
        }

        [Fact]
        public void Another_accounts_reference_never_takes_the_auditing_sessions_variable()
        {
            var platform = Machine();
            var (asked, found) = ScanProfile(platform);
            Assert.Empty(asked);
            var reference = Assert.Single(found, f => f.Kind == NpmCredentialKind.EnvironmentReference);
            Assert.False(reference.VariableSet);
            Assert.Null(reference.Fingerprint);

            var credential = AccountCredential(platform);
            Assert.NotNull(credential);
            Assert.False(credential!.CanAuthorize);
            Assert.Contains("not defined in alice's environment", credential.Refusal);
        }

        [Fact]
        public void A_definition_in_a_file_the_account_does_not_own_is_not_its_value()
        {
            // ~/.bashrc is a link to a root-only file: what the handle sees is root's 0600 file
            var platform = Machine();
            Define(platform, "/home/alice/.bashrc", "root", 0x180, "ROOT_DB_PASSWORD", "hunter2-root-secret", EnvironmentScope.User, "1001");
            var (asked, found) = ScanProfile(platform);
            Assert.Empty(asked);
            var reference = Assert.Single(found, f => f.Kind == NpmCredentialKind.EnvironmentReference);
            Assert.Equal(NpmOnlineCheckState.ReferenceNotChecked, reference.OnlineState);
            Assert.StartsWith("Not checked: reference, not checked:", reference.OnlineError);
            Assert.Equal(NpmFindingStatus.Warning, reference.Status);
            Assert.Contains("belongs to root, not to alice", reference.Message);
            Assert.Null(reference.Fingerprint);
            Assert.DoesNotContain("hunter2", reference.Message + reference.OnlineError + reference.VariableSource);

            var credential = AccountCredential(platform);
            Assert.False(credential!.CanAuthorize);
            Assert.Contains("belongs to root", credential.Refusal);
        }

        [Theory]
        [InlineData("alice", 0x180, EnvironmentScope.User, true)]    // her own file, owner-only
        [InlineData("root", 0x1A4, EnvironmentScope.Machine, true)]  // /etc/environment, 0644: every user reads it anyway
        [InlineData("root", 0x180, EnvironmentScope.Machine, false)] // a root-only profile.d script: not hers to read
        [InlineData("bob", 0x180, EnvironmentScope.User, false)]     // someone else's file
        public void Only_the_accounts_own_or_everyones_definitions_are_sent(string owner, int mode, EnvironmentScope scope, bool sent)
        {
            var platform = Machine("NPM_TOKEN");
            var file = scope == EnvironmentScope.User ? "/home/alice/.profile" : "/etc/profile.d/npm.sh";
            Define(platform, file, owner, mode, "NPM_TOKEN", "npm_theDefinedValue", scope, scope == EnvironmentScope.User ? "1001" : null, (mode & 4) != 0 ? new[] { "others" } : Array.Empty<string>());
            var (asked, _) = ScanProfile(platform);
            var credential = AccountCredential(platform);
            if (sent)
            {
                Assert.Equal(new[] { (Listener, "npm_theDefinedValue") }, asked);
                Assert.Equal("npm_theDefinedValue", credential!.Token);
            }
            else
            {
                Assert.Empty(asked);
                Assert.Null(credential!.Token);
            }
            Assert.DoesNotContain(asked, a => a.Token == "root-session-secret");
        }

        [Fact]
        public void A_profile_folder_no_account_owns_has_no_files_of_its_own()
        {
            var platform = Machine("NPM_TOKEN");
            var stranger = new UserProfileInfo("alice", "/home/alice", null, false); // a folder, not a listed account
            Define(platform, "/home/alice/.profile", "alice", 0x180, "NPM_TOKEN", "npm_theDefinedValue", EnvironmentScope.User, null);
            var provenance = new SecretProvenance(platform, AuditedAccount.ForProfile(stranger), null, stranger);
            Assert.Null(AuditedAccount.ForProfile(stranger));
            var resolved = provenance.Resolve("/home/alice/.npmrc", 2, Listener + ":_authToken", "${NPM_TOKEN}");
            Assert.False(resolved.MaySend);
            Assert.Contains("no account is known to own it", resolved.Refusal);
        }

        private static (List<(string Scope, string Token)> Asked, NpmTokenFinding Finding) ScanPath(FakePlatform platform, string operatorName = "operator")
        {
            var scanner = new NpmTokenScanner(platform) { IsCI = false, Operator = new AuditedAccount(operatorName) };
            var asked = new List<(string, string)>();
            scanner.OnlineCheck = (scope, registries, token, proxy) =>
            {
                asked.Add((scope, token));
                return new NpmTokenCheck { Registry = "https://r.example/", Scope = scope, Valid = true, User = "someone" };
            };
            // the reference's finding; an accepted check adds its online facts (NPMH71xx) after it
            var found = scanner.ScanFile("/src/untrusted/.npmrc").Where(f => !f.RuleId.StartsWith("NPMH71", StringComparison.Ordinal)).ToList();
            return (asked, Assert.Single(found));
        }

        private static FakePlatform Tree(string owner, int mode = 0x1A4)
        {
            var platform = new FakePlatform(false, "/src", "/home/operator");
            platform.Env["NPM_TOKEN"] = "operator-session-value"; // any variable: it need not look like a token
            platform.AddFile("/src/untrusted/.npmrc", "//collector.example/:_authToken=${NPM_TOKEN}\n");
            platform.Access["/src/untrusted/.npmrc"] = Owned("/src/untrusted/.npmrc", owner, mode, "others");
            return platform;
        }

        [Theory]
        [InlineData("mallory", 0x1A4, false)]  // planted by another user: reference, not checked
        [InlineData("operator", 0x1A4, true)]  // the operator's own file: the operator chose the host
        [InlineData("root", 0x1A4, true)]      // the machine's administrator chose it
        [InlineData("operator", 0x1B6, false)] // the operator's, but every user can rewrite the host (0666)
        public void A_file_given_by_path_sends_the_operators_variables_only_to_hosts_the_operator_or_an_administrator_chose(string owner, int mode, bool sent)
        {
            var (asked, finding) = ScanPath(Tree(owner, mode));
            if (sent)
            {
                Assert.Equal(new[] { ("//collector.example/", "operator-session-value") }, asked);
                Assert.Equal(NpmOnlineCheckState.Checked, finding.OnlineState);
            }
            else
            {
                Assert.Empty(asked);
                Assert.Equal(NpmOnlineCheckState.ReferenceNotChecked, finding.OnlineState);
                Assert.StartsWith("Not checked: reference, not checked:", finding.OnlineError);
                Assert.Null(finding.Valid);
            }
        }

        [Fact]
        public void A_token_under_a_key_that_is_not_authToken_is_never_sent()
        {
            // npm's ini parser reads "//127.0.0.1:1443#@127.0.0.2:2443/:_authToken=…" as the key "//127.0.0.1:1443"
            // ('#' starts a comment): scope //127.0.0.1, name 1443; https://127.0.0.1/ would get the token on port 443
            var platform = new FakePlatform(false, "/src", "/home/operator");
            var token = NpmTokenScannerTests.NewToken(31);
            platform.AddFile("/src/untrusted/.npmrc", $"//127.0.0.1:1443#@127.0.0.2:2443/:_authToken={token}\n");
            platform.Access["/src/untrusted/.npmrc"] = Owned("/src/untrusted/.npmrc", "operator", 0x180);
            var (asked, finding) = ScanPath(platform);
            Assert.Empty(asked);
            Assert.Equal("//127.0.0.1:1443", finding.Key);
            Assert.Equal(NpmOnlineCheckState.NotApplicable, finding.OnlineState);
            Assert.Contains("npm never sends the value of a '1443' key", finding.OnlineError);
        }

        [Fact]
        public void A_file_swapped_after_it_was_scanned_is_not_trusted_for_its_new_owner()
        {
            // mallory's file is scanned; before it is read again, the path names the operator's file (a link swapped in)
            var platform = Tree("mallory");
            int opens = 0;
            platform.BeforeOpenRead = path =>
            {
                if (path != "/src/untrusted/.npmrc" || opens++ > 0) return;
                platform.AddFile(path, "registry=https://r.example/\n//r.example/:_authToken=${NPM_TOKEN}\n");
                platform.Access[path] = Owned(path, "operator", 0x180);
            };
            var (asked, finding) = ScanPath(platform);
            Assert.Empty(asked);
            Assert.Contains("changed while it was audited", finding.OnlineError);
        }

        [Fact]
        public void Another_profiles_environment_keeps_only_machine_locations()
        {
            var platform = new FakePlatform(false, "/root", "/root");
            var operatorEnv = new Dictionary<string, string>
            {
                ["PATH"] = "/usr/bin", ["PREFIX"] = "/opt/node", ["NPM_TOKEN"] = "npm_x", ["ROOT_DB_PASSWORD"] = "s3cret",
                ["HTTPS_PROXY"] = "http://proxy.example:3128", ["npm_config_registry"] = "https://r.example/", ["CI"] = "true", ["HOME"] = "/root",
            };
            var env = ProfileEnvironment.For(platform, operatorEnv, "/home/alice");
            Assert.Equal(new[] { "HOME", "PATH", "PREFIX" }, env.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal("/home/alice", env["HOME"]);

            // so alice's registry URL does not carry root's password to her listener either
            platform.AddFile("/home/alice/.npmrc", "registry=http://127.0.0.1:45000/${ROOT_DB_PASSWORD}/\n");
            foreach (var kv in operatorEnv) platform.Env[kv.Key] = kv.Value;
            var resolution = Resolve(platform, PostureContext.ForProfile(Alice));
            Assert.Equal("http://127.0.0.1:45000/${ROOT_DB_PASSWORD}/", resolution.GetEffective("registry")?.Value);
        }
    }
}
