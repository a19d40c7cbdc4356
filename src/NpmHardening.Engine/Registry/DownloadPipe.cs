using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// A download handed to the tarball reader as it arrives: the download writes chunks (waiting while
    /// <see cref="MaxChunks"/> are unread), the reader reads them on its own thread. So a review reads a tarball while
    /// it downloads and never holds more than a few chunks of it. The end of the stream is only announced after the
    /// writer verified the download (<see cref="Complete"/>); a failed download (<see cref="Fail"/>) is an
    /// <see cref="IOException"/> to the reader, and the caller still waits for the download's own verdict before
    /// using anything the reader made.
    /// </summary>
    internal sealed class DownloadPipe : Stream
    {
        /// <summary>Chunks written and not yet read (the transport writes at most 80 KiB at a time).</summary>
        public const int MaxChunks = 16;

        private readonly Queue<byte[]?> _chunks = new Queue<byte[]?>();
        private readonly SemaphoreSlim _free = new SemaphoreSlim(MaxChunks);
        private readonly SemaphoreSlim _ready = new SemaphoreSlim(0);
        private readonly CancellationToken _cancel;
        private byte[]? _current;
        private int _offset;
        private bool _ended;
        private volatile bool _readerGone;
        private Exception? _failure;

        public DownloadPipe(CancellationToken cancel) { _cancel = cancel; }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteCoreAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => WriteCoreAsync(buffer, offset, count, _cancel).GetAwaiter().GetResult();

        private async Task WriteCoreAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (count == 0 || _readerGone) return;
            await _free.WaitAsync(cancellationToken).ConfigureAwait(false);
            // once the reader has what it needs (or stopped at a bound) the rest is only hashed by the writer
            if (_readerGone) return;
            var chunk = new byte[count];
            Buffer.BlockCopy(buffer, offset, chunk, 0, count);
            lock (_chunks) _chunks.Enqueue(chunk);
            _ready.Release();
        }

        /// <summary>The download is complete and verified: the reader sees the end of the stream.</summary>
        public void Complete()
        {
            lock (_chunks) _chunks.Enqueue(null);
            _ready.Release();
        }

        /// <summary>The download failed: the reader's next read past what arrived throws.</summary>
        public void Fail(Exception error)
        {
            lock (_chunks)
            {
                _failure = error;
                _chunks.Enqueue(null);
            }
            _ready.Release();
        }

        /// <summary>The reader is done (at the end, at a bound, or failing): writes from now on are dropped, never waited for.</summary>
        public void CloseReader()
        {
            _readerGone = true;
            _free.Release(MaxChunks);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0) return 0;
            while (_current == null || _offset == _current.Length)
            {
                if (_ended) return End();
                if (_current != null) { _current = null; _free.Release(); }
                _ready.Wait(_cancel);
                lock (_chunks) _current = _chunks.Dequeue();
                _offset = 0;
                if (_current == null) { _ended = true; return End(); }
            }
            int n = Math.Min(count, _current.Length - _offset);
            Buffer.BlockCopy(_current, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        private int End()
        {
            Exception? failure;
            lock (_chunks) failure = _failure;
            if (failure != null) throw new IOException("The download stopped: " + failure.Message, failure);
            return 0;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
