using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Rules
{
    /// <summary>
    /// One thing Get-NpmSecurityPosture audits: npm as one user would run it in one folder. The user is the current
    /// one (process environment included) or another profile (an administrator or SYSTEM auditing a user's home,
    /// where the auditing account's own variables say nothing about that user).
    /// </summary>
    public sealed class PostureContext
    {
        private PostureContext(string label, string workingDirectory, string? profileHome, UserProfileInfo? profile, bool auditProcessEnvironment)
        {
            Label = label; WorkingDirectory = workingDirectory; ProfileHome = profileHome; Profile = profile;
            AuditProcessEnvironment = auditProcessEnvironment;
        }

        /// <summary>What the findings' Context says: the project folder, or the profile folder when no project is given.</summary>
        public string Label { get; }

        /// <summary>npm's working directory (the project folder, or the profile folder).</summary>
        public string WorkingDirectory { get; }

        /// <summary>Another user's home: the resolution runs with that user's HOME (and APPDATA…); null for the current user.</summary>
        public string? ProfileHome { get; }

        /// <summary>The profile whose persistent variables are checked; null means the current user.</summary>
        public UserProfileInfo? Profile { get; }

        /// <summary>False for another user's profile: the auditing process's variables (NPM_TOKEN…) are not that user's.</summary>
        public bool AuditProcessEnvironment { get; }

        /// <summary>True when the context is another user's profile.</summary>
        public bool IsOtherUser => ProfileHome != null;

        /// <summary>
        /// The current user in <paramref name="workingDirectory"/>. With a what-if <paramref name="environment"/> whose home
        /// (HOME; USERPROFILE on Windows) is not this account's, the user of that home is audited: their shell start-up
        /// files hold the persistent variables checked, and the variables in <paramref name="environment"/> are the process's.
        /// </summary>
        public static PostureContext CurrentUser(IPlatform platform, IReadOnlyDictionary<string, string>? environment, string workingDirectory)
        {
            if (platform == null) throw new ArgumentNullException(nameof(platform));
            if (workingDirectory == null) throw new ArgumentNullException(nameof(workingDirectory));
            UserProfileInfo? profile = null;
            if (environment != null)
            {
                var home = HomeOf(platform, environment);
                if (!string.IsNullOrEmpty(home) && !SamePath(platform, home!, platform.OsHomeDirectory))
                {
                    var name = EnvironmentMap.Get(environment, platform.IsWindows ? "USERNAME" : "USER") ?? Leaf(home!);
                    profile = new UserProfileInfo(name, home!, null, false);
                }
            }
            return new PostureContext(workingDirectory, workingDirectory, null, profile, true);
        }

        /// <summary>
        /// Another user's <paramref name="profile"/>, in <paramref name="project"/> or, without one, in the profile folder
        /// itself (npm then reads that user's ~/.npmrc once, as the user config).
        /// </summary>
        public static PostureContext ForProfile(UserProfileInfo profile, string? project = null)
        {
            if (profile == null) throw new ArgumentNullException(nameof(profile));
            var label = project == null ? profile.HomeDirectory : project + " (" + profile.UserName + ")";
            return new PostureContext(label, project ?? profile.HomeDirectory, profile.HomeDirectory, profile, false);
        }

        public override string ToString() => Label;

        private static string? HomeOf(IPlatform platform, IReadOnlyDictionary<string, string> env)
        {
            var home = EnvironmentMap.Get(env, "HOME");
            if (platform.IsWindows && string.IsNullOrEmpty(home)) home = EnvironmentMap.Get(env, "USERPROFILE");
            return home;
        }

        internal static bool SamePath(IPlatform platform, string a, string? b)
        {
            if (b == null) return false;
            var cmp = platform.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return string.Equals(a.TrimEnd('/', '\\'), b.TrimEnd('/', '\\'), cmp);
        }

        internal static string Leaf(string path)
        {
            var trimmed = path.TrimEnd('/', '\\');
            int i = trimmed.LastIndexOfAny(new[] { '/', '\\' });
            return i < 0 ? trimmed : trimmed.Substring(i + 1);
        }
    }

    /// <summary>What one context's audit produced.</summary>
    public sealed class PostureContextResult
    {
        internal PostureContextResult(PostureContext context, NpmConfigResolution resolution, IReadOnlyList<NpmSecurityFinding> findings)
        {
            Context = context; Resolution = resolution; Findings = findings;
        }

        public PostureContext Context { get; }
        public NpmConfigResolution Resolution { get; }
        /// <summary>Catalog order; secrets already scrubbed.</summary>
        public IReadOnlyList<NpmSecurityFinding> Findings { get; }
    }

    /// <summary>
    /// Get-NpmSecurityPosture's engine around <see cref="PostureAuditor"/>: finds the contexts (profiles, project
    /// folders), resolves each one's npm configuration (locating node and npm once per environment) and audits it.
    /// </summary>
    public sealed class PostureScanner
    {
        private readonly Dictionary<string, NpmInstallation> _installations = new Dictionary<string, NpmInstallation>(StringComparer.Ordinal);

        public PostureScanner(IPlatform platform, DateTimeOffset now)
        {
            Platform = platform ?? throw new ArgumentNullException(nameof(platform));
            Now = now;
        }

        public IPlatform Platform { get; }
        public DateTimeOffset Now { get; }
        public NpmBaseline Baseline { get; set; } = NpmBaseline.Recommended;
        public IReadOnlyList<string> AllowedRegistries { get; set; } = PostureRequest.DefaultAllowedRegistries;
        /// <summary>Per scope, the registries a policy allows for it (<see cref="PostureRequest.ScopedRegistries"/>).</summary>
        public IReadOnlyDictionary<string, string[]>? ScopedRegistries { get; set; }
        /// <summary>Rule ids or wildcard patterns; null or empty means every rule.</summary>
        public IReadOnlyCollection<string>? RuleIds { get; set; }
        /// <summary>A what-if environment instead of the process's; null means the process environment.</summary>
        public IReadOnlyDictionary<string, string>? Environment { get; set; }

        /// <summary>The node and npm to assume for every context; null means locate them from each context's environment.</summary>
        public NpmInstallation? Installation { get; set; }

        /// <summary>Receives one line per step worth explaining (contexts, node/npm found, layers, outcome): -Verbose.</summary>
        public Action<string>? Explain { get; set; }

        /// <summary>Resolves and audits one context. Throws only on internal failures; unreadable files become findings.</summary>
        public PostureContextResult Audit(PostureContext context)
        {
            var resolution = Resolve(context);

            var findings = PostureAuditor.Audit(new PostureRequest(resolution, Platform, Now)
            {
                Baseline = Baseline,
                AllowedRegistries = AllowedRegistries,
                ScopedRegistries = ScopedRegistries,
                RuleIds = RuleIds,
                Context = context.Label,
                UserProfile = context.Profile,
                AuditProcessEnvironment = context.AuditProcessEnvironment,
            }).ToList();

            if (Explain != null)
            {
                // Counted per status in the enum's order, by hand: GroupBy/OrderBy over the enum key would JIT-compile
                // a dozen framework methods on the first audit of every process (issue 10 F).
                var statuses = (NpmFindingStatus[])Enum.GetValues(typeof(NpmFindingStatus));
                var perStatus = new int[statuses.Length];
                foreach (var finding in findings)
                {
                    for (var i = 0; i < statuses.Length; i++) if (statuses[i] == finding.Status) { perStatus[i]++; break; }
                }
                var counts = new List<string>();
                for (var i = 0; i < statuses.Length; i++)
                {
                    if (perStatus[i] > 0) counts.Add(perStatus[i].ToString(CultureInfo.InvariantCulture) + " " + statuses[i]);
                }
                Explain($"{context.Label}: {findings.Count} findings ({string.Join(", ", counts)}) against the {Baseline} baseline.");
            }
            return new PostureContextResult(context, resolution, findings);
        }

        /// <summary>npm's configuration as npm would load it in <paramref name="context"/> (what the audit and the token scan read).</summary>
        public NpmConfigResolution Resolve(PostureContext context)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            IReadOnlyDictionary<string, string> env = Environment ?? Platform.Environment;
            if (context.ProfileHome != null) env = ProfileEnvironment.For(Platform, env, context.ProfileHome);

            var installation = Installation ?? Locate(env);
            var resolution = NpmConfigResolver.Resolve(new NpmConfigRequest
            {
                Platform = Platform,
                Environment = env,
                WorkingDirectory = context.WorkingDirectory,
                Installation = installation,
            });
            if (Explain != null) Describe(context, resolution);
            return resolution;
        }

        /// <summary>The environment as one string (name=value lines, names in ordinal order), to tell environments apart.
        /// Sorted as a string array: LINQ over the dictionary's KeyValuePair&lt;string, string&gt; entries runs framework
        /// code that no ReadyToRun image holds, JIT-compiled on the first audit of every process (issue 10 F).</summary>
        internal static string EnvironmentKey(IReadOnlyDictionary<string, string> env)
        {
            var names = SortedNames(env);
            var key = new System.Text.StringBuilder();
            for (var i = 0; i < names.Length; i++)
            {
                if (i > 0) key.Append('\n');
                key.Append(names[i]).Append('=').Append(env[names[i]]);
            }
            return key.ToString();
        }

        /// <summary>The dictionary's keys in ordinal order, as an array (see <see cref="EnvironmentKey"/> for why not LINQ).</summary>
        internal static string[] SortedNames(IReadOnlyDictionary<string, string> env)
        {
            var names = new string[env.Count];
            var n = 0;
            foreach (var name in env.Keys) names[n++] = name;
            Array.Sort(names, StringComparer.Ordinal);
            return names;
        }

        /// <summary>node and npm as a shell with this environment finds them; located once per distinct environment.</summary>
        private NpmInstallation Locate(IReadOnlyDictionary<string, string> env)
        {
            var key = EnvironmentKey(env);
            if (_installations.TryGetValue(key, out var found)) return found;
            found = NpmLocator.Locate(Platform, env);
            _installations[key] = found;
            Explain?.Invoke($"Using {found} (npm at {found.NpmRoot ?? "?"}, node at {found.NodePath ?? "?"}).");
            return found;
        }

        private void Describe(PostureContext context, NpmConfigResolution r)
        {
            var who = context.IsOtherUser
                ? $"as {context.Profile?.UserName ?? PostureContext.Leaf(context.ProfileHome!)} (profile {context.ProfileHome}; the auditing process's environment variables are not applied)"
                : context.Profile != null ? $"as the user of {context.Profile.HomeDirectory} (what-if environment)" : "as the current user";
            Explain!($"Auditing {context.Label}: npm {r.NpmVersion} {who}, in {r.WorkingDirectory} (project root {r.LocalPrefix}).");
            foreach (var layer in r.Layers)
                Explain($"  {layer.Layer} layer: {layer.Source ?? "-"} ({(layer.Loaded ? layer.Count.ToString(CultureInfo.InvariantCulture) + " keys" : layer.SkipReason ?? "not present")})");
            foreach (var issue in r.Issues)
                Explain("  " + (issue.IsError ? "problem: " : "note: ") + issue);
        }

        /// <summary>Rule patterns (ids or wildcards) that select no rule of the catalog.</summary>
        public static IEnumerable<string> UnmatchedRuleIds(IEnumerable<string> patterns) => RuleCatalog.Default.UnmatchedRuleIds(patterns);

        // ------------------------------------------------------------------------------------------ profiles

        /// <summary>
        /// The real user profiles of the machine (-AllUsers): system and service accounts are skipped unless
        /// <paramref name="includeSystem"/>; a home listed twice is audited once. <paramref name="skipped"/> hears why a profile was left out.
        /// </summary>
        public static IEnumerable<UserProfileInfo> SelectProfiles(IPlatform platform, bool includeSystem, Action<UserProfileInfo, string>? skipped = null)
        {
            if (platform == null) throw new ArgumentNullException(nameof(platform));
            var homes = new HashSet<string>(platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            foreach (var profile in platform.EnumerateUserProfiles() ?? Enumerable.Empty<UserProfileInfo>())
            {
                if (profile.IsSystemAccount && !includeSystem)
                {
                    skipped?.Invoke(profile, "a system or service account (use -IncludeSystemProfiles to audit it)");
                    continue;
                }
                if (!homes.Add(profile.HomeDirectory.TrimEnd('/', '\\')))
                {
                    skipped?.Invoke(profile, "its home folder belongs to a profile already audited");
                    continue;
                }
                yield return profile;
            }
        }

        /// <summary>
        /// The profile that owns <paramref name="home"/> (-UserProfile): the machine's own record when it lists it
        /// (so Windows reads the user's registry hive by SID), else a profile named after the folder.
        /// </summary>
        public static UserProfileInfo ProfileFor(IPlatform platform, string home)
        {
            if (platform == null) throw new ArgumentNullException(nameof(platform));
            if (home == null) throw new ArgumentNullException(nameof(home));
            IEnumerable<UserProfileInfo> known;
            try { known = platform.EnumerateUserProfiles()?.ToList() ?? new List<UserProfileInfo>(); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException || e is InvalidOperationException)
            {
                known = new List<UserProfileInfo>();
            }
            return known.FirstOrDefault(p => PostureContext.SamePath(platform, p.HomeDirectory, home))
                   ?? new UserProfileInfo(PostureContext.Leaf(home), home, null, false);
        }

        /// <summary>
        /// True when this process runs as a Windows service account (SYSTEM under Intune, LocalService…): its own
        /// profile holds no user's npm, so -AllUsers is what an administrator wants. Judged from the profile path,
        /// which costs nothing (no token or registry query).
        /// </summary>
        public static bool RunsAsServiceAccount(IPlatform platform)
        {
            if (platform == null || !platform.IsWindows) return false;
            var home = platform.OsHomeDirectory ?? "";
            return home.IndexOf(@"\config\systemprofile", StringComparison.OrdinalIgnoreCase) >= 0
                   || home.IndexOf(@"\ServiceProfiles\", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        // ------------------------------------------------------------------------------------------ projects

        /// <summary>Folders never searched for projects: installed dependencies, and git's object store.</summary>
        public static readonly IReadOnlyCollection<string> SkippedFolderNames = Array.AsReadOnly(new[] { "node_modules", ".git" });

        /// <summary>
        /// Every folder at or under <paramref name="root"/> that holds a package.json (-Recurse), depth first in name order,
        /// yielded as found so the caller can audit while the search goes on. node_modules and .git are not entered,
        /// nor are symbolic links and junctions (they could loop or leave the tree).
        /// </summary>
        /// <param name="visiting">Hears each folder as it is searched (progress).</param>
        /// <param name="unreadable">Hears each folder that could not be listed, with the reason; the search goes on.</param>
        public static IEnumerable<string> FindProjects(string root, Action<string>? visiting = null, Action<string, Exception>? unreadable = null)
        {
            if (root == null) throw new ArgumentNullException(nameof(root));
            var stack = new Stack<string>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                var dir = stack.Pop();
                visiting?.Invoke(dir);
                List<DirectoryInfo> children;
                bool isProject;
                try
                {
                    var info = new DirectoryInfo(dir);
                    // a regular file, as npm's stat().isFile(): a FIFO named package.json makes no project
                    isProject = NpmHardening.Engine.Platform.SystemPlatform.Instance.FileExists(Path.Combine(dir, "package.json"));
                    children = info.EnumerateDirectories().ToList();
                }
                catch (Exception e) when (e is UnauthorizedAccessException || e is IOException || e is System.Security.SecurityException)
                {
                    unreadable?.Invoke(dir, e);
                    continue;
                }
                if (isProject) yield return dir;
                // push in reverse so the stack pops them in ordinal name order
                foreach (var child in children.OrderByDescending(c => c.Name, StringComparer.Ordinal))
                {
                    if (SkippedFolderNames.Contains(child.Name, StringComparer.OrdinalIgnoreCase)) continue;
                    FileAttributes attributes;
                    try { attributes = child.Attributes; }
                    catch (Exception e) when (e is UnauthorizedAccessException || e is IOException) { unreadable?.Invoke(child.FullName, e); continue; }
                    if ((attributes & FileAttributes.ReparsePoint) != 0) continue;
                    stack.Push(child.FullName);
                }
            }
        }
    }
}
