using System;
using System.Collections.Generic;
using System.Linq;

namespace CognitoTools.Tests.Docs
{
    /// <summary>Compares a cmdlet's declared parameters with what its help documents; returns every difference found.</summary>
    internal static class SurfaceComparison
    {
        /// <param name="bySet">True for markdown (its yaml names parameter sets); MAML has one entry per parameter.</param>
        public static List<string> Compare(CmdletInfo cmdlet, DocumentedCommand documented, bool bySet)
        {
            var problems = new List<string>();
            string where = $"{cmdlet.Name} ({documented.Source})";
            var expected = CmdletMetadata.DocumentedBindings(cmdlet);
            var expectedNames = new SortedSet<string>(expected.Select(b => b.Name), StringComparer.OrdinalIgnoreCase);
            var documentedNames = new SortedSet<string>(documented.Parameters.Select(b => b.Name), StringComparer.OrdinalIgnoreCase);

            foreach (var missing in expectedNames.Except(documentedNames, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{where}: parameter -{missing} is declared on {cmdlet.ClassName} but not documented.");
            }
            foreach (var extra in documentedNames.Except(expectedNames, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add(CmdletMetadata.CommonParameterNames.Contains(extra, StringComparer.OrdinalIgnoreCase)
                    ? $"{where}: common parameter -{extra} is documented as a parameter; it belongs under CommonParameters only."
                    : $"{where}: parameter -{extra} is documented but {cmdlet.ClassName} does not declare it.");
            }

            foreach (var binding in expected)
            {
                var candidates = documented.Parameters.Where(d => string.Equals(d.Name, binding.Name, StringComparison.OrdinalIgnoreCase)).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }
                var match = bySet
                    ? candidates.FirstOrDefault(d => d.ParameterSetName == binding.ParameterSetName)
                    : candidates[0];
                if (match == null)
                {
                    problems.Add($"{where}: -{binding.Name} binds in parameter set '{binding.ParameterSetName}' but the docs list sets {string.Join(", ", candidates.Select(c => c.ParameterSetName))}.");
                    continue;
                }
                Check(problems, where, binding.Name, "Type", binding.TypeName, match.TypeName);
                Check(problems, where, binding.Name, "Required", binding.Required.ToString(), match.Required.ToString());
                Check(problems, where, binding.Name, "Position", binding.Position, match.Position);
                Check(problems, where, binding.Name, "Accept pipeline input", binding.PipelineInput, match.PipelineInput);
                Check(problems, where, binding.Name, "Aliases", string.Join(", ", binding.Aliases), string.Join(", ", match.Aliases));
                Check(problems, where, binding.Name, "Accept wildcard characters", binding.AcceptsWildcards.ToString(), match.AcceptsWildcards.ToString());
            }

            // Syntax: one block per parameter set (one block when the cmdlet has no named sets), each listing that set's parameters.
            var setNames = cmdlet.ParameterSetNames.ToList();
            int expectedBlocks = Math.Max(1, setNames.Count);
            if (documented.SyntaxBlocks.Count != expectedBlocks)
            {
                problems.Add($"{where}: {documented.SyntaxBlocks.Count} syntax block(s), expected {expectedBlocks}.");
            }
            else if (setNames.Count == 0)
            {
                var shown = new SortedSet<string>(documented.SyntaxBlocks[0], StringComparer.OrdinalIgnoreCase);
                if (!shown.SetEquals(expectedNames))
                {
                    problems.Add($"{where}: the syntax shows [{string.Join(", ", shown)}], expected [{string.Join(", ", expectedNames)}].");
                }
            }
            else
            {
                foreach (var set in setNames)
                {
                    var inSet = new SortedSet<string>(expected.Where(b => b.ParameterSetName == set || b.ParameterSetName == ParameterBinding.AllSets).Select(b => b.Name), StringComparer.OrdinalIgnoreCase);
                    if (!documented.SyntaxBlocks.Any(block => new SortedSet<string>(block, StringComparer.OrdinalIgnoreCase).SetEquals(inSet)))
                    {
                        problems.Add($"{where}: no syntax block shows exactly the parameters of set '{set}': [{string.Join(", ", inSet)}].");
                    }
                }
            }
            return problems;
        }

        private static void Check(List<string> problems, string where, string parameter, string what, string expected, string actual)
        {
            if (!string.Equals(expected, actual, StringComparison.Ordinal))
            {
                problems.Add($"{where}: -{parameter} {what} is documented as '{actual}' but the cmdlet says '{expected}'.");
            }
        }
    }
}
