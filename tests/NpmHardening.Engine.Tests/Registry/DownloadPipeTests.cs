using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Tests.Registry
{
    public class DownloadPipeTests
    {
        private static byte[] ReadAll(Stream s, int chunk = 1000)
        {
            var ms = new MemoryStream();
            var buffer = new byte[chunk];
            int n;
            while ((n = s.Read(buffer, 0, buffer.Length)) > 0) ms.Write(buffer, 0, n);
            return ms.ToArray();
        }

        private static async Task<bool> Within(Task task) => await Task.WhenAny(task, Task.Delay(5000)) == task;

        [Fact]
        public async Task The_reader_gets_every_byte_in_order_while_the_writer_waits_for_room()
        {
            var data = new byte[DownloadPipe.MaxChunks * 5000 + 123];
            new Random(3).NextBytes(data);
            var pipe = new DownloadPipe(CancellationToken.None);
            var writer = Task.Run(async () =>
            {
                for (int at = 0; at < data.Length; at += 5000)
                    await pipe.WriteAsync(data, at, Math.Min(5000, data.Length - at));
                pipe.Complete();
            });
            // more chunks than the pipe holds: the writer cannot finish before the reader reads
            Thread.Sleep(200);
            Assert.False(writer.IsCompleted);
            Assert.Equal(data, ReadAll(pipe, 777));
            Assert.True(await Within(writer));
            Assert.Equal(0, pipe.Read(new byte[10], 0, 10));
        }

        [Fact]
        public void A_failed_download_is_an_IOException_after_what_arrived()
        {
            var pipe = new DownloadPipe(CancellationToken.None);
            pipe.Write(new byte[] { 1, 2, 3 }, 0, 3);
            pipe.Fail(new InvalidOperationException("hash mismatch"));
            var buffer = new byte[10];
            Assert.Equal(3, pipe.Read(buffer, 0, 10));
            var e = Assert.Throws<IOException>(() => pipe.Read(buffer, 0, 10));
            Assert.Contains("hash mismatch", e.Message);
        }

        [Fact]
        public async Task Once_the_reader_is_done_a_waiting_writer_goes_on_and_later_writes_are_dropped()
        {
            var pipe = new DownloadPipe(CancellationToken.None);
            var chunk = new byte[100];
            for (int i = 0; i < DownloadPipe.MaxChunks; i++) pipe.Write(chunk, 0, chunk.Length);
            var blocked = pipe.WriteAsync(chunk, 0, chunk.Length);
            Thread.Sleep(100);
            Assert.False(blocked.IsCompleted);
            pipe.CloseReader();
            Assert.True(await Within(blocked));
            // a reader that stopped at a bound must not hold the download: a tarball's worth more goes through at once
            var more = Task.Run(() => { for (int i = 0; i < 10 * DownloadPipe.MaxChunks; i++) pipe.Write(chunk, 0, chunk.Length); });
            Assert.True(await Within(more));
        }

        [Fact]
        public async Task Cancellation_stops_a_waiting_reader()
        {
            using var cts = new CancellationTokenSource();
            var pipe = new DownloadPipe(cts.Token);
            var reader = Task.Run(() => pipe.Read(new byte[10], 0, 10));
            Thread.Sleep(100);
            Assert.False(reader.IsCompleted);
            cts.Cancel();
            Assert.True(await Within(reader.ContinueWith(_ => { })));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader);
        }
    }
}
