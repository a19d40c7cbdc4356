using System;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Platform
{
    public class PersistentEnvironmentParserTests
    {
        // A fake token shape only (the checksum is not valid).
        private const string Token = "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        private const EnvironmentScope User = EnvironmentScope.User;

        private static (string Name, string Value, int? Line)[] Shell(string text) =>
            PersistentEnvironment.ParseShell(text, User, "/home/u/.bashrc").Select(v => (v.Name, v.Value, v.Line)).ToArray();

        private static (string Name, string Value, int? Line)[] Fish(string text) =>
            PersistentEnvironment.ParseFish(text, User, "/home/u/.config/fish/config.fish").Select(v => (v.Name, v.Value, v.Line)).ToArray();

        [Fact]
        public void EnvironmentFileKeyValueLines()
        {
            var text = "# comment\nPATH=\"/usr/local/sbin:/usr/bin\"\n\nNPM_TOKEN='" + Token + "'\r\nexport NODE_AUTH_TOKEN=plain value\n  LANG = C.UTF-8\nnot a pair\n=nameless\n1BAD=x\n";
            var vars = PersistentEnvironment.ParseEnvironmentFile(text, EnvironmentScope.Machine, "/etc/environment");
            Assert.Equal(new[] { "PATH", "NPM_TOKEN", "NODE_AUTH_TOKEN", "LANG" }, vars.Select(v => v.Name));
            Assert.Equal(new[] { "/usr/local/sbin:/usr/bin", Token, "plain value", "C.UTF-8" }, vars.Select(v => v.Value));
            Assert.Equal(new int?[] { 2, 4, 5, 6 }, vars.Select(v => v.Line));
            Assert.All(vars, v => { Assert.Equal(EnvironmentScope.Machine, v.Scope); Assert.Equal("/etc/environment", v.Location); });
        }

        [Fact]
        public void ShellExportAndPlainAssignments()
        {
            var vars = Shell("# ~/.bashrc\nexport NPM_TOKEN=" + Token + "\nNODE_AUTH_TOKEN=\"" + Token + "\"\nexport PATH=\"$HOME/bin:$PATH\"\n");
            Assert.Equal(new[] { ("NPM_TOKEN", Token, (int?)2), ("NODE_AUTH_TOKEN", Token, 3), ("PATH", "$HOME/bin:$PATH", 4) }, vars);
        }

        [Fact]
        public void ShellQuotingAndEscapes()
        {
            Assert.Equal("a b", Shell("X='a b'")[0].Value);
            Assert.Equal("a \"q\" $x", Shell("X=\"a \\\"q\\\" \\$x\"")[0].Value);
            Assert.Equal("a\\nb", Shell("X=\"a\\nb\"")[0].Value);          // \n is no escape inside "…"
            Assert.Equal("a\nb", Shell("X=$'a\\nb'")[0].Value);            // but it is inside $'…'
            Assert.Equal("a b", Shell("X=a\\ b")[0].Value);
            Assert.Equal("ab'c", Shell("X=a\"b\"\\'c")[0].Value);
            Assert.Equal("", Shell("X=")[0].Value);
            Assert.Equal("", Shell("X=''")[0].Value);
        }

        [Fact]
        public void ShellSubstitutionsAreKeptAsWritten()
        {
            Assert.Equal("$(cat ~/.npm token)", Shell("NPM_TOKEN=$(cat ~/.npm token)")[0].Value);
            Assert.Equal("$(pass show \"npm/token\")", Shell("export NPM_TOKEN=\"$(pass show \"npm/token\")\"")[0].Value);
            Assert.Equal("${OTHER:-x y}", Shell("NPM_TOKEN=${OTHER:-x y}")[0].Value);
            Assert.Equal("`cat f`", Shell("NPM_TOKEN=`cat f`")[0].Value);
        }

        [Fact]
        public void ShellCommentsAndSeveralAssignments()
        {
            Assert.Equal(new[] { ("A", "1", (int?)1), ("B", "2", 1) }, Shell("export A=1 B=2 # C=3"));
            Assert.Equal(new[] { ("A", "x#y", (int?)1) }, Shell("A=x#y"));
            Assert.Empty(Shell("# export NPM_TOKEN=" + Token));
            Assert.Equal(new[] { ("A", "1", (int?)1), ("B", "2", 1) }, Shell("A=1 B=2"));
        }

        [Fact]
        public void ShellStatementsInsideLinesAndBlocks()
        {
            var text = string.Join("\n",
                "if [ -z \"$CI\" ]; then export NPM_TOKEN=" + Token + "; fi",
                "[ -f ~/.x ] && export NODE_AUTH_TOKEN=abc || true",
                "for i in 1 2; do LAST=$i; done",
                "  export INDENTED=yes",
                "NPM_TOKEN=one npm publish --access public");
            var vars = Shell(text);
            Assert.Equal(new[]
            {
                ("NPM_TOKEN", Token, (int?)1), ("NODE_AUTH_TOKEN", "abc", 2), ("LAST", "$i", 3), ("INDENTED", "yes", 4), ("NPM_TOKEN", "one", 5),
            }, vars);
        }

        [Fact]
        public void ShellDeclarationsAndNonAssignments()
        {
            var vars = Shell(string.Join("\n",
                "declare -x A=1", "typeset -gx B=2", "readonly C=3", "export -n D", "export E",
                "local F=4", "alias ll='ls -l'", "echo G=5", "f() { echo; }", "test \"$x\" = y", "x[1]=z", "arr=(a b c)"));
            Assert.Equal(new[] { "A", "B", "C", "arr" }, vars.Select(v => v.Name));
            Assert.Equal("(a b c)", vars[3].Value);
        }

        [Fact]
        public void ShellUnclosedQuoteRunsToEndOfLine()
        {
            var vars = Shell("X=\"abc\nY=2");
            Assert.Equal(new[] { ("X", "abc", (int?)1), ("Y", "2", 2) }, vars);
        }

        [Fact]
        public void FishSetForms()
        {
            var text = string.Join("\n",
                "set -gx NPM_TOKEN " + Token,
                "set -Ux NODE_AUTH_TOKEN 'quoted value'",
                "set --global --export PATH /a /b $PATH",
                "set -e OLD",
                "set -q NPM_TOKEN; or set -gx FALLBACK \"x\\\"y\"",
                "if status is-interactive",
                "    set -x INNER (cat ~/.token file)",
                "end",
                "set -l EMPTY",
                "set -- DASHED value",
                "export LEGACY=yes",
                "set fish_greeting",
                "# set -gx COMMENTED x");
            var vars = Fish(text);
            Assert.Equal(new[]
            {
                ("NPM_TOKEN", Token, (int?)1), ("NODE_AUTH_TOKEN", "quoted value", 2), ("PATH", "/a /b $PATH", 3),
                ("FALLBACK", "x\"y", 5), ("INNER", "(cat ~/.token file)", 7), ("DASHED", "value", 10), ("LEGACY", "yes", 11),
            }, vars);
        }

        [Fact]
        public void FishUniversalVariables()
        {
            var text = "# This file contains fish universal variable definitions.\n# VERSION: 3.0\n" +
                       "SETUVAR --export NPM_TOKEN:" + Token + "\n" +
                       "SETUVAR --export LESS:\\x2dFRX\n" +
                       "SETUVAR fish_color_search_match:bryellow\\x1e\\x2d\\x2dbackground\\x3dbrblack\n" +
                       "SETUVAR --export --path MYPATH:/a\\x1e/b\n" +
                       "SETUVAR UNI:caf\\u00e9\\x20\\xc3\\xa9\n" +
                       "SETUVAR fish_greeting:\n";
            var vars = PersistentEnvironment.ParseFishVariables(text, User, "fish_variables");
            Assert.Equal(new[] { "NPM_TOKEN", "LESS", "fish_color_search_match", "MYPATH", "UNI", "fish_greeting" }, vars.Select(v => v.Name));
            Assert.Equal(new[] { Token, "-FRX", "bryellow --background=brblack", "/a /b", "café é", "" }, vars.Select(v => v.Value));
            Assert.Equal(3, vars[0].Line);
        }

        [Fact]
        public void UserFilesCoverTheShellsStartupFiles()
        {
            var files = PersistentEnvironment.UserFiles("/home/u/").Select(f => f.Path).ToList();
            foreach (var f in new[] { ".profile", ".bash_profile", ".bashrc", ".zshenv", ".zshrc", ".config/fish/config.fish", ".config/fish/fish_variables" })
                Assert.Contains("/home/u/" + f, files);
            Assert.Equal("/.profile", PersistentEnvironment.UserFiles("/")[0].Path);
        }
    }

    /// <summary>The real machine, with a temporary home folder.</summary>
    public sealed class SystemPlatformPersistentEnvironmentTests : IDisposable
    {
        private const string Token = "npm_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210";
        private readonly string _home = Path.Combine(Path.GetTempPath(), "npmh-home-" + Guid.NewGuid().ToString("N"));

        public SystemPlatformPersistentEnvironmentTests() => Directory.CreateDirectory(_home);
        public void Dispose() { try { Directory.Delete(_home, true); } catch (IOException) { } }

        private void Write(string relative, string text)
        {
            var path = Path.Combine(_home, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        [UnixFact("persistent variables come from shell start-up files there; Windows keeps them in the registry.")]
        public void BashrcExportIsFoundWithItsLine()
        {
            if (OperatingSystem.IsWindows()) return;
            Write(".bashrc", "# ~/.bashrc\nalias ll='ls -l'\nexport NPM_TOKEN=" + Token + "\n");
            Write(".config/fish/config.fish", "set -gx NODE_AUTH_TOKEN " + Token + "\n");
            Write(".config/fish/conf.d/npm.fish", "\nset -gx NPM_CONFIG_USERCONFIG ~/.npmrc-work\n");
            Write(".config/environment.d/10-npm.conf", "NPM_TOKEN=" + Token + "\n");
            var user = new UserProfileInfo("tester", _home, "4242", false);

            var vars = SystemPlatform.Instance.GetPersistentVariables(EnvironmentScope.User, user).ToList();

            var bash = vars.Single(v => v.Location == Path.Combine(_home, ".bashrc"));
            Assert.Equal(("NPM_TOKEN", Token, (int?)3, EnvironmentScope.User), (bash.Name, bash.Value, bash.Line, bash.Scope));
            Assert.Contains(vars, v => v.Name == "NODE_AUTH_TOKEN" && v.Location.EndsWith("/.config/fish/config.fish") && v.Line == 1);
            Assert.Contains(vars, v => v.Name == "NPM_CONFIG_USERCONFIG" && v.Location.EndsWith("/conf.d/npm.fish") && v.Line == 2);
            Assert.Contains(vars, v => v.Name == "NPM_TOKEN" && v.Location.EndsWith("/environment.d/10-npm.conf"));
            Assert.Equal(4, vars.Count);
        }

        [UnixFact("persistent variables come from shell start-up files there; Windows keeps them in the registry.")]
        public void AHomeWithoutStartupFilesHasNoVariables()
        {
            if (OperatingSystem.IsWindows()) return;
            var user = new UserProfileInfo("tester", _home, "4242", false);
            Assert.Empty(SystemPlatform.Instance.GetPersistentVariables(EnvironmentScope.User, user));
            var gone = new UserProfileInfo("gone", Path.Combine(_home, "missing"), "4243", false);
            Assert.Empty(SystemPlatform.Instance.GetPersistentVariables(EnvironmentScope.User, gone));
        }

        [UnixFact("persistent variables come from shell start-up files there; Windows keeps them in the registry.")]
        public void AnUnreadableStartupFileIsSkipped()
        {
            if (OperatingSystem.IsWindows()) return;
            Directory.CreateDirectory(Path.Combine(_home, ".profile")); // a folder where a file is expected
            Write(".zshrc", "export NPM_TOKEN=" + Token + "\n");
            var user = new UserProfileInfo("tester", _home, "4242", false);
            var vars = SystemPlatform.Instance.GetPersistentVariables(EnvironmentScope.User, user).ToList();
            Assert.Equal(Path.Combine(_home, ".zshrc"), Assert.Single(vars).Location);
        }

        [UnixFact("persistent variables come from shell start-up files there; Windows keeps them in the registry.")]
        public void MachineVariablesComeFromEtc()
        {
            if (OperatingSystem.IsWindows()) return;
            var vars = SystemPlatform.Instance.GetPersistentVariables(EnvironmentScope.Machine, null).ToList();
            Assert.All(vars, v => { Assert.StartsWith("/etc/", v.Location); Assert.Equal(EnvironmentScope.Machine, v.Scope); Assert.True(v.Line >= 1); });
            if (File.Exists("/etc/profile") && File.ReadAllText("/etc/profile").Contains("\nexport PATH"))
                Assert.Contains(vars, v => v.Name == "PATH" && v.Location == "/etc/profile");
        }
    }
}
