using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using CognitoTools.Endpoints;

namespace CognitoTools
{
    /// <summary>Tab completion for -Region: the known region names starting with what was typed.</summary>
    public sealed class RegionArgumentCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = wordToComplete ?? string.Empty;
            var prefix = word.Trim('\'', '"');
            // Keep the quote the user opened (-Region 'us-e<Tab>), closed; region names need no quoting otherwise.
            var quote = word.Length > 0 && (word[0] == '\'' || word[0] == '"') ? word.Substring(0, 1) : string.Empty;
            var results = new List<CompletionResult>();
            foreach (var region in ClientSettingsResolver.KnownRegions)
            {
                if (region.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    results.Add(new CompletionResult(quote + region + quote, region, CompletionResultType.ParameterValue, region));
                }
            }
            return results;
        }
    }
}
