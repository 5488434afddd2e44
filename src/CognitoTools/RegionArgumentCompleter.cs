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
            var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var results = new List<CompletionResult>();
            foreach (var region in ClientSettingsResolver.KnownRegions)
            {
                if (region.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    results.Add(new CompletionResult(region, region, CompletionResultType.ParameterValue, region));
                }
            }
            return results;
        }
    }
}
