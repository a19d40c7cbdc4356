using System;

namespace NpmHardening.Engine.Registry
{
    /// <summary>Package and scope names in registry paths, as npm builds them.</summary>
    public static class RegistryPackageName
    {
        /// <summary>
        /// npa(name).escapedName: a scoped name keeps its @ and only its slash becomes %2f (lower case), an unscoped name
        /// is as it is. The name must have passed <see cref="NpmStageClient.CheckPackageName"/>.
        /// </summary>
        public static string Escape(string name)
        {
            if (name.StartsWith("@", StringComparison.Ordinal))
            {
                int slash = name.IndexOf('/');
                return "@" + Uri.EscapeDataString(name.Substring(1, slash - 1)) + "%2f" + Uri.EscapeDataString(name.Substring(slash + 1));
            }
            return Uri.EscapeDataString(name);
        }

        /// <summary>An org or user name as libnpmorg/libnpmaccess put it in a path: a leading @ dropped, encodeURIComponent.</summary>
        public static string EscapeScope(string org) => Uri.EscapeDataString(org.TrimStart('@'));

        /// <summary>Null when <paramref name="org"/> is a plausible org or user name, else why not.</summary>
        public static string? CheckScope(string? org)
        {
            if (string.IsNullOrWhiteSpace(org)) return "the organisation name is empty";
            var o = org!.TrimStart('@');
            if (o.Length == 0 || o.Length > 214) return "an organisation name has 1 to 214 characters";
            foreach (var c in o)
                if (char.IsWhiteSpace(c) || c == '/' || c == ':' || c == '@') return "an organisation name has no spaces, slashes, colons or @ after the first";
            return null;
        }
    }
}
