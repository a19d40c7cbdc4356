using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Commands
{
    /// <summary>
    /// Refuses, at parameter binding, a -Setting entry that no npm version accepts: a key that is not an npm config key,
    /// or a value invalid for the key's type (strict-ssl = 'maybe'). Binding errors stop the command whatever
    /// -ErrorAction says, so bad input can never turn into "nothing to change".
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateNpmSettingAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var table = (arguments is PSObject ps ? ps.BaseObject : arguments) as IDictionary
                ?? throw new ValidationMetadataException("-Setting takes a hashtable of npm config key = value, for example @{ 'strict-ssl' = $true }.");
            var problems = Pairs(table).Select(p => HardeningSettings.Check(p.Key, p.Value)).Where(p => p != null).ToList();
            if (problems.Count > 0) throw new ValidationMetadataException(string.Join(" ", problems));
        }

        /// <summary>The hashtable's entries as the engine takes them: keys as text, PowerShell wrappers removed (arrays too).</summary>
        internal static List<KeyValuePair<string, object?>> Pairs(IDictionary table)
        {
            var pairs = new List<KeyValuePair<string, object?>>();
            foreach (DictionaryEntry e in table)
            {
                var key = Convert.ToString(e.Key is PSObject k ? k.BaseObject : e.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                var value = e.Value is PSObject ps ? ps.BaseObject : e.Value;
                if (value is object[] array) value = array.Select(v => v is PSObject p ? p.BaseObject : v).ToList();
                pairs.Add(new KeyValuePair<string, object?>(key, value));
            }
            return pairs;
        }
    }
}
