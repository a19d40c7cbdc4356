using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Platform;

namespace NpmHardening.Engine.Tests.Pathological
{
    /// <summary>
    /// A user's shell start-up file is read when variables are looked up for that user (-AllUsers as root). Nesting
    /// along one line used to recurse once per level: a 900 KB line of "$( overflowed the stack, which ends the process.
    /// </summary>
    public class ShellStartupFileTests
    {
        [Fact]
        public void Deeply_nested_substitutions_do_not_overflow_the_stack()
        {
            var line = new StringBuilder("X=").Insert(2, "\"$(", 300_000).ToString();
            var text = line + "\nexport NPM_TOKEN=after\n";
            var vars = SpecialFileTests.Finishes(() => PersistentEnvironment.ParseShell(text, EnvironmentScope.User, "/home/u/.bashrc"), "a 900 KB line of \"$(");
            Assert.Contains(vars, v => v.Name == "NPM_TOKEN" && v.Value == "after" && v.Line == 2);
        }

        [Fact]
        public void Ordinary_nesting_still_reads()
        {
            var vars = PersistentEnvironment.ParseShell("export A=\"$(echo \"$(date)\")\" B=2\n", EnvironmentScope.User, "/home/u/.bashrc");
            Assert.Equal(new[] { "A", "B" }, vars.Select(v => v.Name).ToArray());
            Assert.Equal("2", vars[1].Value);
        }

        /// <summary>A home folder in the temp folder with the given start-up files, removed after.</summary>
        private static void WithHome(Action<string> fill, Action<UserProfileInfo> test)
        {
            var home = Path.Combine(Path.GetTempPath(), "npmh-startup-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(home);
            try
            {
                fill(home);
                test(new UserProfileInfo("u", home, null, false));
            }
            finally { Directory.Delete(home, true); }
        }

        [Fact]
        public void A_conf_d_folder_of_many_files_is_an_error_not_read_to_the_end()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return; // start-up files are a Unix thing
            WithHome(home =>
            {
                var confd = Directory.CreateDirectory(Path.Combine(home, ".config", "fish", "conf.d")).FullName;
                for (int i = 0; i <= PersistentEnvironment.MaxFilesPerFolder; i++)
                    File.WriteAllText(Path.Combine(confd, $"f{i:D4}.fish"), "set -x A b\n");
            }, profile =>
            {
                var e = Assert.Throws<PersistentEnvironmentLimitException>(() => PersistentEnvironment.Read(SystemPlatform.Instance, EnvironmentScope.User, profile).ToList());
                Assert.Contains("conf.d", e.Message);
            });
        }

        [Fact]
        public void Start_up_files_that_make_too_many_assignments_are_an_error()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
            // 1 MiB of "a=b;" is 262,144 assignments in one file under the per-file limit: one user's .bashrc used to cost
            // the audit of every profile a second and tens of MB; a conf.d folder of them, gigabytes
            var line = new StringBuilder().Insert(0, "a=b;", 2048).Append('\n').ToString();
            WithHome(home => File.WriteAllText(Path.Combine(home, ".bashrc"), new StringBuilder().Insert(0, line, 100).ToString()), profile =>
            {
                var e = Assert.Throws<PersistentEnvironmentLimitException>(() => PersistentEnvironment.Read(SystemPlatform.Instance, EnvironmentScope.User, profile).ToList());
                Assert.Contains(".bashrc", e.Message);
            });
            // ordinary files still read
            WithHome(home => File.WriteAllText(Path.Combine(home, ".bashrc"), "export NPM_TOKEN=x\n"), profile =>
                Assert.Contains(PersistentEnvironment.Read(SystemPlatform.Instance, EnvironmentScope.User, profile), v => v.Name == "NPM_TOKEN" && v.Value == "x"));
        }
    }
}
