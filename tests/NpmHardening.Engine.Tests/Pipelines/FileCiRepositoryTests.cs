using System;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Platform;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Pipelines
{
    /// <summary>The on-disk repository the scan reads CI files through: every hostile file is one error naming it.</summary>
    public sealed class FileCiRepositoryTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "npmh-cirepo-" + Guid.NewGuid().ToString("N"));
        private readonly string _outside = Path.Combine(Path.GetTempPath(), "npmh-cirepo-out-" + Guid.NewGuid().ToString("N"));

        public FileCiRepositoryTests()
        {
            Directory.CreateDirectory(Path.Combine(_root, ".github", "workflows"));
            Directory.CreateDirectory(_outside);
        }

        public void Dispose()
        {
            foreach (var d in new[] { _root, _outside })
                try { Directory.Delete(d, true); } catch (IOException) { }
        }

        private FileCiRepository Repo() => new FileCiRepository(SystemPlatform.Instance, _root);

        private void Write(string relative, string text) => File.WriteAllText(Path.Combine(_root, relative), text);

        [Fact]
        public void Reads_text_and_reports_missing_files_as_null()
        {
            Write(".github/workflows/ci.yml", "\uFEFFon: push\n");
            var repo = Repo();
            Assert.Equal("on: push\n", repo.ReadText(".github/workflows/ci.yml"));
            Assert.Equal("on: push\n", repo.ReadText("./.github//workflows/ci.yml"));
            Assert.Null(repo.ReadText(".github/workflows/none.yml"));
            Assert.True(repo.FileExists(".github/workflows/ci.yml"));
            Assert.False(repo.FileExists(".github/workflows"));
            Assert.Equal(new[] { "ci.yml" }, repo.ListFiles(".github/workflows").ToArray());
        }

        [Fact]
        public void Paths_that_climb_out_are_refused()
        {
            File.WriteAllText(Path.Combine(_outside, "x.yml"), "a: 1");
            var e = Assert.Throws<CiDefinitionException>(() => Repo().ReadText("../" + Path.GetFileName(_outside) + "/x.yml"));
            Assert.Contains("inside the repository", e.Message);
            Assert.False(Repo().FileExists("../" + Path.GetFileName(_outside) + "/x.yml"));
        }

        [UnixFact("symbolic links and Unix special files (links need a privilege on Windows).")]
        public void A_link_leading_out_of_the_repository_is_refused_and_one_inside_is_read()
        {
            if (OperatingSystem.IsWindows()) return;
            File.WriteAllText(Path.Combine(_outside, "secret.yml"), "token: x");
            File.CreateSymbolicLink(Path.Combine(_root, ".github", "workflows", "evil.yml"), Path.Combine(_outside, "secret.yml"));
            Directory.CreateSymbolicLink(Path.Combine(_root, "linked"), _outside);
            Write("real.yml", "a: 1\n");
            File.CreateSymbolicLink(Path.Combine(_root, ".github", "workflows", "ok.yml"), Path.Combine(_root, "real.yml"));
            var repo = Repo();
            var e = Assert.Throws<CiDefinitionException>(() => repo.ReadText(".github/workflows/evil.yml"));
            Assert.Equal(".github/workflows/evil.yml", e.File);
            Assert.Contains("leads out of the repository", e.Message);
            Assert.Throws<CiDefinitionException>(() => repo.ReadText("linked/secret.yml"));
            Assert.False(repo.FileExists("linked/secret.yml"));
            Assert.Equal("a: 1\n", repo.ReadText(".github/workflows/ok.yml"));
        }

        [Fact]
        public void One_scan_lists_a_folder_once_reads_a_file_once_and_needs_no_read_for_a_name_its_listed_folder_lacks()
        {
            var platform = new FakePlatform(false, "/src")
                .AddFile("/src/repo/package.json", "{\"name\":\"a\"}")
                .AddFile("/src/repo/.github/workflows/ci.yml", "on: push\n")
                .AddFile("/src/repo/sub/package.json", "{}");
            var repo = new FileCiRepository(platform, "/src/repo");
            Assert.Equal(new[] { ".github", "sub" }, repo.ListFolders("").ToArray());
            Assert.Equal(new[] { "package.json" }, repo.ListFiles("").ToArray());
            Assert.Equal(new[] { "/src/repo" }, platform.Listed.ToArray());

            Assert.Equal("{\"name\":\"a\"}", repo.ReadText("package.json"));
            Assert.Equal("{\"name\":\"a\"}", repo.ReadText("./package.json"));
            Assert.Equal(new[] { "/src/repo/package.json" }, platform.Read.ToArray());

            // the root was listed and holds no .npmrc: no read; a folder not listed yet is read as before
            Assert.Null(repo.ReadText(".npmrc"));
            Assert.Single(platform.Read);
            Assert.Null(repo.ReadText("sub/.npmrc"));
            Assert.Equal("/src/repo/sub/.npmrc", platform.Read[^1]);
            Assert.Equal("{}", repo.ReadText("sub/package.json"));

            // a new scan (a new repository object) lists and reads afresh
            var again = new FileCiRepository(platform, "/src/repo");
            again.ListFiles("");
            Assert.Equal("{\"name\":\"a\"}", again.ReadText("package.json"));
            Assert.Equal(2, platform.Listed.Count);
            Assert.Equal(2, platform.Read.Count(p => p == "/src/repo/package.json"));
        }

        [Fact]
        public void A_listed_name_differing_only_in_case_is_still_read()
        {
            // on a case-insensitive file system "Package.json" opens package.json: the listing must not turn that into a miss
            var platform = new FakePlatform(true, @"C:\src").AddFile(@"C:\src\repo\package.json", "{}");
            var repo = new FileCiRepository(platform, @"C:\src\repo");
            repo.ListFiles("");
            Assert.Equal("{}", repo.ReadText("Package.json"));
        }

        [UnixFact("symbolic links and Unix special files (links need a privilege on Windows).")]
        public void The_read_reports_where_the_walk_found_the_file_with_every_link_resolved()
        {
            if (OperatingSystem.IsWindows()) return;
            Write(".github/workflows/ci.yml", "on: push\n");
            Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), Path.Combine(_root, ".github"));
            var read = SystemPlatform.Instance.ReadFile(Path.Combine(_root, "alias", "workflows", "ci.yml"), 1024);
            Assert.Equal(FileReadStatus.Ok, read.Status);
            Assert.Equal(SystemPlatform.Instance.RealPath(Path.Combine(_root, ".github", "workflows", "ci.yml")), read.PhysicalPath);
            // and through the link, inside the repository, the file is read
            Assert.Equal("on: push\n", Repo().ReadText("alias/workflows/ci.yml"));
        }

        [UnixFact("symbolic links and Unix special files (links need a privilege on Windows).")]
        public void A_fifo_is_refused_without_blocking()
        {
            if (OperatingSystem.IsWindows()) return;
            SpecialFileTests.MakeFifo(Path.Combine(_root, ".gitlab-ci.yml"));
            var e = SpecialFileTests.Finishes(() => Assert.Throws<CiDefinitionException>(() => Repo().ReadText(".gitlab-ci.yml")), "ReadText on a FIFO");
            Assert.Contains("not a regular file", e.Message);
        }

        [Fact]
        public void A_50_MB_file_is_refused_from_its_size()
        {
            var path = Path.Combine(_root, ".github", "workflows", "huge.yml");
            using (var f = new FileStream(path, FileMode.Create)) f.SetLength(50L * 1024 * 1024);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<CiDefinitionException>(() => Repo().ReadText(".github/workflows/huge.yml"));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "the file was read before it was refused");
            Assert.Contains("52,428,800 bytes", e.Message);
            Assert.Equal(".github/workflows/huge.yml", e.File);
        }

        [Fact]
        public void Utf16_nul_bytes_and_invalid_utf8_are_refused()
        {
            File.WriteAllBytes(Path.Combine(_root, "u16.yml"), Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("on: push\n")).ToArray());
            File.WriteAllBytes(Path.Combine(_root, "nulbyte.yml"), new byte[] { (byte)'a', (byte)':', 0, (byte)'\n' });
            File.WriteAllBytes(Path.Combine(_root, "bad.yml"), new byte[] { (byte)'a', (byte)':', 0xC3, 0x28 });
            var repo = Repo();
            Assert.Contains("UTF-16", Assert.Throws<CiDefinitionException>(() => repo.ReadText("u16.yml")).Message);
            Assert.Contains("NUL", Assert.Throws<CiDefinitionException>(() => repo.ReadText("nulbyte.yml")).Message);
            Assert.Contains("UTF-8", Assert.Throws<CiDefinitionException>(() => repo.ReadText("bad.yml")).Message);
        }

        [Fact]
        public void A_folder_named_like_a_file_is_an_error()
        {
            Directory.CreateDirectory(Path.Combine(_root, "bitbucket-pipelines.yml"));
            Assert.Contains("folder", Assert.Throws<CiDefinitionException>(() => Repo().ReadText("bitbucket-pipelines.yml")).Message);
        }

        [Fact]
        public void Package_json_scripts_workspaces_and_publish_config()
        {
            Write("package.json", "{\"name\":\"@acme/lib\",\"scripts\":{\"release\":\"npm run build && npm publish\",\"n\":1}," +
                "\"workspaces\":{\"packages\":[\"packages/*\"]},\"publishConfig\":{\"registry\":\"https://npm.pkg.github.com\",\"provenance\":true}," +
                "\"devDependencies\":{\"semantic-release\":\"^24\"}}");
            Directory.CreateDirectory(Path.Combine(_root, "packages", "a"));
            Write("packages/a/package.json", "{\"private\":true}");
            Write(".github/package.json", "not json");
            var repo = Repo();
            var root = repo.ReadPackageJson("")!;
            Assert.Equal("@acme/lib", root.Name);
            Assert.Equal("npm run build && npm publish", root.Scripts["release"]);
            Assert.False(root.Scripts.ContainsKey("n"));
            Assert.Equal(new[] { "packages/*" }, root.Workspaces.ToArray());
            Assert.Equal("https://npm.pkg.github.com", root.PublishRegistry);
            Assert.True(root.PublishProvenance);
            Assert.Contains("semantic-release", root.DependencyNames);
            Assert.True(repo.ReadPackageJson("packages/a/")!.Private);
            Assert.Null(repo.ReadPackageJson(".github"));
            Assert.Null(repo.ReadPackageJson("packages"));
            Assert.Same(root, repo.ReadPackageJson("."));
        }

        [Theory]
        [InlineData("a/b/../c.yml", "a/c.yml")]
        [InlineData("./x", "x")]
        [InlineData("/x/y", "x/y")]
        [InlineData("x\\y", "x/y")]
        [InlineData("", "")]
        [InlineData(".", "")]
        [InlineData("..", null)]
        [InlineData("a/../../b", null)]
        [InlineData("C:/x", null)]
        public void Normalizes_relative_paths(string path, string? expected) =>
            Assert.Equal(expected, CiRepository.NormalizePath(path));
    }
}
