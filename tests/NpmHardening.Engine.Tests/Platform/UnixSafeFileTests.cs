using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Platform
{
    /// <summary>
    /// The descriptor-based file access on the real file system: special files are never opened, and a folder or link
    /// another account controls bounds what is read and written by that account's own permissions. Accounts are uids
    /// with no passwd entry (4321, 4322), so nothing on the machine is touched.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public sealed class UnixSafeFileTests : IDisposable
    {
        private const uint Mallory = 4321;
        private readonly string _root = Path.Combine(Path.GetTempPath(), "npmh-safe-" + Guid.NewGuid().ToString("N"));

        public UnixSafeFileTests()
        {
            Directory.CreateDirectory(_root);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_root, (UnixFileMode)0x1ED); // 0755
        }

        public void Dispose()
        {
            try { Directory.Delete(_root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private string Folder(string name, int mode, uint uid = 0)
        {
            var path = Path.Combine(_root, name);
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, (UnixFileMode)mode);
            if (uid != 0) Chown(path, uid);
            return path;
        }

        private static string WriteFile(string path, string text, int mode, uint uid = 0)
        {
            File.WriteAllText(path, text);
            File.SetUnixFileMode(path, (UnixFileMode)mode);
            if (uid != 0) Chown(path, uid);
            return path;
        }

        private static void Chown(string path, uint uid) => Assert.Equal(0, Libc.lchown(path, uid, uid));

        private static class Libc
        {
            [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
            public static extern int lchown(string path, uint owner, uint group);

            [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
            public static extern int mkfifo(string path, int mode);
        }

        [Fact]
        public void A_write_target_says_whether_its_last_component_was_a_followed_link()
        {
            if (OperatingSystem.IsWindows()) return;
            var real = Folder("real", 0x1ED);
            var file = Path.Combine(real, "state.json");
            File.WriteAllText(file, "{}");
            var finalLink = Path.Combine(_root, "final.json");
            File.CreateSymbolicLink(finalLink, file);
            var chained = Path.Combine(_root, "chained.json");
            File.CreateSymbolicLink(chained, finalLink);
            var folderLink = Path.Combine(_root, "linked");
            Directory.CreateSymbolicLink(folderLink, real);
            var missingThroughLink = Path.Combine(_root, "dangling.json");
            File.CreateSymbolicLink(missingThroughLink, Path.Combine(real, "missing.json"));

            (string Path, bool Followed)[] cases =
            {
                (file, false),
                (finalLink, true),
                (chained, true),
                (Path.Combine(folderLink, "state.json"), false),
                (Path.Combine(real, "missing.json"), false),
                (missingThroughLink, true),
            };
            foreach (var (path, followed) in cases)
            {
                using var target = SystemFileWriter.Instance.Open(path, new WriteTargetPolicy());
                Assert.True(followed == target.FinalLinkFollowed, $"{path}: FinalLinkFollowed {target.FinalLinkFollowed}, expected {followed}");
            }
        }

        [Fact]
        public void A_fifo_is_reported_not_opened_so_nothing_blocks()
        {
            if (OperatingSystem.IsWindows()) return;
            var fifo = Path.Combine(_root, ".npmrc");
            Assert.Equal(0, Libc.mkfifo(fifo, 0x1A4));
            var watch = Stopwatch.StartNew();
            var read = SystemPlatform.Instance.ReadFile(fifo, 1 << 20);
            Assert.Equal(FileReadStatus.NotRegularFile, read.Status);
            Assert.Contains("FIFO", read.Error);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30)); // a blocking open would never return at all
            Assert.False(SystemPlatform.Instance.FileExists(fifo));
            Assert.Null(SystemPlatform.Instance.OpenRead(fifo));
            // a character device too
            Assert.Equal(FileReadStatus.NotRegularFile, SystemPlatform.Instance.ReadFile("/dev/null", 1 << 20).Status);
        }

        [Fact]
        public void A_folder_removed_or_replaced_since_the_last_walk_is_not_used_from_memory()
        {
            if (OperatingSystem.IsWindows()) return;
            var folder = Folder("state", 0x1ED);
            var inner = Path.Combine(folder, "inner");
            Directory.CreateDirectory(inner);
            File.WriteAllText(Path.Combine(inner, "npmrc"), "a=1\n");
            Assert.Equal("a=1\n", Encoding.UTF8.GetString(SystemPlatform.Instance.ReadFile(Path.Combine(inner, "npmrc"), 100).Bytes!));
            // within the few seconds a trusted chain is remembered, the folder is replaced by another one of the same name
            Directory.Delete(folder, true);
            Directory.CreateDirectory(inner);
            File.WriteAllText(Path.Combine(inner, "npmrc"), "b=2\n");
            Assert.Equal("b=2\n", Encoding.UTF8.GetString(SystemPlatform.Instance.ReadFile(Path.Combine(inner, "npmrc"), 100).Bytes!));
            Directory.Move(folder, folder + "-moved");
            Assert.Equal(FileReadStatus.NotFound, SystemPlatform.Instance.ReadFile(Path.Combine(inner, "npmrc"), 100).Status);
        }

        [UnixRootFact]
        public void A_folder_given_to_another_account_since_the_last_walk_is_judged_by_its_new_owner()
        {
            var shared = Folder("shared", 0x1ED);
            var inner = Path.Combine(shared, "inner");
            Directory.CreateDirectory(inner);
            var rc = WriteFile(Path.Combine(inner, "npmrc"), "a=1\n", 0x180);
            Assert.Equal(FileReadStatus.Ok, SystemPlatform.Instance.ReadFile(rc, 100).Status);
            // within the few seconds the chain is remembered, root gives the folder to Mallory: the file is now reached
            // through Mallory's folder, and Mallory cannot read root's 0600 file
            Chown(inner, Mallory);
            Assert.Equal(FileReadStatus.AccessDenied, SystemPlatform.Instance.ReadFile(rc, 100).Status);
            Chown(inner, 0);
            Assert.Equal(FileReadStatus.Ok, SystemPlatform.Instance.ReadFile(rc, 100).Status);
        }

        [UnixRootFact]
        public void A_link_in_another_users_folder_never_reaches_where_that_user_cannot_go()
        {
            var secret = Folder("root-only", 0x1C0); // 0700
            WriteFile(Path.Combine(secret, "npmrc"), "secret=TOPSECRET\n", 0x1A4);
            var home = Folder("home", 0x1ED, Mallory);
            File.CreateSymbolicLink(Path.Combine(home, ".npmrc"), Path.Combine(secret, "npmrc"));
            Chown(Path.Combine(home, ".npmrc"), Mallory);

            var read = SystemPlatform.Instance.ReadFile(Path.Combine(home, ".npmrc"), 1 << 20);
            Assert.Equal(FileReadStatus.AccessDenied, read.Status);
            Assert.Contains(Mallory.ToString(), read.Error);
            Assert.Null(read.Bytes);
            // the same file read by its own path, by root, is fine: only the user's way to it is refused
            Assert.Equal(FileReadStatus.Ok, SystemPlatform.Instance.ReadFile(Path.Combine(secret, "npmrc"), 1 << 20).Status);
        }

        [UnixRootFact]
        public void Reading_for_an_account_reads_only_what_it_could_read()
        {
            var open = Folder("open", 0x1ED);
            WriteFile(Path.Combine(open, "world"), "a=1\n", 0x1A4);
            WriteFile(Path.Combine(open, "private"), "b=2\n", 0x180);
            var asMallory = SystemPlatform.Instance.As(new[] { FilePrincipal.UnixUser(Mallory) });
            Assert.Equal(FileReadStatus.Ok, asMallory.ReadFile(Path.Combine(open, "world"), 1 << 20).Status);
            Assert.Equal(FileReadStatus.AccessDenied, asMallory.ReadFile(Path.Combine(open, "private"), 1 << 20).Status);
            Assert.True(asMallory.FileExists(Path.Combine(open, "private")));
            var closed = Folder("closed", 0x1C0);
            WriteFile(Path.Combine(closed, "world"), "c=3\n", 0x1A4);
            Assert.False(asMallory.FileExists(Path.Combine(closed, "world")));
            Assert.True(SystemPlatform.Instance.FileExists(Path.Combine(closed, "world")));
        }

        [UnixRootFact]
        public void What_was_read_says_who_could_have_written_it()
        {
            var home = Folder("home", 0x1ED, Mallory);
            var rc = WriteFile(Path.Combine(home, ".npmrc"), "globalconfig=/etc/x\n", 0x180, Mallory);
            var read = SystemPlatform.Instance.ReadFile(rc, 1 << 20);
            Assert.Equal(FileReadStatus.Ok, read.Status);
            Assert.Contains(FilePrincipal.UnixUser(Mallory), read.ControlledBy);
            var mine = WriteFile(Path.Combine(Folder("root", 0x1ED), "npmrc"), "a=1\n", 0x1A4);
            Assert.Empty(SystemPlatform.Instance.ReadFile(mine, 1 << 20).ControlledBy);
        }

        [UnixRootFact]
        public void A_write_target_refuses_a_hard_link_and_a_folder_its_principal_cannot_write()
        {
            var home = Folder("home", 0x1ED, Mallory);
            var elsewhere = WriteFile(Path.Combine(Folder("etc", 0x1ED), "victim"), "v\n", 0x1A4);
            var link = Path.Combine(home, ".npmrc");
            Assert.Equal(0, Link(elsewhere, link));
            var e = Assert.Throws<SafePathException>(() => SystemFileWriter.Instance.Open(link, new WriteTargetPolicy()).Dispose());
            Assert.Equal(SafePathError.HardLinked, e.Error);

            // an account named by the policy must be able to write the folder itself
            var rootFolder = Folder("shared", 0x1ED);
            var e2 = Assert.Throws<SafePathException>(() =>
                SystemFileWriter.Instance.Open(Path.Combine(rootFolder, ".npmrc"), new WriteTargetPolicy { Principals = new[] { FilePrincipal.UnixUser(Mallory) } }).Dispose());
            Assert.Equal(SafePathError.NotPermittedForPrincipal, e2.Error);
            using (SystemFileWriter.Instance.Open(Path.Combine(rootFolder, ".npmrc"), new WriteTargetPolicy())) { }
        }

        [UnixRootFact]
        public void In_a_sticky_folder_another_accounts_file_is_not_replaced_for_someone_else()
        {
            var tmp = Folder("tmp", 0x3FF); // 1777
            var theirs = WriteFile(Path.Combine(tmp, ".npmrc"), "a=1\n", 0x1B6, 4322);
            var e = Assert.Throws<SafePathException>(() =>
                SystemFileWriter.Instance.Open(theirs, new WriteTargetPolicy { Principals = new[] { FilePrincipal.UnixUser(Mallory) } }).Dispose());
            Assert.Equal(SafePathError.NotPermittedForPrincipal, e.Error);
        }

        [UnixRootFact]
        public void The_backup_folder_must_be_private_to_this_account()
        {
            var theirs = Folder("theirs", 0x1C0, Mallory);
            Assert.Equal(SafePathError.Untrusted, Assert.Throws<SafePathException>(() => SystemFileWriter.Instance.OpenPrivateFolder(theirs, false)).Error);
            var shared = Folder("shared", 0x1E8); // 0750
            Assert.Equal(SafePathError.Untrusted, Assert.Throws<SafePathException>(() => SystemFileWriter.Instance.OpenPrivateFolder(shared, false)).Error);
            var under = Path.Combine(Folder("users", 0x1ED, Mallory), "store");
            Assert.Equal(SafePathError.Untrusted, Assert.Throws<SafePathException>(() => SystemFileWriter.Instance.OpenPrivateFolder(under, true)).Error);
            Assert.False(Directory.Exists(under));

            var fresh = Path.Combine(_root, "state", "npmhardening", "backups");
            using (var folder = SystemFileWriter.Instance.OpenPrivateFolder(fresh, true))
            {
                folder.Write("a.json", Encoding.UTF8.GetBytes("{}"));
                Assert.Equal("{}", Encoding.UTF8.GetString(folder.Read("a.json", 100)!));
            }
            Assert.Equal(0x1C0, (int)File.GetUnixFileMode(fresh));
            Assert.Equal(0x180, (int)File.GetUnixFileMode(Path.Combine(fresh, "a.json")));
            // a manifest someone else put there is not read
            WriteFile(Path.Combine(fresh, "b.json"), "{}", 0x180, Mallory);
            using (var folder = SystemFileWriter.Instance.OpenPrivateFolder(fresh, false))
                Assert.Equal(SafePathError.Untrusted, Assert.Throws<SafePathException>(() => folder.Read("b.json", 100)).Error);
        }

        private static int Link(string existing, string link) => LinkNative.link(existing, link);

        private static class LinkNative
        {
            [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
            public static extern int link(string existing, string created);
        }
    }
}
