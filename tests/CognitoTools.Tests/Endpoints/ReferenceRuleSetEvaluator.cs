using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CognitoTools.Tests.Endpoints
{
    /// <summary>
    /// A small, generic evaluator of Smithy endpoint rule sets over the copied JSON (rule set and partitions.json),
    /// independent of the hand-translated resolver, so the two can be compared on inputs the 57 vectors don't cover.
    /// Supports what the cognito-idp rule set uses: isSet, not, booleanEquals, stringEquals, getAttr, aws.partition,
    /// tree/endpoint/error rules and "{Name}" / "{Name#attr}" templates.
    /// </summary>
    internal sealed class ReferenceRuleSetEvaluator
    {
        private readonly JsonElement ruleSet;
        private readonly JsonElement partitions;

        public ReferenceRuleSetEvaluator(JsonElement ruleSet, JsonElement partitions)
        {
            this.ruleSet = ruleSet;
            this.partitions = partitions;
        }

        /// <summary>Returns (url, null) for an endpoint or (null, message) for an error.</summary>
        public (string Url, string Error) Evaluate(IDictionary<string, object> parameters)
        {
            var scope = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var declared in ruleSet.GetProperty("parameters").EnumerateObject())
            {
                if (parameters.TryGetValue(declared.Name, out var value) && value != null) scope[declared.Name] = value;
                else if (declared.Value.TryGetProperty("default", out var defaultValue)) scope[declared.Name] = ToValue(defaultValue);
            }
            var result = EvaluateRules(ruleSet.GetProperty("rules"), scope);
            if (result == null) throw new InvalidOperationException("Rule set fell through without a result.");
            return result.Value;
        }

        private (string, string)? EvaluateRules(JsonElement rules, Dictionary<string, object> outerScope)
        {
            foreach (var rule in rules.EnumerateArray())
            {
                var scope = new Dictionary<string, object>(outerScope, StringComparer.Ordinal);
                if (!ConditionsHold(rule.GetProperty("conditions"), scope)) continue;
                switch (rule.GetProperty("type").GetString())
                {
                    case "endpoint":
                        return (ToText(Resolve(rule.GetProperty("endpoint").GetProperty("url"), scope)), null);
                    case "error":
                        return (null, ToText(Resolve(rule.GetProperty("error"), scope)));
                    case "tree":
                        var inner = EvaluateRules(rule.GetProperty("rules"), scope);
                        if (inner != null) return inner;
                        // A tree whose rules all fail to match is an error in the spec; the cognito rule set never does it.
                        throw new InvalidOperationException("Tree rule fell through.");
                    default:
                        throw new NotSupportedException(rule.GetProperty("type").GetString());
                }
            }
            return null;
        }

        private bool ConditionsHold(JsonElement conditions, Dictionary<string, object> scope)
        {
            foreach (var condition in conditions.EnumerateArray())
            {
                var value = Call(condition, scope);
                if (value == null || value is false) return false;
                if (condition.TryGetProperty("assign", out var assign)) scope[assign.GetString()] = value;
            }
            return true;
        }

        private object Resolve(JsonElement expression, Dictionary<string, object> scope)
        {
            switch (expression.ValueKind)
            {
                case JsonValueKind.String:
                    return Template(expression.GetString(), scope);
                case JsonValueKind.True:
                case JsonValueKind.False:
                    return expression.GetBoolean();
                case JsonValueKind.Object when expression.TryGetProperty("ref", out var reference):
                    return scope.TryGetValue(reference.GetString(), out var value) ? value : null;
                case JsonValueKind.Object when expression.TryGetProperty("fn", out _):
                    return Call(expression, scope);
                default:
                    throw new NotSupportedException(expression.GetRawText());
            }
        }

        private object Call(JsonElement call, Dictionary<string, object> scope)
        {
            var arguments = call.GetProperty("argv").EnumerateArray().ToList();
            switch (call.GetProperty("fn").GetString())
            {
                case "isSet":
                    return Resolve(arguments[0], scope) != null;
                case "not":
                    return !(bool)Resolve(arguments[0], scope);
                case "booleanEquals":
                    return Equals(Resolve(arguments[0], scope), Resolve(arguments[1], scope));
                case "stringEquals":
                    return string.Equals((string)Resolve(arguments[0], scope), (string)Resolve(arguments[1], scope), StringComparison.Ordinal);
                case "getAttr":
                    return GetAttr(Resolve(arguments[0], scope), arguments[1].GetString());
                case "aws.partition":
                    return Partition((string)Resolve(arguments[0], scope));
                default:
                    throw new NotSupportedException(call.GetProperty("fn").GetString());
            }
        }

        private Dictionary<string, object> Partition(string region)
        {
            var all = partitions.GetProperty("partitions").EnumerateArray().ToList();
            var chosen = all.FirstOrDefault(p => p.GetProperty("regions").TryGetProperty(region, out _));
            if (chosen.ValueKind == JsonValueKind.Undefined)
            {
                chosen = all.FirstOrDefault(p => Regex.IsMatch(region, p.GetProperty("regionRegex").GetString(), RegexOptions.ECMAScript));
            }
            if (chosen.ValueKind == JsonValueKind.Undefined)
            {
                chosen = all.First(p => p.GetProperty("id").GetString() == "aws");
            }
            return chosen.GetProperty("outputs").EnumerateObject().ToDictionary(o => o.Name, o => ToValue(o.Value));
        }

        private static object GetAttr(object target, string path)
        {
            var record = (Dictionary<string, object>)target;
            return record.TryGetValue(path, out var value) ? value : null;
        }

        private string Template(string template, Dictionary<string, object> scope)
        {
            var builder = new StringBuilder();
            for (var i = 0; i < template.Length; i++)
            {
                if (template[i] != '{')
                {
                    builder.Append(template[i]);
                    continue;
                }
                var end = template.IndexOf('}', i);
                var name = template.Substring(i + 1, end - i - 1);
                var hash = name.IndexOf('#');
                var value = hash < 0
                    ? scope[name]
                    : GetAttr(scope[name.Substring(0, hash)], name.Substring(hash + 1));
                builder.Append(ToText(value));
                i = end;
            }
            return builder.ToString();
        }

        private static string ToText(object value) => value is bool b ? (b ? "true" : "false") : (string)value;

        private static object ToValue(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.String: return element.GetString();
                default: throw new NotSupportedException(element.GetRawText());
            }
        }
    }
}
