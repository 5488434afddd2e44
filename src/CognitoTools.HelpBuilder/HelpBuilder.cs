using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace CognitoTools.HelpBuilder
{
    /// <summary>docs/en-US/*.md -> &lt;module&gt;/en-US/: one MAML file per "external help file" and one .help.txt per about_ topic.</summary>
    public static class HelpBuilder
    {
        public sealed class Result
        {
            public List<CommandHelp> Commands { get; } = new List<CommandHelp>();
            public List<AboutTopic> AboutTopics { get; } = new List<AboutTopic>();
            public List<string> WrittenFiles { get; } = new List<string>();
        }

        /// <summary>Parses every markdown file first, so a malformed file leaves the output folder untouched.</summary>
        public static Result Build(string docsDirectory, string outputDirectory)
        {
            if (!Directory.Exists(docsDirectory))
            {
                throw new HelpFormatException(docsDirectory, 0, "the docs folder does not exist.");
            }
            var files = Directory.GetFiles(docsDirectory, "*.md").OrderBy(f => Path.GetFileName(f), StringComparer.OrdinalIgnoreCase).ToList();
            if (files.Count == 0)
            {
                throw new HelpFormatException(docsDirectory, 0, "the docs folder has no .md files.");
            }

            var result = new Result();
            foreach (var file in files)
            {
                if (MarkdownHelpParser.IsAboutTopic(file))
                {
                    result.AboutTopics.Add(MarkdownHelpParser.ParseAboutFile(file));
                }
                else
                {
                    result.Commands.Add(MarkdownHelpParser.ParseCommandFile(file));
                }
            }
            var duplicate = result.Commands.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (duplicate != null)
            {
                throw new HelpFormatException(docsDirectory, 0, $"{duplicate.Key} is documented in more than one file.");
            }

            Directory.CreateDirectory(outputDirectory);
            foreach (var group in result.Commands.GroupBy(c => c.ExternalHelpFile, StringComparer.OrdinalIgnoreCase))
            {
                var path = Path.Combine(outputDirectory, group.Key);
                MamlWriter.Write(group, path);
                result.WrittenFiles.Add(path);
            }
            foreach (var topic in result.AboutTopics)
            {
                var path = Path.Combine(outputDirectory, topic.Name + ".help.txt");
                // With a BOM: Windows PowerShell 5.1 reads a help .txt without one in the ANSI code page.
                File.WriteAllText(path, AboutTextWriter.Render(topic), new UTF8Encoding(true));
                result.WrittenFiles.Add(path);
            }
            return result;
        }
    }
}
