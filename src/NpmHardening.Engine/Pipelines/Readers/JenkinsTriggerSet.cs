using System;
using System.Collections.Generic;
using System.Linq;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// Which runs of a Jenkinsfile reach a stage or step, from its <c>when</c> conditions and the <c>if</c> statements
    /// around it: either a list of triggers (<c>tag 'v*'</c> → Tag v*), or "any run of the definition", possibly minus
    /// whole kinds (<c>not { changeRequest() }</c> → anything but pull requests). Conditions the reader cannot read
    /// (<c>expression { params.X }</c>) leave the set at "any", which over-reports reachability rather than hiding it.
    /// </summary>
    internal sealed class JenkinsTriggerSet
    {
        public static readonly JenkinsTriggerSet Any = new JenkinsTriggerSet(null, new HashSet<CiTriggerKind>());

        private JenkinsTriggerSet(IReadOnlyList<CiTrigger>? triggers, HashSet<CiTriggerKind> excluded)
        {
            Triggers = triggers; Excluded = excluded;
        }

        /// <summary>The triggers, or null for "any run of the definition" (less <see cref="Excluded"/>).</summary>
        public IReadOnlyList<CiTrigger>? Triggers { get; }
        public HashSet<CiTriggerKind> Excluded { get; }
        public bool IsAny => Triggers == null && Excluded.Count == 0;

        public static JenkinsTriggerSet Of(params CiTrigger[] triggers) => new JenkinsTriggerSet(triggers, new HashSet<CiTriggerKind>());

        public static JenkinsTriggerSet AnyExcept(IEnumerable<CiTriggerKind> kinds) => new JenkinsTriggerSet(null, new HashSet<CiTriggerKind>(kinds));

        /// <summary>Runs that satisfy both.</summary>
        public JenkinsTriggerSet Intersect(JenkinsTriggerSet other)
        {
            if (Triggers == null && other.Triggers == null) return AnyExcept(Excluded.Concat(other.Excluded));
            if (Triggers == null) return other.Without(Excluded);
            if (other.Triggers == null) return Without(other.Excluded);
            // Both name triggers: keep the kinds both allow, preferring the entry that says more (a branch pattern over "any push").
            var result = new List<CiTrigger>();
            foreach (var mine in Triggers)
            {
                var theirs = other.Triggers.Where(t => t.Kind == mine.Kind).ToList();
                if (theirs.Count == 0) continue;
                if (mine.Detail == null) result.AddRange(theirs.Where(t => !result.Contains(t)));
                else result.Add(mine);
            }
            return new JenkinsTriggerSet(result, new HashSet<CiTriggerKind>());
        }

        /// <summary>Runs that satisfy either.</summary>
        public JenkinsTriggerSet Union(JenkinsTriggerSet other)
        {
            if (Triggers == null && other.Triggers == null) return AnyExcept(Excluded.Where(other.Excluded.Contains));
            if (Triggers == null) return AnyExcept(Excluded.Where(k => !other.Triggers!.Any(t => t.Kind == k)));
            if (other.Triggers == null) return other.Union(this);
            return new JenkinsTriggerSet(Triggers.Concat(other.Triggers).ToList(), new HashSet<CiTriggerKind>());
        }

        /// <summary>Runs that do not satisfy this one. Only a condition on a whole kind (<c>changeRequest()</c>,
        /// <c>buildingTag()</c>) can be negated; "not on branch main" still includes pushes, so it stays "any".</summary>
        public JenkinsTriggerSet Negate()
        {
            if (Triggers == null || Triggers.Count == 0 || Triggers.Any(t => t.Detail != null)) return Any;
            return AnyExcept(Triggers.Select(t => t.Kind));
        }

        private JenkinsTriggerSet Without(HashSet<CiTriggerKind> kinds)
        {
            if (kinds.Count == 0 || Triggers == null) return this;
            return new JenkinsTriggerSet(Triggers.Where(t => !kinds.Contains(t.Kind)).ToList(), new HashSet<CiTriggerKind>());
        }

        /// <summary>The job's trigger list for the model: null for "the definition's", else the list.</summary>
        public IReadOnlyList<CiTrigger>? Resolve(IReadOnlyList<CiTrigger> definitionTriggers)
        {
            if (Triggers != null) return Triggers;
            if (Excluded.Count == 0) return null;
            return definitionTriggers.Where(t => !Excluded.Contains(t.Kind)).ToList();
        }
    }
}
