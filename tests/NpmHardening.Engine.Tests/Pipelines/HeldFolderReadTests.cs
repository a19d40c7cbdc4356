using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Pipelines
{
    /// <summary>
    /// Files read through the descriptor of a folder the scan listed (UnixHeldFolder) get the answers a walk from "/"
    /// gives: the same bytes and physical path, and every case the walk treats differently (a link, a special file, an
    /// entry someone else controls) is handed back to the walk, so links out of the repository are still refused.
    /// </summary>
    public sealed class HeldFolderReadTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "npmh-held-" + Guid.NewGuid().ToString("N"));
        private readonly string _outside = Path.Combine(Path.GetTempPath(), "npmh-held-out-" + Guid.NewGuid().ToString("N"));
        private string Workflows => Path.Combine(_root, ".github", "workflows");

        public HeldFolderReadTests()
        {
            Directory.CreateDirectory(Workflows);
            Directory.CreateDirectory(_outside);
        }

        public void Dispose()
        {
            foreach (var d in new[] { _root, _outside })
                try { Directory.Delete(d, true); } catch (IOException) { }
        }

        private static void MkFifo(string path)
        {
            using var p = Process.Start(new ProcessStartInfo("mkfifo", new[] { path }) { UseShellExecute = false })!;
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }

        [UnixFact("Unix modes, owners and symbolic links of held folders.")]
        public void A_held_folder_lists_what_ListDirectory_lists_and_reads_a_file_as_the_full_walk_does()
        {
            if (OperatingSystem.IsWindows()) return;
            File.WriteAllText(Path.Combine(Workflows, "ci.yml"), "on: push\n");
            File.WriteAllText(Path.Combine(Workflows, "big.yml"), new string('a', 2000));
            File.CreateSymbolicLink(Path.Combine(Workflows, "link.yml"), Path.Combine(Workflows, "ci.yml"));
            Directory.CreateDirectory(Path.Combine(Workflows, "sub"));
            MkFifo(Path.Combine(Workflows, "pipe.yml"));
            var platform = SystemPlatform.Instance;
            using var held = platform.HoldFolder(Workflows)!;
            Assert.NotNull(held);
            Assert.Equal(platform.ListDirectory(Workflows)!.Select(e => e.Name + ":" + e.Kind).OrderBy(x => x, StringComparer.Ordinal),
                held.Entries.Select(e => e.Name + ":" + e.Kind).OrderBy(x => x, StringComparer.Ordinal));

            var viaFolder = held.Read("ci.yml", 1000, Path.Combine(Workflows, "ci.yml"))!;
            var viaWalk = platform.ReadFile(Path.Combine(Workflows, "ci.yml"), 1000);
            Assert.Equal(FileReadStatus.Ok, viaFolder.Status);
            Assert.Equal(viaWalk.Bytes, viaFolder.Bytes);
            Assert.Equal(viaWalk.PhysicalPath, viaFolder.PhysicalPath);
            Assert.Equal(viaWalk.ControlledBy, viaFolder.ControlledBy);

            var tooLarge = held.Read("big.yml", 1000, Path.Combine(Workflows, "big.yml"))!;
            Assert.Equal(FileReadStatus.TooLarge, tooLarge.Status);
            Assert.Equal(2000, tooLarge.Length);
            Assert.Equal(FileReadStatus.NotFound, held.Read("none.yml", 1000, Path.Combine(Workflows, "none.yml"))!.Status);
            // what the walk handles differently is left to it
            Assert.Null(held.Read("link.yml", 1000, Path.Combine(Workflows, "link.yml")));
            Assert.Null(held.Read("pipe.yml", 1000, Path.Combine(Workflows, "pipe.yml")));
            Assert.Null(held.Read("sub", 1000, Path.Combine(Workflows, "sub")));
            Assert.Null(held.Read("../x", 1000, Path.Combine(_root, ".github", "x")));
            held.Dispose();
            Assert.Null(held.Read("ci.yml", 1000, Path.Combine(Workflows, "ci.yml")));
        }

        [UnixFact("Unix modes, owners and symbolic links of held folders.")]
        public void A_folder_opened_below_a_held_one_is_what_the_walk_opens_and_links_or_open_folders_are_left_to_the_walk()
        {
            if (OperatingSystem.IsWindows()) return;
            File.WriteAllText(Path.Combine(Workflows, "ci.yml"), "on: push\n");
            Directory.CreateSymbolicLink(Path.Combine(_root, "linked"), _outside);
            Directory.CreateDirectory(Path.Combine(_root, "open", "inner"));
            File.SetUnixFileMode(Path.Combine(_root, "open"), (UnixFileMode)0x1FF); // 0777: everyone controls "inner"
            File.WriteAllText(Path.Combine(_root, "file"), "x");
            var platform = SystemPlatform.Instance;
            using var root = platform.HoldFolder(_root)!;
            using var below = root.HoldBelow(".github/workflows")!;
            Assert.NotNull(below);
            using var walked = platform.HoldFolder(Workflows)!;
            Assert.Equal(walked.PhysicalPath, below.PhysicalPath);
            Assert.Equal(walked.Entries.Select(e => e.Name + ":" + e.Kind), below.Entries.Select(e => e.Name + ":" + e.Kind));
            Assert.Equal(walked.Principals, below.Principals);
            Assert.Equal(platform.ReadFile(Path.Combine(Workflows, "ci.yml"), 100).Bytes, below.Read("ci.yml", 100, Path.Combine(Workflows, "ci.yml"))!.Bytes);
            Assert.Null(root.HoldBelow("linked"));
            Assert.Null(root.HoldBelow("open/inner"));
            Assert.Null(root.HoldBelow("missing"));
            Assert.Null(root.HoldBelow("file"));
            Assert.Null(root.HoldBelow(".github/../.github"));
        }

        [UnixFact("Unix modes, owners and symbolic links of held folders.")]
        public void An_entry_in_a_folder_everyone_may_write_is_left_to_the_walk()
        {
            if (OperatingSystem.IsWindows()) return;
            File.WriteAllText(Path.Combine(Workflows, "ci.yml"), "on: push\n");
            File.SetUnixFileMode(Workflows, (UnixFileMode)0x1FF); // 0777: everyone controls its entries
            using var held = SystemPlatform.Instance.HoldFolder(Workflows);
            // the walk to the folder did not meet that controller; only the full walk checks every folder for it
            if (held != null) Assert.Null(held.Read("ci.yml", 1000, Path.Combine(Workflows, "ci.yml")));
        }

        [UnixFact("Unix modes, owners and symbolic links of held folders.")]
        public void A_folder_whose_mode_changed_after_it_was_held_is_left_to_the_walk()
        {
            if (OperatingSystem.IsWindows()) return;
            File.WriteAllText(Path.Combine(Workflows, "ci.yml"), "on: push\n");
            Directory.CreateDirectory(Path.Combine(Workflows, "sub"));
            using var held = SystemPlatform.Instance.HoldFolder(Workflows)!;
            Assert.NotNull(held.Read("ci.yml", 1000, Path.Combine(Workflows, "ci.yml")));
            // the owner lets everyone write it during the scan: what was judged when it was opened no longer holds
            File.SetUnixFileMode(Workflows, (UnixFileMode)0x1FF);
            Assert.Null(held.Read("ci.yml", 1000, Path.Combine(Workflows, "ci.yml")));
            Assert.Null(held.HoldBelow("sub"));
        }

        [UnixFact("Unix modes, owners and symbolic links of held folders.")]
        public void A_scan_that_listed_the_folder_still_refuses_links_out_special_files_and_oversized_files()
        {
            if (OperatingSystem.IsWindows()) return;
            File.WriteAllText(Path.Combine(_outside, "secret.yml"), "token: x");
            File.CreateSymbolicLink(Path.Combine(Workflows, "evil.yml"), Path.Combine(_outside, "secret.yml"));
            File.WriteAllText(Path.Combine(_root, "real.yml"), "a: 1\n");
            File.CreateSymbolicLink(Path.Combine(Workflows, "ok.yml"), Path.Combine(_root, "real.yml"));
            File.WriteAllText(Path.Combine(Workflows, "ci.yml"), "on: push\n");
            File.WriteAllText(Path.Combine(Workflows, "big.yml"), new string('a', 300));
            MkFifo(Path.Combine(Workflows, "pipe.yml"));

            using var listed = new FileCiRepository(SystemPlatform.Instance, _root, maxBytes: 200);
            Assert.Equal(new[] { "big.yml", "ci.yml", "evil.yml", "ok.yml", "pipe.yml" }, listed.ListFiles(".github/workflows").ToArray());
            var fresh = new FileCiRepository(SystemPlatform.Instance, _root, maxBytes: 200);
            Assert.Equal(fresh.ReadText(".github/workflows/ci.yml"), listed.ReadText(".github/workflows/ci.yml"));
            Assert.Equal("a: 1\n", listed.ReadText(".github/workflows/ok.yml"));
            foreach (var name in new[] { "evil.yml", "pipe.yml", "big.yml" })
            {
                var expected = Assert.Throws<CiDefinitionException>(() => fresh.ReadText(".github/workflows/" + name));
                var actual = Assert.Throws<CiDefinitionException>(() => listed.ReadText(".github/workflows/" + name));
                Assert.Equal(expected.Message, actual.Message);
            }
            Assert.Contains("leads out of the repository", Assert.Throws<CiDefinitionException>(() => listed.ReadText(".github/workflows/evil.yml")).Message);
            Assert.Null(listed.ReadText(".github/workflows/none.yml"));
            // after Dispose the repository still reads, by full walks
            listed.Dispose();
            Assert.Equal("a: 1\n", new FileCiRepository(SystemPlatform.Instance, _root).ReadText("real.yml"));
        }
    }
}
