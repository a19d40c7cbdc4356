using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Platform
{
    /// <summary>
    /// FIFOs, sockets and devices where a config file is expected: every read returns at once with NotRegularFile. A read
    /// that blocked would make these tests time out (each call runs in a task with a generous bound), not pass.
    /// </summary>
    public sealed class SpecialFileTests : IDisposable
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "npmh-special-" + Guid.NewGuid().ToString("N"));

        public SpecialFileTests() => Directory.CreateDirectory(_dir);

        public void Dispose()
        {
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }

        internal static T Finishes<T>(Func<T> action, string what)
        {
            var task = Task.Run(action);
            Assert.True(task.Wait(Bound), $"{what} did not finish within {Bound.TotalSeconds} s: it blocked.");
            return task.Result;
        }

        internal static void MakeFifo(string path)
        {
            using var p = Process.Start(new ProcessStartInfo("mkfifo", new[] { path }) { UseShellExecute = false })!;
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }

        [Fact]
        public void FifoIsRefusedWithoutBlocking()
        {
            if (OperatingSystem.IsWindows()) return;
            var fifo = Path.Combine(_dir, ".npmrc");
            MakeFifo(fifo);
            var platform = SystemPlatform.Instance;
            var read = Finishes(() => platform.ReadFile(fifo, 1 << 20), "ReadFile on a FIFO");
            Assert.Equal(FileReadStatus.NotRegularFile, read.Status);
            Assert.Contains("FIFO", read.Error);
            Assert.Null(Finishes(() => platform.OpenRead(fifo), "OpenRead on a FIFO"));
            Assert.False(Finishes(() => platform.FileExists(fifo), "FileExists on a FIFO"));
        }

        [Fact]
        public void FifoNpmrcIsAnErrorIssueAndAScanProblem()
        {
            if (OperatingSystem.IsWindows()) return;
            var fifo = Path.Combine(_dir, ".npmrc");
            MakeFifo(fifo);
            var load = Finishes(() => NpmHardening.Engine.Config.NpmrcFile.Load(SystemPlatform.Instance, fifo), "NpmrcFile.Load");
            Assert.Null(load.Document);
            var issue = Assert.Single(load.Issues);
            Assert.Equal(NpmConfigIssueKind.NotRegularFile, issue.Kind);
            Assert.True(issue.IsError);
            Assert.Equal(fifo, issue.Source);

            var problems = new System.Collections.Generic.List<NpmHardening.Engine.Credentials.TokenScanProblem>();
            var scanner = new NpmHardening.Engine.Credentials.NpmTokenScanner(SystemPlatform.Instance) { Problem = problems.Add };
            Assert.Empty(Finishes(() => System.Linq.Enumerable.ToList(scanner.ScanFile(fifo)), "NpmTokenScanner.ScanFile"));
            var problem = Assert.Single(problems);
            Assert.Equal(NpmHardening.Engine.Credentials.TokenScanProblemKind.NotRegularFile, problem.Kind);
            Assert.True(problem.IsError);
        }

        [Fact]
        public void LinkToFifoIsRefused()
        {
            if (OperatingSystem.IsWindows()) return;
            var fifo = Path.Combine(_dir, "pipe");
            MakeFifo(fifo);
            var link = Path.Combine(_dir, ".npmrc");
            File.CreateSymbolicLink(link, fifo);
            var read = Finishes(() => SystemPlatform.Instance.ReadFile(link, 1 << 20), "ReadFile through a link to a FIFO");
            Assert.Equal(FileReadStatus.NotRegularFile, read.Status);
        }

        [Fact]
        public void SocketIsRefused()
        {
            if (OperatingSystem.IsWindows()) return;
            var path = Path.Combine(_dir, "s.npmrc");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(1);
            var read = Finishes(() => SystemPlatform.Instance.ReadFile(path, 1 << 20), "ReadFile on a socket");
            Assert.Equal(FileReadStatus.NotRegularFile, read.Status);
            Assert.Contains("socket", read.Error);
        }

        [Theory]
        [InlineData("/dev/zero")]    // endless: a read up to the size limit would still be wrong
        [InlineData("/dev/null")]
        [InlineData("/dev/tty")]     // blocks for input when it can be opened at all
        public void CharacterDeviceIsRefused(string device)
        {
            if (OperatingSystem.IsWindows() || !File.Exists(device)) return;
            var read = Finishes(() => SystemPlatform.Instance.ReadFile(device, 1 << 20), "ReadFile on " + device);
            Assert.Equal(FileReadStatus.NotRegularFile, read.Status);
            Assert.Contains("character device", read.Error);
            Assert.False(SystemPlatform.Instance.FileExists(device));
        }

        [Fact]
        public void RegularFilesAndFoldersReadAsBefore()
        {
            var file = Path.Combine(_dir, ".npmrc");
            File.WriteAllText(file, "registry=https://registry.npmjs.org/\n");
            var read = SystemPlatform.Instance.ReadFile(file, 1 << 20);
            Assert.Equal(FileReadStatus.Ok, read.Status);
            Assert.Equal("registry=https://registry.npmjs.org/\n", System.Text.Encoding.UTF8.GetString(read.Bytes!));
            Assert.True(SystemPlatform.Instance.FileExists(file));
            using (var stream = SystemPlatform.Instance.OpenRead(file)) Assert.NotNull(stream);
            Assert.Equal(FileReadStatus.IsDirectory, SystemPlatform.Instance.ReadFile(_dir, 1 << 20).Status);
            Assert.Equal(FileReadStatus.NotFound, SystemPlatform.Instance.ReadFile(Path.Combine(_dir, "missing"), 1 << 20).Status);
            Assert.Equal(FileReadStatus.NotFound, SystemPlatform.Instance.ReadFile(Path.Combine(file, "below-a-file"), 1 << 20).Status);
            Assert.Equal(FileReadStatus.TooLarge, SystemPlatform.Instance.ReadFile(file, 4).Status);
        }

        /// <summary>
        /// A swapper keeps exchanging a FIFO and a regular file under the name being read (rename is atomic): every read
        /// either gets the regular file's content or NotRegularFile, and none blocks, whichever way the race falls.
        /// </summary>
        [Fact]
        public void FifoSwappedInDuringTheOpenNeverBlocks()
        {
            if (OperatingSystem.IsWindows()) return;
            var target = Path.Combine(_dir, ".npmrc");
            var regular = Path.Combine(_dir, "regular");
            var fifo = Path.Combine(_dir, "fifo");
            var parked = Path.Combine(_dir, "parked");
            const string content = "registry=https://registry.npmjs.org/\n";
            File.WriteAllText(target, content);
            MakeFifo(fifo);
            using var stop = new CancellationTokenSource();
            int swaps = 0;
            var swapper = Task.Factory.StartNew(() =>
            {
                // target alternates: regular file → FIFO → regular file …, each step one atomic rename(2)
                bool fifoIn = false;
                while (!stop.IsCancellationRequested)
                {
                    if (!fifoIn) { File.Move(target, parked, true); File.Move(fifo, target, true); }
                    else { File.Move(target, fifo, true); File.Move(parked, target, true); }
                    fifoIn = !fifoIn;
                    Interlocked.Increment(ref swaps);
                }
            }, TaskCreationOptions.LongRunning);
            int ok = 0, refused = 0, missing = 0, reads = 0;
            try
            {
                Finishes(() =>
                {
                    while (Volatile.Read(ref swaps) == 0 && !swapper.IsCompleted) Thread.Yield();
                    // until both outcomes were seen many times (or a million reads): every one returned
                    while ((ok < 100 || refused < 100) && reads < 1_000_000 && !swapper.IsCompleted)
                    {
                        reads++;
                        var r = SystemPlatform.Instance.ReadFile(target, 1 << 20);
                        if (r.Status == FileReadStatus.Ok) { Assert.Equal(content, System.Text.Encoding.UTF8.GetString(r.Bytes!)); ok++; }
                        else if (r.Status == FileReadStatus.NotRegularFile) refused++;
                        else if (r.Status == FileReadStatus.NotFound || r.Status == FileReadStatus.IoError) missing++; // between the two renames
                        else Assert.Fail("unexpected " + r.Status + ": " + r.Error);
                    }
                    return reads;
                }, "reads during the swaps");
            }
            finally
            {
                stop.Cancel();
            }
            Finishes(() => { swapper.GetAwaiter().GetResult(); return true; }, "the swapper"); // rethrows what stopped it
            Assert.True(ok >= 100 && refused >= 100, $"the race was not exercised: {ok} read, {refused} refused, {missing} missing, {swaps} swaps");
        }
    }
}
