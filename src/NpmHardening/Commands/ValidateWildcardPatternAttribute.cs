using System;
using System.Collections;
using System.Management.Automation;
using NpmHardening.Engine.Config;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Refuses, at parameter binding, a wildcard PowerShell itself would refuse (<c>NPMH[7</c>, <c>[z-a]</c>). The engine
    /// matches every rule-id, exclusion and name pattern with PowerShell's WildcardPattern semantics
    /// (<see cref="WildcardMatcher.PowerShell"/>), so a pattern means the same in every cmdlet and in a policy file.
    /// Null and empty elements are left to the parameter's own rules (a piped object without a rule id binds null).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateWildcardPatternAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var value = arguments is PSObject ps ? ps.BaseObject : arguments;
            if (value is string one) { Check(one); return; }
            if (value is IEnumerable many)
                foreach (var item in many) Check((item is PSObject p ? p.BaseObject : item) as string);
        }

        private static void Check(string? text)
        {
            if (string.IsNullOrEmpty(text)) return;
            if (!WildcardMatcher.IsValidPowerShell(text!.Trim(), out var problem)) throw new ValidationMetadataException(problem);
        }
    }
}
