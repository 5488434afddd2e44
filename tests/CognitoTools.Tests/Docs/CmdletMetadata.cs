using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Docs
{
    /// <summary>One parameter's binding in one parameter set, as the docs must state it.</summary>
    internal sealed class ParameterBinding
    {
        public string Name { get; set; }
        /// <summary>Type name as platyPS writes it: String, Int32, SwitchParameter, SecureString...</summary>
        public string TypeName { get; set; }
        /// <summary>"__AllParameterSets" or the set's name.</summary>
        public string ParameterSetName { get; set; }
        public bool Required { get; set; }
        /// <summary>"Named" or the position number.</summary>
        public string Position { get; set; }
        /// <summary>"False", "True (ByValue)", "True (ByPropertyName)" or "True (ByPropertyName, ByValue)".</summary>
        public string PipelineInput { get; set; }
        public SortedSet<string> Aliases { get; } = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        public bool AcceptsWildcards { get; set; }

        public const string AllSets = "__AllParameterSets";

        public static string PipelineText(bool byValue, bool byPropertyName)
        {
            if (byValue && byPropertyName) return "True (ByPropertyName, ByValue)";
            if (byValue) return "True (ByValue)";
            if (byPropertyName) return "True (ByPropertyName)";
            return "False";
        }
    }

    internal sealed class CmdletInfo
    {
        public string Name { get; set; }
        public string ClassName { get; set; }
        public bool SupportsShouldProcess { get; set; }
        public List<ParameterBinding> Bindings { get; } = new List<ParameterBinding>();
        public IEnumerable<string> ParameterNames => Bindings.Select(b => b.Name).Distinct(StringComparer.OrdinalIgnoreCase);
        public IEnumerable<string> ParameterSetNames => Bindings.Select(b => b.ParameterSetName).Where(s => s != ParameterBinding.AllSets).Distinct();
    }

    /// <summary>
    /// Reads the cmdlets of the built module by metadata only (System.Reflection.MetadataLoadContext), so the tests
    /// need no PowerShell: cmdlet names, ShouldProcess support and every parameter's binding attributes.
    /// </summary>
    internal static class CmdletMetadata
    {
        private static readonly Lazy<List<CmdletInfo>> Cache = new Lazy<List<CmdletInfo>>(Load);

        /// <summary>The parameters PowerShell adds to every cmdlet; docs describe them only as ### CommonParameters.</summary>
        public static readonly string[] CommonParameterNames =
        {
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
            "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
        };

        public static IReadOnlyList<CmdletInfo> Cmdlets => Cache.Value;

        public static CmdletInfo Get(string name) => Cmdlets.Single(c => c.Name == name);

        /// <summary>What the docs must list for a cmdlet: its own parameters plus -WhatIf/-Confirm when it supports ShouldProcess.</summary>
        public static List<ParameterBinding> DocumentedBindings(CmdletInfo cmdlet)
        {
            var bindings = cmdlet.Bindings.ToList();
            if (cmdlet.SupportsShouldProcess)
            {
                foreach (var (name, alias) in new[] { ("WhatIf", "wi"), ("Confirm", "cf") })
                {
                    var binding = new ParameterBinding
                    {
                        Name = name, TypeName = "SwitchParameter", ParameterSetName = ParameterBinding.AllSets,
                        Required = false, Position = "Named", PipelineInput = "False",
                    };
                    binding.Aliases.Add(alias);
                    bindings.Add(binding);
                }
            }
            return bindings;
        }

        private static List<CmdletInfo> Load()
        {
            // The built assembly by metadata, through the load context the module surface tests share.
            var module = BuiltModule.Current.ModuleAssembly;
            var result = new List<CmdletInfo>();
            foreach (var type in module.GetTypes().Where(t => t.IsClass && !t.IsAbstract).OrderBy(t => t.FullName, StringComparer.Ordinal))
            {
                var cmdletAttribute = type.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");
                if (cmdletAttribute == null)
                {
                    continue;
                }
                var info = new CmdletInfo
                {
                    Name = cmdletAttribute.ConstructorArguments[0].Value + "-" + cmdletAttribute.ConstructorArguments[1].Value,
                    ClassName = type.FullName,
                    SupportsShouldProcess = NamedBool(cmdletAttribute, "SupportsShouldProcess"),
                };
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    var aliases = property.CustomAttributes
                        .Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
                        .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value).Select(v => (string)v.Value))
                        .ToList();
                    bool wildcards = property.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Management.Automation.SupportsWildcardsAttribute");
                    foreach (var parameter in property.CustomAttributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute"))
                    {
                        var position = NamedValue(parameter, "Position");
                        var binding = new ParameterBinding
                        {
                            Name = property.Name,
                            TypeName = TypeName(property.PropertyType),
                            ParameterSetName = (string)NamedValue(parameter, "ParameterSetName") ?? ParameterBinding.AllSets,
                            Required = NamedBool(parameter, "Mandatory"),
                            Position = position == null || (int)position == int.MinValue ? "Named" : ((int)position).ToString(),
                            PipelineInput = ParameterBinding.PipelineText(NamedBool(parameter, "ValueFromPipeline"), NamedBool(parameter, "ValueFromPipelineByPropertyName")),
                            AcceptsWildcards = wildcards,
                        };
                        foreach (var alias in aliases)
                        {
                            binding.Aliases.Add(alias);
                        }
                        info.Bindings.Add(binding);
                    }
                }
                result.Add(info);
            }
            Assert.NotEmpty(result);
            return result;
        }

        /// <summary>platyPS shows Nullable&lt;T&gt; as T and everything else by its short name.</summary>
        private static string TypeName(Type type)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1")
            {
                return type.GetGenericArguments()[0].Name;
            }
            return type.Name;
        }

        private static object NamedValue(CustomAttributeData attribute, string name)
        {
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.MemberName == name)
                {
                    return argument.TypedValue.Value;
                }
            }
            return null;
        }

        private static bool NamedBool(CustomAttributeData attribute, string name) => NamedValue(attribute, name) is bool value && value;
    }
}
