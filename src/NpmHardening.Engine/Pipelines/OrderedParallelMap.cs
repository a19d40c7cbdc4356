using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// Maps a sequence on several threads and hands the results back in the sequence's own order, on the calling thread.
    /// Built for <c>Get-NpmPublishPipeline -Recurse</c>: the repository walk is the sequence, one repository's scan is the
    /// work, and PowerShell's output must stay on the pipeline thread and in walk order whatever thread finished first.
    /// </summary>
    /// <remarks>
    /// The workers take the next element from the source themselves, one at a time under a lock of its own (so the
    /// source, and any callback it makes, never runs on two threads at once, and a slow MoveNext never holds up the
    /// consumer or a stop), and stop taking when they are <c>window</c> elements ahead of the consumer: memory stays
    /// bounded however fast the walk is. A failure of the source or of the work is
    /// rethrown when the consumer reaches its place, after every earlier result, as a sequential loop would have. Stopping
    /// (the token, or the consumer leaving the loop) lets each worker finish the element in its hands and waits for it.
    /// </remarks>
    internal static class OrderedParallelMap
    {
        /// <summary>How many workers a scan uses by default: one per processor, at least one, at most eight.</summary>
        public static int DefaultWorkers => Math.Max(1, Math.Min(8, Environment.ProcessorCount));

        /// <param name="source">Enumerated by the workers, one MoveNext at a time.</param>
        /// <param name="work">Runs on a worker thread; must be safe to run on several elements at once.</param>
        /// <param name="workers">Worker threads; 1 runs everything on the calling thread, in order, without threads.</param>
        /// <param name="window">Most elements taken from the source and not yet handed back.</param>
        /// <param name="waiting">Called on the calling thread about once per <paramref name="tick"/> (default 100 ms) for
        /// as long as the run lasts, also while it waits for a slow element (progress); never while a lock is held.</param>
        /// <param name="cancellation">Stops the workers after their current element; the enumeration then throws
        /// <see cref="OperationCanceledException"/>.</param>
        public static IEnumerable<TOut> Run<TIn, TOut>(IEnumerable<TIn> source, Func<TIn, TOut> work, int workers, int window,
            Action? waiting = null, TimeSpan? tick = null, CancellationToken cancellation = default)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            if (work == null) throw new ArgumentNullException(nameof(work));
            if (workers <= 1) return Sequential(source, work, cancellation);
            return Parallel(source, work, workers, Math.Max(window, workers), waiting, tick ?? TimeSpan.FromMilliseconds(100), cancellation);
        }

        private static IEnumerable<TOut> Sequential<TIn, TOut>(IEnumerable<TIn> source, Func<TIn, TOut> work, CancellationToken cancellation)
        {
            foreach (var item in source)
            {
                cancellation.ThrowIfCancellationRequested();
                yield return work(item);
            }
        }

        /// <summary>One finished element: its result, or what its work (or the source, at its place) threw.</summary>
        private struct Slot<T>
        {
            public T Value;
            public ExceptionDispatchInfo? Failure;
        }

        private sealed class Shared<TIn, TOut>
        {
            public readonly object Gate = new object();
            // held around the source's MoveNext only (taken before Gate, never inside it): a walk that takes long to find
            // its next element must not keep the consumer, a stop or the other workers waiting for Gate
            public readonly object SourceGate = new object();
            public IEnumerator<TIn> Source = null!;
            public Func<TIn, TOut> Work = null!;
            public readonly Dictionary<long, Slot<TOut>> Done = new Dictionary<long, Slot<TOut>>();
            public long Taken;     // elements taken from the source (the next one's index)
            public long Consumed;  // elements handed back (the next one the consumer wants)
            public long End = -1;  // the index after the last element, once the source has ended or failed
            public int Window;
            public volatile bool Stop;
            // who is in Monitor.Wait on Gate, so that a hand-off wakes a thread only when it has something to do: the
            // consumer waits for the slot at Consumed, workers for room in the window (a wake-up per repository was a
            // futex call and a context switch each, on a machine whose cores the workers already keep busy)
            public bool ConsumerWaiting;
            public int WindowWaiters;
        }

        private static IEnumerable<TOut> Parallel<TIn, TOut>(IEnumerable<TIn> source, Func<TIn, TOut> work, int workers, int window,
            Action? waiting, TimeSpan tick, CancellationToken cancellation)
        {
            var shared = new Shared<TIn, TOut> { Source = source.GetEnumerator(), Work = work, Window = window };
            var threads = new List<Thread>(workers);
            using var registration = cancellation.Register(() => Halt(shared));
            try
            {
                for (var i = 0; i < workers; i++)
                {
                    var thread = new Thread(() => Worker(shared)) { IsBackground = true, Name = "NpmHardening scan " + i };
                    threads.Add(thread);
                    thread.Start();
                }
                var sinceWaiting = System.Diagnostics.Stopwatch.StartNew();
                while (true)
                {
                    var slot = default(Slot<TOut>);
                    bool got = false, finished = false;
                    lock (shared.Gate)
                    {
                        if (shared.Done.TryGetValue(shared.Consumed, out slot))
                        {
                            got = true;
                            shared.Done.Remove(shared.Consumed);
                            shared.Consumed++;
                            // a worker waiting for the window to move may go on
                            if (shared.WindowWaiters > 0) Monitor.PulseAll(shared.Gate);
                        }
                        else if (shared.End >= 0 && shared.Consumed >= shared.End) finished = true;
                        else if (!cancellation.IsCancellationRequested)
                        {
                            shared.ConsumerWaiting = true;
                            try { Monitor.Wait(shared.Gate, tick); }
                            finally { shared.ConsumerWaiting = false; }
                        }
                    }
                    cancellation.ThrowIfCancellationRequested();
                    if (got)
                    {
                        slot.Failure?.Throw();
                        yield return slot.Value;
                    }
                    if (finished) yield break;
                    if (waiting != null && sinceWaiting.Elapsed >= tick)
                    {
                        waiting();
                        sinceWaiting.Restart();
                    }
                }
            }
            finally
            {
                Halt(shared);
                foreach (var thread in threads) thread.Join();
                shared.Source.Dispose();
            }
        }

        /// <summary>Results handed to a waiting consumer at once: waking it for every element cost a context switch per
        /// repository; it still wakes every tick, so no result waits longer than that for its batch.</summary>
        private const int HandOffBatch = 8;

        /// <summary>Whether the waiting consumer should be woken now (under Gate): the slot it waits for is done and either
        /// a batch of slots from it is, or nothing more is coming to fill one (the source ended, a worker waits for the
        /// window to move).</summary>
        private static bool WorthWaking<TIn, TOut>(Shared<TIn, TOut> shared)
        {
            if (!shared.Done.ContainsKey(shared.Consumed)) return false;
            if (shared.End >= 0 || shared.WindowWaiters > 0 || shared.Stop) return true;
            for (var k = 1; k < HandOffBatch; k++)
                if (!shared.Done.ContainsKey(shared.Consumed + k)) return false;
            return true;
        }

        /// <summary>Wakes the waiting consumer (under Gate); it counts as woken from here, so that other threads do not
        /// wake it (and each other) again before it has run.</summary>
        private static void WakeConsumer<TIn, TOut>(Shared<TIn, TOut> shared)
        {
            shared.ConsumerWaiting = false;
            Monitor.PulseAll(shared.Gate);
        }

        private static void Halt<TIn, TOut>(Shared<TIn, TOut> shared)
        {
            lock (shared.Gate)
            {
                shared.Stop = true;
                Monitor.PulseAll(shared.Gate);
            }
        }

        private static void Worker<TIn, TOut>(Shared<TIn, TOut> shared)
        {
            while (true)
            {
                TIn item;
                long index;
                lock (shared.Gate)
                {
                    while (!shared.Stop && shared.End < 0 && shared.Taken - shared.Consumed >= shared.Window)
                    {
                        // the consumer may be holding back for a fuller batch: a full window is reason enough to hand off
                        if (shared.ConsumerWaiting && shared.Done.ContainsKey(shared.Consumed)) WakeConsumer(shared);
                        shared.WindowWaiters++;
                        try { Monitor.Wait(shared.Gate); }
                        finally { shared.WindowWaiters--; }
                    }
                    if (shared.Stop || shared.End >= 0) return;
                }
                lock (shared.SourceGate)
                {
                    // Taken and End change only under both locks, so they hold still here; the window may have filled
                    // while this worker waited for the source: then back to waiting
                    lock (shared.Gate)
                    {
                        if (shared.Stop || shared.End >= 0) return;
                        if (shared.Taken - shared.Consumed >= shared.Window) continue;
                        index = shared.Taken;
                    }
                    bool more;
                    ExceptionDispatchInfo? failure = null;
                    item = default!;
                    try
                    {
                        more = shared.Source.MoveNext();
                        if (more) item = shared.Source.Current;
                    }
                    catch (Exception e)
                    {
                        more = false;
                        failure = ExceptionDispatchInfo.Capture(e);
                    }
                    lock (shared.Gate)
                    {
                        if (failure != null)
                        {
                            // the source's failure takes the place of the element it was producing, so everything before
                            // it is still handed back first
                            shared.Done[index] = new Slot<TOut> { Failure = failure };
                            shared.End = index + 1;
                        }
                        else if (!more) shared.End = index;
                        else shared.Taken = index + 1;
                        // the end (or a failure) of the source is news to everyone waiting: the consumer may be done,
                        // workers waiting for the window must leave; taking an element is news to no one
                        if (!more) Monitor.PulseAll(shared.Gate);
                        if (!more) return;
                    }
                }
                Slot<TOut> slot;
                try { slot = new Slot<TOut> { Value = shared.Work(item) }; }
                catch (Exception e) { slot = new Slot<TOut> { Failure = ExceptionDispatchInfo.Capture(e) }; }
                lock (shared.Gate)
                {
                    shared.Done[index] = slot;
                    if (shared.ConsumerWaiting && index >= shared.Consumed && WorthWaking(shared)) WakeConsumer(shared);
                }
            }
        }
    }
}
