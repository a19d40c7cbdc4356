using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening
{
    /// <summary>The node and npm that a shell with this environment would run, found without starting either.</summary>
    public sealed class NpmInstallation
    {
        public NpmInstallation(string? nodePath, string? nodeVersion, string? npmRoot, string? npmVersion)
        {
            NodePath = nodePath; NodeVersion = nodeVersion; NpmRoot = npmRoot; NpmVersion = npmVersion;
        }

        /// <summary>node's executable (npm's process.execPath), symlinks resolved on Unix.</summary>
        public string? NodePath { get; }
        /// <summary>"20.20.2", or null when it could not be read.</summary>
        public string? NodeVersion { get; }
        /// <summary>The npm package folder (holds package.json, bin/npm-cli.js and the builtin npmrc).</summary>
        public string? NpmRoot { get; }
        public string? NpmVersion { get; }
        public bool NodeFound => NodePath != null;
        public bool NpmFound => NpmRoot != null && NpmVersion != null;

        /// <summary>The npm version to interpret configuration with: the detected one, else the newest we know.</summary>
        public NpmVersion EffectiveNpmVersion =>
            NpmVersion != null && Engine.Config.NpmVersion.TryParse(NpmVersion, out var v) ? v : NpmConfigCatalog.Default.Versions[NpmConfigCatalog.Default.Versions.Count - 1];

        public override string ToString() =>
            $"node {NodeVersion ?? (NodeFound ? "?" : "not found")}, npm {NpmVersion ?? "not found"}";
    }
}

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// Finds node and npm the way a shell would (PATH first), then the usual install layouts: the Windows
    /// installer (%ProgramFiles%\nodejs), nvm-windows (NVM_SYMLINK), Volta, fnm, Unix packages and nvm.
    /// Versions come from npm's package.json and node's headers, path or binary — nothing is executed.
    /// </summary>
    public static class NpmLocator
    {
        private static readonly Regex VersionInPath = new Regex(@"(?:^|[\\/])v?([0-9]+\.[0-9]+\.[0-9]+)(?:[\\/]|\z)", RegexOptions.CultureInvariant);
        // Values are (length, version) pairs as object[] rather than tuples, for the reason given at NpmInstallation's VersionCache.
        private static readonly Dictionary<string, object?[]> BinaryVersionCache = new Dictionary<string, object?[]>();
        // Instances rather than the static Regex methods: those go through the framework's pattern cache, whose
        // dictionary over a value-type key is JIT-compiled on first use in every process (issue 10 F).
        private static readonly Regex NodeMajor = new Regex(@"#define[ \t]+NODE_MAJOR_VERSION[ \t]+([0-9]+)", RegexOptions.CultureInvariant);
        private static readonly Regex NodeMinor = new Regex(@"#define[ \t]+NODE_MINOR_VERSION[ \t]+([0-9]+)", RegexOptions.CultureInvariant);
        private static readonly Regex NodePatch = new Regex(@"#define[ \t]+NODE_PATCH_VERSION[ \t]+([0-9]+)", RegexOptions.CultureInvariant);
        private static readonly Regex PlainVersion = new Regex(@"^[0-9]+\.[0-9]+\.[0-9]+\z", RegexOptions.CultureInvariant);

        public static NpmInstallation Locate(IPlatform platform, IReadOnlyDictionary<string, string> environment)
        {
            var node = FindNode(platform, environment);
            var npmRoot = FindNpmRoot(platform, environment, node);
            string? npmVersion = null;
            if (npmRoot != null)
            {
                var packageJson = platform.Path.Resolve(platform.CurrentDirectory, npmRoot, "package.json");
                npmVersion = Cached(platform, "npm:" + packageJson, packageJson, () => ReadPackageVersion(platform, packageJson, "npm"));
            }
            if (npmVersion == null) npmRoot = null;
            var nodeVersion = node == null ? null : Cached(platform, "node:" + node, node, () => ReadNodeVersion(platform, node));
            return new NpmInstallation(node, nodeVersion, npmRoot, npmVersion);
        }

        // Versions read from files, reused while the file's stamp (write time, length) is unchanged: a warm
        // audit then only searches PATH instead of parsing npm's package.json and node's headers each time.
        // A class, not a tuple, for the value: a Dictionary over a value-type value runs framework code that no ReadyToRun
        // image holds, JIT-compiled on the first audit of every process (issue 10 F).
        private static readonly Dictionary<string, StampedVersion> VersionCache = new Dictionary<string, StampedVersion>(StringComparer.Ordinal);

        private sealed class StampedVersion
        {
            public StampedVersion(DateTime lastWriteUtc, long length, string? version) { LastWriteUtc = lastWriteUtc; Length = length; Version = version; }
            public DateTime LastWriteUtc { get; }
            public long Length { get; }
            public string? Version { get; }
        }

        private static string? Cached(IPlatform platform, string key, string stampPath, Func<string?> read)
        {
            var stamp = platform.GetFileStamp(stampPath);
            if (stamp == null) return read();
            lock (VersionCache)
            {
                if (VersionCache.TryGetValue(key, out var hit) && hit.LastWriteUtc == stamp.Value.LastWriteUtc && hit.Length == stamp.Value.Length) return hit.Version;
            }
            var value = read();
            lock (VersionCache) VersionCache[key] = new StampedVersion(stamp.Value.LastWriteUtc, stamp.Value.Length, value);
            return value;
        }

        private static string? FindNode(IPlatform platform, IReadOnlyDictionary<string, string> env)
        {
            var onPath = platform.FindExecutable("node", env);
            if (onPath != null) return platform.RealPath(onPath);
            var candidates = new List<string>();
            var path = platform.Path;
            var cwd = platform.CurrentDirectory;
            if (platform.IsWindows)
            {
                foreach (var root in new[] { EnvironmentMap.Get(env, "NVM_SYMLINK"), EnvironmentMap.Get(env, "FNM_MULTISHELL_PATH"),
                                             Combine(path, cwd, EnvironmentMap.Get(env, "ProgramFiles"), "nodejs"),
                                             Combine(path, cwd, EnvironmentMap.Get(env, "ProgramFiles(x86)"), "nodejs") })
                    if (!string.IsNullOrEmpty(root)) candidates.Add(path.Resolve(cwd, root!, "node.exe"));
                var volta = Combine(path, cwd, EnvironmentMap.Get(env, "LOCALAPPDATA"), "Volta", "bin", "node.exe");
                if (volta != null) candidates.Add(volta);
            }
            else
            {
                var nvmBin = EnvironmentMap.Get(env, "NVM_BIN");
                if (!string.IsNullOrEmpty(nvmBin)) candidates.Add(path.Resolve(cwd, nvmBin!, "node"));
                candidates.Add("/usr/local/bin/node");
                candidates.Add("/usr/bin/node");
                candidates.Add("/opt/homebrew/bin/node");
            }
            foreach (var c in candidates)
                if (platform.FileExists(c)) return platform.RealPath(c);
            return null;
        }

        private static string? Combine(NodePath path, string cwd, string? root, params string[] rest)
        {
            if (string.IsNullOrEmpty(root)) return null;
            var parts = new string[rest.Length + 1];
            parts[0] = root!;
            Array.Copy(rest, 0, parts, 1, rest.Length);
            return path.Resolve(cwd, parts);
        }

        private static string? FindNpmRoot(IPlatform platform, IReadOnlyDictionary<string, string> env, string? node)
        {
            var path = platform.Path;
            var cwd = platform.CurrentDirectory;
            var candidates = new List<string>();
            var npmOnPath = platform.FindExecutable("npm", env);
            if (npmOnPath != null)
            {
                if (platform.IsWindows)
                {
                    // npm.cmd sits beside node_modules\npm (installer, nvm-windows, %APPDATA%\npm after `npm i -g npm`)
                    candidates.Add(path.Resolve(cwd, path.Dirname(npmOnPath), "node_modules", "npm"));
                }
                else
                {
                    var real = platform.RealPath(npmOnPath);
                    if (real.EndsWith("/bin/npm-cli.js", StringComparison.Ordinal)) candidates.Add(path.Dirname(path.Dirname(real)));
                    candidates.Add(path.Resolve(cwd, path.Dirname(npmOnPath), "..", "lib", "node_modules", "npm"));
                }
            }
            if (node != null)
            {
                candidates.Add(platform.IsWindows
                    ? path.Resolve(cwd, path.Dirname(node), "node_modules", "npm")
                    : path.Resolve(cwd, path.Dirname(node), "..", "lib", "node_modules", "npm"));
            }
            if (!platform.IsWindows)
            {
                candidates.Add("/usr/local/lib/node_modules/npm");
                candidates.Add("/usr/lib/node_modules/npm");
                candidates.Add("/usr/share/nodejs/npm");
            }
            foreach (var c in candidates)
                if (platform.FileExists(path.Resolve(cwd, c, "package.json"))) return c;
            return null;
        }

        /// <summary>The "version" of a package.json whose "name" is <paramref name="expectedName"/>.</summary>
        internal static string? ReadPackageVersion(IPlatform platform, string packageJson, string expectedName)
        {
            var read = platform.ReadFile(packageJson, 4 * 1024 * 1024);
            if (read.Bytes == null) return null;
            var text = Encoding.UTF8.GetString(read.Bytes);
            if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
            if (!JsJson.TryParse(text, out var parsed) || !(parsed is JsObject pkg)) return null;
            if (!(pkg["name"] is string name) || name != expectedName) return null;
            return pkg["version"] as string;
        }

        /// <summary>node's version from its headers, its install path, or the release URL compiled into the binary.</summary>
        internal static string? ReadNodeVersion(IPlatform platform, string nodePath)
        {
            var path = platform.Path;
            var cwd = platform.CurrentDirectory;
            var prefix = platform.IsWindows ? path.Dirname(nodePath) : path.Dirname(path.Dirname(nodePath));
            var header = platform.ReadFile(path.Resolve(cwd, prefix, "include", "node", "node_version.h"), 1 << 20);
            if (header.Bytes != null)
            {
                var h = Encoding.ASCII.GetString(header.Bytes);
                var major = NodeMajor.Match(h);
                var minor = NodeMinor.Match(h);
                var patch = NodePatch.Match(h);
                if (major.Success && minor.Success && patch.Success)
                    return $"{major.Groups[1].Value}.{minor.Groups[1].Value}.{patch.Groups[1].Value}";
            }
            var inPath = VersionInPath.Match(nodePath);
            if (inPath.Success) return inPath.Groups[1].Value;
            return ReadVersionFromBinary(platform, nodePath);
        }

        private static string? ReadVersionFromBinary(IPlatform platform, string nodePath)
        {
            // node embeds "https://nodejs.org/download/release/vX.Y.Z/" (process.release). The binary is large,
            // so it is streamed in chunks (never held whole) and the answer cached per path and size.
            using var stream = platform.OpenRead(nodePath);
            if (stream == null) return null;
            long length;
            try { length = stream.Length; } catch (NotSupportedException) { length = -1; }
            lock (BinaryVersionCache)
            {
                if (BinaryVersionCache.TryGetValue(nodePath, out var cached) && cached[0] is long cachedLength && cachedLength == length) return (string?)cached[1];
            }
            var marker = Encoding.ASCII.GetBytes("/download/release/v");
            const int chunk = 1 << 20, overlap = 64;
            var buffer = new byte[chunk + overlap];
            int carried = 0;
            string? version = null;
            while (version == null)
            {
                int read = stream.Read(buffer, carried, chunk);
                if (read <= 0) break;
                int filled = carried + read;
                for (int i = 0; i + marker.Length + 8 < filled && version == null; i++)
                {
                    int j = 0;
                    while (j < marker.Length && buffer[i + j] == marker[j]) j++;
                    if (j < marker.Length) continue;
                    int start = i + marker.Length, end = start;
                    while (end < filled && (buffer[end] == '.' || buffer[end] >= '0' && buffer[end] <= '9')) end++;
                    var candidate = Encoding.ASCII.GetString(buffer, start, end - start);
                    if (PlainVersion.IsMatch(candidate)) version = candidate;
                }
                carried = Math.Min(overlap, filled);
                Buffer.BlockCopy(buffer, filled - carried, buffer, 0, carried);
            }
            lock (BinaryVersionCache) BinaryVersionCache[nodePath] = new object?[] { length, version };
            return version;
        }
    }
}
