using System.Collections.Generic;

namespace NpmHardening.HelpBuilder
{
    /// <summary>One cmdlet's help, as read from its PlatyPS markdown.</summary>
    internal sealed class CommandHelp
    {
        public string SourcePath { get; set; } = "";
        public string Name { get; set; } = "";
        public Dictionary<string, string> Metadata { get; } = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);
        public string Synopsis { get; set; } = "";
        public List<SyntaxSet> Syntax { get; } = new List<SyntaxSet>();
        public List<string> Description { get; } = new List<string>();
        public List<Example> Examples { get; } = new List<Example>();
        public List<ParameterHelp> Parameters { get; } = new List<ParameterHelp>();
        public List<TypeHelp> Inputs { get; } = new List<TypeHelp>();
        public List<TypeHelp> Outputs { get; } = new List<TypeHelp>();
        public List<string> Notes { get; } = new List<string>();
        public List<Link> RelatedLinks { get; } = new List<Link>();
    }

    internal sealed class SyntaxSet
    {
        public string Name { get; set; } = "";
        public bool IsDefault { get; set; }
        /// <summary>Parameter names in the order the syntax block shows them.</summary>
        public List<string> ParameterOrder { get; } = new List<string>();
    }

    internal sealed class Example
    {
        public string Title { get; set; } = "";
        public string Code { get; set; } = "";
        public List<string> Remarks { get; } = new List<string>();
    }

    internal sealed class ParameterHelp
    {
        public string Name { get; set; } = "";
        public int Line { get; set; }
        public List<string> Description { get; } = new List<string>();
        public string Type { get; set; } = "System.Object";
        public string DefaultValue { get; set; } = "";
        public bool SupportsWildcards { get; set; }
        public List<string> Aliases { get; } = new List<string>();
        public List<string> AcceptedValues { get; } = new List<string>();
        public List<ParameterSetInfo> ParameterSets { get; } = new List<ParameterSetInfo>();
        public string HelpMessage { get; set; } = "";
        public bool DontShow { get; set; }

        public bool IsSwitch =>
            Type == "SwitchParameter" || Type == "System.Management.Automation.SwitchParameter" || Type == "switch";
    }

    internal sealed class ParameterSetInfo
    {
        public const string AllSets = "(All)";
        public string Name { get; set; } = AllSets;
        /// <summary>"Named" or a 0-based position.</summary>
        public string Position { get; set; } = "Named";
        public bool IsRequired { get; set; }
        public bool ValueFromPipeline { get; set; }
        public bool ValueFromPipelineByPropertyName { get; set; }
        public bool ValueFromRemainingArguments { get; set; }

        public bool AppliesTo(string setName) =>
            Name == AllSets || Name == "__AllParameterSets" || string.Equals(Name, setName, System.StringComparison.OrdinalIgnoreCase);
    }

    internal sealed class TypeHelp
    {
        public string TypeName { get; set; } = "";
        public List<string> Description { get; } = new List<string>();
    }

    internal sealed class Link
    {
        public string Text { get; set; } = "";
        public string Uri { get; set; } = "";
    }
}
