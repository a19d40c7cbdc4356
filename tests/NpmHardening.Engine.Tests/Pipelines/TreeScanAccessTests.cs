using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Pipelines
{
    /// <summary>
    /// The cheaper file access of a tree scan (issue 11, third round) gives the answers of the access it replaced:
    /// folder listings whose kinds come from the folder's own records (getdents64 d_type) say what an lstat per entry
    /// says, the repository walk finds the repositories the .NET enumeration found, and a repository opened from its
    /// held parent folder lists, reads and refuses exactly as one opened by the full walk and realpath.
    /// </summary>
    public sealed class TreeScanAccessTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "npmh-treescan-" + Guid.NewGuid().ToString("N"));
        private readonly string _outside = Path.Combine(Path.GetTempPath(), "npmh-treescan-out-" + Guid.NewGuid().ToString("N"));

        public TreeScanAccessTests()
        {
            Directory.CreateDirectory(_root);
            Directory.CreateDirectory(_outside);
        }

        public void Dispose()
        {
            foreach (var d in new[] { _root, _outside })
            {
                if (!OperatingSystem.IsWindows())
                    foreach (var closed in new[] { Path.Combine(d, "closed"), Path.Combine(d, "org") })
                        try { if (Directory.Exists(closed)) File.SetUnixFileMode(closed, (UnixFileMode)0x1ED); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                try { Directory.Delete(d, true); } catch (IOException) { }
            }
        }

        private static void MkFifo(string path)
        {
            using var p = Process.Start(new ProcessStartInfo("mkfifo", new[] { path }) { UseShellExecute = false })!;
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }

        /// <summary>What the listing said before: every name .NET lists, with its own kind from lstat.</summary>
        private static List<string> ByLstat(string folder)
        {
            var expected = new List<string>();
            foreach (var path in Directory.GetFileSystemEntries(folder))
            {
                var name = Path.GetFileName(path);
                Assert.True(UnixLibc.StatAt(UnixLibc.AT_FDCWD, path, false, out var st, out _));
                var kind = st.IsSymbolicLink ? FileEntryKind.SymbolicLink : st.IsDirectory ? FileEntryKind.Directory : FileEntryKind.File;
                expected.Add(name + ":" + kind);
            }
            expected.Sort(StringComparer.Ordinal);
            return expected;
        }

        [Fact]
        public void A_listing_from_the_folders_records_names_every_entry_with_the_kind_lstat_gives_it()
        {
            if (!OperatingSystem.IsLinux()) return;
            var folder = Path.Combine(_root, "mixed");
            Directory.CreateDirectory(Path.Combine(folder, "sub"));
            File.WriteAllText(Path.Combine(folder, "ci.yml"), "on: push\n");
            File.WriteAllText(Path.Combine(folder, "café-ü-\u6f22.yml"), "x: 1\n");
            File.WriteAllText(Path.Combine(folder, ".hidden"), "");
            File.CreateSymbolicLink(Path.Combine(folder, "to-file.yml"), Path.Combine(folder, "ci.yml"));
            Directory.CreateSymbolicLink(Path.Combine(folder, "to-folder"), Path.Combine(folder, "sub"));
            File.CreateSymbolicLink(Path.Combine(folder, "dangling.yml"), Path.Combine(folder, "nowhere"));
            MkFifo(Path.Combine(folder, "pipe.yml"));
            // more entries than one 32 KiB getdents64 buffer holds, so the listing takes several calls
            for (var i = 0; i < 700; i++) File.WriteAllText(Path.Combine(folder, $"workflow-with-a-rather-long-name-{i:D4}.yml"), "");

            using var held = SystemPlatform.Instance.HoldFolder(folder)!;
            Assert.NotNull(held);
            var listed = held.Entries.Select(e => e.Name + ":" + e.Kind).OrderBy(x => x, StringComparer.Ordinal).ToList();
            Assert.Equal(ByLstat(folder), listed);
            Assert.Equal(708, listed.Count); // the eight above and the 700
            Assert.Contains("to-folder:SymbolicLink", listed);
            Assert.Contains("pipe.yml:File", listed); // a special file is listed as a file; reading it is refused
            Assert.Contains("sub:Directory", listed);
            Assert.DoesNotContain(listed, e => e.StartsWith(".:", StringComparison.Ordinal) || e.StartsWith("..:", StringComparison.Ordinal));

            // a folder opened from a held one is listed the same way
            using var below = SystemPlatform.Instance.HoldFolder(_root)!.HoldBelow("mixed")!;
            Assert.Equal(listed, below.Entries.Select(e => e.Name + ":" + e.Kind).OrderBy(x => x, StringComparer.Ordinal).ToList());
        }

        [Fact]
        public void The_raw_listing_answers_null_for_a_descriptor_it_cannot_list_so_the_caller_lists_another_way()
        {
            if (!OperatingSystem.IsLinux()) return;
            // an O_PATH descriptor (what the walk holds for folders on the way) takes no getdents64
            int fd = UnixLibc.OpenAt(UnixLibc.AT_FDCWD, _root, UnixLibc.O_PATH_OR_RDONLY | UnixLibc.O_DIRECTORY | UnixLibc.O_CLOEXEC);
            Assert.True(fd >= 0);
            try { Assert.Null(UnixLibc.ReadDirectory(fd)); }
            finally { UnixLibc.Close(fd); }
        }

        [UnixFact("Unix modes, owners and symbolic links in the scanned tree.")]
        public void The_repository_walk_finds_what_the_enumeration_found_and_never_follows_a_link_to_a_folder()
        {
            if (OperatingSystem.IsWindows()) return;
            void Dir(string relative) => Directory.CreateDirectory(Path.Combine(_root, relative));
            void Put(string relative) => File.WriteAllText(Path.Combine(_root, relative), "x: 1\n");
            Dir("org/a/.git");                                   // a repository by its .git folder
            Dir("org/b/src"); Put("org/b/.gitlab-ci.yml");       // by a claimed CI file
            Dir("org/c");                                        // by a link named like a CI file, to a file
            Put("org/c-target.txt");
            File.CreateSymbolicLink(Path.Combine(_root, "org/c/Jenkinsfile"), Path.Combine(_root, "org/c-target.txt"));
            Dir("org/d");                                        // by a dangling link named like a CI file
            File.CreateSymbolicLink(Path.Combine(_root, "org/d/bitbucket-pipelines.yml"), Path.Combine(_root, "org/none"));
            Dir("org/e/.gitlab-ci.yml/inner/.github");           // a folder named like a CI file is walked into, not claimed
            Directory.CreateSymbolicLink(Path.Combine(_root, "org/f"), Path.Combine(_root, "org/a")); // a link to a repository: not entered
            Dir("org/g/node_modules/pkg/.git");                  // node_modules is never entered
            Dir("org/h/deeper/repo/.circleci");
            Dir("org/.git-not/x/.github");                       // only an exact marker name counts
            Directory.CreateSymbolicLink(Path.Combine(_root, "org/out"), _outside);
            Directory.CreateDirectory(Path.Combine(_outside, "r/.git"));

            var readers = PublishPipelineScanner.DefaultReaders();
            bool Claims(string name) => readers.Any(r => r.Claims(name));
            var visited = new List<string>();
            var found = RepositoryWalker.Find(_root, Claims, visited.Add).Select(p => p.Substring(_root.Length + 1)).OrderBy(x => x, StringComparer.Ordinal).ToList();
            Assert.Equal(new[] { "org/.git-not/x", "org/a", "org/b", "org/c", "org/d", "org/e/.gitlab-ci.yml/inner", "org/h/deeper/repo" }, found);
            Assert.DoesNotContain(visited, v => v.Contains("node_modules", StringComparison.Ordinal) || v.EndsWith("/org/f", StringComparison.Ordinal) || v.EndsWith("/org/out", StringComparison.Ordinal));
            // the paths handed on are the enumeration's full names: the root as given, '/', the name
            Assert.Contains(Path.Combine(_root, "org", "a"), RepositoryWalker.Find(_root + "/", Claims));
        }

        [UnixFact("Unix modes, owners and symbolic links in the scanned tree.")]
        public void An_unreadable_folder_is_still_reported_by_the_walk_and_the_walk_goes_on()
        {
            if (OperatingSystem.IsWindows() || UnixLibc.EffectiveUserId == 0) return; // root reads any folder
            Directory.CreateDirectory(Path.Combine(_root, "closed", "r", ".git"));
            Directory.CreateDirectory(Path.Combine(_root, "open", "r", ".git"));
            File.SetUnixFileMode(Path.Combine(_root, "closed"), UnixFileMode.None);
            var unreadable = new List<(string, Exception)>();
            var found = RepositoryWalker.Find(_root, _ => false, null, (d, e) => unreadable.Add((d, e))).ToList();
            Assert.Equal(new[] { Path.Combine(_root, "open", "r") }, found);
            var (dir, error) = Assert.Single(unreadable);
            Assert.Equal(Path.Combine(_root, "closed"), dir);
            Assert.IsType<UnauthorizedAccessException>(error);
        }

        private void Repository(string name)
        {
            var root = Path.Combine(_root, "org", name);
            Directory.CreateDirectory(Path.Combine(root, ".github", "workflows"));
            File.WriteAllText(Path.Combine(root, ".github", "workflows", "ci.yml"), "on: push\n");
            File.WriteAllText(Path.Combine(root, "package.json"), "{\"name\":\"" + name + "\"}");
            File.WriteAllText(Path.Combine(_outside, "secret.yml"), "token: x\n");
            File.CreateSymbolicLink(Path.Combine(root, ".github", "workflows", "out.yml"), Path.Combine(_outside, "secret.yml"));
        }

        /// <summary>What a scan sees of a repository: its listings, its texts, and which reads are refused.</summary>
        private static string Observe(FileCiRepository repository)
        {
            var lines = new List<string>();
            lines.Add("root: " + string.Join(",", repository.ListFiles("")) + " | " + string.Join(",", repository.ListFolders("")));
            lines.Add("workflows: " + string.Join(",", repository.ListFiles(".github/workflows")));
            foreach (var file in new[] { ".github/workflows/ci.yml", "package.json", ".npmrc", ".github/workflows/out.yml" })
            {
                try { lines.Add(file + " = " + (repository.ReadText(file) ?? "<missing>")); }
                catch (CiDefinitionException e) { lines.Add(file + " ! " + e.Reason); }
            }
            return string.Join("\n", lines);
        }

        [UnixFact("Unix modes, owners and symbolic links in the scanned tree.")]
        public void A_repository_opened_from_its_held_parent_reads_and_refuses_as_one_opened_by_the_full_walk()
        {
            if (OperatingSystem.IsWindows()) return;
            Repository("one");
            Repository("two");
            var platform = SystemPlatform.Instance;
            var parent = Path.Combine(_root, "org");
            using var cache = new UnixHeldFolderCache(platform);
            foreach (var name in new[] { "one", "two" })
            {
                var root = Path.Combine(parent, name);
                string viaWalk;
                using (var plain = new FileCiRepository(platform, root)) viaWalk = Observe(plain);
                using var held = FileCiRepository.Open(platform, root, cache);
                Assert.Equal(viaWalk, Observe(held));
                Assert.Contains("out.yml ! ", viaWalk); // the link out of the repository is refused both ways
            }
            // the parent's descriptor answers: the child it opens is the folder at that path, with the walk's physical path
            using var child = cache.HoldChild(parent, "one")!;
            Assert.NotNull(child);
            Assert.Equal(platform.RealPath(Path.Combine(parent, "one")), child.PhysicalPath);
        }

        /// <summary>NormalizePath as it was before its fast path for paths already in normal form.</summary>
        private static string? NormalizeBySplitting(string path)
        {
            if (path == null || path.IndexOf('\0') >= 0) return null;
            var text = path.Replace('\\', '/');
            if (text.Length >= 2 && text[1] == ':') return null;
            var parts = new List<string>();
            foreach (var part in text.Split('/'))
            {
                if (part.Length == 0 || part == ".") continue;
                if (part == "..")
                {
                    if (parts.Count == 0) return null;
                    parts.RemoveAt(parts.Count - 1);
                    continue;
                }
                parts.Add(part);
            }
            return string.Join("/", parts);
        }

        [Fact]
        public void Normalizing_a_path_gives_what_splitting_it_gave_for_every_path()
        {
            var alphabet = new[] { 'a', 'b', '.', '/', '\\', ':', '\0', 'c' };
            var random = new Random(11);
            var cases = new List<string> { "", ".", "..", "/", "a", "a/b", ".a", "a.", "..a", "a..", "a/./b", "a/../b", "../a", "a/", "/a", "a//b", "c:", "c:/x", "a\\b", "a\0b", ".github/workflows/ci.yml" };
            for (var i = 0; i < 20000; i++)
            {
                var chars = new char[random.Next(0, 9)];
                for (var j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
                cases.Add(new string(chars));
            }
            foreach (var path in cases)
                Assert.True(NormalizeBySplitting(path) == CiRepository.NormalizePath(path), "path: " + path.Replace("\0", "\\0"));
            Assert.True(CiRepository.IsNormalized(".github/workflows/ci.yml"));
            Assert.False(CiRepository.IsNormalized("a/../b"));
        }

        [Fact]
        public void Joining_a_root_and_a_relative_path_gives_what_resolving_them_gave()
        {
            // roots and relative paths of every shape (doubled and trailing '/', ".", "..", "~", backslashes), so that
            // both the joined and the resolved way are taken; the answer must be Resolve's whichever way it was made
            var alphabet = new[] { 'a', 'b', '.', '/', '\\', '~', ' ' };
            var random = new Random(11);
            var roots = new List<string> { "/", "/r", "/work/tree/org-00/repo-0001", "/a/", "/a//b", "/a/./b", "/a/../b", "/..", "//", "/a b/c" };
            var relatives = new List<string> { ".github/workflows/ci.yml", "package.json", "a", "", ".", "..", "a/..", "../x", "a//b", "a/", "/a", "a\\b", ".a/..b/c.", "~/x" };
            for (var i = 0; i < 5000; i++)
            {
                roots.Add("/" + Random(random, alphabet, 8));
                relatives.Add(Random(random, alphabet, 10));
            }
            var path = NodePath.Posix;
            for (var i = 0; i < roots.Count; i++)
            {
                var root = roots[i];
                var itself = path.Resolve(root, root) == root;
                foreach (var relative in new[] { relatives[i], relatives[(i * 7) % relatives.Count], ".github/workflows/ci.yml" })
                    Assert.True(path.Resolve(root, root, relative) == FileCiRepository.Join(path, root, itself, relative), "root: " + root + ", relative: " + relative);
            }
        }

        private static string Random(Random random, char[] alphabet, int maxLength)
        {
            var chars = new char[random.Next(0, maxLength + 1)];
            for (var j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
            return new string(chars);
        }

        [UnixFact("Unix modes, owners and symbolic links in the scanned tree.")]
        public void What_the_held_parent_cannot_answer_is_opened_by_the_full_walk()
        {
            if (OperatingSystem.IsWindows()) return;
            Repository("real");
            var parent = Path.Combine(_root, "org");
            Directory.CreateSymbolicLink(Path.Combine(parent, "linked"), Path.Combine(parent, "real"));
            var platform = SystemPlatform.Instance;
            using var cache = new UnixHeldFolderCache(platform, capacity: 1);
            // a repository root that is a link is not opened through the parent; the repository still scans, by the walk
            Assert.Null(cache.HoldChild(parent, "linked"));
            Assert.Null(cache.HoldChild(parent, "missing"));
            Assert.Null(cache.HoldChild(parent, ".."));
            string viaWalk;
            using (var plain = new FileCiRepository(platform, Path.Combine(parent, "linked"))) viaWalk = Observe(plain);
            using (var opened = FileCiRepository.Open(platform, Path.Combine(parent, "linked"), cache)) Assert.Equal(viaWalk, Observe(opened));
            Assert.Contains("ci.yml = on: push", viaWalk);

            // a second parent evicts the first (capacity 1); the first is opened again when it is needed
            Directory.CreateDirectory(Path.Combine(_root, "org2", "r"));
            using (var r = cache.HoldChild(Path.Combine(_root, "org2"), "r")) Assert.NotNull(r);
            using (var again = cache.HoldChild(parent, "real")) Assert.NotNull(again);

            // the parent opened up to everyone after it was held: what was judged no longer holds, so the walk decides
            File.SetUnixFileMode(parent, (UnixFileMode)0x1FF);
            Assert.Null(cache.HoldChild(parent, "real"));
            File.SetUnixFileMode(parent, (UnixFileMode)0x1ED);

            cache.Dispose();
            Assert.Null(cache.HoldChild(Path.Combine(_root, "org2"), "r"));
        }

        /// <summary>A repository of the secret kind outside the tree: what a race must never make the scan read.</summary>
        private void OutsideRepository()
        {
            Directory.CreateDirectory(Path.Combine(_outside, "repo", ".github", "workflows"));
            File.WriteAllText(Path.Combine(_outside, "repo", ".github", "workflows", "ci.yml"), "on: outside\n");
            File.WriteAllText(Path.Combine(_outside, "repo", "package.json"), "{\"name\":\"outside\"}");
        }

        [UnixFact("Unix modes, owners and symbolic links in the scanned tree.")]
        public void A_repository_the_tree_walk_found_is_read_only_where_the_walk_found_it_even_after_its_root_became_a_link()
        {
            if (OperatingSystem.IsWindows()) return;
            // the walk listed org/one as a folder; its owner then put a link to a folder outside the tree in its place (a
            // rename over it, racing the scan): the repository must not become the folder the link leads to
            Repository("one");
            OutsideRepository();
            var platform = SystemPlatform.Instance;
            var root = Path.Combine(_root, "org", "one");
            Directory.Move(root, root + ".moved");
            Directory.CreateSymbolicLink(root, Path.Combine(_outside, "repo"));
            using (var cache = new UnixHeldFolderCache(platform))
            using (var repository = FileCiRepository.Open(platform, root, cache, tree: _root))
            {
                var seen = Observe(repository);
                Assert.DoesNotContain("outside", seen);
                Assert.Contains(".github/workflows/ci.yml ! ", seen);
            }
            // the same with a folder above the root swapped for a link to a folder outside that has a repository of that name
            Directory.Delete(root);
            Directory.Move(root + ".moved", root);
            Directory.CreateDirectory(Path.Combine(_outside, "org"));
            Directory.Move(Path.Combine(_outside, "repo"), Path.Combine(_outside, "org", "one"));
            Directory.Move(Path.Combine(_root, "org"), Path.Combine(_root, "org.moved"));
            Directory.CreateSymbolicLink(Path.Combine(_root, "org"), Path.Combine(_outside, "org"));
            using (var cache = new UnixHeldFolderCache(platform))
            using (var repository = FileCiRepository.Open(platform, root, cache, tree: _root))
            {
                var seen = Observe(repository);
                Assert.DoesNotContain("outside", seen);
                Assert.Contains(".github/workflows/ci.yml ! ", seen);
            }
            // the tree itself given as a link is the user's choice, followed as before; its repositories read as usual
            File.Delete(Path.Combine(_root, "org"));
            Directory.Move(Path.Combine(_root, "org.moved"), Path.Combine(_root, "org"));
            var linkedTree = _outside + "-tree";
            Directory.CreateSymbolicLink(linkedTree, _root);
            try
            {
                using var cache = new UnixHeldFolderCache(platform);
                using var repository = FileCiRepository.Open(platform, Path.Combine(linkedTree, "org", "one"), cache, tree: linkedTree);
                Assert.Contains(".github/workflows/ci.yml = on: push", Observe(repository));
                using var top = FileCiRepository.Open(platform, linkedTree, cache, tree: linkedTree);
                Assert.Equal(new[] { "org" }, top.ListFolders(""));
            }
            finally { File.Delete(linkedTree); }
        }
    }
}
