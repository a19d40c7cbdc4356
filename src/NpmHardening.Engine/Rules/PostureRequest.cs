using System;
using System.Collections.Generic;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Rules
{
    /// <summary>One context to audit: a resolved npm configuration and the machine it lives on.</summary>
    public sealed class PostureRequest
    {
        /// <summary>The public registry: what <see cref="AllowedRegistries"/> holds unless told otherwise.</summary>
        public static readonly IReadOnlyList<string> DefaultAllowedRegistries = Array.AsReadOnly(new[] { "https://registry.npmjs.org/" });

        /// <param name="resolution">npm's configuration for the context (NpmConfigResolver.Resolve).</param>
        /// <param name="platform">The machine: file access and persistent environment variables are read through it.</param>
        /// <param name="now">The clock every date rule (Node.js end-of-life) is judged against.</param>
        public PostureRequest(NpmConfigResolution resolution, IPlatform platform, DateTimeOffset now)
        {
            Resolution = resolution ?? throw new ArgumentNullException(nameof(resolution));
            Platform = platform ?? throw new ArgumentNullException(nameof(platform));
            Now = now;
        }

        public NpmConfigResolution Resolution { get; }
        public IPlatform Platform { get; }
        public DateTimeOffset Now { get; }

        public NpmBaseline Baseline { get; set; } = NpmBaseline.Recommended;

        /// <summary>Registries (default and @scope:registry) that NPMH2003 accepts; compared by scheme, host, port and path.</summary>
        public IReadOnlyList<string> AllowedRegistries { get; set; } = DefaultAllowedRegistries;

        /// <summary>Per scope (<c>@corp</c>, lower case), the only registries its <c>@corp:registry</c> may name (a policy's AllowedRegistries); other scopes use <see cref="AllowedRegistries"/>.</summary>
        public IReadOnlyDictionary<string, string[]>? ScopedRegistries { get; set; }

        /// <summary>Rule ids or wildcard patterns (NPMH7*) to evaluate; null or empty means every rule.</summary>
        public IReadOnlyCollection<string>? RuleIds { get; set; }

        /// <summary>What the findings' Context says (profile or project path); null means the resolution's working directory.</summary>
        public string? Context { get; set; }

        /// <summary>The profile whose persistent (User-scope) environment variables are checked; null means the current user.</summary>
        public UserProfileInfo? UserProfile { get; set; }

        /// <summary>
        /// Whether the resolution's process environment belongs to this context. Set false when auditing another user's
        /// profile: the auditing account's own variables (NPM_TOKEN…) say nothing about that user.
        /// </summary>
        public bool AuditProcessEnvironment { get; set; } = true;
    }
}
