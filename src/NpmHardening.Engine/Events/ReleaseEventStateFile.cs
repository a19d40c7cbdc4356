using System;
using System.IO;
using System.Threading;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Engine.Events
{
    /// <summary>Why a state file could not be used.</summary>
    public enum ReleaseEventStateError
    {
        /// <summary>Another run holds its lock (two runs overlap).</summary>
        Locked,
        /// <summary>The path is a link, not a regular file, or in a place the write may not be done for its controllers.</summary>
        UnsafePath,
        /// <summary>The file is not a state file this module wrote (or was changed by hand).</summary>
        Invalid,
        ReadFailed,
        WriteFailed,
    }

    /// <summary>A state file that could not be read, locked or written; the message names it and says what to do.</summary>
    public sealed class ReleaseEventStateException : IOException
    {
        public ReleaseEventStateException(ReleaseEventStateError error, string path, string message, Exception? inner = null) : base(message, inner)
        {
            Error = error; Path = path;
        }

        public ReleaseEventStateError Error { get; }
        public string Path { get; }
    }

    /// <summary>
    /// Get-NpmReleaseEvent's state file, held for one run: opened through the module's descriptor-based write target
    /// (the folder held open, no link followed, the write done only where every account controlling the path could do it
    /// itself), locked for the whole run (<c>&lt;file&gt;.npmhardening.lock</c>, the lock Set-NpmHardening takes, released by
    /// the system when a run is killed) so two overlapping runs take turns, read, and replaced atomically (temporary file,
    /// flush, rename) so a run killed while writing leaves the previous state whole.
    /// </summary>
    public sealed class ReleaseEventStateFile : IDisposable
    {
        /// <summary>Set in the test suite only: pauses this many milliseconds (at most 60 s) after the new state is on disk and before it replaces the old, so a test can kill the run mid-write.</summary>
        public const string TestPauseVariable = "NPMH_TEST_STATE_WRITE_PAUSE_MS";

        private readonly IWriteTarget _target;
        private IDisposable? _lock;

        private ReleaseEventStateFile(string path, IWriteTarget target, IDisposable held)
        {
            Path = path; _target = target; _lock = held;
        }

        public string Path { get; }

        /// <summary>Opens and locks <paramref name="path"/>, waiting up to <paramref name="lockTimeout"/> for another run to finish.</summary>
        public static ReleaseEventStateFile Open(string path, TimeSpan lockTimeout, IFileWriter? files = null)
        {
            files ??= SystemFileWriter.Instance;
            var full = System.IO.Path.GetFullPath(path);
            IWriteTarget target;
            try { target = files.Open(full, new WriteTargetPolicy()); }
            catch (SafePathException e) { throw new ReleaseEventStateException(ReleaseEventStateError.UnsafePath, full, $"The state file {full} was not used: {e.Message}", e); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new ReleaseEventStateException(ReleaseEventStateError.ReadFailed, full, $"The state file {full} cannot be opened ({e.Message}).", e);
            }
            try
            {
                // the write target follows a final link by hand; a state file never does, wherever the link leads (a link
                // in a folder on the way is the folder's business, as for any path)
                if (target.FinalLinkFollowed)
                    throw new ReleaseEventStateException(ReleaseEventStateError.UnsafePath, full,
                        $"The state file {full} is a link (to {target.WritePath}); NpmHardening does not follow links for its state. Give the path of a plain file.");
                IDisposable held;
                try { held = target.Lock(lockTimeout); }
                catch (TimeoutException e)
                {
                    throw new ReleaseEventStateException(ReleaseEventStateError.Locked, full,
                        $"The state file {full} is in use by another run of Get-NpmReleaseEvent (its lock was held for {lockTimeout.TotalSeconds:0} s); nothing was emitted. The next scheduled run catches up.", e);
                }
                catch (SafePathException e) { throw new ReleaseEventStateException(ReleaseEventStateError.UnsafePath, full, $"The state file {full} was not used: {e.Message}", e); }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new ReleaseEventStateException(ReleaseEventStateError.WriteFailed, full, $"The state file {full} cannot be locked ({e.Message}).", e);
                }
                try { target.RemoveStaleTemporaryFiles(); }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
                return new ReleaseEventStateFile(full, target, held);
            }
            catch
            {
                target.Dispose();
                throw;
            }
        }

        /// <summary>The state as the last completed run left it; an empty state when the file does not exist yet.</summary>
        public ReleaseEventState Load()
        {
            byte[]? bytes;
            try { bytes = _target.Read(); }
            catch (SafePathException e) { throw new ReleaseEventStateException(ReleaseEventStateError.UnsafePath, Path, $"The state file {Path} was not read: {e.Message}", e); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new ReleaseEventStateException(ReleaseEventStateError.ReadFailed, Path, $"The state file {Path} cannot be read ({e.Message}).", e);
            }
            if (bytes == null) return new ReleaseEventState();
            try { return ReleaseEventState.Parse(bytes); }
            catch (InvalidDataException e)
            {
                throw new ReleaseEventStateException(ReleaseEventStateError.Invalid, Path,
                    $"The state file {Path} is not a Get-NpmReleaseEvent state: {e.Message}. Nothing was emitted and the file was left as it is; move it away to start over (the next run then emits every event again).", e);
            }
        }

        /// <summary>Replaces the file with <paramref name="state"/> atomically: either the old or the new state is on disk, never a mix.</summary>
        public void Save(ReleaseEventState state)
        {
            var options = new AtomicWriteOptions
            {
                NewFileUnixMode = 0x180,
                NewFileOwnerOnly = true,
                NewFileOwnerFromDirectory = true,
                BeforeCommit = TestPause,
            };
            try { _target.Replace(state.Serialize(), options); }
            catch (SafePathException e) { throw new ReleaseEventStateException(ReleaseEventStateError.UnsafePath, Path, $"The state file {Path} was not written: {e.Message}", e); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new ReleaseEventStateException(ReleaseEventStateError.WriteFailed, Path, $"The state file {Path} could not be written ({e.Message}); the previous state is intact and nothing was emitted.", e);
            }
        }

        private static void TestPause()
        {
            var text = Environment.GetEnvironmentVariable(TestPauseVariable);
            if (string.IsNullOrEmpty(text) || !int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms)) return;
            Console.Error.WriteLine("NPMH_TEST: state write paused");
            Console.Error.Flush();
            Thread.Sleep(Math.Min(ms, 60_000));
        }

        public void Dispose()
        {
            _lock?.Dispose();
            _lock = null;
            _target.Dispose();
        }
    }
}
