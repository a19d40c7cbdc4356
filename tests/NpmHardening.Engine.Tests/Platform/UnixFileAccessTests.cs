using System;
using System.IO;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Platform
{
    public class UnixFileAccessTests
    {
        [Theory]
        [InlineData(0x180 /* 0600 */, new string[0], new string[0])]
        [InlineData(0x100 /* 0400 */, new string[0], new string[0])]
        [InlineData(0x1A4 /* 0644 */, new[] { "group", "others" }, new string[0])]
        [InlineData(0x1A0 /* 0640 */, new[] { "group" }, new string[0])]
        [InlineData(0x184 /* 0604 */, new[] { "others" }, new string[0])]
        [InlineData(0x1B0 /* 0660 */, new[] { "group" }, new[] { "group" })]
        [InlineData(0x1B6 /* 0666 */, new[] { "group", "others" }, new[] { "group", "others" })]
        [InlineData(0x182 /* 0602 */, new string[0], new[] { "others" })]
        [InlineData(0x1C0 /* 0700 */, new string[0], new string[0])]
        [InlineData(0x1C9 /* 0711: execute only */, new string[0], new string[0])]
        public void ModeBitsClassify(int mode, string[] readers, string[] writers)
        {
            var info = FileAccessReader.FromUnixMode("/f", "bob", mode);
            Assert.Equal(readers, info.OtherReaders);
            Assert.Equal(writers, info.OtherWriters);
            Assert.Equal(mode, info.UnixMode);
            Assert.Equal("bob", info.Owner);
        }

        [Fact]
        public void FileTypeBitsAreDroppedAndSpecialBitsKept()
        {
            var info = FileAccessReader.FromUnixMode("/f", null, 0x8000 | 0x800 | 0x1A4); // S_IFREG | setuid | 0644
            Assert.Equal(0x9A4, info.UnixMode);
            Assert.Equal("4644 (group, others can read)", info.Summary);
        }
    }

    /// <summary>The real machine (these run on Linux and macOS; Windows is covered by the descriptor tests).</summary>
    public sealed class SystemPlatformFileAccessTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "npmh-access-" + Guid.NewGuid().ToString("N"));

        public SystemPlatformFileAccessTests() => Directory.CreateDirectory(_dir);
        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

        private string NewFile(UnixFileMode mode)
        {
            var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".npmrc");
            File.WriteAllText(path, "registry=https://registry.npmjs.org/\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
            return path;
        }

        private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        [Fact]
        public void WorldReadableFileReportsGroupAndOthers()
        {
            if (OperatingSystem.IsWindows()) return;
            var path = NewFile(Rw | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var info = SystemPlatform.Instance.GetFileAccess(path);
            Assert.NotNull(info);
            Assert.Equal(path, info!.Path);
            Assert.Equal(0x1A4, info.UnixMode);
            Assert.Equal(new[] { "group", "others" }, info.OtherReaders);
            Assert.Empty(info.OtherWriters);
            Assert.True(info.ReadableByOthers);
        }

        [Fact]
        public void OwnerOnlyFileReportsNobody()
        {
            if (OperatingSystem.IsWindows()) return;
            var info = SystemPlatform.Instance.GetFileAccess(NewFile(Rw));
            Assert.NotNull(info);
            Assert.Equal(0x180, info!.UnixMode);
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);
            Assert.Equal("0600 (owner only)", info.Summary);
        }

        [Fact]
        public void GroupAndWorldWritableFileReportsWriters()
        {
            if (OperatingSystem.IsWindows()) return;
            var info = SystemPlatform.Instance.GetFileAccess(NewFile(Rw | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
            Assert.Equal(new[] { "group", "others" }, info!.OtherWriters);
            Assert.Empty(info.OtherReaders);
        }

        [Fact]
        public void OwnerIsTheAccountThatCreatedTheFile()
        {
            if (OperatingSystem.IsWindows()) return;
            // Environment.UserName asks the runtime for geteuid's name: a different path from the stat uid we use.
            var info = SystemPlatform.Instance.GetFileAccess(NewFile(Rw));
            Assert.Equal(Environment.UserName, info!.Owner);
        }

        [Fact]
        public void OwnerOfASystemFileIsRoot()
        {
            if (OperatingSystem.IsWindows() || !File.Exists("/etc/passwd")) return;
            Assert.Equal("root", SystemPlatform.Instance.GetFileAccess("/etc/passwd")!.Owner);
        }

        [Fact]
        public void NativeStatAgreesWithThePublicApi()
        {
            if (OperatingSystem.IsWindows()) return;
            var path = NewFile(Rw | UnixFileMode.GroupRead);
            Assert.True(UnixFileStatus.TryStat(path, out var mode, out _));
            Assert.Equal((int)File.GetUnixFileMode(path), mode & 0xFFF);
            Assert.Equal(0x8000, mode & 0xF000); // S_IFREG: the field really is st_mode
            Assert.Equal((int)File.GetUnixFileMode(path), UnixFileStatus.PublicMode(path));
            Assert.False(UnixFileStatus.TryStat(Path.Combine(_dir, "missing"), out _, out _));
        }

        [Fact]
        public void SymbolicLinksAreFollowed()
        {
            if (OperatingSystem.IsWindows()) return;
            var target = NewFile(Rw | UnixFileMode.OtherRead);
            var link = Path.Combine(_dir, "link.npmrc");
            File.CreateSymbolicLink(link, target);
            var info = SystemPlatform.Instance.GetFileAccess(link);
            Assert.Equal(new[] { "others" }, info!.OtherReaders);
            Assert.Equal(link, info.Path);
        }

        [Fact]
        public void MissingFilesAndDanglingLinksAreUnknown()
        {
            if (OperatingSystem.IsWindows()) return;
            Assert.Null(SystemPlatform.Instance.GetFileAccess(Path.Combine(_dir, "nope")));
            Assert.Null(SystemPlatform.Instance.GetFileAccess(""));
            var link = Path.Combine(_dir, "dangling");
            File.CreateSymbolicLink(link, Path.Combine(_dir, "gone"));
            Assert.Null(SystemPlatform.Instance.GetFileAccess(link));
        }

        [Fact]
        public void DirectoriesReportTheirMode()
        {
            if (OperatingSystem.IsWindows()) return;
            var sub = Path.Combine(_dir, "sub");
            Directory.CreateDirectory(sub);
            File.SetUnixFileMode(sub, Rw | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            var info = SystemPlatform.Instance.GetFileAccess(sub);
            Assert.Equal(0x1E8, info!.UnixMode); // 0750
            Assert.Equal(new[] { "group" }, info.OtherReaders);
        }
    }
}
