using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace CognitoTools.TestEndpoint
{
    /// <summary>
    /// How to run this endpoint as its own process: <c>dotnet CognitoTools.TestEndpoint.dll arguments...</c> with all
    /// three standard streams redirected (closing stdin stops it under --exit-when-stdin-closes).
    /// </summary>
    public static class EndpointProcessStart
    {
        /// <summary>The endpoint's dll; a project that references the endpoint has it (and its runtimeconfig) in its own output folder.</summary>
        public static string AssemblyPath => typeof(EndpointProcessStart).Assembly.Location;

        /// <summary>The dotnet host running this process when there is one, else dotnet from PATH.</summary>
        public static string DotnetHost
        {
            get
            {
                var current = Environment.ProcessPath;
                return current != null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
            }
        }

        public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
        {
            var info = new ProcessStartInfo(DotnetHost)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(AssemblyPath);
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            return info;
        }
    }
}
