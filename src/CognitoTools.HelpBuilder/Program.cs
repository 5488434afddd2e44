using System;
using System.IO;

namespace CognitoTools.HelpBuilder
{
    /// <summary>Usage: CognitoTools.HelpBuilder --docs &lt;docs/en-US&gt; --out &lt;module&gt;/en-US</summary>
    public static class Program
    {
        public const int Success = 0;
        public const int MalformedDocs = 1;
        public const int UsageError = 2;

        public static int Main(string[] args)
        {
            string docs = null;
            string output = null;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--docs" when i + 1 < args.Length:
                        docs = args[++i];
                        break;
                    case "--out" when i + 1 < args.Length:
                        output = args[++i];
                        break;
                    default:
                        return Usage($"unexpected argument '{args[i]}'.");
                }
            }
            if (docs == null || output == null)
            {
                return Usage("both --docs and --out are required.");
            }

            try
            {
                var result = HelpBuilder.Build(Path.GetFullPath(docs), Path.GetFullPath(output));
                foreach (var file in result.WrittenFiles)
                {
                    Console.WriteLine($"HelpBuilder: wrote {file}");
                }
                return Success;
            }
            catch (HelpFormatException e)
            {
                // MSBuild recognises "file(line): error" and shows it as a build error.
                Console.Error.WriteLine(e.Line > 0
                    ? $"{e.Path}({e.Line}): error HELP001: {e.Problem}"
                    : $"{e.Path}: error HELP001: {e.Problem}");
                return MalformedDocs;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"HelpBuilder: error HELP002: {e.Message}");
                return MalformedDocs;
            }
        }

        private static int Usage(string problem)
        {
            Console.Error.WriteLine($"HelpBuilder: error HELP000: {problem}");
            Console.Error.WriteLine("Usage: dotnet CognitoTools.HelpBuilder.dll --docs <docs/en-US> --out <module>/en-US");
            return UsageError;
        }
    }
}
