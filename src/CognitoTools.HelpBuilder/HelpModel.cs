using System.Collections.Generic;
using System.Linq;

namespace CognitoTools.HelpBuilder
{
    /// <summary>One cmdlet's help as the platyPS markdown describes it.</summary>
    public sealed class CommandHelp
    {
        public string Name { get; set; }
        public string SourcePath { get; set; }
        /// <summary>Front matter "external help file", e.g. CognitoTools.dll-Help.xml.</summary>
        public string ExternalHelpFile { get; set; }
        public string ModuleName { get; set; }
        public string OnlineVersion { get; set; }
        public string Synopsis { get; set; }
        public List<string> Description { get; } = new List<string>();
        public List<SyntaxBlock> Syntax { get; } = new List<SyntaxBlock>();
        public List<ExampleHelp> Examples { get; } = new List<ExampleHelp>();
        public List<ParameterHelp> Parameters { get; } = new List<ParameterHelp>();
        /// <summary>True when the PARAMETERS section has the "### CommonParameters" entry.</summary>
        public bool SupportsCommonParameters { get; set; }
        public List<TypeHelp> Inputs { get; } = new List<TypeHelp>();
        public List<TypeHelp> Outputs { get; } = new List<TypeHelp>();
        public List<string> Notes { get; } = new List<string>();
        public List<LinkHelp> RelatedLinks { get; } = new List<LinkHelp>();

        public string Verb => Name.Substring(0, Name.IndexOf('-'));
        public string Noun => Name.Substring(Name.IndexOf('-') + 1);

        public ParameterHelp FindParameter(string name)
        {
            return Parameters.Find(p => string.Equals(p.Name, name, System.StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>One parameter set's syntax line(s) from the SYNTAX section.</summary>
    public sealed class SyntaxBlock
    {
        /// <summary>The "### Name" above the block, or null when the cmdlet has one unnamed set.</summary>
        public string ParameterSetName { get; set; }
        public bool IsDefault { get; set; }
        public string Text { get; set; }
        /// <summary>Parameter names in the order the syntax shows them, without the dash.</summary>
        public List<string> ParameterNames { get; } = new List<string>();
    }

    public sealed class ExampleHelp
    {
        public string Title { get; set; }
        public List<string> Code { get; } = new List<string>();
        public List<string> Remarks { get; } = new List<string>();
    }

    public sealed class ParameterHelp
    {
        public string Name { get; set; }
        public List<string> Description { get; } = new List<string>();
        /// <summary>One entry per yaml block; platyPS writes several when binding differs by parameter set.</summary>
        public List<ParameterMetadata> Metadata { get; } = new List<ParameterMetadata>();

        /// <summary>The metadata that applies to a parameter set (a "(All)" block applies to every set).</summary>
        public ParameterMetadata ForSet(string parameterSetName)
            => Metadata.Find(m => m.AppliesToAllSets || parameterSetName == null
                || m.ParameterSets.Exists(s => string.Equals(s, parameterSetName, System.StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The yaml block under a parameter.</summary>
    public sealed class ParameterMetadata
    {
        public string Type { get; set; }
        public List<string> ParameterSets { get; } = new List<string>();
        public bool AppliesToAllSets => ParameterSets.Count == 1 && ParameterSets[0] == "(All)";
        public List<string> Aliases { get; } = new List<string>();
        public List<string> AcceptedValues { get; } = new List<string>();
        public bool Required { get; set; }
        /// <summary>"Named" or a number.</summary>
        public string Position { get; set; }
        public string DefaultValue { get; set; }
        /// <summary>As written: "False", "True (ByValue)", "True (ByPropertyName)" or "True (ByPropertyName, ByValue)".</summary>
        public string PipelineInput { get; set; }
        public bool AcceptsWildcards { get; set; }

        public bool IsSwitch => Type == "SwitchParameter" || Type == "System.Management.Automation.SwitchParameter" || string.Equals(Type, "switch", System.StringComparison.OrdinalIgnoreCase);
        public bool ByValue => PipelineInput != null && PipelineInput.Contains("ByValue");
        public bool ByPropertyName => PipelineInput != null && PipelineInput.Contains("ByPropertyName");
    }

    public sealed class TypeHelp
    {
        public string TypeName { get; set; }
        public List<string> Description { get; } = new List<string>();
    }

    public sealed class LinkHelp
    {
        public string Text { get; set; }
        /// <summary>Absolute URI, or null for links to other markdown files (Get-Help shows only the text).</summary>
        public string Uri { get; set; }
    }

    /// <summary>An about_ topic: Markdig's blocks (front matter left out), rendered to plain text as platyPS does.</summary>
    public sealed class AboutTopic
    {
        public string Name { get; set; }
        public string SourcePath { get; set; }
        public List<Markdig.Syntax.Block> Content { get; } = new List<Markdig.Syntax.Block>();

        /// <summary>Each block's kind and text as the help shows it (a heading's text, the code, a paragraph's paras).</summary>
        public IEnumerable<(MarkdownBlockKind Kind, string Text)> Blocks => Content.Select(b => (MarkdownReader.Kind(b), MarkdownReader.Text(b)));
    }
}
