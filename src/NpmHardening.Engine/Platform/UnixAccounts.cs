using System;
using System.Globalization;

namespace NpmHardening.Engine.Platform
{
    /// <summary>Unix account and group names for messages, asked of NSS once each; the number when there is no name.</summary>
    internal static class UnixAccounts
    {
        private static readonly IdCache<string> Users = new IdCache<string>();
        private static readonly IdCache<string> Groups = new IdCache<string>();

        public static string NameOf(uint uid) => Users.GetOrAdd(uid, u => Safe(() => UnixLibc.Account(u)?.Name) ?? Number(u));

        public static string GroupNameOf(uint gid) => Groups.GetOrAdd(gid, g => Safe(() => UnixLibc.GroupName(g)) ?? Number(g));

        /// <summary>The account running this process: root, or the uid that owns what it creates.</summary>
        public static uint EffectiveUserId => _euid ??= UnixLibc.EffectiveUserId;
        private static uint? _euid;

        /// <summary>Accounts whose folders and links are trusted: root and the account running NpmHardening.</summary>
        public static bool IsTrusted(uint uid) => uid == 0 || uid == EffectiveUserId;

        private static string Number(uint id) => id.ToString(CultureInfo.InvariantCulture);

        private static string? Safe(Func<string?> lookup)
        {
            try { return lookup(); }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { return null; }
        }
    }
}
