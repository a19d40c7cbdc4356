using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using NpmHardening.Engine.Pipelines;

namespace NpmHardening.Engine.Tests.Pipelines
{
    /// <summary>The parallel repository scan's ordering, failure and cancellation contract.</summary>
    public sealed class OrderedParallelMapTests
    {
        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(4)]
        public void Results_come_back_in_source_order_whatever_finishes_first(int workers)
        {
            var random = new Random(7);
            var delays = Enumerable.Range(0, 200).Select(_ => random.Next(0, 3)).ToArray();
            var threads = new HashSet<int>();
            var results = OrderedParallelMap.Run(Enumerable.Range(0, 200), i =>
            {
                lock (threads) threads.Add(Environment.CurrentManagedThreadId);
                Thread.Sleep(delays[i]);
                return i * 10;
            }, workers, 8).ToList();
            Assert.Equal(Enumerable.Range(0, 200).Select(i => i * 10), results);
            if (workers == 1) Assert.Equal(new[] { Environment.CurrentManagedThreadId }, threads);
            else Assert.DoesNotContain(Environment.CurrentManagedThreadId, threads);
        }

        [Fact]
        public void The_source_runs_on_one_thread_at_a_time_and_never_more_than_the_window_ahead()
        {
            var inSource = 0;
            var overlap = false;
            var consumed = 0;
            var maxAhead = 0;
            IEnumerable<int> Source()
            {
                for (var i = 0; i < 300; i++)
                {
                    if (Interlocked.Increment(ref inSource) > 1) overlap = true;
                    maxAhead = Math.Max(maxAhead, i - Volatile.Read(ref consumed));
                    Interlocked.Decrement(ref inSource);
                    yield return i;
                }
            }
            foreach (var _ in OrderedParallelMap.Run(Source(), i => i, 3, 6))
            {
                Thread.Sleep(0);
                Interlocked.Increment(ref consumed);
            }
            Assert.False(overlap);
            Assert.InRange(maxAhead, 0, 6);
        }

        [Fact]
        public void A_failure_surfaces_at_its_place_after_every_earlier_result()
        {
            var seen = new List<int>();
            var e = Assert.Throws<InvalidOperationException>(() =>
            {
                foreach (var r in OrderedParallelMap.Run(Enumerable.Range(0, 100), i =>
                         {
                             if (i == 37) throw new InvalidOperationException("item 37");
                             Thread.Sleep(i % 3);
                             return i;
                         }, 4, 16))
                    seen.Add(r);
            });
            Assert.Equal("item 37", e.Message);
            Assert.Equal(Enumerable.Range(0, 37), seen);

            IEnumerable<int> Failing()
            {
                for (var i = 0; i < 10; i++) yield return i;
                throw new System.IO.IOException("walk failed");
            }
            seen.Clear();
            Assert.Throws<System.IO.IOException>(() => { foreach (var r in OrderedParallelMap.Run(Failing(), i => i, 2, 4)) seen.Add(r); });
            Assert.Equal(Enumerable.Range(0, 10), seen);
        }

