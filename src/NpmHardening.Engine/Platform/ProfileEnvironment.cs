using System.Collections.Generic;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The environment npm would see when run by the owner of another profile folder (an admin or SYSTEM
    /// auditing a user's home). On Windows the per-user folders npm depends on derive from the profile:
    /// the installer's builtin npmrc sets <c>prefix=${APPDATA}\npm</c>, and the cache lives in LOCALAPPDATA.
    /// </summary>
    public static class ProfileEnvironment
    {
        public static Dictionary<string, string> For(IPlatform platform, IReadOnlyDictionary<string, string> baseEnvironment, string profile)
        {
            var env = EnvironmentMap.Copy(baseEnvironment, platform.IsWindows);
            env["HOME"] = profile;
            if (platform.IsWindows)
            {
                var path = platform.Path;
                env["USERPROFILE"] = profile;
                env["APPDATA"] = path.Resolve(profile, profile, "AppData", "Roaming");
                env["LOCALAPPDATA"] = path.Resolve(profile, profile, "AppData", "Local");
                var root = path.Resolve(profile, profile);
                if (root.Length > 2 && root[1] == ':')
                {
                    env["HOMEDRIVE"] = root.Substring(0, 2);
                    env["HOMEPATH"] = root.Substring(2);
                }
            }
            // The auditing account's own npm settings must not leak into another user's picture.
            foreach (var key in new List<string>(env.Keys))
                if (key.StartsWith("npm_config_", System.StringComparison.OrdinalIgnoreCase)) env.Remove(key);
            return env;
        }
    }
}
