using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;

namespace NpmHardening
{
    /// <summary>One key a backed-up write changed (values redacted as in NpmSettingChange).</summary>
    public sealed class NpmBackupChange
    {
        public NpmBackupChange(string key, string? oldValue, string? newValue) { Key = key; OldValue = oldValue; NewValue = newValue; }
        public string Key { get; }
        public string? OldValue { get; }
        public string? NewValue { get; }
        public override string ToString() => $"{Key}: {OldValue ?? "(unset)"} -> {NewValue}";
    }

    /// <summary>A copy of a config file as it was before NpmHardening changed it (Get-NpmHardeningBackup).</summary>
    public sealed class NpmHardeningBackup
    {
        internal NpmHardeningBackup(string backupId, string originalPath, DateTimeOffset time, string sha256Original, string? sha256New,
            bool originalExisted, long length, IReadOnlyList<NpmBackupChange> changes, string reason, string manifestPath, string? dataPath)
        {
            BackupId = backupId; OriginalPath = originalPath; Time = time; Sha256Original = sha256Original; Sha256New = sha256New;
            OriginalExisted = originalExisted; Length = length; Changes = changes; Reason = reason; ManifestPath = manifestPath; DataPath = dataPath;
        }

        public string BackupId { get; }
        /// <summary>The file that was changed (a symbolic link's target, as written).</summary>
        public string OriginalPath { get; }
        /// <summary>When the backup was taken (UTC).</summary>
        public DateTimeOffset Time { get; }
        /// <summary>SHA-256 (hex) of the bytes before the change.</summary>
        public string Sha256Original { get; }
        /// <summary>SHA-256 (hex) of the bytes the change wrote; null when the change removed the file.</summary>
        public string? Sha256New { get; }
        /// <summary>False when the file did not exist before (restoring removes it).</summary>
        public bool OriginalExisted { get; }
        public long Length { get; }
        public IReadOnlyList<NpmBackupChange> Changes { get; }
        /// <summary>What made the change: "Set-NpmHardening", "Restore-NpmHardening &lt;id&gt;".</summary>
        public string Reason { get; }
        public string ManifestPath { get; }
        /// <summary>The saved bytes (mode 0600 on Unix); null when the file did not exist.</summary>
        public string? DataPath { get; }

        public override string ToString() => $"{BackupId} {OriginalPath} ({Time:yyyy-MM-dd HH:mm:ss}Z, {Changes.Count} change(s))";
    }
}

namespace NpmHardening.Engine.Remediation
{
    /// <summary>
    /// Per-user backups of the files NpmHardening changes: <c>%LOCALAPPDATA%\NpmHardening\Backups</c> on Windows,
    /// <c>$XDG_STATE_HOME/npmhardening/backups</c> or <c>~/.local/state/npmhardening/backups</c> on Unix (folder 0700,
    /// files 0600: they hold secrets as the originals did). Each backup is two files written atomically:
    /// <c>&lt;id&gt;.npmrc.bak</c> (the exact bytes) and <c>&lt;id&gt;.json</c> (the manifest entry, written with the engine's
    /// own JSON writer), so concurrent writers never share a manifest file.
    /// </summary>
    public sealed class BackupStore
    {
        private const string ManifestSuffix = ".json";
        private const string DataSuffix = ".npmrc.bak";

        public BackupStore(string root, IFileWriter? files = null)
        {
            if (string.IsNullOrEmpty(root)) throw new ArgumentException("The backup folder is required.", nameof(root));
            Root = Path.GetFullPath(root);
            Files = files ?? SystemFileWriter.Instance;
        }

        public string Root { get; }
        public IFileWriter Files { get; }

        /// <summary>The current user's store.</summary>
        public static BackupStore ForCurrentUser(IFileWriter? files = null) =>
            new BackupStore(DefaultRoot(SystemPlatform.Instance.IsWindows, SystemPlatform.Instance.Environment, SystemPlatform.Instance.OsHomeDirectory), files);

