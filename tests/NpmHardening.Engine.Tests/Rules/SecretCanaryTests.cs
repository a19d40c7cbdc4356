using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Tests.Rules
{
    /// <summary>
    /// Canary secrets planted in every source the posture audit reads — every config layer, the command line,
    /// npm_config_* and token-bearing variables, persistent machine and user variables, proxy and registry URLs —
    /// must not appear in any property of any finding, in ToString, or in the summary; nor may their base64 forms.
    /// </summary>
    public class SecretCanaryTests
    {
        private static string Granular(string random30) => PostureAuditorTests.Token(random30);

        private static readonly string UserToken = Granular("CanaryUserTokenAbcdefghij01234");
        private static readonly string ProjectToken = Granular("CanaryProjectTokenAbcdefgh0123");
        private static readonly string GlobalToken = Granular("CanaryGlobalTokenAbcdefghi0123");
        private static readonly string BuiltinToken = Granular("CanaryBuiltinTokenAbcdefgh0123");
        private static readonly string EnvConfigToken = Granular("CanaryEnvConfigTokenAbcdef0123");
        private static readonly string CliToken = Granular("CanaryCliTokenAbcdefghijklm0123");
        private static readonly string MachineToken = Granular("CanaryMachineTokenAbcdefgh0123");
        private static readonly string UserVarToken = Granular("CanaryUserVarTokenAbcdefgh0123");
        private const string UuidToken = "5f0e6c1a-9b7d-4c2e-8a31-0d9e7b6c5a41";
        private const string OpaqueSessionToken = "opaque-session-canary-Zq81xW";
        private const string OpaqueFileToken = "ghp_CanaryOpaqueFileToken77";
        private const string AuthUser = "canaryuser";
        private const string AuthPassword = "Canary-Basic-Pass-93";
        private const string PasswordValue = "Canary-Password-Value-57";
        private const string ProxyPassword = "CanaryProxyPw-4411";
        private const string RegistryPassword = "CanaryRegistryPw-5522";
        private const string EnvProxyPassword = "CanaryEnvProxyPw-6633";

        private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

        private static IEnumerable<string> Canaries()
        {
            var secrets = new[]
            {
                UserToken, ProjectToken, GlobalToken, BuiltinToken, EnvConfigToken, CliToken, MachineToken, UserVarToken,
                UuidToken, OpaqueSessionToken, OpaqueFileToken, AuthPassword, PasswordValue, ProxyPassword, RegistryPassword, EnvProxyPassword,
                AuthUser + ":" + AuthPassword,
            };
            foreach (var s in secrets)
            {
                yield return s;
                yield return B64(s);
            }
            yield return B64(AuthUser + ":" + AuthPassword);
        }

        private static PostureMachine Plant(bool windows, string npm)
        {
            var m = new PostureMachine(windows, npm);
            m.User(
                $"//registry.npmjs.org/:_authToken={UserToken}",
                $"//legacy.example.com/:_authToken={UuidToken}",
                $"_auth={B64(AuthUser + ":" + AuthPassword)}",
                $"//r.example.com/:username={AuthUser}",
                $"//r.example.com/:_password={B64(PasswordValue)}",
                $"_authToken={OpaqueFileToken}",
                $"https-proxy=http://{AuthUser}:{ProxyPassword}@proxy.corp.example:8080/",
                $"@corp:registry=https://{AuthUser}:{RegistryPassword}@npm.corp.example/",
                $"node-options=--require /opt/hook.js --title={UserToken}",
                $"{UserToken}",
                "minimum-release-age=7");
            m.ProjectRc($"//npm.pkg.github.com/:_authToken={ProjectToken}", $"script-shell=/bin/sh -c {ProjectToken}");
            m.Global($"//registry.npmjs.org/:_authToken={GlobalToken}");
            m.Builtin($"//registry.npmjs.org/:_authToken={BuiltinToken}");
            m.Env("npm_config_//registry.npmjs.org/:_authToken", EnvConfigToken);
            m.Env("npm_config__auth", B64(AuthUser + ":" + AuthPassword));
            m.Env("NODE_AUTH_TOKEN", OpaqueSessionToken);
            m.Env("NPM_TOKEN", MachineToken);
            m.Env("HTTPS_PROXY", $"http://{AuthUser}:{EnvProxyPassword}@proxy2.example:3128");
            m.Persistent(EnvironmentScope.Machine, "NPM_TOKEN", MachineToken, line: 2);
            m.Persistent(EnvironmentScope.User, "NPM_CONFIG__AUTHTOKEN", UserVarToken);
            m.Persistent(EnvironmentScope.User, "SOME_VAR", UserVarToken);
            m.Access(m.UserNpmrc, readers: new[] { "others" }, writers: new[] { "others" });
            return m;
        }

        public static IEnumerable<object[]> Platforms => PostureMachine.Platforms();

        [Theory, MemberData(nameof(Platforms))]
        public void No_secret_appears_in_any_finding_property_or_summary(bool windows, string npm)
        {
            var m = Plant(windows, npm);
            var cli = new Dictionary<string, object?> { ["//cli.example.com/:_authToken"] = CliToken };
            var canaries = Canaries().ToList();
            var properties = typeof(NpmSecurityFinding).GetProperties(BindingFlags.Public | BindingFlags.Instance);
            foreach (NpmBaseline baseline in Enum.GetValues(typeof(NpmBaseline)))
            {
                var findings = m.Audit(baseline, cli: cli);
                // the audit did see the planted credentials
                Assert.Contains(findings, f => f.RuleId == "NPMH7001" && f.Status == NpmFindingStatus.Fail);
                Assert.Contains(findings, f => f.RuleId == "NPMH7002" && f.Status == NpmFindingStatus.Fail);
                Assert.Contains(findings, f => f.RuleId == "NPMH7004" && f.Status == NpmFindingStatus.Fail);
                Assert.Contains(findings, f => f.RuleId == "NPMH8001" && f.Status == NpmFindingStatus.Fail);
                Assert.Contains(findings, f => f.RuleId == "NPMH9002" && f.Status == NpmFindingStatus.Fail);
                Assert.True(findings.Count(f => f.RuleId == "NPMH7001") >= 7);

                var texts = new List<(string Where, string Text)>();
                foreach (var f in findings)
                {
                    texts.Add(($"{f.RuleId}.ToString()", f.ToString()));
                    foreach (var p in properties)
                        if (p.GetValue(f) is object v) texts.Add(($"{f.RuleId}.{p.Name}", Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
                }
                var summary = PostureSummary.Summarize(findings, baseline);
                foreach (var p in typeof(NpmSecurityPostureSummary).GetProperties())
                    if (p.GetValue(summary) is object v)
                        texts.Add(($"summary.{p.Name}", v is string[] arr ? string.Join("|", arr) : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
                foreach (var (where, text) in texts)
                    foreach (var canary in canaries)
                        Assert.False(text.Contains(canary, StringComparison.Ordinal), $"{where} leaks a planted secret ({canary.Substring(0, 6)}…): {text}");
            }
        }

        [Fact]
        public void Random_secrets_never_survive_an_audit()
        {
            var alnum = Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"];
            var gen = Gen.Select(alnum.Array[30], alnum.Array[12, 40], alnum.Array[8, 24], Gen.Bool,
                (random, opaque, password, windows) => (Token: Granular(new string(random)), Opaque: "tok" + new string(opaque), Password: "pw" + new string(password), Windows: windows));
            gen.Sample(c =>
            {
                var m = new PostureMachine(c.Windows);
                m.User($"//registry.npmjs.org/:_authToken={c.Token}", $"//r.example.com/:_authToken={c.Opaque}",
                       $"proxy=http://u:{c.Password}@proxy.example:8080/", $"//r.example.com/:_password={B64(c.Password)}");
                m.Env("NPM_TOKEN", c.Opaque);
                var all = string.Join("\n", m.Audit().SelectMany(f => new[] { f.ToString(), f.Actual, f.Message, f.Fix(), f.Src(), f.Setting, f.Expected,
                    f.SeverityReason, f.FactId, f.Remediation?.Summary, f.Remediation?.NpmCommand, f.Remediation?.Value, f.Location?.Name }));
                return !all.Contains(c.Token, StringComparison.Ordinal) && !all.Contains(c.Opaque, StringComparison.Ordinal)
                    && !all.Contains(c.Password, StringComparison.Ordinal) && !all.Contains(B64(c.Password), StringComparison.Ordinal);
            }, iter: 200, threads: 1);
        }
    }
}
