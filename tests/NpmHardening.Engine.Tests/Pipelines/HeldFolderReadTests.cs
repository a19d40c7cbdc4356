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
        public void The_scans_read_keeps_the_read_buffer_and_its_count_and_decodes_only_the_files_bytes()
        {
            if (OperatingSystem.IsWindows()) return;
            var text = "on: push\njobs: {}\n";
            File.WriteAllText(Path.Combine(Workflows, "ci.yml"), text);
            using var held = SystemPlatform.Instance.HoldFolder(Workflows)!;
            var read = held.Read("ci.yml", 1000, Path.Combine(Workflows, "ci.yml"), withControllers: false)!;
            Assert.Equal(FileReadStatus.Ok, read.Status);
            var content = read.Content!.Value;
            // the buffer has the extra byte that sees growth, zero and past the count: decoding it would find a NUL
            Assert.Equal(text.Length, content.Count);
            Assert.True(content.Array!.Length > content.Count);
            Assert.Equal(0, content.Array[content.Count]);
            Assert.Equal(text, FileCiRepository.Decode("ci.yml", content));
            Assert.Throws<CiDefinitionException>(() => FileCiRepository.Decode("ci.yml", content.Array));
            // the public shape is unchanged: Bytes is exactly the file
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), read.Bytes);
            Assert.Equal(text.Length, read.Length);
            // and a repository that listed the folder (so reads it through the held descriptor) gives the same text
            using var repository = new FileCiRepository(SystemPlatform.Instance, _root);
            Assert.Contains("ci.yml", repository.ListFiles(".github/workflows"));
            Assert.Equal(text, repository.ReadText(".github/workflows/ci.yml"));
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

        [UnixRootFact]
        public void Without_controllers_a_file_whose_ACL_denies_a_principal_is_still_refused()
        {
            // A folder of another account (Mallory) in a folder she owns: she is a principal of the walk that reaches it,
            // so every file read there must be readable by her. One file's ACL names her with no permission while its
            // mode bits let everyone read it: only the ACL can refuse it, so the read that skips what nobody looks at
            // (the controllers) must still read the ACL when a principal is to be checked.
            if (OperatingSystem.IsWindows()) return;
            const uint Mallory = 47011;
            var parent = Path.Combine(_root, "mallory");
            var folder = Path.Combine(parent, "ci");
            Directory.CreateDirectory(folder);
            foreach (var d in new[] { parent, folder })
            {
                File.SetUnixFileMode(d, (UnixFileMode)0x1ED); // 0755
                Assert.Equal(0, Libc.lchown(d, Mallory, Mallory));
            }
            var open = Path.Combine(folder, "open.yml");
            var denied = Path.Combine(folder, "denied.yml");
            foreach (var f in new[] { open, denied })
            {
                File.WriteAllText(f, "on: push\n");
                File.SetUnixFileMode(f, (UnixFileMode)0x1A4); // 0644, owned by root
            }
            // system.posix_acl_access, version 2: user::rw- user:Mallory:--- group::r-- mask::r-- other::r--
            var acl = new byte[4 + 5 * 8];
            BitConverter.GetBytes(2u).CopyTo(acl, 0);
            void Entry(int i, ushort tag, ushort perm, uint id)
            {
                BitConverter.GetBytes(tag).CopyTo(acl, 4 + i * 8);
                BitConverter.GetBytes(perm).CopyTo(acl, 6 + i * 8);
                BitConverter.GetBytes(id).CopyTo(acl, 8 + i * 8);
            }
            Entry(0, PosixAclEntry.UserObj, 6, uint.MaxValue);
            Entry(1, PosixAclEntry.User, 0, Mallory);
            Entry(2, PosixAclEntry.GroupObj, 4, uint.MaxValue);
            Entry(3, PosixAclEntry.Mask, 4, uint.MaxValue);
            Entry(4, PosixAclEntry.Other, 4, uint.MaxValue);
            if (Libc.setxattr(denied, "system.posix_acl_access", acl, (UIntPtr)acl.Length, 0) != 0)
            {
                // a file system without POSIX ACLs cannot hold the case this test is about
                Assert.Contains(System.Runtime.InteropServices.Marshal.GetLastWin32Error(), new[] { 95 /* EOPNOTSUPP */ });
                return;
            }

            var platform = SystemPlatform.Instance;
            Assert.Equal(FileReadStatus.Ok, platform.ReadFile(open, 1000).Status);
            Assert.Equal(FileReadStatus.AccessDenied, platform.ReadFile(denied, 1000).Status);
            using var held = platform.HoldFolder(folder)!;
            Assert.Contains(held.Principals, p => p.Kind == FilePrincipalKind.User && p.Id == Mallory);
            foreach (var withControllers in new[] { true, false })
            {
                var read = held.Read("open.yml", 1000, open, withControllers);
                Assert.Equal(FileReadStatus.Ok, read!.Status);
                Assert.Equal(platform.ReadFile(open, 1000).Bytes, read.Bytes);
                // refused here, so the caller takes the full walk, which refuses it too (above)
                Assert.Null(held.Read("denied.yml", 1000, denied, withControllers));
            }
            // the repository a scan reads through (withControllers: false) refuses it as the walk does
            using var repository = new FileCiRepository(platform, folder);
            Assert.Contains("denied.yml", repository.ListFiles("")); // the listing holds the folder: reads go through it
            Assert.Equal("on: push\n", repository.ReadText("open.yml"));
            Assert.Throws<CiDefinitionException>(() => repository.ReadText("denied.yml"));
        }

        private static class Libc
        {
            [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
            public static extern int lchown(string path, uint owner, uint group);

            [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
            public static extern int setxattr(string path, string name, byte[] value, UIntPtr size, int flags);
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
