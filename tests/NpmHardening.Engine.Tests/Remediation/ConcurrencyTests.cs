using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Remediation;
using Xunit.Abstractions;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>
    /// Ten writers on one file lose nothing (threads and processes), and a writer killed at any moment leaves the old
    /// or the new file, never a partial one. The figures are printed for the issue.
    /// </summary>
    public sealed class ConcurrencyTests : IDisposable
    {
        private readonly ITestOutputHelper _out;
        private readonly RemediationDisk _disk = new RemediationDisk();
        public ConcurrencyTests(ITestOutputHelper output) { _out = output; }
        public void Dispose() => _disk.Dispose();

        private static readonly string[] Keys = { "heading", "init-author-name", "init-license", "message", "preid", "tag-version-prefix", "editor", "git", "viewer", "searchexclude" };
        private const string Original = "# shared profile\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nstrict-ssl=false\n";

        private void AssertNothingLost(int writers, string round)
        {
            var text = _disk.Read();
            Assert.StartsWith(Original, text);
            var decoded = NpmHardening.Engine.Config.NpmrcDocument.Parse(text).Decode();
            for (int i = 0; i < writers; i++)
                Assert.True(decoded.Values[Keys[i]] as string == $"writer {i} {round}", $"{Keys[i]} is {Js.Js.ToJson(decoded.Values[Keys[i]])} after round {round}:\n{text}");
            Assert.Equal(writers + 2, decoded.Values.Count);
            Assert.Empty(_disk.Leftovers());
        }

        [Fact]
        public void Ten_threads_on_one_file_lose_nothing()
        {
            const int rounds = 5, writers = 10;
            int replanned = 0, failures = 0;
            for (int round = 0; round < rounds; round++)
            {
                _disk.Write(Original);
                // every plan is made from the same bytes before anyone writes: all but the first must plan again
                var plans = Enumerable.Range(0, writers).Select(i => _disk.Plan(new Dictionary<string, object?> { [Keys[i]] = $"writer {i} {round}" })).ToList();
                using var start = new Barrier(writers);
                var results = new NpmrcApplyResult[writers];
                var threads = Enumerable.Range(0, writers).Select(i => new Thread(() =>
                {
                    start.SignalAndWait();
                    results[i] = _disk.Writer().TryApply(plans[i]);
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                failures += results.Count(r => r.Status != NpmrcApplyStatus.Changed);
                Assert.All(results, r => Assert.True(r.Status == NpmrcApplyStatus.Changed, r.ToString()));
                replanned += results.Count(r => r.Replanned);
                Assert.Equal(writers - 1, results.Count(r => r.Replanned));
                AssertNothingLost(writers, round.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            Assert.Equal(rounds * writers, _disk.Store().List(_disk.Rc).Count);
            _out.WriteLine($"threads: {rounds} rounds x {writers} writers = {rounds * writers} writes, {replanned} re-planned, {failures} failures, 0 lost");
        }

        [Fact]
        public async Task Ten_processes_on_one_file_lose_nothing()
        {
            const int rounds = 3, writers = 10;
            int replanned = 0, failures = 0;
            for (int round = 0; round < rounds; round++)
            {
                _disk.Write(Original);
                var processes = Enumerable.Range(0, writers).Select(i => Process.Start(RemediationDisk.HelperStart(
                    "set", _disk.Rc, Keys[i], Js.Js.ToJson($"writer {i} {round}"), "--backups", _disk.BackupRoot))!).ToList();
                var outputs = processes.Select(p => p.StandardOutput.ReadToEndAsync()).ToList();
                var errors = processes.Select(p => p.StandardError.ReadToEndAsync()).ToList();
                foreach (var p in processes) Assert.True(p.WaitForExit(120_000), "a writer process hung");
                var stdouts = await Task.WhenAll(outputs);
                var stderrs = await Task.WhenAll(errors);
                for (int i = 0; i < writers; i++)
                {
                    var stdout = stdouts[i];
                    if (processes[i].ExitCode != 0) failures++;
                    Assert.True(processes[i].ExitCode == 0, $"writer {i} exited {processes[i].ExitCode}: {stdout} {stderrs[i]}");
                    var last = stdout.Trim().Split('\n').Last();
                    Assert.True(JsJson.TryParse(last, out var parsed) && parsed is JsObject o && o["status"] as string == "Changed", last);
                    if (((JsObject)parsed!)["replanned"] is true) replanned++;
                }
                processes.ForEach(p => p.Dispose());
                AssertNothingLost(writers, round.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            Assert.Equal(rounds * writers, _disk.Store().List(_disk.Rc).Count);
            _out.WriteLine($"processes: {rounds} rounds x {writers} writer processes = {rounds * writers} writes, {replanned} re-planned, {failures} failures, 0 lost");
        }

        /// <summary>
        /// A helper process writes a ~4 MB change (its temporary file slowly: 64 KiB chunks, 6 ms apart; the backup at full speed)
        /// and is killed (SIGKILL / TerminateProcess) at a random moment. The file must then be byte-identical to the old or the new content.
        /// </summary>
        [Fact]
        public void A_writer_killed_at_any_moment_leaves_the_old_or_the_new_file()
        {
            const int trials = 50;
            var sb = new StringBuilder("strict-ssl=false\n");
            for (int i = 0; i < 60_000; i++) sb.Append("# padding line ").Append(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Append(" of a large shared config file\n");
            var oldBytes = new UTF8Encoding(false).GetBytes(sb.ToString());
            File.WriteAllBytes(_disk.Rc, oldBytes);
            var newBytes = _disk.Plan(new Dictionary<string, object?> { ["strict-ssl"] = true }).Render();

            string[] Args() => new[] { "set", _disk.Rc, "strict-ssl", "true", "--backups", _disk.BackupRoot, "--slow", "65536:6" };

            // undisturbed runs: they work, and (the second, once this process's output reading is warm) tell how long a
            // run takes after the helper has started and planned
            Assert.Equal(0, Run(Args(), killAfter: null).ExitCode);
            Assert.Equal(newBytes, File.ReadAllBytes(_disk.Rc));
            File.WriteAllBytes(_disk.Rc, oldBytes);
            var (code, _, fullRun) = Run(Args(), killAfter: null);
            Assert.Equal(0, code);
            Assert.Equal(newBytes, File.ReadAllBytes(_disk.Rc));

            var random = new Random();
            int old = 0, @new = 0, partial = 0;
            var killedIn = new Dictionary<string, int>();
            for (int trial = 0; trial < trials; trial++)
            {
                File.WriteAllBytes(_disk.Rc, oldBytes);
                var delay = TimeSpan.FromMilliseconds(random.NextDouble() * fullRun.TotalMilliseconds * 1.1);
                var (_, seen, _) = Run(Args(), killAfter: delay);
                var last = seen.Count == 0 ? "starting" : seen.Last();
                var phase = last == "planned" ? "locking, reading, backing up"
                    : last == "written" ? "between the write and the rename"
                    : last.StartsWith("{", StringComparison.Ordinal) ? "finished" : last;
                killedIn[phase] = killedIn.TryGetValue(phase, out var n) ? n + 1 : 1;
                var now = File.ReadAllBytes(_disk.Rc);
                if (now.AsSpan().SequenceEqual(oldBytes)) old++;
                else if (now.AsSpan().SequenceEqual(newBytes)) @new++;
                else partial++;
            }
            _out.WriteLine($"kill test: {trials} trials (planning to exit ≈ {fullRun.TotalMilliseconds:0} ms; SIGKILL uniformly in [0, {fullRun.TotalMilliseconds * 1.1:0}] ms after the helper reports it has planned): " +
                $"{old} old, {@new} new, {partial} partial/corrupt");
            _out.WriteLine("killed while: " + string.Join(", ", killedIn.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}")));
            Assert.Equal(0, partial);

            // leftovers of killed writers are cleaned by the next one
            File.WriteAllBytes(_disk.Rc, oldBytes);
            Assert.Equal(0, Run(Args(), killAfter: null).ExitCode);
            Assert.Equal(newBytes, File.ReadAllBytes(_disk.Rc));
            Assert.Empty(_disk.Leftovers());
        }

        /// <summary>
        /// Runs the helper; with <paramref name="killAfter"/>, kills it that long after it printed "planned" (so process start-up
        /// is not what gets killed). Returns the exit code (-1 when killed), the phases it printed, and the time from "planned" to exit.
        /// </summary>
        private static (int ExitCode, List<string> Phases, TimeSpan AfterPlanning) Run(string[] args, TimeSpan? killAfter)
        {
            var phases = new ConcurrentQueue<string>();
            using var planned = new ManualResetEventSlim(false);
            var watch = new Stopwatch();
            using var p = new Process { StartInfo = RemediationDisk.HelperStart(args) };
            p.OutputDataReceived += (_, e) =>
            {
                if (e.Data == null) return;
                if (e.Data.Trim() == "planned") { watch.Start(); planned.Set(); }
                phases.Enqueue(e.Data.Trim());
            };
            p.ErrorDataReceived += (_, _) => { };
            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            if (killAfter is TimeSpan delay)
            {
                Assert.True(planned.Wait(60_000), "the helper never planned");
                if (!p.WaitForExit((int)delay.TotalMilliseconds))
                {
                    try { p.Kill(); } catch (InvalidOperationException) { }
                }
                p.WaitForExit();
                return (-1, phases.ToList(), watch.Elapsed);
            }
            Assert.True(p.WaitForExit(120_000));
            watch.Stop();
            p.WaitForExit();
            return (p.ExitCode, phases.ToList(), watch.Elapsed);
        }
    }
}
