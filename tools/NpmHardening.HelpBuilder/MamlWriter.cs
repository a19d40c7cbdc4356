using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace NpmHardening.HelpBuilder
{
    /// <summary>
    /// Writes PowerShell's MAML command help (the <c>*.dll-Help.xml</c> that <c>Get-Help</c> reads for binary
    /// cmdlets), in the element order and attribute spelling platyPS produces and PowerShell 5.1/7 render.
    /// </summary>
    internal static class MamlWriter
    {
        private const string MshNs = "http://msh";
        private const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
        private const string CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private const string DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";
        private const string MsHelpNs = "http://msdn.microsoft.com/mshelp";

        public static void Write(IEnumerable<CommandHelp> commands, string path)
        {
            var settings = new XmlWriterSettings
            {
                Indent = true,
                IndentChars = "  ",
                Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
                NewLineChars = "\n",
            };
            using var stream = File.Create(path);
            using var xml = XmlWriter.Create(stream, settings);
            xml.WriteStartDocument();
            xml.WriteStartElement("helpItems", MshNs);
            xml.WriteAttributeString("schema", "maml");
            xml.WriteAttributeString("xmlns", "maml", null, MamlNs);
            xml.WriteAttributeString("xmlns", "command", null, CommandNs);
            xml.WriteAttributeString("xmlns", "dev", null, DevNs);
            xml.WriteAttributeString("xmlns", "MSHelp", null, MsHelpNs);
            foreach (var command in commands) WriteCommand(xml, command);
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        private static void WriteCommand(XmlWriter xml, CommandHelp help)
        {
            xml.WriteStartElement("command", "command", CommandNs);

            xml.WriteStartElement("command", "details", CommandNs);
            xml.WriteElementString("command", "name", CommandNs, help.Name);
            var dash = help.Name.IndexOf('-');
            xml.WriteElementString("command", "verb", CommandNs, dash > 0 ? help.Name.Substring(0, dash) : help.Name);
            xml.WriteElementString("command", "noun", CommandNs, dash > 0 ? help.Name.Substring(dash + 1) : "");
            WriteDescription(xml, new[] { help.Synopsis });
            xml.WriteEndElement();

            WriteDescription(xml, help.Description);

            xml.WriteStartElement("command", "syntax", CommandNs);
            foreach (var set in help.Syntax) WriteSyntaxItem(xml, help, set);
            xml.WriteEndElement();

            xml.WriteStartElement("command", "parameters", CommandNs);
            foreach (var parameter in help.Parameters.Where(p => !p.DontShow)) WriteParameter(xml, parameter, null, includeDescription: true);
            xml.WriteEndElement();

            xml.WriteStartElement("command", "inputTypes", CommandNs);
            foreach (var input in help.Inputs) WriteTypeHelp(xml, "inputType", input);
            xml.WriteEndElement();

            xml.WriteStartElement("command", "returnValues", CommandNs);
            foreach (var output in help.Outputs) WriteTypeHelp(xml, "returnValue", output);
            xml.WriteEndElement();

            xml.WriteStartElement("maml", "alertSet", MamlNs);
            if (help.Notes.Count > 0)
            {
                xml.WriteStartElement("maml", "alert", MamlNs);
                foreach (var note in help.Notes) xml.WriteElementString("maml", "para", MamlNs, note);
                xml.WriteEndElement();
            }
            xml.WriteEndElement();

            xml.WriteStartElement("command", "examples", CommandNs);
            foreach (var example in help.Examples)
            {
                xml.WriteStartElement("command", "example", CommandNs);
                xml.WriteElementString("maml", "title", MamlNs, "--------- " + example.Title + " ---------");
                xml.WriteElementString("dev", "code", DevNs, example.Code);
                xml.WriteStartElement("dev", "remarks", DevNs);
                foreach (var remark in example.Remarks) xml.WriteElementString("maml", "para", MamlNs, remark);
                // An empty last paragraph keeps a blank line between examples in Get-Help's output.
                xml.WriteElementString("maml", "para", MamlNs, "");
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();

            xml.WriteStartElement("command", "relatedLinks", CommandNs);
            foreach (var link in help.RelatedLinks)
            {
                xml.WriteStartElement("maml", "navigationLink", MamlNs);
                xml.WriteElementString("maml", "linkText", MamlNs, link.Text);
                xml.WriteElementString("maml", "uri", MamlNs, link.Uri);
                xml.WriteEndElement();
            }
            xml.WriteEndElement();

            xml.WriteEndElement();
        }

        private static void WriteSyntaxItem(XmlWriter xml, CommandHelp help, SyntaxSet set)
        {
            var singleSet = help.Syntax.Count == 1;
            var members = help.Parameters
                .Where(p => !p.DontShow && (singleSet || p.ParameterSets.Any(s => s.AppliesTo(set.Name))))
                .ToList();
            // The syntax block's order first, then whatever it did not show (positional by position, then named).
            var ordered = set.ParameterOrder
                .Select(n => members.FirstOrDefault(p => string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase)))
                .Where(p => p != null).Select(p => p!)
                .ToList();
            ordered.AddRange(members.Except(ordered)
                .OrderBy(p => int.TryParse(SetFor(p, set.Name).Position, out var n) ? n : int.MaxValue)
                .ThenBy(p => SetFor(p, set.Name).IsRequired ? 0 : 1));

            xml.WriteStartElement("command", "syntaxItem", CommandNs);
            xml.WriteElementString("maml", "name", MamlNs, help.Name);
            foreach (var parameter in ordered) WriteParameter(xml, parameter, set.Name, includeDescription: false);
            xml.WriteEndElement();
        }

        private static ParameterSetInfo SetFor(ParameterHelp parameter, string setName) =>
            parameter.ParameterSets.FirstOrDefault(s => string.Equals(s.Name, setName, StringComparison.OrdinalIgnoreCase))
            ?? parameter.ParameterSets.FirstOrDefault(s => s.AppliesTo(setName))
            ?? parameter.ParameterSets[0];

        /// <summary>
        /// A command:parameter element. In a syntax item (<paramref name="setName"/> given) required/position/
        /// pipeline come from that set; in the parameters list they summarize all sets, as platyPS does.
        /// </summary>
        private static void WriteParameter(XmlWriter xml, ParameterHelp parameter, string? setName, bool includeDescription)
        {
            IReadOnlyList<ParameterSetInfo> sets = setName == null
                ? parameter.ParameterSets
                : new[] { SetFor(parameter, setName) };
            var required = sets.Any(s => s.IsRequired);
            var positions = sets.Select(s => s.Position).Distinct().ToList();
            var position = positions.Count == 1 ? positions[0] : positions.FirstOrDefault(p => p != "Named") ?? "Named";
            var byValue = sets.Any(s => s.ValueFromPipeline);
            var byName = sets.Any(s => s.ValueFromPipelineByPropertyName);
            var pipeline = byValue && byName ? "True (ByPropertyName, ByValue)"
                : byValue ? "True (ByValue)"
                : byName ? "True (ByPropertyName)"
                : "False";

            xml.WriteStartElement("command", "parameter", CommandNs);
            xml.WriteAttributeString("required", required ? "true" : "false");
            xml.WriteAttributeString("variableLength", "true");
            xml.WriteAttributeString("globbing", parameter.SupportsWildcards ? "true" : "false");
            xml.WriteAttributeString("pipelineInput", pipeline);
            xml.WriteAttributeString("position", position == "Named" ? "named" : position);
            xml.WriteAttributeString("aliases", parameter.Aliases.Count > 0 ? string.Join(", ", parameter.Aliases) : "none");
            xml.WriteElementString("maml", "name", MamlNs, parameter.Name);
            if (includeDescription)
            {
                var description = parameter.Description.ToList();
                if (parameter.HelpMessage.Length > 0 && !description.Contains(parameter.HelpMessage)) description.Add(parameter.HelpMessage);
                WriteDescription(xml, description);
            }
            if (parameter.AcceptedValues.Count > 0)
            {
                xml.WriteStartElement("command", "parameterValueGroup", CommandNs);
                foreach (var value in parameter.AcceptedValues)
                {
                    xml.WriteStartElement("command", "parameterValue", CommandNs);
                    xml.WriteAttributeString("required", "false");
                    xml.WriteAttributeString("command", "variableLength", CommandNs, "false");
                    xml.WriteString(value);
                    xml.WriteEndElement();
                }
                xml.WriteEndElement();
            }
            if (!parameter.IsSwitch)
            {
                xml.WriteStartElement("command", "parameterValue", CommandNs);
                xml.WriteAttributeString("required", "true");
                xml.WriteAttributeString("variableLength", "false");
                xml.WriteString(ShortTypeName(parameter.Type));
                xml.WriteEndElement();
            }
            xml.WriteStartElement("dev", "type", DevNs);
            xml.WriteElementString("maml", "name", MamlNs, parameter.Type);
            xml.WriteElementString("maml", "uri", MamlNs, "");
            xml.WriteEndElement();
            xml.WriteElementString("dev", "defaultValue", DevNs,
                parameter.DefaultValue.Length > 0 && parameter.DefaultValue != "''" ? parameter.DefaultValue : (parameter.IsSwitch ? "False" : "None"));
            xml.WriteEndElement();
        }

        /// <summary>"System.String[]" → "String[]", as Get-Help's syntax lines show types.</summary>
        internal static string ShortTypeName(string type)
        {
            var generic = type.IndexOfAny(new[] { '`', '<', '[' });
            var head = generic < 0 ? type : type.Substring(0, generic);
            var tail = generic < 0 ? "" : type.Substring(generic);
            var dot = head.LastIndexOf('.');
            return (dot >= 0 ? head.Substring(dot + 1) : head) + tail;
        }

        private static void WriteTypeHelp(XmlWriter xml, string element, TypeHelp type)
        {
            xml.WriteStartElement("command", element, CommandNs);
            xml.WriteStartElement("dev", "type", DevNs);
            xml.WriteElementString("maml", "name", MamlNs, type.TypeName);
            xml.WriteEndElement();
            WriteDescription(xml, type.Description);
            xml.WriteEndElement();
        }

        private static void WriteDescription(XmlWriter xml, IEnumerable<string> paragraphs)
        {
            xml.WriteStartElement("maml", "description", MamlNs);
            foreach (var paragraph in paragraphs) xml.WriteElementString("maml", "para", MamlNs, paragraph);
            xml.WriteEndElement();
        }
    }
}
