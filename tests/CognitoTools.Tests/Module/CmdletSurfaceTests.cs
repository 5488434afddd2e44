using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Reflection;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Module
{
    /// <summary>The cmdlet surface agreed in the spec (cmdlets.md), read from the built assembly's metadata.</summary>
    public class CmdletSurfaceTests
    {
        private const string Sma = "System.Management.Automation.";
        private const string ParameterAttribute = Sma + "ParameterAttribute";

        /// <summary>One parameter as the spec states it.</summary>
        public sealed class ParameterSpec
        {
            public string Name;
            public string Type;
            public int? Position;
            public bool Mandatory;
            public bool FromPipeline;
            public bool FromPipelineByPropertyName;
            public string[] Aliases = new string[0];
            public object[] Range;
            public string Completer;
            public bool Wildcards;
        }

        private static ParameterSpec P(string name, string type, int? position = null, bool mandatory = false, bool pipeline = false,
            bool byName = false, string[] aliases = null, object[] range = null, string completer = null, bool wildcards = false)
            => new ParameterSpec
            {
                Name = name, Type = type, Position = position, Mandatory = mandatory, FromPipeline = pipeline,
                FromPipelineByPropertyName = byName, Aliases = aliases ?? new string[0], Range = range, Completer = completer,
                Wildcards = wildcards,
            };

        private const string String = "System.String";
        private const string Switch = Sma + "SwitchParameter";
        private const string Int = "System.Int32";

        public static readonly Dictionary<string, ParameterSpec[]> Parameters = new Dictionary<string, ParameterSpec[]>
        {
            ["Send-CGIPConfirmationCode"] = new[]
            {
                // cognito:username: the column of Cognito's user-import CSV, so those files bind by property name.
                P("Username", "System.String[]", position: 0, mandatory: true, pipeline: true, byName: true, aliases: new[] { "cognito:username" }),
                P("ClientId", String, mandatory: true, byName: true),
                P("SecretHash", String, byName: true),
                P("ClientSecret", "System.Security.SecureString"),
                P("AnalyticsMetadata_AnalyticsEndpointId", String, byName: true),
                P("UserContextData_EncodedData", String, byName: true),
                P("UserContextData_IpAddress", String, byName: true),
                // Beyond the spec table: nested forms, so AWS's JSON request shape binds by property name.
                P("AnalyticsMetadata", "System.Object", byName: true),
                P("UserContextData", "System.Object", byName: true),
                P("ClientMetadata", "System.Collections.Hashtable", byName: true),
                P("Select", String),
                P("Force", Switch),
                P("Region", String, aliases: new[] { "RegionToCall" }, completer: "CognitoTools.RegionArgumentCompleter"),
                P("EndpointUrl", String),
                P("ProfileName", String, aliases: new[] { "AWSProfileName", "StoredCredentials" }),
                P("ProfileLocation", String, aliases: new[] { "AWSProfilesLocation", "ProfilesLocation" }),
                P("UseFipsEndpoint", Switch),
                P("UseDualstackEndpoint", Switch),
                P("MaxAttempts", Int, range: new object[] { 1, 10 }),
                P("ConnectTimeoutSec", Int, range: new object[] { 1, 600 }),
                P("ReadTimeoutSec", Int, range: new object[] { 1, 600 }),
                P("ThrottleLimit", Int, range: new object[] { 1, 64 }),
                P("Unordered", Switch),
                P("MaxRequestsPerSecond", "System.Double", range: new object[] { 0d, 1000d }),
                P("CaseInsensitiveUsernames", Switch),
                P("OriginalEndpoint", String, byName: true),
                P("AllowEndpointChange", Switch),
                P("JournalPath", String),
                P("RetryPermanentFailures", Switch),
                P("SkipInDoubt", Switch),
                P("MaxStallSec", Int, range: new object[] { 0, 86400 }),
            },
            ["Get-CGIPSecretHash"] = new[]
            {
                P("Username", String, position: 0, mandatory: true, pipeline: true, byName: true),
                P("ClientId", String, mandatory: true, byName: true),
                P("ClientSecret", "System.Security.SecureString", mandatory: true),
            },
            ["Get-CGIPHistory"] = new[]
            {
                P("Failed", Switch),
                P("Succeeded", Switch),
                P("NotSent", Switch),
                P("Username", String, position: 0, wildcards: true),
                P("ClientId", String),
                P("Newest", Int, range: new object[] { 1, int.MaxValue }),
            },
            ["Get-CGIPUserList"] = new[]
            {
                P("UserPoolId", String, position: 0, mandatory: true, pipeline: true, byName: true),
                P("Filter", String, byName: true),
                P("AttributesToGet", "System.String[]", byName: true),
                P("Limit", Int, byName: true, aliases: new[] { "MaxItems" }),
                P("PaginationToken", String, byName: true, aliases: new[] { "NextToken" }),
                P("NoAutoIteration", Switch),
                P("Select", String),
                P("UserStatus", "System.String[]"),
                P("CreatedAfter", "System.DateTime"),
                P("CreatedBefore", "System.DateTime"),
                P("Region", String, aliases: new[] { "RegionToCall" }, completer: "CognitoTools.RegionArgumentCompleter"),
                P("EndpointUrl", String),
                P("ProfileName", String, aliases: new[] { "AWSProfileName", "StoredCredentials" }),
                P("ProfileLocation", String, aliases: new[] { "AWSProfilesLocation", "ProfilesLocation" }),
                P("AccessKey", String, aliases: new[] { "AK" }),
                P("SecretKey", String, aliases: new[] { "SK", "SecretAccessKey" }),
                P("SessionToken", String, aliases: new[] { "ST" }),
                P("Credential", "System.Object"),
                P("UseFipsEndpoint", Switch),
                P("UseDualstackEndpoint", Switch),
                P("MaxAttempts", Int, range: new object[] { 1, 10 }),
                P("ConnectTimeoutSec", Int, range: new object[] { 1, 600 }),
                P("ReadTimeoutSec", Int, range: new object[] { 1, 600 }),
                P("MaxRequestsPerSecond", "System.Double", range: new object[] { 0d, 1000d }),
            },
            ["Clear-CGIPHistory"] = new ParameterSpec[0],
            ["Set-CGIPHistoryConfiguration"] = new[]
            {
                P("MaximumCount", Int, range: new object[] { 0, 1000000 }),
                P("MaximumFailedCount", Int, range: new object[] { 0, 1000000 }),
                P("RecordRequests", Switch),
                P("IncludeSecrets", Switch),
                P("PassThru", Switch),
            },
        };

        public static IEnumerable<object[]> CmdletNames() => Parameters.Keys.Select(name => new object[] { name });

        public static IEnumerable<object[]> AllParameters()
            => Parameters.SelectMany(pair => pair.Value.Select(spec => new object[] { pair.Key, spec.Name }));

        private static BuiltModule Module => BuiltModule.Current;

        [Fact]
        public void The_assembly_defines_exactly_the_specified_cmdlets()
        {
            var found = Module.CmdletTypes().Select(BuiltModule.CmdletName).OrderBy(n => n).ToArray();
            Assert.Equal(Parameters.Keys.OrderBy(n => n).ToArray(), found);
        }

        [Fact]
        public void Cmdlet_classes_live_in_the_commands_namespace_and_every_public_type_is_ours()
        {
            foreach (var type in Module.CmdletTypes())
            {
                Assert.Equal("CognitoTools.Commands", type.Namespace);
            }
            // Side by side with AWS.Tools: no public type outside our own namespaces.
            foreach (var type in Module.ModuleAssembly.GetExportedTypes().Concat(Module.CoreAssembly.GetExportedTypes()))
            {
                Assert.StartsWith("CognitoTools", type.Namespace);
            }
        }

        [Fact]
        public void Send_CGIPConfirmationCode_declares_ShouldProcess_with_medium_impact_and_its_output_types()
        {
            var type = Module.CmdletType("Send-CGIPConfirmationCode");
            var cmdlet = Attribute(type, Sma + "CmdletAttribute");
            Assert.Equal("Send", cmdlet.ConstructorArguments[0].Value);
            Assert.Equal("CGIPConfirmationCode", cmdlet.ConstructorArguments[1].Value);
            Assert.True((bool)Named(cmdlet, "SupportsShouldProcess"));
            Assert.Equal(2, Convert.ToInt32(Named(cmdlet, "ConfirmImpact"))); // ConfirmImpact.Medium
            Assert.Equal(
                new[] { "CognitoTools.Model.CodeDeliveryDetailsType", "CognitoTools.Model.ResendConfirmationCodeResponse", "System.String" },
                OutputTypes(type));
            Assert.Contains(type.GetInterfaces(), i => i.FullName == "System.IDisposable");
        }

        [Fact]
        public void The_other_cmdlets_declare_what_the_spec_says()
        {
            var secretHash = Attribute(Module.CmdletType("Get-CGIPSecretHash"), Sma + "CmdletAttribute");
            Assert.Null(Named(secretHash, "SupportsShouldProcess"));
            Assert.Equal(new[] { "System.String" }, OutputTypes(Module.CmdletType("Get-CGIPSecretHash")));

            var history = Attribute(Module.CmdletType("Get-CGIPHistory"), Sma + "CmdletAttribute");
            Assert.Equal("All", Named(history, "DefaultParameterSetName"));
            Assert.Equal(new[] { "CognitoTools.History.HistoryEntry" }, OutputTypes(Module.CmdletType("Get-CGIPHistory")));

            var clear = Attribute(Module.CmdletType("Clear-CGIPHistory"), Sma + "CmdletAttribute");
            Assert.True((bool)Named(clear, "SupportsShouldProcess"));
            Assert.Equal(1, Convert.ToInt32(Named(clear, "ConfirmImpact"))); // ConfirmImpact.Low

            var configuration = Module.CmdletType("Set-CGIPHistoryConfiguration");
            Assert.Null(Named(Attribute(configuration, Sma + "CmdletAttribute"), "SupportsShouldProcess"));
            Assert.Equal(new[] { "CognitoTools.History.HistoryConfiguration" }, OutputTypes(configuration));
        }

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void Each_cmdlet_has_exactly_the_specified_parameters(string cmdletName)
        {
            var declared = ParameterProperties(Module.CmdletType(cmdletName)).Select(p => p.Name).OrderBy(n => n).ToArray();
            Assert.Equal(Parameters[cmdletName].Select(p => p.Name).OrderBy(n => n).ToArray(), declared);
        }

        [Theory]
        [MemberData(nameof(AllParameters))]
        public void Each_parameter_has_the_specified_type_and_binding(string cmdletName, string parameterName)
        {
            var spec = Parameters[cmdletName].Single(p => p.Name == parameterName);
            var property = ParameterProperties(Module.CmdletType(cmdletName)).Single(p => p.Name == parameterName);
            Assert.Equal(spec.Type, property.PropertyType.FullName);
            Assert.True(property.CanWrite && property.SetMethod.IsPublic, "parameters need a public setter");

            var parameter = property.GetCustomAttributesData().Where(a => a.AttributeType.FullName == ParameterAttribute).ToList();
            Assert.Single(parameter); // one parameter set: no per-set attributes
            var attribute = parameter[0];
            Assert.Null(Named(attribute, "ParameterSetName"));
            Assert.Equal(spec.Position, (int?)Named(attribute, "Position"));
            Assert.Equal(spec.Mandatory, (bool?)Named(attribute, "Mandatory") ?? false);
            Assert.Equal(spec.FromPipeline, (bool?)Named(attribute, "ValueFromPipeline") ?? false);
            Assert.Equal(spec.FromPipelineByPropertyName, (bool?)Named(attribute, "ValueFromPipelineByPropertyName") ?? false);

            var alias = property.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == Sma + "AliasAttribute");
            var aliases = alias == null
                ? new string[0]
                : ((ReadOnlyCollection<CustomAttributeTypedArgument>)alias.ConstructorArguments[0].Value).Select(a => (string)a.Value).ToArray();
            Assert.Equal(spec.Aliases, aliases);

            var range = property.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == Sma + "ValidateRangeAttribute");
            if (spec.Range == null)
            {
                Assert.Null(range);
            }
            else
            {
                Assert.NotNull(range);
                var bounds = range.ConstructorArguments.Select(a => Unbox(a)).ToArray();
                Assert.Equal(spec.Range, bounds);
                // The bounds must have the parameter's own type, or PowerShell refuses them at bind time.
                Assert.All(bounds, bound => Assert.Equal(spec.Type, bound.GetType().FullName));
            }

            var completer = property.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == Sma + "ArgumentCompleterAttribute");
            Assert.Equal(spec.Completer, completer == null ? null : ((Type)completer.ConstructorArguments[0].Value).FullName);

            // Get-Help shows "Accept wildcard characters" from this attribute; only Get-CGIPHistory -Username takes a pattern.
            Assert.Equal(spec.Wildcards, property.GetCustomAttributesData().Any(a => a.AttributeType.FullName == Sma + "SupportsWildcardsAttribute"));
        }

        [Fact]
        public void The_region_completer_implements_IArgumentCompleter()
        {
            var completer = Module.ModuleAssembly.GetType("CognitoTools.RegionArgumentCompleter", throwOnError: true);
            Assert.Contains(completer.GetInterfaces(), i => i.FullName == Sma + "IArgumentCompleter");
            Assert.NotNull(completer.GetConstructor(Type.EmptyTypes));
        }

        [Fact]
        public void The_module_initializer_sets_the_history_variable_on_import()
        {
            var initializers = Module.ModuleAssembly.GetExportedTypes()
                .Where(t => t.GetInterfaces().Any(i => i.FullName == Sma + "IModuleAssemblyInitializer"))
                .ToList();
            Assert.Single(initializers);
        }

        [Fact]
        public void ClientMetadata_takes_JSON_objects_through_a_transformation()
        {
            var property = ParameterProperties(Module.CmdletType("Send-CGIPConfirmationCode")).Single(p => p.Name == "ClientMetadata");
            var transformation = property.GetCustomAttributesData().Single(a => IsSubclassOf(a.AttributeType, Sma + "ArgumentTransformationAttribute"));
            Assert.Equal("CognitoTools.HashtableTransformationAttribute", transformation.AttributeType.FullName);
        }

        /// <summary>Get-CGIPHistory -Failed | Send-CGIPConfirmationCode binds entries by property name.</summary>
        [Fact]
        public void History_entries_have_a_property_for_every_pipeline_bound_request_parameter()
        {
            var entry = Module.CoreAssembly.GetType("CognitoTools.History.HistoryEntry", throwOnError: true);
            var sendByName = Parameters["Send-CGIPConfirmationCode"]
                .Where(p => p.FromPipelineByPropertyName && p.Type != "System.Object")
                .ToList();
            foreach (var parameter in sendByName)
            {
                var property = entry.GetProperty(parameter.Name);
                Assert.True(property != null, $"HistoryEntry has no {parameter.Name} property");
                // A scalar property binds to an array parameter of its type (PowerShell wraps it), e.g. Username -> String[].
                var bindable = parameter.Type == property.PropertyType.FullName || parameter.Type == property.PropertyType.FullName + "[]";
                Assert.True(bindable, $"HistoryEntry.{parameter.Name} is {property.PropertyType.FullName}, which does not bind to {parameter.Type}");
            }
        }

        [Fact]
        public void Cmdlets_are_sealed_public_PSCmdlet_classes_with_a_public_default_constructor()
        {
            foreach (var type in Module.CmdletTypes())
            {
                Assert.True(type.IsPublic && type.IsSealed, type.FullName);
                Assert.Equal(Sma + "PSCmdlet", type.BaseType.FullName);
                Assert.NotNull(type.GetConstructor(Type.EmptyTypes));
            }
        }

        internal static IEnumerable<PropertyInfo> ParameterProperties(Type type)
            => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == ParameterAttribute));

        private static CustomAttributeData Attribute(MemberInfo member, string fullName)
            => member.GetCustomAttributesData().Single(a => a.AttributeType.FullName == fullName);

        private static object Named(CustomAttributeData attribute, string name)
        {
            var argument = attribute.NamedArguments.Where(a => a.MemberName == name).ToList();
            return argument.Count == 0 ? null : Unbox(argument[0].TypedValue);
        }

        private static object Unbox(CustomAttributeTypedArgument argument)
            => argument.Value is CustomAttributeTypedArgument inner ? inner.Value : argument.Value;

        private static string[] OutputTypes(Type type)
        {
            return type.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute")
                .SelectMany(a => (ReadOnlyCollection<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value)
                .Select(a => ((Type)a.Value).FullName)
                .ToArray();
        }

        private static bool IsSubclassOf(Type type, string baseFullName)
        {
            for (var current = type.BaseType; current != null; current = current.BaseType)
            {
                if (current.FullName == baseFullName)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
