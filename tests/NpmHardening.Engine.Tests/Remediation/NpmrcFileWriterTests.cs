using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>Applying plans to real files: atomic, owner/mode-keeping, backed up, and refusing bad input with a typed error.</summary>
    public sealed class NpmrcFileWriterTests : IDisposable
    {
        private readonly RemediationDisk _disk = new RemediationDisk();
        public void Dispose() => _disk.Dispose();

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        [Fact]
        public void Apply_writes_exactly_the_plan_and_backs_up_the_original_first()
        {
            const string original = "# corp\nstrict-ssl=false\n//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n";
            _disk.Write(original);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_disk.Rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var plan = _disk.Plan(NpmBaseline.Strict);
            var expected = plan.Render();

            var result = _disk.Writer().Apply(plan);

            Assert.Equal(NpmrcApplyStatus.Changed, result.Status);
            Assert.Equal(expected, File.ReadAllBytes(_disk.Rc));
            Assert.Empty(_disk.Leftovers());
            var strict = result.Changes.Single(c => c.Key == "strict-ssl");
            Assert.Equal(("false", "true", 2), (strict.OldValue, strict.NewValue, strict.Line));
            Assert.Equal(_disk.Rc, strict.Path);
            Assert.Equal(NpmHardeningScope.User, strict.Scope);
            Assert.Equal(result.BackupId, strict.BackupId);

            var backup = Assert.Single(_disk.Store().List());
            Assert.Equal(result.BackupId, backup.BackupId);
            Assert.Equal(Path.GetFullPath(_disk.Rc), backup.OriginalPath);
            Assert.Equal(Hashing.Sha256Hex(Utf8.GetBytes(original)), backup.Sha256Original);
            Assert.Equal(Hashing.Sha256Hex(expected), backup.Sha256New);
            Assert.True(backup.OriginalExisted);
            Assert.Contains(backup.Changes, c => c.Key == "strict-ssl" && c.OldValue == "false" && c.NewValue == "true");
            Assert.Equal(Utf8.GetBytes(original), File.ReadAllBytes(backup.DataPath!));
            Assert.True(DateTimeOffset.UtcNow - backup.Time < TimeSpan.FromMinutes(1));
            var manifest = File.ReadAllText(backup.ManifestPath);
            Assert.DoesNotContain("npm_abcdefghijklmnopqrstuvwxyz0123456789", manifest);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(0x180, RemediationDisk.Stat(_disk.Rc).Mode & 0xFFF);
                Assert.Equal(0x1C0, RemediationDisk.Stat(_disk.BackupRoot).Mode & 0xFFF);
                Assert.Equal(0x1C0, RemediationDisk.Stat(Path.GetDirectoryName(_disk.BackupRoot)!).Mode & 0xFFF);
                Assert.Equal(0x180, RemediationDisk.Stat(backup.DataPath!).Mode & 0xFFF);
                Assert.Equal(0x180, RemediationDisk.Stat(backup.ManifestPath).Mode & 0xFFF);
            }
        }

        [Fact]
        public void Applying_twice_changes_nothing_the_second_time()
        {
            _disk.Write("strict-ssl=false\nallow-git=all\n");
            Assert.Equal(NpmrcApplyStatus.Changed, _disk.Writer().Apply(_disk.Plan(NpmBaseline.Strict)).Status);
            var after = File.ReadAllBytes(_disk.Rc);
            var second = _disk.Plan(NpmBaseline.Strict);
            Assert.False(second.HasChanges);
            var result = _disk.Writer().Apply(second);
            Assert.Equal(NpmrcApplyStatus.Unchanged, result.Status);
            Assert.Null(result.BackupId);
            Assert.Equal(after, File.ReadAllBytes(_disk.Rc));
            Assert.Single(_disk.Store().List());
        }

        [UnixFact("Unix modes, owners and symbolic links (links need a privilege on Windows).")]
        public void Mode_owner_and_group_are_kept()
        {
            if (OperatingSystem.IsWindows()) return;
            _disk.Write("strict-ssl=false\n");
            File.SetUnixFileMode(_disk.Rc, (UnixFileMode)0x1A0); // 0640
            if (RemediationDisk.IsRoot) RemediationDisk.Chown(_disk.Rc, 4321, 4322);
            var before = RemediationDisk.Stat(_disk.Rc);

            _disk.Writer().Apply(_disk.Plan(NpmBaseline.Strict));

            var after = RemediationDisk.Stat(_disk.Rc);
            Assert.Equal(0x1A0, after.Mode & 0xFFF);
            Assert.Equal((before.Uid, before.Gid), (after.Uid, after.Gid));
            if (RemediationDisk.IsRoot) Assert.Equal((4321u, 4322u), (after.Uid, after.Gid));
        }

        [UnixFact("Unix modes, owners and symbolic links (links need a privilege on Windows).")]
        public void A_new_user_config_is_0600_and_belongs_to_the_profile_owner()
        {
            if (OperatingSystem.IsWindows()) return;
            if (RemediationDisk.IsRoot) RemediationDisk.Chown(_disk.Home, 4321, 4322);
            var plan = _disk.Plan(NpmBaseline.Recommended);
            Assert.False(plan.FileExisted);
            var result = _disk.Writer().Apply(plan);
            Assert.Equal(NpmrcApplyStatus.Changed, result.Status);
            var st = RemediationDisk.Stat(_disk.Rc);
            Assert.Equal(0x180, st.Mode & 0xFFF);
            if (RemediationDisk.IsRoot) Assert.Equal((4321u, 4322u), (st.Uid, st.Gid));
            var backup = Assert.Single(_disk.Store().List());
            Assert.False(backup.OriginalExisted);
            Assert.Null(backup.DataPath);
        }

        [Fact]
        public void A_file_changed_since_planning_is_planned_again_and_nothing_is_lost()
        {
            _disk.Write("strict-ssl=false\n");
            var plan = _disk.Plan(new Dictionary<string, object?> { ["strict-ssl"] = true });
            File.AppendAllText(_disk.Rc, "fund=false\n"); // someone else, after we planned
            var result = _disk.Writer().Apply(plan);
            Assert.True(result.Replanned);
            Assert.Equal("strict-ssl=true\nfund=false\n", _disk.Read());

            var again = _disk.Plan(new Dictionary<string, object?> { ["audit"] = false });
            _disk.Write("audit=false\n"); // someone made the very change meanwhile
            var unchanged = _disk.Writer().Apply(again);
            Assert.Equal(NpmrcApplyStatus.Unchanged, unchanged.Status);
            Assert.True(unchanged.Replanned);
        }

        /// <summary>A writer that ignores our lock (npm config set, an editor) changes the file while ours is being written.</summary>
        [Fact]
        public void A_change_during_the_write_fails_the_file_instead_of_overwriting_it()
        {
            _disk.Write("strict-ssl=false\n");
            var files = new InterferingWriter(() => File.WriteAllText(_disk.Rc, "strict-ssl=false\nregistry=https://other.example/\n"));
            var error = Assert.Throws<NpmrcWriteException>(() => _disk.Writer(files).Apply(_disk.Plan(NpmBaseline.Strict)));
            Assert.Equal(NpmrcWriteError.ChangedConcurrently, error.Kind);
            Assert.Contains(_disk.Rc, error.Message);
            Assert.Equal("strict-ssl=false\nregistry=https://other.example/\n", _disk.Read());
            Assert.Empty(_disk.Leftovers());
            Assert.Empty(_disk.Store().List()); // the backup of a write that did not happen is discarded
        }

        [Fact]
        public void Disk_full_mid_write_leaves_the_original_intact()
        {
            var original = "strict-ssl=false\n" + string.Concat(Enumerable.Repeat("# padding so the write takes several chunks\n", 5000));
            _disk.Write(original);
            var plan = _disk.Plan(NpmBaseline.Strict);
            var files = new DiskFullWriter(failAfterBytes: 70_000, failOnlyForTarget: _disk.Rc);
            var writer = new NpmrcFileWriter(_disk.Store(), files);
            var error = Assert.Throws<NpmrcWriteException>(() => writer.Apply(plan));
            Assert.Equal(NpmrcWriteError.WriteFailed, error.Kind);
            Assert.Equal("NpmrcWriteFailed", error.ErrorId);
            Assert.Contains(_disk.Rc, error.Message);
            Assert.Contains("original is intact", error.Message);
            Assert.True(files.Failed);
            Assert.Equal(original, _disk.Read());
            Assert.Empty(_disk.Leftovers());
            Assert.Empty(_disk.Store().List());
        }

        [Fact]
        public void Read_only_files_are_refused_unless_forced_and_stay_read_only()
        {
            _disk.Write("strict-ssl=false\n");
            if (OperatingSystem.IsWindows()) File.SetAttributes(_disk.Rc, FileAttributes.ReadOnly);
            else File.SetUnixFileMode(_disk.Rc, UnixFileMode.UserRead);
            var error = Assert.Throws<NpmrcWriteException>(() => _disk.Writer().Apply(_disk.Plan(NpmBaseline.Strict)));
            Assert.Equal(NpmrcWriteError.ReadOnly, error.Kind);
            Assert.Equal("PermissionDenied", error.Category);
            Assert.Contains(_disk.Rc, error.Message);
            Assert.Equal("strict-ssl=false\n", _disk.Read());

            var writer = _disk.Writer();
            writer.Force = true;
            Assert.Equal(NpmrcApplyStatus.Changed, writer.Apply(_disk.Plan(NpmBaseline.Strict)).Status);
            Assert.StartsWith("strict-ssl=true\n", _disk.Read());
            if (!OperatingSystem.IsWindows()) Assert.Equal(0x100, RemediationDisk.Stat(_disk.Rc).Mode & 0xFFF);
            else Assert.True((File.GetAttributes(_disk.Rc) & FileAttributes.ReadOnly) != 0);
        }

        [Fact]
        public void A_file_held_by_another_process_is_reported_as_locked()
        {
            _disk.Write("strict-ssl=false\n");
            var plan = _disk.Plan(NpmBaseline.Strict);
            using (new FileStream(_disk.Rc, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                var error = Assert.Throws<NpmrcWriteException>(() => _disk.Writer().Apply(plan));
                Assert.Equal(NpmrcWriteError.Locked, error.Kind);
                Assert.Contains(_disk.Rc, error.Message);
            }
            // our own lock, held by another writer longer than the timeout
            using (new FileStream(_disk.Rc + NpmrcFileWriter.LockSuffix, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                var writer = _disk.Writer();
                writer.LockTimeout = TimeSpan.FromMilliseconds(300);
                var error = Assert.Throws<NpmrcWriteException>(() => writer.Apply(plan));
                Assert.Equal(NpmrcWriteError.Locked, error.Kind);
                Assert.Equal("ResourceBusy", error.Category);
                Assert.Contains(NpmrcFileWriter.LockSuffix, error.Message);
            }
            Assert.Equal("strict-ssl=false\n", _disk.Read());
            Assert.Equal(NpmrcApplyStatus.Changed, _disk.Writer().Apply(plan).Status);
        }

        [Fact]
        public void An_npmrc_that_is_a_directory_is_a_typed_failure_and_other_files_still_get_done()
        {
            Directory.CreateDirectory(_disk.Rc);
            var other = Path.Combine(_disk.Home, "project", ".npmrc");
            Directory.CreateDirectory(Path.GetDirectoryName(other)!);
            File.WriteAllText(other, "strict-ssl=false\n");
            var readOnly = Path.Combine(_disk.Home, "ro", ".npmrc");
            Directory.CreateDirectory(Path.GetDirectoryName(readOnly)!);
            File.WriteAllText(readOnly, "strict-ssl=false\n");
            if (OperatingSystem.IsWindows()) File.SetAttributes(readOnly, FileAttributes.ReadOnly);
            else File.SetUnixFileMode(readOnly, UnixFileMode.UserRead);

            var plans = new[] { _disk.Plan(NpmBaseline.Strict), _disk.Plan(NpmBaseline.Strict, readOnly), _disk.Plan(NpmBaseline.Strict, other) };
            Assert.Equal(NpmrcWriteError.NotAFile, plans[0].Problem!.Kind);
            var results = _disk.Writer().ApplyAll(plans).ToList();
            Assert.Equal(new[] { NpmrcApplyStatus.Failed, NpmrcApplyStatus.Failed, NpmrcApplyStatus.Changed }, results.Select(r => r.Status));
            Assert.Equal(NpmrcWriteError.NotAFile, results[0].Error!.Kind);
            Assert.Contains(_disk.Rc, results[0].Error!.Message);
            Assert.Equal(NpmrcWriteError.ReadOnly, results[1].Error!.Kind);
            Assert.StartsWith("strict-ssl=true\n", File.ReadAllText(other));
        }

        [UnixFact("Unix modes, owners and symbolic links (links need a privilege on Windows).")]
        public void A_symbolic_link_out_of_the_profile_is_refused_unless_forced_and_stays_a_link()
        {
            if (OperatingSystem.IsWindows()) return; // creating links needs a privilege there
            var outside = Path.Combine(_disk.Root, "elsewhere", "shared-npmrc");
            Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
            File.WriteAllText(outside, "strict-ssl=false\n");
            File.CreateSymbolicLink(_disk.Rc, outside);

            var error = Assert.Throws<NpmrcWriteException>(() => _disk.Writer().Apply(_disk.Plan(NpmBaseline.Strict)));
            Assert.Equal(NpmrcWriteError.SymlinkOutsideRoot, error.Kind);
            Assert.Contains(outside, error.Message);
            Assert.Contains("-Force", error.Message);
            Assert.Equal("strict-ssl=false\n", File.ReadAllText(outside));

            var writer = _disk.Writer();
            writer.Force = true;
            var result = writer.Apply(_disk.Plan(NpmBaseline.Strict));
            Assert.Equal(NpmrcApplyStatus.Changed, result.Status);
            Assert.StartsWith("strict-ssl=true\n", File.ReadAllText(outside));
            Assert.Equal(outside, new FileInfo(_disk.Rc).LinkTarget);
            Assert.Empty(_disk.Leftovers(outside));
            Assert.Equal(outside, _disk.Store().List(_disk.Rc).Single().OriginalPath);
        }

        [UnixFact("Unix modes, owners and symbolic links (links need a privilege on Windows).")]
        public void A_symbolic_link_inside_the_profile_is_followed_and_kept()
        {
            if (OperatingSystem.IsWindows()) return;
            var dotfiles = Path.Combine(_disk.Home, "dotfiles", "npmrc");
            Directory.CreateDirectory(Path.GetDirectoryName(dotfiles)!);
            File.WriteAllText(dotfiles, "strict-ssl=false\n");
            File.CreateSymbolicLink(_disk.Rc, "dotfiles/npmrc");
            Assert.Equal(NpmrcApplyStatus.Changed, _disk.Writer().Apply(_disk.Plan(NpmBaseline.Strict)).Status);
            Assert.StartsWith("strict-ssl=true\n", File.ReadAllText(dotfiles));
            Assert.Equal("dotfiles/npmrc", new FileInfo(_disk.Rc).LinkTarget);
        }

        [Fact]
        public void Utf16_files_are_refused_unless_forced_then_rewritten_as_utf8_with_the_original_backed_up()
        {
            var utf16 = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("; saved by Windows PowerShell\r\nstrict-ssl=false\r\n")).ToArray();
            File.WriteAllBytes(_disk.Rc, utf16);
            var error = Assert.Throws<NpmrcWriteException>(() => _disk.Writer().Apply(_disk.Plan(NpmBaseline.Strict)));
            Assert.Equal(NpmrcWriteError.Utf16Encoded, error.Kind);
            Assert.Contains("-Force", error.Message);
            Assert.Equal(utf16, File.ReadAllBytes(_disk.Rc));

            var writer = _disk.Writer();
            writer.Force = true;
            var result = writer.Apply(_disk.Plan(NpmBaseline.Strict));
            Assert.Equal(NpmrcApplyStatus.Changed, result.Status);
            Assert.StartsWith("; saved by Windows PowerShell\r\nstrict-ssl=true\r\nignore-scripts=true\r\n", Utf8.GetString(File.ReadAllBytes(_disk.Rc)));
            var backup = _disk.Store().List().Single();
            Assert.Equal(utf16, File.ReadAllBytes(backup.DataPath!));
            Assert.Contains(backup.Changes, c => c.Key == "(encoding)" && c.NewValue == "UTF-8");
        }

        [Fact]
        public void Restore_puts_the_exact_bytes_back_and_backs_up_what_it_replaces()
        {
            var original = Utf8.GetBytes("\uFEFF# exact\r\nstrict-ssl=false  ; spaces\r\naudit=true");
            File.WriteAllBytes(_disk.Rc, original);
            var applied = _disk.Writer().Apply(_disk.Plan(NpmBaseline.Strict));
            var changed = File.ReadAllBytes(_disk.Rc);
            Assert.NotEqual(original, changed);

            var restored = _disk.Store().RestoreLatest(_disk.Rc);
            Assert.Equal(NpmrcApplyStatus.Changed, restored.Status);
            Assert.Equal(applied.BackupId, restored.RestoredBackupId);
            Assert.Equal(original, File.ReadAllBytes(_disk.Rc));
            Assert.Empty(_disk.Leftovers());

            // the restore itself was backed up: restoring that brings the hardened bytes back
            var list = _disk.Store().List(_disk.Rc);
            Assert.Equal(2, list.Count);
            Assert.Equal(restored.BackupId, list[0].BackupId);
            Assert.StartsWith("Restore-NpmHardening", list[0].Reason);
            _disk.Store().Restore(list[0].BackupId);
            Assert.Equal(changed, File.ReadAllBytes(_disk.Rc));

            // restoring the same bytes again is a no-op
            Assert.Equal(NpmrcApplyStatus.Unchanged, _disk.Store().Restore(list[0].BackupId).Status);
            var missing = Assert.Throws<NpmrcWriteException>(() => _disk.Store().Restore("no-such-id"));
            Assert.Equal(NpmrcWriteError.BackupNotFound, missing.Kind);
        }

        [Fact]
        public void Restoring_a_file_the_change_created_removes_it_and_a_tampered_backup_is_refused()
        {
            _disk.Writer().Apply(_disk.Plan(NpmBaseline.Recommended));
            Assert.True(File.Exists(_disk.Rc));
            _disk.Store().RestoreLatest(_disk.Rc);
            Assert.False(File.Exists(_disk.Rc));

            _disk.Write("strict-ssl=false\n");
            _disk.Writer().Apply(_disk.Plan(NpmBaseline.Strict));
            var latest = _disk.Store().Latest(_disk.Rc)!;
            File.WriteAllText(latest.DataPath!, "tampered\n");
            var error = Assert.Throws<NpmrcWriteException>(() => _disk.Store().RestoreLatest(_disk.Rc));
            Assert.Equal(NpmrcWriteError.BackupNotFound, error.Kind);
            Assert.Contains("SHA-256", error.Message);
        }

        [Fact]
        public void The_default_backup_folder_follows_the_platform()
        {
            var win = new Dictionary<string, string> { ["LOCALAPPDATA"] = @"C:\Users\bob\AppData\Local" };
            Assert.Equal(@"C:\Users\bob\AppData\Local\NpmHardening\Backups", BackupStore.DefaultRoot(true, win, null));
            Assert.Equal("/home/bob/.local/state/npmhardening/backups", BackupStore.DefaultRoot(false, new Dictionary<string, string> { ["HOME"] = "/home/bob" }, null));
            Assert.Equal("/x/state/npmhardening/backups", BackupStore.DefaultRoot(false, new Dictionary<string, string> { ["HOME"] = "/home/bob", ["XDG_STATE_HOME"] = "/x/state" }, null));
            Assert.Equal("/home/bob/.local/state/npmhardening/backups", BackupStore.DefaultRoot(false, new Dictionary<string, string> { ["XDG_STATE_HOME"] = "relative" }, "/home/bob"));
        }

        [Fact]
        public void A_user_config_asks_for_an_owner_only_file_of_the_profile_and_a_project_file_does_not()
        {
            // What the Windows writer turns into a protected DACL and the profile's SID as owner (see WindowsNewFileSecurity).
            var seen = new List<AtomicWriteOptions>();
            var files = new InterferingWriter(() => { }, seen.Add);
            Assert.Equal(NpmrcApplyStatus.Changed, _disk.Writer(files).Apply(_disk.Plan(NpmBaseline.Strict)).Status);
            var user = seen.Last();
            Assert.True(user.NewFileOwnerOnly);
            Assert.True(user.NewFileOwnerFromDirectory);
            Assert.Equal(_disk.Home, user.NewFileProfileFolder);
            Assert.Equal(0x180, user.NewFileUnixMode);

            var projectDir = Path.Combine(_disk.Root, "app");
            Directory.CreateDirectory(projectDir);
            var rc = Path.Combine(projectDir, ".npmrc");
            var target = new HardeningTarget(NpmHardeningScope.Project, rc, projectDir);
            var plan = HardeningPlanner.PlanFile(target, HardeningSettings.FromBaseline(NpmBaseline.Strict, RemediationDisk.Npm), RemediationDisk.Npm);
            Assert.Equal(NpmrcApplyStatus.Changed, _disk.Writer(files).Apply(plan).Status);
            var project = seen.Last();
            Assert.False(project.NewFileOwnerOnly);
            Assert.True(project.NewFileOwnerFromDirectory);
            Assert.Null(project.NewFileProfileFolder);
            Assert.Null(project.NewFileUnixMode);
        }

        // ---- injected writers -------------------------------------------------------------------------------------

        /// <summary>Fails like a full disk once <paramref name="failAfterBytes"/> bytes of the target's temporary file are written.</summary>
        private sealed class DiskFullWriter : SystemFileWriter
        {
            private readonly long _limit;
            private readonly string _target;
            public bool Failed { get; private set; }
            public DiskFullWriter(long failAfterBytes, string failOnlyForTarget) { _limit = failAfterBytes; _target = Path.GetFileName(failOnlyForTarget); }

            protected override Stream CreateTempStream(Stream file, string targetName) =>
                targetName == _target
                    ? new FullStream(base.CreateTempStream(file, targetName), _limit, () => Failed = true)
                    : base.CreateTempStream(file, targetName);

            private sealed class FullStream : Stream
            {
                private readonly Stream _inner; private readonly long _limit; private readonly Action _onFail; private long _written;
                public FullStream(Stream inner, long limit, Action onFail) { _inner = inner; _limit = limit; _onFail = onFail; }
                public override bool CanRead => false; public override bool CanSeek => false; public override bool CanWrite => true;
                public override long Length => _written; public override long Position { get => _written; set => throw new NotSupportedException(); }
                public override void Flush() => _inner.Flush();
                public override int Read(byte[] b, int o, int c) => throw new NotSupportedException();
                public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
                public override void SetLength(long v) => throw new NotSupportedException();
                public override void Write(byte[] buffer, int offset, int count)
                {
                    while (count > 0)
                    {
                        if (_written >= _limit) { _onFail(); throw new IOException("No space left on device"); }
                        int n = (int)Math.Min(count, Math.Min(4096, _limit - _written));
                        _inner.Write(buffer, offset, n);
                        _written += n; offset += n; count -= n;
                    }
                }
            }
        }

        /// <summary>Runs <paramref name="interfere"/> just before the target's commit, as a writer that ignores our lock would.</summary>
        private sealed class InterferingWriter : IFileWriter
        {
            private readonly Action _interfere;
            private readonly Action<AtomicWriteOptions>? _observe;
            private readonly IFileWriter _inner = SystemFileWriter.Instance;
            public InterferingWriter(Action interfere, Action<AtomicWriteOptions>? observe = null) { _interfere = interfere; _observe = observe; }

            public bool IsWindows => _inner.IsWindows;
            public string ResolveRealPath(string path) => _inner.ResolveRealPath(path);
            public IPrivateFolder OpenPrivateFolder(string path, bool create) => _inner.OpenPrivateFolder(path, create);

            public IWriteTarget Open(string path, WriteTargetPolicy policy)
            {
                var target = _inner.Open(path, policy);
                return Path.GetFileName(path) == ".npmrc" ? new Interfering(target, this) : target;
            }

            private sealed class Interfering : IWriteTarget
            {
                private readonly IWriteTarget _target;
                private readonly InterferingWriter _owner;
                public Interfering(IWriteTarget target, InterferingWriter owner) { _target = target; _owner = owner; }
                public string RequestedPath => _target.RequestedPath;
                public string WritePath => _target.WritePath;
                public bool FinalLinkFollowed => _target.FinalLinkFollowed;
                public bool Exists => _target.Exists;
                public bool IsReadOnly => _target.IsReadOnly;
                public IReadOnlyCollection<NpmHardening.Engine.Platform.FilePrincipal> Principals => _target.Principals;
                public byte[]? Read() => _target.Read();
                public IDisposable Lock(TimeSpan timeout) => _target.Lock(timeout);
                public void RemoveStaleTemporaryFiles() => _target.RemoveStaleTemporaryFiles();
                public void Delete() => _target.Delete();
                public void Dispose() => _target.Dispose();

                public IReadOnlyList<string> Replace(byte[] content, AtomicWriteOptions options)
                {
                    _owner._observe?.Invoke(options);
                    var check = options.BeforeCommit;
                    options.BeforeCommit = () => { _owner._interfere(); check?.Invoke(); };
                    return _target.Replace(content, options);
                }
            }
        }
    }
}
