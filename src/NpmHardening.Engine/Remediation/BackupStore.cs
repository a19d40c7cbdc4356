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
            bool originalExisted, long length, IReadOnlyList<NpmBackupChange> changes, string reason, string manifestPath, string? dataPath,
            IReadOnlyList<FilePrincipal> principals)
        {
            BackupId = backupId; OriginalPath = originalPath; Time = time; Sha256Original = sha256Original; Sha256New = sha256New;
            OriginalExisted = originalExisted; Length = length; Changes = changes; Reason = reason; ManifestPath = manifestPath; DataPath = dataPath;
            Principals = principals;
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
        /// <summary>The accounts the change was made for (the audited profile's owner, whoever controlled the path): a restore is bound by them too.</summary>
        internal IReadOnlyList<FilePrincipal> Principals { get; }

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
        private const long MaxManifestBytes = 1L << 20;
        private const long MaxDataBytes = 64L << 20;

        public BackupStore(string root, IFileWriter? files = null)
        {
            if (string.IsNullOrEmpty(root)) throw new ArgumentException("The backup folder is required.", nameof(root));
            Root = Path.GetFullPath(root);
            Files = files ?? SystemFileWriter.Instance;
        }

        public string Root { get; }
        public IFileWriter Files { get; }

        /// <summary>The current user's store.</summary>
        public static BackupStore ForCurrentUser(IFileWriter? files = null) => ForEnvironment(SystemPlatform.Instance.Environment, files);

        /// <summary>
        /// The store of the account running NpmHardening, from <paramref name="environment"/> (its HOME, XDG_STATE_HOME or
        /// LOCALAPPDATA). On Unix, when those name a place another account controls — root run with a user's HOME, as
        /// <c>sudo -E</c> does — the store is under the account's own home from the passwd database instead: backups,
        /// and the restores they drive, must never be something another account can plant.
        /// </summary>
        public static BackupStore ForEnvironment(IReadOnlyDictionary<string, string> environment, IFileWriter? files = null)
        {
            var platform = SystemPlatform.Instance;
            var root = DefaultRoot(platform.IsWindows, environment, platform.OsHomeDirectory);
            if (!platform.IsWindows && !ControlledOnlyByMe(root))
            {
                var home = UnixLibc.HomeOf(UnixAccounts.EffectiveUserId);
                if (home != null) root = DefaultRoot(false, new Dictionary<string, string> { ["HOME"] = home }, home);
            }
            return new BackupStore(root, files);
        }

        /// <summary>Whether the deepest existing folder of <paramref name="path"/> is reached through folders and links only trusted accounts control.</summary>
        private static bool ControlledOnlyByMe(string path)
        {
            for (var p = path; !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
            {
                try
                {
                    using var opened = UnixPathWalker.Open(p!, null);
                    if (opened.Entry == null) continue;
                    return opened.Principals.Count == 0 && opened.Entry is UnixStat st && UnixAccounts.IsTrusted(st.Uid);
                }
                catch (SafePathException e) when (e.Error == SafePathError.NotFound) { }
                catch (SafePathException) { return false; }
            }
            return true;
        }

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

        /// <summary>The store's folder, checked private to this account; created when <paramref name="create"/>; null when missing.</summary>
        /// <exception cref="NpmrcWriteException">The folder can be changed by another account (BackupStoreUntrusted).</exception>
        private IPrivateFolder? Open(bool create)
        {
            try { return Files.OpenPrivateFolder(Root, create); }
            catch (SafePathException e) when (e.Error == SafePathError.NotFound && !create) { return null; }
            catch (SafePathException e) when (e.Error == SafePathError.Untrusted || e.Error == SafePathError.NotPermittedForPrincipal)
            {
                throw new NpmrcWriteException(NpmrcWriteError.BackupStoreUntrusted, Root, e.Message, e);
            }
        }

        /// <summary>Saves <paramref name="original"/> (null: the file did not exist) before it is replaced by <paramref name="updated"/>.</summary>
        public NpmHardeningBackup Save(string originalPath, byte[]? original, byte[]? updated, IEnumerable<NpmBackupChange> changes, string reason,
            IEnumerable<FilePrincipal>? principals = null)
        {
            using var folder = Open(true)!;
            var time = DateTimeOffset.UtcNow;
            var id = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfffffff'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var changeList = changes.ToList();
            string? dataName = null;
            if (original != null)
            {
                dataName = id + DataSuffix;
                folder.Write(dataName, original);
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
                ["dataFile"] = dataName,
                ["principals"] = (principals ?? Array.Empty<FilePrincipal>()).Select(p => (object?)Encode(p)).ToList(),
                ["changes"] = changeList.Select(c => (object?)new JsObject { ["key"] = c.Key, ["old"] = c.OldValue, ["new"] = c.NewValue }).ToList(),
            };
            var manifestName = id + ManifestSuffix;
            var text = Js.Js.ToJson(manifest);
            folder.Write(manifestName, new UTF8Encoding(false).GetBytes(text + "\n"));
            return Parse(manifestName, text)!;
        }

        /// <summary>Every backup (of <paramref name="originalPath"/> when given), newest first. Manifests that are not this account's private files, or unreadable, are skipped.</summary>
        /// <exception cref="NpmrcWriteException">The store can be changed by another account (BackupStoreUntrusted).</exception>
        public IReadOnlyList<NpmHardeningBackup> List(string? originalPath = null)
        {
            var comparison = Files.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var wanted = !string.IsNullOrEmpty(originalPath) ? Path.GetFullPath(originalPath) : null;
            var wantedReal = wanted != null ? Files.ResolveRealPath(wanted) : null;
            var list = new List<NpmHardeningBackup>();
            using var folder = Open(false);
            if (folder == null) return list;
            foreach (var name in folder.List(ManifestSuffix))
            {
                byte[]? bytes;
                try { bytes = folder.Read(name, MaxManifestBytes); }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { continue; }
                if (bytes == null) continue;
                var backup = Parse(name, Encoding.UTF8.GetString(bytes));
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
            try
            {
                using var folder = Open(false);
                if (folder != null && backup.DataPath != null) bytes = folder.Read(Path.GetFileName(backup.DataPath), MaxDataBytes);
            }
            catch (NpmrcWriteException) { throw; }
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
            using var folder = Open(false);
            if (folder == null) return;
            folder.Delete(Path.GetFileName(backup.ManifestPath));
            if (backup.DataPath != null) folder.Delete(Path.GetFileName(backup.DataPath));
        }

        private static string Encode(FilePrincipal p) => p.Kind switch
        {
            FilePrincipalKind.Anyone => "anyone",
            FilePrincipalKind.GroupMembers => "gid:" + p.Id.ToString(CultureInfo.InvariantCulture),
            _ => p.Sid != null ? "sid:" + p.Sid : "uid:" + p.Id.ToString(CultureInfo.InvariantCulture),
        };

        private static FilePrincipal? Decode(string text)
        {
            if (text == "anyone") return FilePrincipal.Anyone;
            if (text.StartsWith("sid:", StringComparison.Ordinal)) return FilePrincipal.WindowsAccount(text.Substring(4));
            bool user = text.StartsWith("uid:", StringComparison.Ordinal), group = text.StartsWith("gid:", StringComparison.Ordinal);
            if ((user || group) && uint.TryParse(text.Substring(4), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                return user ? FilePrincipal.UnixUser(id, SafeName(() => UnixAccounts.NameOf(id))) : FilePrincipal.UnixGroup(id, SafeName(() => UnixAccounts.GroupNameOf(id)));
            return null;
        }

        private static string? SafeName(Func<string> name)
        {
            try { return name(); }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return null; }
        }

        private NpmHardeningBackup? Parse(string manifestName, string text)
        {
            if (!JsJson.TryParse(text, out var parsed) || !(parsed is JsObject o)) return null;
            if (!(o["backupId"] is string id) || !(o["originalPath"] is string original) || !(o["time"] is string timeText) ||
                !(o["sha256Original"] is string sha)) return null;
            if (!DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)) return null;
            var changes = new List<NpmBackupChange>();
            if (o["changes"] is List<object?> list)
                foreach (var item in list)
                    if (item is JsObject c && c["key"] is string key) changes.Add(new NpmBackupChange(key, c["old"] as string, c["new"] as string));
            var principals = new List<FilePrincipal>();
            if (o["principals"] is List<object?> recorded)
                foreach (var item in recorded)
                    if (item is string p && Decode(p) is FilePrincipal decoded) principals.Add(decoded);
            var dataFile = o["dataFile"] as string;
            // only plain names inside the store: a manifest never points the data at another file
            if (dataFile != null && (dataFile.IndexOfAny(new[] { '/', '\\' }) >= 0 || dataFile == ".." || dataFile == ".")) return null;
            return new NpmHardeningBackup(id, original, time, sha, o["sha256New"] as string, o["originalExisted"] as bool? ?? dataFile != null,
                (long)(o["length"] as double? ?? 0), changes.AsReadOnly(), o["reason"] as string ?? "",
                Path.Combine(Root, manifestName), dataFile != null ? Path.Combine(Root, dataFile) : null, principals.AsReadOnly());
        }
    }
}
