using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// Verifies registry signatures while a package document is still arriving: the reader hands over each version as
    /// soon as its entry is read (<see cref="Add"/>), and workers on the other cores verify its signatures against the
    /// registry's keys once they are known, so the ECDSA work (most of a large document's cost) overlaps the download
    /// and the parse instead of following them. Only the cryptography is done early
    /// (<see cref="NpmSignatureVerifier.Precheck"/>); the judgment, which needs the publish times that follow the
    /// versions, is <see cref="NpmSignatureVerifier.JudgeAll"/>'s, afterwards, with the same result as without this class.
    /// Bounded: at most one worker per core but one (the reader keeps its core), each importing a key once; cancelled
    /// with the caller's token or <see cref="Dispose"/>. A worker that fails leaves its versions to JudgeAll, which then
    /// verifies them (and meets the same failure) itself.
    /// </summary>
    public sealed class NpmSignaturePipeline : IDisposable
    {
        private const int BatchSize = 32;

        private readonly Task<NpmRegistryKeySet> _keys;
        private readonly Func<NpmPackageRelease, bool>? _wanted;
        private readonly CancellationTokenSource _stop;
        private readonly ConcurrentQueue<List<NpmPackageRelease>> _queue = new ConcurrentQueue<List<NpmPackageRelease>>();
        private readonly SemaphoreSlim _ready = new SemaphoreSlim(0);
        private readonly Thread[] _workers;
        private List<NpmPackageRelease> _batch = new List<NpmPackageRelease>(BatchSize);
        private volatile bool _complete;
        private bool _disposed;

        /// <param name="keys">The registry's keys as they will be judged against (the same instance); a failed task or a
        /// set without keys: nothing is verified early.</param>
        /// <param name="wanted">Which versions to verify (the caller's selection, as far as it is known while reading); null: all.</param>
        public NpmSignaturePipeline(Task<NpmRegistryKeySet> keys, Func<NpmPackageRelease, bool>? wanted, CancellationToken cancellationToken = default)
        {
            _keys = keys ?? throw new ArgumentNullException(nameof(keys));
            _wanted = wanted;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // threads of their own, not the thread pool's: the document's reads complete on pool threads, and a busy
            // worker must never hold one of those up
            _workers = new Thread[Math.Max(1, Environment.ProcessorCount - 1)];
            for (int i = 0; i < _workers.Length; i++)
            {
                _workers[i] = new Thread(Work) { IsBackground = true, Name = "npmh-signatures" };
                _workers[i].Start();
            }
        }

        /// <summary>Called by the reader for each version read (one thread).</summary>
        public void Add(NpmPackageRelease release)
        {
            if (_complete || _stop.IsCancellationRequested || (_wanted != null && !_wanted(release))) return;
            _batch.Add(release);
            if (_batch.Count < BatchSize) return;
            _queue.Enqueue(_batch);
            _batch = new List<NpmPackageRelease>(BatchSize);
            _ready.Release();
        }

        /// <summary>
        /// The document has ended: the calling thread verifies what is still queued alongside the workers, then waits
        /// for them. Throws <see cref="OperationCanceledException"/> when the caller's token was cancelled.
        /// </summary>
        public void Complete(CancellationToken cancellationToken = default)
        {
            if (!_complete)
            {
                _complete = true;
                if (_batch.Count > 0) _queue.Enqueue(_batch);
                _batch = new List<NpmPackageRelease>();
                _ready.Release(_workers.Length);
            }
            var keys = KeysIfReady();
            if (keys != null)
            {
                var imported = new Dictionary<NpmRegistryKey, ECDsa?>();
                try { Drain(keys, imported, cancellationToken); }
                finally { foreach (var k in imported.Values) k?.Dispose(); }
            }
            foreach (var w in _workers) w.Join();
            cancellationToken.ThrowIfCancellationRequested();
        }

        /// <summary>Stops the workers (each finishes at most the version in hand) and releases what they hold.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _complete = true;
            _stop.Cancel();
            foreach (var w in _workers) w.Join();
            _stop.Dispose();
            _ready.Dispose();
        }

        private NpmRegistryKeySet? KeysIfReady()
        {
            // the keys request runs alongside the document's; a failure is the caller's to report when it asks for them
            try { _keys.Wait(_stop.Token); }
            catch (OperationCanceledException) { return null; }
            catch (AggregateException) { return null; }
            var keys = _keys.Result;
            return keys != null && keys.Keys.Count > 0 ? keys : null;
        }

        private void Work()
        {
            var imported = new Dictionary<NpmRegistryKey, ECDsa?>();
            try
            {
                var keys = KeysIfReady();
                if (keys == null) return;
                while (!_stop.IsCancellationRequested)
                {
                    Drain(keys, imported, _stop.Token);
                    if (_complete && _queue.IsEmpty) return;
                    _ready.Wait(_stop.Token);
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception)
            {
                // what this worker did not verify, JudgeAll verifies (and reports) itself
            }
            finally
            {
                foreach (var k in imported.Values) k?.Dispose();
            }
        }

        private void Drain(NpmRegistryKeySet keys, Dictionary<NpmRegistryKey, ECDsa?> imported, CancellationToken token)
        {
            while (!token.IsCancellationRequested && _queue.TryDequeue(out var batch))
            {
                foreach (var release in batch)
                {
                    if (token.IsCancellationRequested) return;
                    NpmSignatureVerifier.Precheck(release, keys, key =>
                    {
                        if (!imported.TryGetValue(key, out var ecdsa)) imported[key] = ecdsa = NpmSignatureVerifier.ImportKey(key.Key);
                        return ecdsa;
                    });
                }
            }
        }
    }
}
