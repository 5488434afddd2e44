using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace CognitoTools.HelpBuilder
{
    /// <summary>
    /// Writes the MAML that Get-Help reads from &lt;module&gt;/en-US/&lt;assembly&gt;-Help.xml, element for element as
    /// platyPS's New-ExternalHelp renders it (MamlRenderer).
    /// </summary>
    public static class MamlWriter
    {
        public static readonly XNamespace Msh = "http://msh";
        public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        public static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

        public static XDocument CreateDocument(IEnumerable<CommandHelp> commands)
        {
            return new XDocument(
                new XDeclaration("1.0", "utf-8", null),
                new XElement(Msh + "helpItems",
                    new XAttribute("schema", "maml"),
                    commands.Select(CreateCommand)));
        }

        public static void Write(IEnumerable<CommandHelp> commands, string path)
        {
            var settings = new XmlWriterSettings
            {
                Encoding = new UTF8Encoding(false),
                Indent = true,
                IndentChars = "  ",
                NewLineChars = "\r\n",
                NewLineHandling = NewLineHandling.Replace,
            };
            using (var stream = File.Create(path))
            using (var writer = XmlWriter.Create(stream, settings))
            {
                CreateDocument(commands).Save(writer);
            }
        }

        private static XElement CreateCommand(CommandHelp command)
        {
            return new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp),
                new XElement(Command + "details",
                    new XElement(Command + "name", command.Name),
                    new XElement(Command + "verb", command.Verb),
                    new XElement(Command + "noun", command.Noun),
                    new XElement(Maml + "description", Paras(new[] { command.Synopsis }))),
                new XElement(Maml + "description", Paras(command.Description)),
                new XElement(Command + "syntax", command.Syntax.Select(s => CreateSyntaxItem(command, s))),
                new XElement(Command + "parameters", command.Parameters.Select(p => CreateParameter(p, p.Metadata[0], inSyntax: false))),
                new XElement(Command + "inputTypes", command.Inputs.Select(t => CreateType(Command + "inputType", t))),
                new XElement(Command + "returnValues", command.Outputs.Select(t => CreateType(Command + "returnValue", t))),
                new XElement(Maml + "alertSet",
                    new XElement(Maml + "alert", Paras(command.Notes))),
                new XElement(Command + "examples", command.Examples.Select(CreateExample)),
                new XElement(Command + "relatedLinks", command.RelatedLinks.Select(CreateLink)));
        }

        private static IEnumerable<XElement> Paras(IEnumerable<string> paragraphs)
        {
            var list = paragraphs.Where(p => p != null).ToList();
            if (list.Count == 0)
            {
                // platyPS writes one empty para rather than an empty element.
                return new[] { new XElement(Maml + "para", string.Empty) };
            }
            return list.Select(p => new XElement(Maml + "para", p));
        }

        private static XElement CreateSyntaxItem(CommandHelp command, SyntaxBlock syntax)
        {
            return new XElement(Command + "syntaxItem",
                new XElement(Maml + "name", command.Name),
                syntax.ParameterNames.Select(name =>
                {
                    var parameter = command.FindParameter(name);
                    return CreateParameter(parameter, parameter.ForSet(syntax.ParameterSetName), inSyntax: true);
                }));
        }

        private static XElement CreateParameter(ParameterHelp parameter, ParameterMetadata metadata, bool inSyntax)
        {
            string type = metadata.IsSwitch ? "SwitchParameter" : metadata.Type;
            string defaultValue = metadata.IsSwitch && (string.IsNullOrEmpty(metadata.DefaultValue) || metadata.DefaultValue.Equals("None", StringComparison.OrdinalIgnoreCase))
                ? "False"
                : string.IsNullOrEmpty(metadata.DefaultValue) ? "None" : metadata.DefaultValue;

            return new XElement(Command + "parameter",
                new XAttribute("required", metadata.Required ? "true" : "false"),
                new XAttribute("variableLength", "true"),
                new XAttribute("globbing", metadata.AcceptsWildcards ? "true" : "false"),
                new XAttribute("pipelineInput", metadata.PipelineInput),
                new XAttribute("position", metadata.Position.ToLowerInvariant()),
                new XAttribute("aliases", metadata.Aliases.Count > 0 ? string.Join(", ", metadata.Aliases) : "none"),
                new XElement(Maml + "name", parameter.Name),
                new XElement(Maml + "Description", Paras(parameter.Description)),
                inSyntax && metadata.AcceptedValues.Count > 0
                    ? new XElement(Command + "parameterValueGroup",
                        metadata.AcceptedValues.Select(v => new XElement(Command + "parameterValue",
                            new XAttribute("required", "false"), new XAttribute(Command + "variableLength", "false"), v)))
                    : null,
                // Get-Help shows no "<SwitchParameter>" after a switch in the syntax, as platyPS renders it.
                !inSyntax || !metadata.IsSwitch
                    ? new XElement(Command + "parameterValue",
                        new XAttribute("required", metadata.IsSwitch ? "false" : "true"),
                        new XAttribute("variableLength", "false"),
                        type)
                    : null,
                new XElement(Dev + "type",
                    new XElement(Maml + "name", type),
                    new XElement(Maml + "uri")),
                new XElement(Dev + "defaultValue", defaultValue));
        }

        private static XElement CreateType(XName elementName, TypeHelp type)
        {
            return new XElement(elementName,
                new XElement(Dev + "type",
                    new XElement(Maml + "name", type.TypeName)),
                new XElement(Maml + "description", Paras(type.Description)));
        }

        private static XElement CreateExample(ExampleHelp example)
        {
            return new XElement(Command + "example",
                new XElement(Maml + "title", PadExampleTitle(example.Title)),
                new XElement(Dev + "code", string.Join("\n\n", example.Code)),
                // An empty last para, as platyPS writes it: Get-Help prints it as the blank line between this example's
                // description and the next example's title, which otherwise run together.
                new XElement(Dev + "remarks", Paras(example.Remarks.Concat(new[] { string.Empty }))));
        }

        private static XElement CreateLink(LinkHelp link)
        {
            return new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", link.Text),
                new XElement(Maml + "uri", link.Uri ?? string.Empty));
        }

        /// <summary>"---------- Example 1: title ----------", padded to 64 characters as platyPS does.</summary>
        public static string PadExampleTitle(string title)
        {
            if (string.IsNullOrWhiteSpace(title) || title.Length >= 62)
            {
                return title;
            }
            int padLength = (64 - title.Length - 2) / 2;
            var dashes = new string('-', padLength);
            return dashes + " " + title + " " + dashes;
        }
    }
}
