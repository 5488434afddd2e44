using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using CognitoTools.Tests.Module;

namespace CognitoTools.Tests.Infrastructure
{
    /// <summary>
    /// The module folder the build laid out (out/CognitoTools/&lt;version&gt;/), its manifest, and its assemblies opened
    /// by metadata only (the module assembly needs PowerShell to load for real, and tests must not need PowerShell).
    /// </summary>
    public sealed class BuiltModule
    {
        private static readonly Lazy<BuiltModule> Instance = new Lazy<BuiltModule>(() => new BuiltModule());

        public static BuiltModule Current => Instance.Value;

        private BuiltModule()
        {
            RepoRoot = RepositoryLayout.RepoRoot;
            SourceManifestPath = RepositoryLayout.SourceManifestPath;
            SourceManifest = PowerShellDataFile.Parse(File.ReadAllText(SourceManifestPath));
            Version = (string)SourceManifest["ModuleVersion"];
            ModuleDirectory = RepositoryLayout.ModuleDirectory;
            if (!Directory.Exists(ModuleDirectory))
            {
                throw new InvalidOperationException($"No built module at {ModuleDirectory}; build the solution first.");
            }
            ModuleAssemblyPath = RepositoryLayout.ModuleAssemblyPath;
            CoreAssemblyPath = RepositoryLayout.CoreAssemblyPath;
            var powerShellReference = RepositoryLayout.PowerShellReferenceAssemblyPath;
            if (!File.Exists(powerShellReference))
            {
                throw new FileNotFoundException("PowerShellStandard.Library is not in the NuGet cache; restore the solution first.", powerShellReference);
            }

            // One load context for the whole test run, shared by the module surface and the docs tests.
            var resolverPaths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll").ToList();
            resolverPaths.Add(powerShellReference);
            resolverPaths.Add(ModuleAssemblyPath);
            resolverPaths.Add(CoreAssemblyPath);
            Context = new MetadataLoadContext(new PathAssemblyResolver(resolverPaths), "netstandard");
            ModuleAssembly = Context.LoadFromAssemblyPath(ModuleAssemblyPath);
            CoreAssembly = Context.LoadFromAssemblyPath(CoreAssemblyPath);
        }

        public string RepoRoot { get; }
        public string SourceManifestPath { get; }
        public IDictionary<string, object> SourceManifest { get; }
        public string Version { get; }
        public string ModuleDirectory { get; }
        public string ModuleAssemblyPath { get; }
        public string CoreAssemblyPath { get; }
        public MetadataLoadContext Context { get; }
        public Assembly ModuleAssembly { get; }
        public Assembly CoreAssembly { get; }

        public string BuiltManifestPath => Path.Combine(ModuleDirectory, "CognitoTools.psd1");

        /// <summary>The cmdlet classes: public types carrying System.Management.Automation.CmdletAttribute.</summary>
        public IReadOnlyList<Type> CmdletTypes()
        {
            return ModuleAssembly.GetExportedTypes()
                .Where(type => type.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute"))
                .ToList();
        }

        public static string CmdletName(Type cmdletType)
        {
            var attribute = cmdletType.GetCustomAttributesData().Single(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");
            return (string)attribute.ConstructorArguments[0].Value + "-" + (string)attribute.ConstructorArguments[1].Value;
        }

        public Type CmdletType(string name) => CmdletTypes().Single(type => CmdletName(type) == name);
    }
}
