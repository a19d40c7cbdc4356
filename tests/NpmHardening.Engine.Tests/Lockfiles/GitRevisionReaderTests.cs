using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Lockfiles;

namespace NpmHardening.Engine.Tests.Lockfiles
{
    /// <summary>Against the real git, in a throwaway repository: what a pull-request review reads with -Base.</summary>
    public sealed class GitRevisionReaderTests : IDisposable
    {
        private readonly string _repo = Path.Combine(Path.GetTempPath(), "npmh-git-" + Guid.NewGuid().ToString("N"));

        public GitRevisionReaderTests()
        {
            Directory.CreateDirectory(Path.Combine(_repo, "app"));
            Git("init", "-q", "-b", "main");
            Git("config", "user.email", "t@example.invalid");
            Git("config", "user.name", "t");
            File.WriteAllText(Path.Combine(_repo, "app", "package-lock.json"), "{\"v\":1}");
            File.WriteAllText(Path.Combine(_repo, "big.json"), new string('x', 5000));
            Git("add", "-A");
            Git("commit", "-q", "-m", "one");
            Git("tag", "v1");
            File.WriteAllText(Path.Combine(_repo, "app", "package-lock.json"), "{\"v\":2}");
            File.WriteAllText(Path.Combine(_repo, "app", "new.json"), "{}");
            Git("add", "-A");
            Git("commit", "-q", "-m", "two");
        }

        public void Dispose()
        {
            try { Directory.Delete(_repo, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private string Git(params string[] args)
        {
            var psi = new ProcessStartInfo("git") { WorkingDirectory = _repo, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "git " + string.Join(" ", args) + ": " + p.StandardError.ReadToEnd());
            return output.Trim();
        }

        private string Lock => Path.Combine(_repo, "app", "package-lock.json");

        [Fact]
        public void Reads_the_file_at_a_revision_from_a_subfolder_with_its_commit()
        {
            var file = GitRevisionReader.Read(Lock, "HEAD~1", 1 << 20);
            Assert.Equal("{\"v\":1}", Encoding.UTF8.GetString(file.Content));
            Assert.Equal("app/package-lock.json", file.RelativePath);
            Assert.Equal("HEAD~1:app/package-lock.json", file.Display);
            Assert.Equal(Git("rev-parse", "v1"), file.Commit);
            Assert.Equal("{\"v\":2}", Encoding.UTF8.GetString(GitRevisionReader.Read(Lock, "main", 1 << 20).Content));
        }

        [Theory]
        [InlineData("--output=/tmp/pwned", "InvalidRevision")]
        [InlineData("-c core.pager=touch /tmp/x", "InvalidRevision")]
        [InlineData("HEAD:../../etc/passwd", "InvalidRevision")]
        [InlineData("HEAD\n--all", "InvalidRevision")]
        [InlineData("", "InvalidRevision")]
        [InlineData("no-such-branch", "RevisionNotFound")]
        [InlineData("HEAD~1 --all", "RevisionNotFound")]   // one argument with a space, not an option
        [InlineData("$(touch pwned)", "RevisionNotFound")]
        public void Hostile_or_unknown_revisions_are_refused_and_nothing_runs(string revision, string problem)
        {
            var e = Assert.Throws<GitRevisionException>(() => GitRevisionReader.Read(Lock, revision, 1 << 20));
            Assert.Equal(problem, e.Problem.ToString());
            Assert.False(File.Exists("/tmp/pwned"));
            Assert.False(File.Exists(Path.Combine(_repo, "app", "pwned")));
        }

        [Fact]
        public void A_file_new_in_the_change_a_folder_a_file_over_the_limit_and_a_folder_outside_git_are_errors()
        {
            Assert.Equal(GitRevisionProblem.PathNotInRevision,
                Assert.Throws<GitRevisionException>(() => GitRevisionReader.Read(Path.Combine(_repo, "app", "new.json"), "HEAD~1", 1 << 20)).Problem);
            var big = Assert.Throws<GitRevisionException>(() => GitRevisionReader.Read(Path.Combine(_repo, "big.json"), "HEAD", 4096));
            Assert.Equal(GitRevisionProblem.TooLarge, big.Problem);
            Assert.Contains("5000 bytes", big.Message);
            var outside = Path.Combine(Path.GetTempPath(), "npmh-nogit-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(outside);
            try
            {
                Assert.Equal(GitRevisionProblem.NotARepository,
                    Assert.Throws<GitRevisionException>(() => GitRevisionReader.Read(Path.Combine(outside, "package-lock.json"), "HEAD", 1 << 20)).Problem);
            }
            finally { Directory.Delete(outside, true); }
        }

        [Theory]
        [InlineData("plain")]
        [InlineData("with space")]
        [InlineData("quote\"inside")]
        [InlineData("trailing\\")]
        [InlineData("back\\\\\"slash")]
        [InlineData("")]
        public void Arguments_survive_the_command_line_as_one_argument_each(string arg)
        {
            // git echoes an unknown revision back: rev-parse --sq-quote prints its arguments quoted for a shell
            var psi = new ProcessStartInfo("git", GitRevisionReader.Arguments(new[] { "rev-parse", "--sq-quote", arg, "second" }))
            { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            Assert.Equal("'" + arg.Replace("'", "'\\''") + "' 'second'", output);
        }
    }
}
