using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CognitoTools.Tests.Module
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
            RepoRoot = FindRepoRoot();
            SourceManifestPath = Path.Combine(RepoRoot, "CognitoTools.psd1");
            SourceManifest = PowerShellDataFile.Parse(File.ReadAllText(SourceManifestPath));
            Version = (string)SourceManifest["ModuleVersion"];
            ModuleDirectory = Path.Combine(RepoRoot, "out", "CognitoTools", Version);
            if (!Directory.Exists(ModuleDirectory))
            {
                throw new InvalidOperationException($"No built module at {ModuleDirectory}; build the solution first.");
            }
            ModuleAssemblyPath = Path.Combine(ModuleDirectory, "CognitoTools.dll");
            CoreAssemblyPath = Path.Combine(ModuleDirectory, "CognitoTools.Core.dll");

            var resolverPaths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll").ToList();
            resolverPaths.Add(PowerShellReferenceAssemblyPath());
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

        /// <summary>PowerShellStandard.Library's reference assembly from the NuGet cache, to resolve the cmdlet attributes.</summary>
        public static string PowerShellReferenceAssemblyPath()
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages))
            {
                packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            }
            var path = Path.Combine(packages, "powershellstandard.library", "5.1.0-preview-06", "lib", "netstandard2.0", "System.Management.Automation.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException("PowerShellStandard.Library is not in the NuGet cache; restore the solution first.", path);
            }
            return path;
        }

        private static string FindRepoRoot()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "CognitoTools.sln")))
                {
                    return directory.FullName;
                }
            }
            throw new InvalidOperationException("The repository root (CognitoTools.sln) was not found above " + AppContext.BaseDirectory);
        }

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
