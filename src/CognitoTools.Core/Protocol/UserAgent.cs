using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace CognitoTools.Protocol
{
    /// <summary>User-Agent: CognitoTools/&lt;version&gt; (&lt;OS&gt;; &lt;.NET runtime&gt;) &lt;suffix, e.g. ps/7.4.1 (Core)&gt;.</summary>
    internal static class UserAgent
    {
        public static string ProductVersion { get; } = ReadVersion();

        private static readonly string Base = "CognitoTools/" + ProductVersion
            + " (" + Comment(SafeOsDescription()) + "; " + Comment(SafeFrameworkDescription()) + ")";

        public static string Build(string suffix)
        {
            var clean = Clean(suffix);
            return string.IsNullOrWhiteSpace(clean) ? Base : Base + " " + clean.Trim();
        }

        private static string ReadVersion()
        {
            var assembly = typeof(UserAgent).Assembly;
            var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            if (!string.IsNullOrEmpty(informational))
            {
                var plus = informational.IndexOf('+');
                return plus > 0 ? informational.Substring(0, plus) : informational;
            }
            return assembly.GetName().Version?.ToString() ?? "0.0.0";
        }

        // A failure here would be a TypeInitializationException on every call, so neither description may throw.
        private static string SafeFrameworkDescription()
        {
            try { return RuntimeInformation.FrameworkDescription; }
            catch (Exception) { return ".NET " + Environment.Version; }
        }

        private static string SafeOsDescription()
        {
            try { return RuntimeInformation.OSDescription; }
            catch (Exception) { return Environment.OSVersion.ToString(); }
        }

        /// <summary>Text inside a User-Agent comment: no parentheses of its own, printable ASCII only.</summary>
        private static string Comment(string text) => Clean(text)?.Replace('(', '[').Replace(')', ']').Trim() ?? "unknown";

        /// <summary>Header values must be printable ASCII; anything else becomes '_'.</summary>
        private static string Clean(string text)
        {
            if (text == null) return null;
            var sb = new StringBuilder(text.Length);
            foreach (var c in text) sb.Append(c >= 0x20 && c < 0x7F ? c : '_');
            return sb.ToString();
        }
    }
}
