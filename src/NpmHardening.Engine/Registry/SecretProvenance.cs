using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// Where the secret of a <c>${VAR}</c> credential reference may come from, and where it may go, when an online check
    /// is about to send it. The audited principal is the account whose npm is audited: the account running the module
    /// for its own configuration and for files given by path, another account for -UserProfile and -AllUsers.
    /// <list type="number">
    /// <item>A reference is resolved only from the principal's own environment: this process's variables when the
    /// principal is the account running the module; otherwise only the variables the principal defines persistently,
    /// each from a definition that, read again through one open handle, still holds the value and belongs to the
    /// principal or is readable by every user (Windows registry values are the user's own hive or the machine's).
    /// Never from the auditing account's variables for anyone else.</item>
    /// <item>The value goes only to a host the principal or the machine's administrators chose: the line holding the
    /// reference, read again through one open handle, must be unchanged and in a file owned by the principal or by an
    /// administrator (root; SYSTEM, Administrators, TrustedInstaller) that every other user cannot write.</item>
    /// </list>
    /// Anything else is a reference that is not checked: the finding says why, and nothing is sent. A secret written
    /// literally on a credential line needs none of this: it goes only to the host its own key names (whoever wrote the
    /// line already had the secret), which <see cref="RegistryEndpoint"/> enforces.
    /// </summary>
    public sealed class SecretProvenance
    {
        private const long MaxFileBytes = 8L << 20;
        private readonly IReadOnlyDictionary<string, string>? _process;
        private readonly UserProfileInfo? _profile;
        private readonly StringComparer _names;
        private readonly Dictionary<string, OwnedFile?> _verified;
        private List<PersistentVariable>? _persistent;

        /// <param name="platform">The machine.</param>
        /// <param name="principal">The audited account; null when no account is known to own the profile (then no file is its own).</param>
        /// <param name="processEnvironment">The variables npm would run with, only when the principal is the account running the module.</param>
        /// <param name="profile">Whose persistent variables to read; null for the current user.</param>
        public SecretProvenance(IPlatform platform, AuditedAccount? principal, IReadOnlyDictionary<string, string>? processEnvironment, UserProfileInfo? profile)
        {
            Platform = platform ?? throw new ArgumentNullException(nameof(platform));
            Principal = principal;
            _process = processEnvironment;
            _profile = profile;
            _names = platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            _verified = new Dictionary<string, OwnedFile?>(platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        }

        public IPlatform Platform { get; }
        public AuditedAccount? Principal { get; }
        /// <summary>The process variables that count as the principal's; null for another principal.</summary>
        public IReadOnlyDictionary<string, string>? ProcessEnvironment => _process;
        /// <summary>Hears a variable store that could not be read (scope, message).</summary>
        public Action<EnvironmentScope, string>? VariablesUnreadable { get; set; }

        /// <summary>The principal's persistent variables (user, then machine), read on first use.</summary>
        public IReadOnlyList<PersistentVariable> Persistent => _persistent ??= ReadPersistent();

        private List<PersistentVariable> ReadPersistent()
        {
            var list = new List<PersistentVariable>();
            foreach (var scope in new[] { EnvironmentScope.User, EnvironmentScope.Machine })
            {
                try
                {
                    list.AddRange(Platform.GetPersistentVariables(scope, scope == EnvironmentScope.User ? _profile : null) ?? Enumerable.Empty<PersistentVariable>());
                }
                catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException || e is InvalidOperationException)
                {
                    VariablesUnreadable?.Invoke(scope, $"{scope} environment variables could not be read ({e.GetType().Name}); variables defined there were not used.");
                }
            }
            return list;
        }

        /// <summary>
        /// <c>${name}</c> as npm would expand it for the principal, when the value may be used: from the process (its own
        /// variables only), else the user's then the machine's persistent definition, verified. A definition that fails
        /// verification gives no value, its location and the reason.
        /// </summary>
        public SecretSource Lookup(string name)
        {
            if (_process != null && _process.TryGetValue(name, out var v)) return new SecretSource(v, "env:" + name, null);
            foreach (var scope in new[] { EnvironmentScope.User, EnvironmentScope.Machine })
                foreach (var pv in Persistent)
                    if (pv.Scope == scope && _names.Equals(pv.Name, name))
                    {
                        var where = pv.Line is int line ? $"{pv.Location}:{line}" : pv.Location;
                        var refusal = DefinitionRefusal(pv);
                        return refusal == null ? new SecretSource(pv.Value, where, null) : new SecretSource(null, where, refusal);
                    }
            return new SecretSource(null, null, null);
        }

        /// <summary>Null when a persistent definition is the principal's own (see the class remarks); else why not.</summary>
        private string? DefinitionRefusal(PersistentVariable pv)
        {
            if (pv.Line == null) return null; // a registry value: the user's own hive, or the machine's (every user's)
            var file = Verified(pv.Location);
            if (file == null) return $"{pv.Location} could not be read again to see who owns it";
            var lines = Encoding.UTF8.GetString(file.Bytes).Split('\n');
            int index = pv.Line.Value - 1;
            if (index < 0 || index >= lines.Length || lines[index].IndexOf(pv.Value, StringComparison.Ordinal) < 0)
                return $"{pv.Location} changed while it was audited";
            if (Principal != null && Principal.IsOwner(file.Owner, file.OwnerSid)) return null;
            if (file.Access != null && ReadableByEveryone(file.Access)) return null;
            return $"{pv.Name} is defined in {pv.Location}, which belongs to {file.OwnerText}, not to {PrincipalText}, and not every user can read it: it is not {PrincipalText}'s own value";
        }

        /// <summary>
        /// Null when line <paramref name="line"/> of <paramref name="path"/> may choose where the principal's variables
        /// go: read again through one handle, it still sets <paramref name="key"/> to <paramref name="rawValue"/>, and the
        /// file belongs to the principal or an administrator and cannot be written by every user. Else why not.
        /// </summary>
        public string? DestinationRefusal(string path, int line, string key, string rawValue)
        {
            var file = Verified(path);
            if (file == null) return $"{path} could not be read again to see who owns it";
            var document = NpmrcDocument.Parse(file.Bytes, path);
            var same = document.Lines.FirstOrDefault(l => l.Number == line && l.Kind == NpmrcLineKind.Setting);
            if (same == null || !string.Equals(Decoded(same.RawKey), key, StringComparison.Ordinal) ||
                !string.Equals(Decoded(same.RawValue)?.Trim(), rawValue.Trim(), StringComparison.Ordinal))
                return $"{path} changed while it was audited";
            bool windows = Platform.IsWindows;
            bool trusted = (Principal != null && Principal.IsOwner(file.Owner, file.OwnerSid)) || AuditedAccount.IsAdministrator(file.Owner, file.OwnerSid, windows);
            if (!trusted)
                return $"{path} belongs to {file.OwnerText}, not to {PrincipalText} or an administrator, so the host it names is not sent {PrincipalText}'s variables";
            if (file.Access != null && WritableByEveryone(file.Access, windows))
                return $"{path} can be changed by {string.Join(", ", file.Access.OtherWriters)}, so the host it names is not sent {PrincipalText}'s variables";
            return null;
        }

        /// <summary>The secret a reference line stands for, when both rules allow sending it; else the reason.</summary>
        public ResolvedSecret Resolve(string path, int line, string key, string rawValue)
        {
            var names = EnvExpansion.References(rawValue).ToList();
            var destination = DestinationRefusal(path, line, key, rawValue);
            if (destination != null) return new ResolvedSecret(null, destination);
            var values = new Dictionary<string, string>(_names);
            foreach (var (name, optional) in names)
            {
                var source = Lookup(name);
                if (source.Refusal != null) return new ResolvedSecret(null, source.Refusal);
                if (source.Value != null) values[name] = source.Value;
                else if (!optional) return new ResolvedSecret(null, $"{name} is not defined in {PrincipalText}'s environment");
            }
            return new ResolvedSecret(EnvExpansion.Replace(rawValue, n => values.TryGetValue(n, out var v) ? v : null), null);
        }

        private string PrincipalText => Principal?.Name ?? "the profile's owner (no account is known to own it)";

        private OwnedFile? Verified(string path)
        {
            if (!_verified.TryGetValue(path, out var file))
            {
                file = OwnedFileReader.Read(Platform, path, MaxFileBytes);
                _verified[path] = file;
            }
            return file;
        }

        private static string? Decoded(string? raw) => raw == null ? null : IniDecoder.Unsafe(raw) as string;

        private static readonly string[] Everyone = { "others", "Everyone", @"BUILTIN\Users", @"NT AUTHORITY\Authenticated Users" };

        private static bool ReadableByEveryone(FileAccessInfo access) => access.OtherReaders.Any(r => Everyone.Contains(r, StringComparer.OrdinalIgnoreCase));

        /// <summary>Unix: the others bits (a group is often the user's own); Windows: any principal the ACL lets write.</summary>
        private static bool WritableByEveryone(FileAccessInfo access, bool windows) =>
            windows ? access.WritableByOthers : access.OtherWriters.Contains("others");
    }
}
