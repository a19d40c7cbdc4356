using System;
using System.Management.Automation;
using NpmHardening.Engine.Config;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Refuses, at parameter binding, a wildcard PowerShell itself would refuse (<c>NPMH[7</c>, <c>[z-a]</c>). The engine
    /// matches every rule-id, exclusion and name pattern with PowerShell's WildcardPattern semantics
    /// (<see cref="WildcardMatcher.PowerShell"/>), so a pattern means the same in every cmdlet and in a policy file.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateWildcardPatternAttribute : ValidateEnumeratedArgumentsAttribute
    {
        protected override void ValidateElement(object element)
        {
            var text = (element is PSObject ps ? ps.BaseObject : element) as string;
            if (text == null) return;
            if (!WildcardMatcher.IsValidPowerShell(text.Trim(), out var problem)) throw new ValidationMetadataException(problem);
        }
    }
}
