using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>
    /// The one-handle checks on the real file system, as root, against a swapper that keeps replacing a link between
    /// another account's file and a root file: a value or a host is only ever taken with the owner of the very file it
    /// came from. Linux and root only (the files must belong to two accounts); elsewhere there is nothing to show.
    /// </summary>
    public class SecretProvenanceRaceTests
    {
        private const int Rounds = 300;
        private const int Nobody = 65534;

        private static bool CanRun => OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/bin/chown");

        private static void Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, file + " " + string.Join(" ", args) + ": " + p.StandardError.ReadToEnd());
        }

        /// <summary>Flips <paramref name="link"/> between two targets by renaming fresh links over it, until stopped.</summary>
        private static Thread Swapper(string link, string a, string b, CancellationToken stop)
        {
            var thread = new Thread(() =>
            {
                var temp = link + ".swap";
                for (long i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        if (File.Exists(temp) || Directory.Exists(temp)) File.Delete(temp);
                        File.CreateSymbolicLink(temp, i % 2 == 0 ? a : b);
                        File.Move(temp, link, overwrite: true);
                    }
                    catch (IOException) { }
                }
            }) { IsBackground = true };
            thread.Start();
            return thread;
        }

        [Fact]
        public void A_planted_files_host_never_gets_the_operators_variable_while_its_link_is_swapped()
        {
            if (!CanRun) return;
            var root = Directory.CreateTempSubdirectory("npmh-race-").FullName;
            try
            {
                Run("/bin/chmod", "755", root);
                var mallory = Path.Combine(root, "mallory.npmrc");
                var mine = Path.Combine(root, "operator.npmrc");
                File.WriteAllText(mallory, "//mallory.test/:_authToken=${NPMH_RACE}\n");
                File.WriteAllText(mine, "//operator.test/:_authToken=${NPMH_RACE}\n");
                Run("/bin/chown", $"{Nobody}:{Nobody}", mallory);
                var scanned = Path.Combine(root, "scan", ".npmrc");
                Directory.CreateDirectory(Path.GetDirectoryName(scanned)!);
                File.CreateSymbolicLink(scanned, mallory);

                var asked = new List<string>();
                int refused = 0;
                using var stop = new CancellationTokenSource();
                var swapper = Swapper(scanned, mallory, mine, stop.Token);
                try
                {
                    for (int i = 0; i < Rounds; i++)
                    {
                        var scanner = new NpmTokenScanner(SystemPlatform.Instance)
                        {
                            IsCI = false,
                            Environment = new Dictionary<string, string> { ["NPMH_RACE"] = "operator-secret" },
                            OnlineCheck = (scope, registries, token, proxy) =>
                            {
                                asked.Add(scope);
                                return new NpmTokenCheck { Registry = "https:" + scope, Scope = scope, Valid = true };
                            },
                        };
                        foreach (var f in scanner.ScanFile(scanned))
                            if (f.OnlineState == NpmOnlineCheckState.ReferenceNotChecked) refused++;
                    }
                }
                finally { stop.Cancel(); swapper.Join(); }

                Assert.DoesNotContain("//mallory.test/", asked);
                // both files were met: the swap really happened during the scans
                Assert.True(refused > 0, $"mallory's file was never met in {Rounds} rounds");
            }
            finally { Directory.Delete(root, true); }
        }

        [Fact]
        public void A_users_start_up_file_swapped_to_a_root_file_never_gives_roots_value()
        {
            if (!CanRun) return;
            var root = Directory.CreateTempSubdirectory("npmh-race-").FullName;
            try
            {
                Run("/bin/chmod", "755", root);
                var home = Path.Combine(root, "home");
                Directory.CreateDirectory(home);
                var own = Path.Combine(root, "own.sh");
                var vault = Path.Combine(root, "vault.sh");
                File.WriteAllText(own, "export NPMH_RACE=the-users-value\n");
                File.WriteAllText(vault, "export NPMH_RACE=roots-value\n");
                Run("/bin/chown", $"{Nobody}:{Nobody}", own, home);
                Run("/bin/chmod", "600", vault);
                var bashrc = Path.Combine(home, ".bashrc");
                File.CreateSymbolicLink(bashrc, own);

                var name = UnixFileStatus.UserName(Nobody);
                var profile = new UserProfileInfo(name, home, Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture), false);
                var values = new List<string?>();
                using var stop = new CancellationTokenSource();
                var swapper = Swapper(bashrc, own, vault, stop.Token);
                try
                {
                    for (int i = 0; i < Rounds; i++)
                    {
                        var provenance = new SecretProvenance(SystemPlatform.Instance, AuditedAccount.ForProfile(profile), null, profile);
                        values.Add(provenance.Lookup("NPMH_RACE").Value);
                    }
                }
                finally { stop.Cancel(); swapper.Join(); }

                Assert.DoesNotContain("roots-value", values);
                Assert.Contains("the-users-value", values);
            }
            finally { Directory.Delete(root, true); }
        }
    }
}
