using System;
using System.IO;

namespace NpmHardening.Engine.Reports
{
    /// <summary>
    /// A report being written: a temporary file in the target's folder that replaces the target only on
    /// <see cref="Commit"/>. A report that fails half way, or a pipeline that stops, leaves the target as it was
    /// and no temporary file behind (<see cref="Dispose"/>).
    /// </summary>
    public sealed class NpmReportFile : IDisposable
    {
        private readonly string _temporary;
        private FileStream? _stream;
        private bool _committed;

        private NpmReportFile(string target, string temporary, FileStream stream)
        {
            Target = target;
            _temporary = temporary;
            _stream = stream;
        }

        /// <summary>The file the report replaces or creates.</summary>
        public string Target { get; }

        /// <summary>Where the report is written until <see cref="Commit"/>.</summary>
        public Stream Stream => _stream ?? throw new ObjectDisposedException(nameof(NpmReportFile));

        /// <summary>
        /// Checks the target and opens the temporary file beside it. Throws <see cref="NpmReportPathException"/>
        /// when the folder is missing, the target is a folder, exists under <paramref name="noClobber"/>, or is
        /// read-only without <paramref name="force"/>.
        /// </summary>
        public static NpmReportFile Open(string target, bool noClobber, bool force)
        {
            if (string.IsNullOrEmpty(target)) throw new ArgumentException("The report path is empty.", nameof(target));
            var full = Path.GetFullPath(target);
            var folder = Path.GetDirectoryName(full);
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
                throw new NpmReportPathException(NpmReportPathProblem.FolderMissing, full,
                    $"Cannot write the report '{full}': the folder '{folder}' does not exist. Create it first, or choose another -Path.");
            if (Directory.Exists(full))
                throw new NpmReportPathException(NpmReportPathProblem.IsFolder, full,
                    $"Cannot write the report '{full}': it is a folder. Give a file name in -Path.");
            if (File.Exists(full))
            {
                if (noClobber)
                    throw new NpmReportPathException(NpmReportPathProblem.Exists, full,
                        $"The report '{full}' already exists and -NoClobber was given. Remove -NoClobber to replace it, or choose another -Path.");
                if (new FileInfo(full).IsReadOnly && !force)
                    throw new NpmReportPathException(NpmReportPathProblem.ReadOnly, full,
                        $"Cannot replace the report '{full}': the file is read-only. Use -Force to replace it anyway, or choose another -Path.");
            }
            var temporary = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("n").Substring(0, 12) + ".tmp");
            FileStream stream;
            try { stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16); }
            catch (Exception e) when (e is UnauthorizedAccessException || e is IOException)
            {
                throw new NpmReportPathException(NpmReportPathProblem.Unwritable, full,
                    $"Cannot write the report '{full}': {e.Message}", e);
            }
            return new NpmReportFile(full, temporary, stream);
        }

        /// <summary>Closes the temporary file and moves it over the target.</summary>
        public void Commit()
        {
            if (_stream == null) throw new ObjectDisposedException(nameof(NpmReportFile));
            _stream.Flush(true);
            _stream.Dispose();
            _stream = null;
            try
            {
                if (File.Exists(Target))
                {
                    var info = new FileInfo(Target);
                    if (info.IsReadOnly) info.IsReadOnly = false;
                    File.Replace(_temporary, Target, null);
                }
                else File.Move(_temporary, Target);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is IOException)
            {
                throw new NpmReportPathException(NpmReportPathProblem.Unwritable, Target,
                    $"Cannot write the report '{Target}': {e.Message}", e);
            }
            _committed = true;
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _stream = null;
            if (!_committed)
            {
                try { File.Delete(_temporary); }
                catch (Exception e) when (e is UnauthorizedAccessException || e is IOException) { }
            }
        }
    }
}
