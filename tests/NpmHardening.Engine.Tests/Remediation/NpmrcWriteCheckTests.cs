using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>
    /// What -WhatIf predicts is what the write does: for each kind of file the writer refuses, the up-front check gives
    /// the same error kind the real write fails with, and for a writable file it gives none and the write succeeds.
    /// </summary>
    public sealed class NpmrcWriteCheckTests : IDisposable
    {
        private readonly RemediationDisk _disk = new RemediationDisk();
        public void Dispose() => _disk.Dispose();

        public static IEnumerable<object[]> Cases()
        {
            foreach (var force in new[] { false, true })
            {
                yield return new object[] { "plain", force };
                yield return new object[] { "utf16", force };
                yield return new object[] { "readonly", force };
                yield return new object[] { "directory", force };
                yield return new object[] { "missing-folder", force };
                if (!OperatingSystem.IsWindows())
                {
                    yield return new object[] { "link-outside", force };
                    yield return new object[] { "link-inside", force };
                    yield return new object[] { "link-to-directory", force };
                }
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void The_up_front_check_and_the_real_write_refuse_the_same_files(string setup, bool force)
        {
            var path = Arrange(setup);
            var writer = _disk.Writer();
            writer.Force = force;
            var plan = HardeningPlanner.PlanFile(_disk.Target(path), HardeningSettings.FromMap(new Dictionary<string, object?> { ["strict-ssl"] = true, ["min-release-age"] = 3 }), RemediationDisk.Npm);

            var predicted = NpmrcWriteCheck.Refusal(writer, plan);
            var before = Snapshot();
            var result = writer.TryApply(plan);

            if (predicted == null)
            {
                Assert.True(result.Status == NpmrcApplyStatus.Changed, $"{setup}: nothing was predicted, but the write gave {result.Status} {result.Error?.Kind}: {result.Error?.Message}");
            }
            else
            {
                Assert.Equal(NpmrcApplyStatus.Failed, result.Status);
                Assert.Equal(predicted.Kind, result.Error!.Kind);
                Assert.Equal(predicted.Message, result.Error.Message);
                Assert.Equal(before, Snapshot()); // refused: nothing on disk changed
            }
            // the cases that must be refused without -Force, and those that must be written with it
            var refusedWithoutForce = new[] { "utf16", "readonly", "directory", "missing-folder", "link-outside", "link-to-directory" };
            var refusedEvenWithForce = new[] { "directory", "missing-folder", "link-to-directory" };
            bool mustRefuse = force ? Array.IndexOf(refusedEvenWithForce, setup) >= 0 : Array.IndexOf(refusedWithoutForce, setup) >= 0;
            Assert.Equal(mustRefuse, predicted != null);
        }

        [Fact]
        public void A_compliant_read_only_file_is_not_a_refusal()
        {
            _disk.Write("strict-ssl=true\n");
            MakeReadOnly(_disk.Rc);
            var plan = HardeningPlanner.PlanFile(_disk.Target(), HardeningSettings.FromMap(new Dictionary<string, object?> { ["strict-ssl"] = true }), RemediationDisk.Npm);
            Assert.False(plan.HasChanges);
            Assert.Null(NpmrcWriteCheck.Refusal(_disk.Writer(), plan));
        }

        [Fact]
        public void A_sharing_violation_is_reported_as_locked_and_a_swap_as_changed()
        {
            // What the Windows walker throws when another program holds the file open without sharing (Win32 error 32
            // as HRESULT_FROM_WIN32), and what it throws when a folder or file was replaced while being opened.
            var held = new SafePathException(SafePathError.Changed, "C:\\u\\.npmrc", "C:\\u\\.npmrc: in use", unchecked((int)0x80070020));
            var locked = NpmrcWriteCheck.FromPathError("C:\\u\\.npmrc", held);
            Assert.Equal(NpmrcWriteError.Locked, locked.Kind);
            Assert.Equal("ResourceBusy", locked.Category);
            Assert.Contains("Close the program that holds it", locked.Message);

            var swapped = new SafePathException(SafePathError.Changed, "C:\\u\\.npmrc", "C:\\u\\.npmrc was replaced while it was opened");
            Assert.Equal(NpmrcWriteError.ChangedConcurrently, NpmrcWriteCheck.FromPathError("C:\\u\\.npmrc", swapped).Kind);
        }

        [Fact]
        public void A_token_plan_on_a_utf16_file_is_refused_up_front_as_the_write_refuses_it()
        {
            File.WriteAllText(_disk.Rc, "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n", Encoding.Unicode);
            var plan = TokenProtectionPlanner.Plan(_disk.Target(), new TokenProtectionOptions());
            var writer = _disk.Writer();
            var predicted = Assert.IsType<NpmrcWriteException>(NpmrcWriteCheck.Refusal(writer, plan));
            var thrown = Assert.Throws<NpmrcWriteException>(() => writer.Apply(plan));
            Assert.Equal(NpmrcWriteError.Utf16Encoded, predicted.Kind);
            Assert.Equal(predicted.Message, thrown.Message);
        }

        private string Arrange(string setup)
        {
            var outside = Path.Combine(_disk.Root, "outside");
            Directory.CreateDirectory(outside);
            switch (setup)
            {
                case "plain": _disk.Write("strict-ssl=false\n"); return _disk.Rc;
                case "utf16": File.WriteAllText(_disk.Rc, "strict-ssl=false\r\n", Encoding.Unicode); return _disk.Rc;
                case "readonly": _disk.Write("strict-ssl=false\n"); MakeReadOnly(_disk.Rc); return _disk.Rc;
                case "directory": Directory.CreateDirectory(_disk.Rc); return _disk.Rc;
                case "missing-folder": return Path.Combine(_disk.Home, "no-such-folder", ".npmrc");
                case "link-outside":
                    File.WriteAllText(Path.Combine(outside, "npmrc"), "strict-ssl=false\n");
                    File.CreateSymbolicLink(_disk.Rc, Path.Combine(outside, "npmrc"));
                    return _disk.Rc;
                case "link-inside":
                    File.WriteAllText(Path.Combine(_disk.Home, "real-npmrc"), "strict-ssl=false\n");
                    File.CreateSymbolicLink(_disk.Rc, Path.Combine(_disk.Home, "real-npmrc"));
                    return _disk.Rc;
                case "link-to-directory":
                    Directory.CreateDirectory(Path.Combine(_disk.Home, "a-folder"));
                    File.CreateSymbolicLink(_disk.Rc, Path.Combine(_disk.Home, "a-folder"));
                    return _disk.Rc;
                default: throw new ArgumentOutOfRangeException(nameof(setup), setup, null);
            }
        }

        private static void MakeReadOnly(string path)
        {
            if (OperatingSystem.IsWindows()) File.SetAttributes(path, FileAttributes.ReadOnly);
            else File.SetUnixFileMode(path, UnixFileMode.UserRead);
        }

        private string Snapshot()
        {
            var sb = new StringBuilder();
            foreach (var f in Directory.EnumerateFileSystemEntries(_disk.Root, "*", SearchOption.AllDirectories))
            {
                sb.Append(f);
                if (File.Exists(f) && (File.GetAttributes(f) & FileAttributes.ReparsePoint) == 0)
                    sb.Append(' ').Append(Hashing.Sha256Hex(File.ReadAllBytes(f)));
                sb.Append('\n');
            }
            return sb.ToString();
        }
    }
}