        /// <summary>%LOCALAPPDATA%\NpmHardening\Backups, or $XDG_STATE_HOME/npmhardening/backups, or ~/.local/state/npmhardening/backups.</summary>
        public static string DefaultRoot(bool windows, IReadOnlyDictionary<string, string> environment, string? home)
        {
            string? Env(string name) => environment.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;
            if (windows)
            {
                var local = Env("LOCALAPPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
                if (string.IsNullOrEmpty(local)) throw new InvalidOperationException("LOCALAPPDATA is not set, so there is no place for backups.");
                return NodePath.Win32.Join(local, "NpmHardening", "Backups");
            }
            var state = Env("XDG_STATE_HOME");
            if (state != null && state.StartsWith("/", StringComparison.Ordinal)) return NodePath.Posix.Join(state, "npmhardening", "backups");
            var h = Env("HOME") ?? home;
            if (string.IsNullOrEmpty(h)) throw new InvalidOperationException("HOME is not set, so there is no place for backups.");
            return NodePath.Posix.Join(h!, ".local", "state", "npmhardening", "backups");
        }

        /// <summary>Saves <paramref name="original"/> (null: the file did not exist) before it is replaced by <paramref name="updated"/>.</summary>
        public NpmHardeningBackup Save(string originalPath, byte[]? original, byte[]? updated, IEnumerable<NpmBackupChange> changes, string reason)
        {
            var parent = Path.GetDirectoryName(Root);
            if (parent != null && !Directory.Exists(parent)) Files.CreatePrivateDirectory(parent);
            Files.CreatePrivateDirectory(Root);
            var time = DateTimeOffset.UtcNow;
            var id = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfffffff'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var changeList = changes.ToList();
            string? dataPath = null;
            if (original != null)
            {
                dataPath = Path.Combine(Root, id + DataSuffix);
                Files.ReplaceAtomically(dataPath, original, new AtomicWriteOptions { Private = true });
            }
            var manifest = new JsObject
            {
                ["schema"] = 1.0,
                ["backupId"] = id,
                ["originalPath"] = Path.GetFullPath(originalPath),
                ["time"] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                ["sha256Original"] = Hashing.Sha256Hex(original),
                ["sha256New"] = updated != null ? Hashing.Sha256Hex(updated) : null,
                ["originalExisted"] = original != null,
                ["length"] = (double)(original?.LongLength ?? 0),
                ["reason"] = reason,
                ["dataFile"] = dataPath != null ? Path.GetFileName(dataPath) : null,
                ["changes"] = changeList.Select(c => (object?)new JsObject { ["key"] = c.Key, ["old"] = c.OldValue, ["new"] = c.NewValue }).ToList(),
            };
            var manifestPath = Path.Combine(Root, id + ManifestSuffix);
            Files.ReplaceAtomically(manifestPath, new UTF8Encoding(false).GetBytes(Js.Js.ToJson(manifest) + "\n"), new AtomicWriteOptions { Private = true });
            return Parse(manifestPath, Js.Js.ToJson(manifest))!;
        }

        /// <summary>Every backup (of <paramref name="originalPath"/> when given), newest first. Unreadable manifests are skipped.</summary>
        public IReadOnlyList<NpmHardeningBackup> List(string? originalPath = null)
        {
            var comparison = Files.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var wanted = originalPath != null ? Path.GetFullPath(originalPath) : null;
            var wantedReal = wanted != null ? Files.ResolveRealPath(wanted) : null;
            var list = new List<NpmHardeningBackup>();
            foreach (var file in Files.EnumerateFiles(Root, "*" + ManifestSuffix))
            {
                // regular files only: a FIFO planted among the manifests must not block the listing
                var read = RegularFile.ReadAll(file, 4 << 20);
                if (read.Bytes == null) continue;
                var text = new UTF8Encoding(false).GetString(read.Bytes).TrimStart('\uFEFF');
                var backup = Parse(file, text);
                if (backup == null) continue;
                if (wanted != null && !string.Equals(backup.OriginalPath, wanted, comparison) && !string.Equals(backup.OriginalPath, wantedReal, comparison)) continue;
                list.Add(backup);
            }
            return list.OrderByDescending(b => b.Time).ThenByDescending(b => b.BackupId, StringComparer.Ordinal).ToList();
        }

        public NpmHardeningBackup? Find(string backupId) =>
            List().FirstOrDefault(b => string.Equals(b.BackupId, backupId, StringComparison.OrdinalIgnoreCase));

        /// <summary>The newest backup of <paramref name="originalPath"/>: the file as it was before NpmHardening's last change.</summary>
        public NpmHardeningBackup? Latest(string originalPath) => List(originalPath).FirstOrDefault();

        /// <summary>The saved bytes (null when the file did not exist), checked against the manifest's hash.</summary>
        public byte[]? ReadContent(NpmHardeningBackup backup)
        {
            if (!backup.OriginalExisted) return null;
            byte[]? bytes = null;
            try { if (backup.DataPath != null) bytes = Files.ReadAllBytes(backup.DataPath); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
            if (bytes == null)
                throw new NpmrcWriteException(NpmrcWriteError.BackupNotFound, backup.OriginalPath, $"The data of backup {backup.BackupId} ({backup.DataPath}) is missing or unreadable.");
            if (Hashing.Sha256Hex(bytes) != backup.Sha256Original)
                throw new NpmrcWriteException(NpmrcWriteError.BackupNotFound, backup.OriginalPath,
                    $"Backup {backup.BackupId} no longer matches its recorded SHA-256 ({backup.DataPath} was changed); it was not restored.");
            return bytes;
        }

        /// <summary>Restores backup <paramref name="backupId"/> through the atomic writer, backing up the current bytes first.</summary>
        public NpmrcApplyResult Restore(string backupId, bool force = false)
        {
            var backup = Find(backupId) ?? throw new NpmrcWriteException(NpmrcWriteError.BackupNotFound, backupId,
                $"There is no backup with the id {backupId} in {Root} (Get-NpmHardeningBackup lists them).");
            return new NpmrcFileWriter(this) { Force = force, Reason = "Restore-NpmHardening" }.Restore(backup);
        }

        /// <summary>Restores the newest backup of <paramref name="originalPath"/>.</summary>
        public NpmrcApplyResult RestoreLatest(string originalPath, bool force = false)
        {
            var backup = Latest(originalPath) ?? throw new NpmrcWriteException(NpmrcWriteError.BackupNotFound, originalPath,
                $"There is no backup of {originalPath} in {Root}.");
            return new NpmrcFileWriter(this) { Force = force, Reason = "Restore-NpmHardening" }.Restore(backup);
        }

        internal void Delete(NpmHardeningBackup backup)
        {
            Files.Delete(backup.ManifestPath);
            if (backup.DataPath != null) Files.Delete(backup.DataPath);
        }

        private NpmHardeningBackup? Parse(string manifestPath, string text)
        {
            if (!JsJson.TryParse(text, out var parsed) || !(parsed is JsObject o)) return null;
            if (!(o["backupId"] is string id) || !(o["originalPath"] is string original) || !(o["time"] is string timeText) ||
                !(o["sha256Original"] is string sha)) return null;
            if (!DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)) return null;
            var changes = new List<NpmBackupChange>();
            if (o["changes"] is List<object?> list)
                foreach (var item in list)
                    if (item is JsObject c && c["key"] is string key) changes.Add(new NpmBackupChange(key, c["old"] as string, c["new"] as string));
            var dataFile = o["dataFile"] as string;
            return new NpmHardeningBackup(id, original, time, sha, o["sha256New"] as string, o["originalExisted"] as bool? ?? dataFile != null,
                (long)(o["length"] as double? ?? 0), changes.AsReadOnly(), o["reason"] as string ?? "",
                manifestPath, dataFile != null ? Path.Combine(Path.GetDirectoryName(manifestPath)!, dataFile) : null);
        }
    }
}
