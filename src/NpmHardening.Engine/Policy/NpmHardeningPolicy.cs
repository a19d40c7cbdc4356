using System;
using System.Collections.Generic;

namespace NpmHardening
{
    /// <summary>
    /// An organisation's policy, read from a PowerShell data file (-Policy): the baseline to audit against, the
    /// registries it trusts (by default and per scope), and the exceptions it has accepted, each with a justification
    /// and an optional expiry. Read by <see cref="Engine.Policy.NpmPolicyReader"/>; applied by
    /// <see cref="Engine.Policy.NpmFindingFilter"/>.
    /// </summary>
    public sealed class NpmHardeningPolicy
    {
        /// <summary>The file the policy was read from (full path).</summary>
        public string Path { get; set; } = "";
        /// <summary>The baseline to audit against; null when the file does not name one (the cmdlet's -Baseline or its default decides).</summary>
        public NpmBaseline? Baseline { get; set; }
        /// <summary>Registries allowed as <c>registry</c> and for scopes the policy does not name; null when the file does not name them.</summary>
        public string[]? AllowedRegistries { get; set; }
        /// <summary>Per scope (<c>@corp</c>), the only registries its <c>@corp:registry</c> may name.</summary>
        public IReadOnlyDictionary<string, string[]> ScopedRegistries { get; set; } = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Staging.MaximumAge: how long a staged version may wait for review (NPMH11001); null: the rule's default, 7 days.</summary>
        public TimeSpan? StagedMaximumAge { get; set; }
        /// <summary>Staging.ExpectedPublishers: the actors allowed to stage versions (NPMH11002); null: not judged.</summary>
        public string[]? ExpectedPublishers { get; set; }
        /// <summary>The accepted exceptions, in file order.</summary>
        public NpmPolicyExemption[] Exceptions { get; set; } = Array.Empty<NpmPolicyExemption>();

        public override string ToString() => Path;
    }
}
