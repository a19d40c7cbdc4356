using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// The rule catalog as objects (like Get-ScriptAnalyzerRule): every rule, or those matching -RuleId (wildcards),
    /// -Area, -Baseline and -Severity. Findings pipe in by their RuleId: <c>Get-NpmSecurityPosture | Get-NpmRule</c>
    /// lists each rule they name once.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "NpmRule")]
    [OutputType(typeof(NpmRule))]
    public sealed class GetNpmRuleCommand : PSCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmRuleIdCompleter))]
        [AllowNull]
        [AllowEmptyCollection]
        [ValidateWildcardPattern]
        public string[]? RuleId { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmRuleAreaCompleter))]
        [ValidateNotNullOrEmpty]
        [ValidateWildcardPattern]
        public string[]? Area { get; set; }

        [Parameter]
        public NpmBaseline[]? Baseline { get; set; }

        [Parameter]
        public NpmSeverity[]? Severity { get; set; }

        private readonly HashSet<string> _written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        protected override void ProcessRecord()
        {
            var catalog = RuleCatalog.Default;
            var ids = RuleId?.Where(id => !string.IsNullOrWhiteSpace(id)).ToArray();
            // a piped finding without a rule (a note of Test-NpmrcToken) names nothing: it must not list the whole catalog
            if (MyInvocation.ExpectingInput && (ids == null || ids.Length == 0)) return;
            if (ids != null && ids.Length == 0) ids = null;
            if (ids != null)
            {
                foreach (var pattern in catalog.UnmatchedRuleIds(ids))
                    WriteError(new ErrorRecord(new ItemNotFoundException($"No rule matches '{pattern}'. Rule ids are NPMH followed by four digits; Get-NpmRule without -RuleId lists them all."),
                        "RuleIdNotFound", ErrorCategory.ObjectNotFound, pattern));
            }
            foreach (var rule in catalog.Describe(SystemPlatform.Instance.IsWindows, ids, Area, Baseline, Severity))
                if (_written.Add(rule.RuleId)) WriteObject(rule);
        }
    }

    /// <summary>Tab completion of the catalog's area names for Get-NpmRule -Area.</summary>
    public sealed class NpmRuleAreaCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var pattern = new WildcardPattern((wordToComplete ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var area in RuleCatalog.Default.Areas)
                if (pattern.IsMatch(area.Name))
                    yield return new CompletionResult(area.Name.Contains(" ") ? "'" + area.Name + "'" : area.Name, area.Name, CompletionResultType.ParameterValue, $"NPMH{area.Digit}xxx: {area.Name}");
        }
    }
}
