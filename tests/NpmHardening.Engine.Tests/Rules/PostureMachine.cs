using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Rules
{
    /// <summary>
    /// A fake Unix or Windows machine with node and npm of a chosen version, a user profile and a project,
    /// and one-liners to audit it. Paths follow each OS's real layout.
    /// </summary>
    internal sealed class PostureMachine
    {
        public const string Npm11 = "11.19.1";
        public const string Npm12 = "12.2.1";

        /// <summary>A fixed clock: Node 20 is past end-of-life, Node 24 is supported.</summary>
        public static readonly DateTimeOffset Now = new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);

        /// <summary>The (windows, npm version) pairs every rule is tested on.</summary>
        public static IEnumerable<object[]> Platforms()
        {
            foreach (var windows in new[] { false, true })
                foreach (var npm in new[] { Npm11, Npm12 })
                    yield return new object[] { windows, npm };
        }

        public PostureMachine(bool windows, string npmVersion = Npm11, string? nodeVersion = "24.3.0")
        {
            Windows = windows;
            if (windows)
            {
                Home = @"C:\Users\bob";
                Project = @"C:\src\web";
                P = new FakePlatform(true, Project, Home);
                P.Env["USERPROFILE"] = Home;
                P.Env["APPDATA"] = @"C:\Users\bob\AppData\Roaming";
                P.Env["LOCALAPPDATA"] = @"C:\Users\bob\AppData\Local";
                P.Env["USERNAME"] = "bob";
                Npm = new NpmInstallation(@"C:\Program Files\nodejs\node.exe", nodeVersion, @"C:\Program Files\nodejs\node_modules\npm", npmVersion);
                UserNpmrc = @"C:\Users\bob\.npmrc";
                ProjectNpmrc = @"C:\src\web\.npmrc";
                GlobalNpmrc = @"C:\Program Files\nodejs\etc\npmrc";
                BuiltinNpmrc = @"C:\Program Files\nodejs\node_modules\npm\npmrc";
                P.AddFile(@"C:\src\web\package.json", "{}");
                Profile = new UserProfileInfo("bob", Home, "S-1-5-21-1-2-3-1001", false);
            }
            else
            {
                Home = "/home/u";
                Project = "/work/app";
                P = new FakePlatform(false, Project, Home);
                P.Env["HOME"] = Home;
                P.Env["USER"] = "u";
                Npm = new NpmInstallation("/usr/bin/node", nodeVersion, "/usr/lib/node_modules/npm", npmVersion);
                UserNpmrc = "/home/u/.npmrc";
                ProjectNpmrc = "/work/app/.npmrc";
                GlobalNpmrc = "/usr/etc/npmrc";
                BuiltinNpmrc = "/usr/lib/node_modules/npm/npmrc";
                P.AddFile("/work/app/package.json", "{}");
                Profile = new UserProfileInfo("u", Home, "1000", false);
            }
        }

        public bool Windows { get; }
        public FakePlatform P { get; }
        public NpmInstallation Npm { get; set; }
        public string Home { get; }
        public string Project { get; }
        public string UserNpmrc { get; }
        public string ProjectNpmrc { get; }
        public string GlobalNpmrc { get; }
        public string BuiltinNpmrc { get; }
        public UserProfileInfo Profile { get; }
        private string Nl => Windows ? "\r\n" : "\n";

        public PostureMachine User(params string[] lines) { P.AddFile(UserNpmrc, string.Join(Nl, lines) + Nl); return this; }
        public PostureMachine ProjectRc(params string[] lines) { P.AddFile(ProjectNpmrc, string.Join(Nl, lines) + Nl); return this; }
        public PostureMachine Global(params string[] lines) { P.AddFile(GlobalNpmrc, string.Join(Nl, lines) + Nl); return this; }
        public PostureMachine Builtin(params string[] lines) { P.AddFile(BuiltinNpmrc, string.Join(Nl, lines) + Nl); return this; }
        public PostureMachine Env(string name, string value) { P.Env[name] = value; return this; }

        public PostureMachine Access(string path, IEnumerable<string>? readers = null, IEnumerable<string>? writers = null, int? mode = null)
        {
            var full = P.Path.Resolve(P.CurrentDirectory, path);
            P.Access[full] = new FileAccessInfo(full, Windows ? @"HOST\bob" : "u", Windows ? null : mode ?? 0x1A4,
                (readers ?? Array.Empty<string>()).ToArray(), (writers ?? Array.Empty<string>()).ToArray());
            return this;
        }

        public PostureMachine Persistent(EnvironmentScope scope, string name, string value, string? location = null, int? line = null)
        {
            location ??= Windows
                ? (scope == EnvironmentScope.Machine ? @"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment" : @"HKCU\Environment")
                : (scope == EnvironmentScope.Machine ? "/etc/environment" : "/home/u/.profile");
            P.PersistentVariables.Add((new PersistentVariable(name, value, scope, location, line), scope == EnvironmentScope.User ? Profile.SecurityId : null));
            return this;
        }

        public NpmConfigResolution Resolve(Dictionary<string, object?>? cli = null) =>
            NpmConfigResolver.Resolve(new NpmConfigRequest { Platform = P, Installation = Npm, CliOverrides = cli });

        public List<NpmSecurityFinding> Audit(NpmBaseline baseline = NpmBaseline.Recommended, DateTimeOffset? now = null,
            Action<PostureRequest>? configure = null, Dictionary<string, object?>? cli = null)
        {
            var request = new PostureRequest(Resolve(cli), P, now ?? Now) { Baseline = baseline, UserProfile = Profile, Context = Home };
            configure?.Invoke(request);
            return PostureAuditor.Audit(request).ToList();
        }

        public List<NpmSecurityFinding> Audit(string ruleId, NpmBaseline baseline = NpmBaseline.Recommended, DateTimeOffset? now = null,
            Action<PostureRequest>? configure = null, Dictionary<string, object?>? cli = null)
            => Audit(baseline, now, r => { r.RuleIds = new[] { ruleId }; configure?.Invoke(r); }, cli);

        /// <summary>The only finding of a rule (asserts there is exactly one).</summary>
        public NpmSecurityFinding One(string ruleId, NpmBaseline baseline = NpmBaseline.Recommended, DateTimeOffset? now = null,
            Action<PostureRequest>? configure = null, Dictionary<string, object?>? cli = null)
        {
            var findings = Audit(ruleId, baseline, now, configure, cli);
            Assert.True(findings.Count == 1, $"expected one {ruleId} finding, got {findings.Count}: " + string.Join(" | ", findings.Select(f => f.Status + " " + f.Message)));
            return findings[0];
        }
    }
}
