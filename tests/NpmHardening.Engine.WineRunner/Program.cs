using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Threading;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace NpmHardening.Engine.WineRunner
{
    /// <summary>
    /// Runs the named test classes of NpmHardening.Engine.Tests through xunit 2's own framework (discoverer and
    /// executor), without vstest: under Wine the whole suite in one `dotnet test` process crashes or hangs, so
    /// build.ps1 starts this program once per class. Prints every result, writes the counts as JSON when asked, and
    /// exits with the number of failures (capped at 100; 101 and up are the runner's own errors).
    /// </summary>
    public static class Program
    {
        private const int UsageError = 101;
        private const int NoTestsFound = 102;

        public static int Main(string[] args)
        {
            string? jsonPath = null;
            var from = 0;
            var methods = new HashSet<string>(StringComparer.Ordinal);
            var classNames = new List<string>();
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--json" && i + 1 < args.Length) jsonPath = args[++i];
                else if (args[i] == "--from" && i + 1 < args.Length && int.TryParse(args[++i], out var n) && n >= 0) from = n;
                // --method narrows a class to some of its tests, to look at one test alone.
                else if (args[i] == "--method" && i + 1 < args.Length) methods.Add(args[++i]);
                else if (args[i] == "--probe-reflection-exceptions") return ReflectionExceptionProbe.Run();
                else classNames.Add(args[i]);
            }
            if (classNames.Count == 0)
            {
                Console.Error.WriteLine("usage: NpmHardening.Engine.WineRunner [--json <file>] [--from <index>] [--method <name>]... <test class> [<test class> ...]");
                Console.Error.WriteLine("       NpmHardening.Engine.WineRunner --probe-reflection-exceptions");
                return UsageError;
            }

            // Any type of the test assembly names it; WarmupTests is a plain class with no platform condition.
            var assembly = typeof(NpmHardening.Engine.Tests.WarmupTests).Assembly;
            var classes = new List<Type>();
            foreach (var name in classNames)
            {
                var matches = assembly.GetTypes().Where(t => t.FullName == name || (!name.Contains('.') && t.Name == name)).ToArray();
                if (matches.Length != 1)
                {
                    // A renamed or removed class must fail loudly, not run nothing and report success.
                    Console.Error.WriteLine(matches.Length == 0
                        ? $"No test class {name} in {assembly.GetName().Name}."
                        : $"{name} names {matches.Length} classes ({string.Join(", ", matches.Select(m => m.FullName))}); give the full name.");
                    return UsageError;
                }
                classes.Add(matches[0]);
            }

            var watch = Stopwatch.StartNew();
            var framework = new XunitTestFramework(new DiagnosticSink());
            var options = new FrameworkOptions();
            // Each RunTests call below gets its own xunit worker thread (xunit makes one per run when it may run
            // tests in parallel, here at most one at a time), so no two tests share a thread.
            options.SetValue("xunit.execution.DisableParallelization", false);
            options.SetValue("xunit.execution.MaxParallelThreads", 1);

            var testCases = new List<ITestCase>();
            using (var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
            {
                foreach (var type in classes)
                {
                    using var discovery = new DiscoverySink();
                    discoverer.Find(type.FullName, false, discovery, options);
                    discovery.Finished.WaitOne();
                    testCases.AddRange(discovery.TestCases.Where(c => methods.Count == 0 || methods.Contains(c.TestMethod.Method.Name)));
                }
            }
            if (testCases.Count == 0)
            {
                Console.Error.WriteLine($"No tests found in {string.Join(", ", classes.Select(c => c.FullName))}.");
                return NoTestsFound;
            }
            // A fixed order, so that --from in the next process means the same test.
            testCases = testCases.OrderBy(c => c.DisplayName, StringComparer.Ordinal).ThenBy(c => c.UniqueID, StringComparer.Ordinal).ToList();

            var state = new RunState
            {
                Classes = classes.Select(c => c.FullName!).ToArray(),
                Total = testCases.Count,
                From = from,
                Next = -1,
            };
            var results = new ResultSink(state);
            using (var executor = framework.GetExecutor(assembly.GetName()))
            {
                for (var i = from; i < testCases.Count; i++)
                {
                    // Written before the test runs: if it hangs or takes the process down, build.ps1 knows which
                    // test that was and where the next process starts.
                    state.Running = testCases[i].DisplayName;
                    state.Next = i + 1;
                    Save(jsonPath, state, watch);
                    var failedBefore = state.Failed;
                    results.Finished.Reset();
                    executor.RunTests(new[] { testCases[i] }, results, options);
                    results.Finished.WaitOne();
                    state.Running = null;
                    // Under Wine 8, once an exception has left a test through xunit's reflection call, a later
                    // exception in the same process may hang or end it ("Fatal error."): README, TestWindows. So a
                    // process stops at its first failure, and build.ps1 goes on with the next test in a new process.
                    if (state.Failed > failedBefore) break;
                }
            }
            if (state.Next >= testCases.Count) state.Next = -1;
            watch.Stop();
            Save(jsonPath, state, watch);

            var classList = string.Join(", ", classes.Select(c => c.Name));
            var rest = state.Next >= 0 ? $"; stopped after a failure, {testCases.Count - state.Next} left from index {state.Next}" : "";
            Console.WriteLine($"{classList} (tests {from + 1}-{(state.Next >= 0 ? state.Next : testCases.Count)} of {testCases.Count}): {state.Passed} passed, {state.Failed} failed, {state.Skipped} skipped in {watch.Elapsed.TotalSeconds:0.0} s{rest}");
            return Math.Min(state.Failed, 100);
        }

        private static void Save(string? jsonPath, RunState state, Stopwatch watch)
        {
            if (jsonPath == null) return;
            state.Seconds = Math.Round(watch.Elapsed.TotalSeconds, 2);
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
        }

        /// <summary>What one process did, as build.ps1 reads it (also while a test runs: Running names it).</summary>
        private sealed class RunState
        {
            public string[] Classes { get; set; } = Array.Empty<string>();
            public int Total { get; set; }
            public int From { get; set; }
            /// <summary>Index of the first test a next process should run; -1 when none is left.</summary>
            public int Next { get; set; }
            public string? Running { get; set; }
            public int Passed { get; set; }
            public int Failed { get; set; }
            public int Skipped { get; set; }
            public double Seconds { get; set; }
            public List<string> FailedTests { get; set; } = new List<string>();
            public List<string> SkippedTests { get; set; } = new List<string>();
        }

        // The sinks derive from LongLivedMarshalByRefObject because xunit 2 expects it of every sink it calls (a
        // remoting leftover from .NET Framework app domains; on .NET it is an ordinary base class).

        /// <summary>Options both for discovery and for execution: xunit reads them by name and treats a missing one as its default.</summary>
        private sealed class FrameworkOptions : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
        {
            private readonly Dictionary<string, object?> _values = new Dictionary<string, object?>();

            public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var value) && value is TValue typed ? typed : default!;

            public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
        }

        /// <summary>xunit's diagnostic messages (a test's own ITestOutputHelper lines are not these), printed for the log.</summary>
        private sealed class DiagnosticSink : Xunit.LongLivedMarshalByRefObject, IMessageSink
        {
            public bool OnMessage(IMessageSinkMessage message)
            {
                if (message is IDiagnosticMessage diagnostic) Console.WriteLine($"  [xunit] {diagnostic.Message}");
                return true;
            }
        }

        private sealed class DiscoverySink : Xunit.LongLivedMarshalByRefObject, IMessageSink, IDisposable
        {
            public List<ITestCase> TestCases { get; } = new List<ITestCase>();

            public ManualResetEvent Finished { get; } = new ManualResetEvent(false);

            public bool OnMessage(IMessageSinkMessage message)
            {
                if (message is ITestCaseDiscoveryMessage discovered) TestCases.Add(discovered.TestCase);
                else if (message is IDiscoveryCompleteMessage) Finished.Set();
                return true;
            }

            public void Dispose() => Finished.Dispose();
        }

        /// <summary>Counts and prints results as xunit reports them (from its own threads, hence the lock).</summary>
        private sealed class ResultSink : Xunit.LongLivedMarshalByRefObject, IMessageSink
        {
            private readonly object _gate = new object();
            private readonly RunState _state;

            public ResultSink(RunState state) { _state = state; }

            public ManualResetEvent Finished { get; } = new ManualResetEvent(false);

            public bool OnMessage(IMessageSinkMessage message)
            {
                lock (_gate)
                {
                    switch (message)
                    {
                        // Printed before the test runs, so a test that hangs or takes the process down is named in the log.
                        case ITestStarting starting:
                            Console.WriteLine($"  start   {starting.Test.DisplayName} [thread {Environment.CurrentManagedThreadId}]");
                            break;
                        case ITestPassed passed:
                            _state.Passed++;
                            Console.WriteLine($"  passed  {passed.Test.DisplayName} ({passed.ExecutionTime:0.000} s)");
                            break;
                        case ITestFailed failed:
                            _state.Failed++;
                            _state.FailedTests.Add(failed.Test.DisplayName);
                            Console.WriteLine($"  FAILED  {failed.Test.DisplayName} ({failed.ExecutionTime:0.000} s)");
                            WriteFailure(failed);
                            if (!string.IsNullOrEmpty(failed.Output)) Console.WriteLine("    output: " + failed.Output.TrimEnd().Replace("\n", "\n      "));
                            break;
                        case ITestSkipped skipped:
                            _state.Skipped++;
                            _state.SkippedTests.Add($"{skipped.Test.DisplayName}: {skipped.Reason}");
                            Console.WriteLine($"  skipped {skipped.Test.DisplayName}: {skipped.Reason}");
                            break;
                        // A failure outside a test (a class fixture, a Dispose, a collection's cleanup, or xunit
                        // itself) is a failure of the run too, never a silent pass.
                        case IErrorMessage error:
                            _state.Failed++;
                            _state.FailedTests.Add("(xunit) " + FirstMessage(error));
                            Console.WriteLine("  FAILED  xunit error");
                            WriteFailure(error);
                            break;
                        case ITestAssemblyCleanupFailure _:
                        case ITestCollectionCleanupFailure _:
                        case ITestClassCleanupFailure _:
                        case ITestMethodCleanupFailure _:
                        case ITestCaseCleanupFailure _:
                        case ITestCleanupFailure _:
                            _state.Failed++;
                            _state.FailedTests.Add($"({message.GetType().Name}) " + FirstMessage((IFailureInformation)message));
                            Console.WriteLine($"  FAILED  {message.GetType().Name}");
                            WriteFailure((IFailureInformation)message);
                            break;
                        case ITestAssemblyFinished _:
                            Finished.Set();
                            break;
                    }
                }
                return true;
            }

            private static string FirstMessage(IFailureInformation failure) =>
                failure.Messages.Length > 0 ? failure.Messages[0].Split('\n')[0] : "(no message)";

            private static void WriteFailure(IFailureInformation failure)
            {
                // The exception chain as xunit flattens it: index 0 is the outer exception, inner ones follow.
                for (var i = 0; i < failure.ExceptionTypes.Length; i++)
                {
                    var indent = i == 0 ? "    " : "    ---- ";
                    Console.WriteLine($"{indent}{failure.ExceptionTypes[i]}: {failure.Messages[i]?.Replace("\n", "\n      ")}");
                    var stack = failure.StackTraces.Length > i ? failure.StackTraces[i] : null;
                    if (!string.IsNullOrEmpty(stack)) Console.WriteLine("      " + stack!.TrimEnd().Replace("\n", "\n      "));
                }
            }
        }
    }
}