        [Fact]
        public void Cancelling_stops_the_workers_promptly_and_leaving_the_loop_stops_them_too()
        {
            var started = 0;
            using var cts = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            var handed = 0;
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (var _ in OrderedParallelMap.Run(Enumerable.Range(0, 100_000), i =>
                         {
                             Interlocked.Increment(ref started);
                             Thread.Sleep(5);
                             return i;
                         }, 2, 32, cancellation: cts.Token))
                    if (++handed == 10) cts.Cancel();
            });
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            var atCancel = Volatile.Read(ref started);
            Thread.Sleep(100);
            // the workers were joined: nothing starts after the enumeration ended
            Assert.Equal(atCancel, Volatile.Read(ref started));
            Assert.InRange(atCancel, 10, 10 + 32 + 2);

            started = 0;
            foreach (var r in OrderedParallelMap.Run(Enumerable.Range(0, 100_000), i => { Interlocked.Increment(ref started); return i; }, 2, 16))
                if (r == 5) break;
            var atBreak = Volatile.Read(ref started);
            Thread.Sleep(50);
            Assert.Equal(atBreak, Volatile.Read(ref started));
            Assert.InRange(atBreak, 6, 6 + 16 + 2);
        }

        [Fact]
        public void The_waiting_callback_runs_on_the_calling_thread_while_a_slow_element_is_awaited()
        {
            var caller = Environment.CurrentManagedThreadId;
            var calls = new List<int>();
            var results = OrderedParallelMap.Run(new[] { 1, 2 }, i => { Thread.Sleep(i == 1 ? 400 : 0); return i; }, 2, 4,
                () => calls.Add(Environment.CurrentManagedThreadId), TimeSpan.FromMilliseconds(50)).ToList();
            Assert.Equal(new[] { 1, 2 }, results);
            Assert.True(calls.Count >= 2, $"{calls.Count} calls");
            Assert.All(calls, t => Assert.Equal(caller, t));
        }

        [Fact]
        public void A_source_slow_to_find_its_next_element_holds_up_neither_the_stop_nor_the_progress()
        {
            // the walk of a huge tree between two repositories: MoveNext runs for seconds, checking the token per folder
            using var cts = new CancellationTokenSource();
            IEnumerable<int> SlowSource()
            {
                yield return 1;
                var walking = Stopwatch.StartNew();
                while (walking.Elapsed < TimeSpan.FromSeconds(20))
                {
                    cts.Token.ThrowIfCancellationRequested();
                    Thread.Sleep(5);
                }
                yield return 2;
            }
            int waitingCalls = 0;
            var results = new List<int>();
            var run = Stopwatch.StartNew();
            TimeSpan cancelTook = TimeSpan.Zero;
            var canceller = new Thread(() =>
            {
                Thread.Sleep(600);
                var c = Stopwatch.StartNew();
                cts.Cancel();
                cancelTook = c.Elapsed;
            });
            canceller.Start();
            Assert.Throws<OperationCanceledException>(() =>
            {
                foreach (var r in OrderedParallelMap.Run(SlowSource(), i => i, 2, 8, () => waitingCalls++, TimeSpan.FromMilliseconds(50), cts.Token))
                    results.Add(r);
            });
            canceller.Join();
            Assert.Equal(new[] { 1 }, results);
            Assert.True(cancelTook < TimeSpan.FromSeconds(3), $"Cancel() took {cancelTook.TotalMilliseconds:0} ms");
            Assert.True(run.Elapsed < TimeSpan.FromSeconds(10), $"the enumeration ended after {run.Elapsed.TotalMilliseconds:0} ms");
            // progress went on while the source was busy: the consumer did not wait for the source's lock
            Assert.True(waitingCalls >= 2, $"{waitingCalls} waiting calls in {run.Elapsed.TotalMilliseconds:0} ms");
        }

        [Theory]
        [InlineData(3, 8)]     // fewer elements than a hand-off batch: the end of the source must hand them over
        [InlineData(200, 2)]   // a window smaller than a batch: a worker waiting for the window must hand them over
        [InlineData(200, 32)]  // the bench's shape: full batches
        public void Results_are_handed_over_without_waiting_for_the_tick(int count, int window)
        {
            // the consumer is woken for batches of results, and also wakes every tick; with a tick of a minute, any
            // hand-off that relied on the tick would take a minute, so each run must end long before one
            var clock = Stopwatch.StartNew();
            for (var run = 0; run < 20; run++)
            {
                var results = OrderedParallelMap.Run(Enumerable.Range(0, count), i => i + 1, 2, window, null, TimeSpan.FromMinutes(1)).ToList();
                Assert.Equal(Enumerable.Range(1, count), results);
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"20 runs took {clock.Elapsed.TotalMilliseconds:0} ms");
        }
    }
}
