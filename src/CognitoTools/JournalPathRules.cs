using System;

namespace CognitoTools
{
    /// <summary>Which PowerShell paths can hold a journal: files of the FileSystem provider only.</summary>
    internal static class JournalPathRules
    {
        public static bool IsFileSystem(string providerName, Type implementingType)
            => string.Equals(providerName, "FileSystem", StringComparison.OrdinalIgnoreCase)
               && (implementingType == null || string.Equals(implementingType.FullName, "Microsoft.PowerShell.Commands.FileSystemProvider", StringComparison.Ordinal));

        public static string NotFileSystemMessage(string journalPath, string providerName)
            => $"-JournalPath '{journalPath}' is on the {providerName ?? "unknown"} provider, not the file system: a journal must be a file. Give a file path, for example '.\\journal.csv' (relative paths resolve against the current file system location).";
    }
}
