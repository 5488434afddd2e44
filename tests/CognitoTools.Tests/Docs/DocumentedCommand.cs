using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using CognitoTools.HelpBuilder;

namespace CognitoTools.Tests.Docs
{
    /// <summary>
    /// A cmdlet's help reduced to what can be checked against the cmdlet class, read either from the markdown or from
    /// the MAML, so both are held to the same comparison.
    /// </summary>
    internal sealed class DocumentedCommand
    {
        public string Name { get; set; }
        public string Source { get; set; }
        public string Synopsis { get; set; }
        public string Description { get; set; }
        /// <summary>Every documented parameter, with its binding; several entries when binding differs per set.</summary>
        public List<ParameterBinding> Parameters { get; } = new List<ParameterBinding>();
        /// <summary>Parameter names of each syntax block (keyed by set name; null for a single unnamed block).</summary>
        public List<List<string>> SyntaxBlocks { get; } = new List<List<string>>();
        public List<(string Title, string Code, string Remarks)> Examples { get; } = new List<(string, string, string)>();

        public static DocumentedCommand FromMarkdown(CommandHelp help)
        {
            var command = new DocumentedCommand
            {
                Name = help.Name,
                Source = help.SourcePath,
                Synopsis = help.Synopsis,
                Description = string.Join("\n", help.Description),
            };
            foreach (var parameter in help.Parameters)
            {
                foreach (var metadata in parameter.Metadata)
                {
                    foreach (var set in metadata.ParameterSets)
                    {
                        var binding = new ParameterBinding
                        {
                            Name = parameter.Name,
                            TypeName = metadata.IsSwitch ? "SwitchParameter" : metadata.Type,
                            ParameterSetName = set == "(All)" ? ParameterBinding.AllSets : set,
                            Required = metadata.Required,
                            Position = metadata.Position,
                            PipelineInput = metadata.PipelineInput,
                            AcceptsWildcards = metadata.AcceptsWildcards,
                        };
                        foreach (var alias in metadata.Aliases)
                        {
                            binding.Aliases.Add(alias);
                        }
                        command.Parameters.Add(binding);
                    }
                }
            }
            foreach (var syntax in help.Syntax)
            {
                command.SyntaxBlocks.Add(syntax.ParameterNames.ToList());
            }
            foreach (var example in help.Examples)
            {
                command.Examples.Add((example.Title, string.Join("\n", example.Code), string.Join("\n", example.Remarks)));
            }
            return command;
        }

        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        /// <summary>Reads every command:command of a MAML file the way Get-Help does (by element names and attributes).</summary>
        public static List<DocumentedCommand> FromMaml(string path)
        {
            var document = XDocument.Load(path);
            var result = new List<DocumentedCommand>();
            foreach (var element in document.Root.Elements(Command + "command"))
            {
                var command = new DocumentedCommand
                {
                    Name = (string)element.Element(Command + "details")?.Element(Command + "name"),
                    Source = path,
                    Synopsis = Paras(element.Element(Command + "details")?.Element(Maml + "description")),
                    Description = Paras(element.Element(Maml + "description")),
                };
                foreach (var parameter in element.Element(Command + "parameters")?.Elements(Command + "parameter") ?? Enumerable.Empty<XElement>())
                {
                    command.Parameters.Add(ReadParameter(parameter));
                }
                foreach (var item in element.Element(Command + "syntax")?.Elements(Command + "syntaxItem") ?? Enumerable.Empty<XElement>())
                {
                    command.SyntaxBlocks.Add(item.Elements(Command + "parameter").Select(p => (string)p.Element(Maml + "name")).ToList());
                }
                foreach (var example in element.Element(Command + "examples")?.Elements(Command + "example") ?? Enumerable.Empty<XElement>())
                {
                    command.Examples.Add(((string)example.Element(Maml + "title"), (string)example.Element(Dev + "code"), Paras(example.Element(Dev + "remarks"))));
                }
                result.Add(command);
            }
            return result;
        }

        private static ParameterBinding ReadParameter(XElement parameter)
        {
            var aliases = (string)parameter.Attribute("aliases");
            var position = (string)parameter.Attribute("position");
            var binding = new ParameterBinding
            {
                Name = (string)parameter.Element(Maml + "name"),
                TypeName = (string)parameter.Element(Dev + "type")?.Element(Maml + "name"),
                // MAML has no parameter sets on command:parameters; the syntax items carry them.
                ParameterSetName = ParameterBinding.AllSets,
                Required = (string)parameter.Attribute("required") == "true",
                Position = position == "named" ? "Named" : position,
                PipelineInput = (string)parameter.Attribute("pipelineInput"),
                AcceptsWildcards = (string)parameter.Attribute("globbing") == "true",
            };
            if (aliases != null && aliases != "none")
            {
                foreach (var alias in aliases.Split(',').Select(a => a.Trim()))
                {
                    binding.Aliases.Add(alias);
                }
            }
            return binding;
        }

        private static string Paras(XElement element)
        {
            return element == null ? null : string.Join("\n", element.Elements(Maml + "para").Select(p => p.Value));
        }
    }
}
