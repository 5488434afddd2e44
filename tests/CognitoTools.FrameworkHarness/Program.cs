using System;
using System.Globalization;
using System.IO;
using System.Threading;

namespace CognitoTools.FrameworkHarness
{
    /// <summary>
    /// Loads CognitoTools.Core (netstandard2.0) in a .NET Framework 4.7.2 process under Mono and sends to the test
    /// endpoint: once through the default handler and once through the .NET Framework handler path.
    /// Usage: mono CognitoTools.FrameworkHarness.exe --endpoint-dll PATH [--dotnet PATH] [--users N] [--latency-ms MS] [--timeout-seconds S]
    /// Prints one PASS/FAIL line per check and closes with `mono: N passed, N failed`; exit code 0 only when all passed.
    /// </summary>
    public static class Program
    {
        private const string Usage = "Usage: mono CognitoTools.FrameworkHarness.exe --endpoint-dll PATH [--dotnet PATH] [--users N] [--latency-ms MS] [--timeout-seconds S]";

        public static int Main(string[] args)
        {
            var report = new Report();
            HarnessOptions options;
            try { options = HarnessOptions.Parse(args); }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine(ex.Message);
                Console.Error.WriteLine(Usage);
                report.Fail("arguments", ex.Message);
                return report.Close();
            }

            // Whatever hangs, the run ends: report it, print the closing line, exit. The endpoints run with
            // --exit-when-stdin-closes, so they go when this process does.
            using (new Timer(_ =>
            {
                report.Fail("harness", "the whole run took longer than " + options.Timeout.TotalSeconds + " s; stopped");
                Environment.Exit(report.Close());
            }, null, options.Timeout, Timeout.InfiniteTimeSpan))
            {
                try
                {
                    // This method names no CognitoTools.Core type: Mono resolves a method's references when it compiles
                    // it, so a Core that cannot load (no netstandard facade) fails the call below, where it is reported.
                    Harness.Run(options, report);
                }
                catch (Exception ex) when (IsMissingNetstandard(ex))
                {
                    report.Fail("load CognitoTools.Core", "Mono cannot load the netstandard 2.0 facade (" + ex.Message +
                        "). It ships in Debian's mono-devel package (/usr/lib/mono/4.5/Facades/netstandard.dll): apt-get install mono-devel.");
                }
                catch (Exception ex)
                {
                    report.Fail("harness", ex.ToString());
                }
                return report.Close();
            }
        }

        private static bool IsMissingNetstandard(Exception ex)
        {
            for (var e = ex; e != null; e = e.InnerException)
            {
                if ((e is FileNotFoundException || e is FileLoadException || e is TypeLoadException || e is BadImageFormatException)
                    && e.Message.IndexOf("netstandard", StringComparison.OrdinalIgnoreCase) >= 0) return true;
            }
            return false;
        }
    }

    internal sealed class HarnessOptions
    {
        public string EndpointDll;
        public string Dotnet = "dotnet";
        /// <summary>Users in the 16-way batch.</summary>
        public int Users = 320;
        /// <summary>Latency the endpoint adds to every answer, so the batch's 16 requests overlap.</summary>
        public int LatencyMs = 100;
        public TimeSpan Timeout = TimeSpan.FromSeconds(120);

        public static HarnessOptions Parse(string[] args)
        {
            var o = new HarnessOptions();
            for (var i = 0; i < args.Length; i++)
            {
                var arg = args[i];
                string Value()
                {
                    if (i + 1 >= args.Length) throw new ArgumentException(arg + " needs a value.");
                    return args[++i];
                }
                int Int(int min)
                {
                    var text = Value();
                    if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
                        throw new ArgumentException(arg + " expects a whole number >= " + min + ", not '" + text + "'.");
                    return value;
                }
                switch (arg)
                {
                    case "--endpoint-dll": o.EndpointDll = Value(); break;
                    case "--dotnet": o.Dotnet = Value(); break;
                    case "--users": o.Users = Int(32); if (o.Users > 5000) throw new ArgumentException("--users is at most 5000."); break;
                    case "--latency-ms": o.LatencyMs = Int(20); break;
                    case "--timeout-seconds": o.Timeout = TimeSpan.FromSeconds(Int(10)); break;
                    default: throw new ArgumentException("Unknown option '" + arg + "'.");
                }
            }
            if (o.EndpointDll == null) throw new ArgumentException("--endpoint-dll is required.");
            if (!File.Exists(o.EndpointDll)) throw new ArgumentException("--endpoint-dll: no file " + o.EndpointDll + ".");
            return o;
        }
    }
}
