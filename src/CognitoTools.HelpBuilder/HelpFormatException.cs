using System;

namespace CognitoTools.HelpBuilder
{
    /// <summary>The markdown does not follow the platyPS schema; the message names the file and line.</summary>
    public sealed class HelpFormatException : Exception
    {
        public HelpFormatException(string path, int line, string problem)
            : base(line > 0 ? $"{path}:{line}: {problem}" : $"{path}: {problem}")
        {
            Path = path;
            Line = line;
            Problem = problem;
        }

        public string Path { get; }
        public int Line { get; }
        public string Problem { get; }
    }
}
