using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>A temporary profile folder on the real disk with a backup store beside it.</summary>
    internal sealed class RemediationDisk : IDisposable
    {
        public static readonly NpmVersion Npm = NpmVersion.Parse("11.19.1");
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        public RemediationDisk()
        {
            Root = Path.Combine(Path.GetTempPath(), "npmh-rem-" + Guid.NewGuid().ToString("N"));
            Home = Path.Combine(Root, "home");
            BackupRoot = Path.Combine(Root, "state", "npmhardening", "backups");
            Directory.CreateDirectory(Home);
            Rc = Path.Combine(Home, ".npmrc");
        }

        public string Root { get; }
        public string Home { get; }
        public string Rc { get; }
        public string BackupRoot { get; }

        public BackupStore Store(IFileWriter? files = null) => new BackupStore(BackupRoot, files);
        public NpmrcFileWriter Writer(IFileWriter? files = null) => new NpmrcFileWriter(Store(files), files);

        public void Write(string text) => File.WriteAllBytes(Rc, Utf8.GetBytes(text));
        public string Read() => Utf8.GetString(File.ReadAllBytes(Rc));

        public HardeningPlan Plan(NpmBaseline baseline, string? path = null) =>
            HardeningPlanner.PlanFile(Target(path), HardeningSettings.FromBaseline(baseline, Npm), Npm);

        public HardeningPlan Plan(Dictionary<string, object?> settings, string? path = null) =>
            HardeningPlanner.PlanFile(Target(path), HardeningSettings.FromMap(settings), Npm);

        public HardeningTarget Target(string? path = null) => new HardeningTarget(NpmHardeningScope.User, path ?? Rc, Home);

        /// <summary>Temporary and lock files the writer may leave next to the file.</summary>
        public IEnumerable<string> Leftovers(string? path = null)
        {
            var dir = Path.GetDirectoryName(path ?? Rc)!;
            return Directory.EnumerateFiles(dir).Where(f => f.Contains(".npmhardening-") || f.EndsWith(NpmrcFileWriter.LockSuffix, StringComparison.Ordinal));
        }

        public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

        public static UnixStat Stat(string path)
        {
            Assert.True(UnixLibc.Stat(path, true, out var st), "stat " + path);
            return st;
        }

        /// <summary>chown(2) for test set-up (the engine itself only ever changes owners through descriptors).</summary>
        public static void Chown(string path, uint uid, uint gid) => Assert.Equal(0, Libc.chown(path, uid, gid));

        private static class Libc
        {
            [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
            public static extern int chown(string path, uint owner, uint group);
        }

        public void Dispose()
        {
            try
            {
                if (!OperatingSystem.IsWindows())
                    foreach (var f in Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories))
                        try { File.SetUnixFileMode(f, Directory.Exists(f) ? (UnixFileMode)0x1FF : (UnixFileMode)0x1B6); } catch (IOException) { }
                Directory.Delete(Root, true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        // ---- the helper process ----------------------------------------------------------------------------------

        private static readonly Lazy<string> HelperDll = new Lazy<string>(BuildHelper);

        /// <summary>Builds tests/NpmHardening.TestWriter once per test run and returns its dll.</summary>
        private static string BuildHelper()
        {
            var dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "NpmHardening.sln"))) dir = Path.GetDirectoryName(dir);
            if (dir == null) throw new InvalidOperationException("NpmHardening.sln not found above " + AppContext.BaseDirectory);
            var project = Path.Combine(dir, "tests", "NpmHardening.TestWriter", "NpmHardening.TestWriter.csproj");
            var output = Path.Combine(AppContext.BaseDirectory, "testwriter");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "build", project, "-c", "Release", "-o", output, "-nologo", "-v", "q" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException("building the test writer failed:\n" + stdout + err.Result);
            return Path.Combine(output, "NpmHardening.TestWriter.dll");
        }

        public static ProcessStartInfo HelperStart(params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(HelperDll.Value);
            foreach (var a in args) psi.ArgumentList.Add(a);
            return psi;
        }
    }
}
