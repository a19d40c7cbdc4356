using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// The environment npm would see when run by the owner of another profile folder (an admin or SYSTEM auditing a
    /// user's home). None of the auditing account's own variables belong in it: a user's npmrc that says
    /// <c>${ROOT_DB_PASSWORD}</c> must not be expanded with root's value, neither to be shown nor to be sent. What is
    /// kept is the short list of machine-wide variables that locate node, npm and the global prefix and hold no secret
    /// (<see cref="MachineVariables"/>); the per-user folders npm depends on are derived from the profile (HOME; on
    /// Windows USERPROFILE, APPDATA, LOCALAPPDATA, HOMEDRIVE, HOMEPATH — the installer's builtin npmrc sets
    /// <c>prefix=${APPDATA}\npm</c>, and the cache lives in LOCALAPPDATA).
    /// </summary>
    public static class ProfileEnvironment
    {
        /// <summary>
        /// The variables taken over from the auditing process: where programs and the machine's npm live, and the OS's own
        /// folders. No proxy, token, CI or npm_config_ variable is among them.
        /// </summary>
        public static readonly IReadOnlyCollection<string> MachineVariables = Array.AsReadOnly(new[]
        {
            "PATH", "PATHEXT", "PREFIX", "DESTDIR", "NVM_HOME", "NVM_SYMLINK",
            "SystemRoot", "windir", "ComSpec", "SystemDrive", "ProgramData", "ALLUSERSPROFILE", "PUBLIC",
            "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432", "CommonProgramFiles", "CommonProgramFiles(x86)", "CommonProgramW6432",
            "OS", "PROCESSOR_ARCHITECTURE", "NUMBER_OF_PROCESSORS",
        });

        public static Dictionary<string, string> For(IPlatform platform, IReadOnlyDictionary<string, string> baseEnvironment, string profile)
        {
            var env = EnvironmentMap.Create(platform.IsWindows);
            foreach (var name in MachineVariables)
                if (baseEnvironment.TryGetValue(name, out var value)) env[name] = value;
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
            return env;
        }
    }
}
