using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace CognitoTools
{
    /// <summary>Small PowerShell plumbing shared by the cmdlets: preferences, progress and values.</summary>
    internal static class CmdletExtensions
    {
        public static ActionPreference GetPreference(this PSCmdlet cmdlet, string variableName, ActionPreference fallback)
        {
            var value = cmdlet.GetVariableValue(variableName);
            return value != null && LanguagePrimitives.TryConvertTo(value, out ActionPreference preference) ? preference : fallback;
        }

        /// <summary>True when a switch common parameter was given, or else when its preference variable asks for it.</summary>
        public static bool IsSwitchInEffect(this PSCmdlet cmdlet, string parameterName, Func<bool> fromPreference)
        {
            if (cmdlet.MyInvocation.BoundParameters.TryGetValue(parameterName, out var bound))
            {
                return LanguagePrimitives.IsTrue(bound);
            }
            return fromPreference();
        }

        public static bool IsWhatIf(this PSCmdlet cmdlet)
            => cmdlet.IsSwitchInEffect("WhatIf", () => LanguagePrimitives.IsTrue(cmdlet.GetVariableValue("WhatIfPreference")));

        public static bool IsVerbose(this PSCmdlet cmdlet)
            => cmdlet.IsSwitchInEffect("Verbose", () => !IsQuiet(cmdlet.GetPreference("VerbosePreference", ActionPreference.SilentlyContinue)));

        /// <summary>True when -WarningAction, or else $WarningPreference, shows no warnings.</summary>
        public static bool IsWarningQuiet(this PSCmdlet cmdlet)
            => IsQuiet(cmdlet.MyInvocation.BoundParameters.TryGetValue("WarningAction", out var bound)
                       && LanguagePrimitives.TryConvertTo(bound, out ActionPreference preference)
                ? preference
                : cmdlet.GetPreference("WarningPreference", ActionPreference.Continue));

        /// <summary>
        /// True when a progress bar is worth writing: $ProgressPreference shows it and someone can see it. Where nobody
        /// sees a bar (remoting server side, services, -NonInteractive jobs, a console whose output is redirected to a
        /// file or CI log) producing one only costs time.
        /// </summary>
        public static bool IsProgressWanted(this PSCmdlet cmdlet)
        {
            if (IsQuiet(cmdlet.GetPreference("ProgressPreference", ActionPreference.Continue)))
            {
                return false;
            }
            var hostName = cmdlet.Host?.Name;
            if (!Environment.UserInteractive || string.Equals(hostName, "ServerRemoteHost", StringComparison.Ordinal))
            {
                return false;
            }
            if (string.Equals(hostName, "ConsoleHost", StringComparison.Ordinal) && Console.IsOutputRedirected)
            {
                return false;
            }
            return !IsNonInteractiveProcess.Value;
        }

        private static readonly Lazy<bool> IsNonInteractiveProcess = new Lazy<bool>(() =>
        {
            foreach (var argument in Environment.GetCommandLineArgs())
            {
                // pwsh and powershell.exe accept any prefix of -NonInteractive down to -noni, with - or /.
                var name = argument.TrimStart('-', '/');
                if (argument.Length > name.Length && name.Length >= 4
                    && "noninteractive".StartsWith(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            return false;
        });

        /// <summary>A preference under which the stream shows nothing.</summary>
        public static bool IsQuiet(ActionPreference preference)
            => preference == ActionPreference.SilentlyContinue || preference == ActionPreference.Ignore;

        public static object Unwrap(object value) => value is PSObject wrapped ? wrapped.BaseObject : value;

        /// <summary>Keys and values as strings, the way the service takes ClientMetadata.</summary>
        public static IDictionary<string, string> ToStringDictionary(IDictionary table)
        {
            if (table == null || table.Count == 0)
            {
                return null;
            }
            var result = new Dictionary<string, string>(table.Count, StringComparer.Ordinal);
            foreach (DictionaryEntry entry in table)
            {
                var key = LanguagePrimitives.ConvertTo<string>(Unwrap(entry.Key));
                var value = entry.Value == null ? string.Empty : LanguagePrimitives.ConvertTo<string>(Unwrap(entry.Value));
                result[key] = value;
            }
            return result;
        }

        /// <summary>A member of a nested request object from JSON (PSCustomObject) or a hashtable, case-insensitively.</summary>
        public static string GetNestedString(object container, string memberName)
        {
            var value = Unwrap(container);
            if (value == null)
            {
                return null;
            }
            if (value is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (string.Equals(Convert.ToString(Unwrap(entry.Key)), memberName, StringComparison.OrdinalIgnoreCase))
                    {
                        return entry.Value == null ? null : LanguagePrimitives.ConvertTo<string>(Unwrap(entry.Value));
                    }
                }
                return null;
            }
            var property = PSObject.AsPSObject(container).Properties[memberName];
            var member = property == null ? null : Unwrap(property.Value);
            return member == null ? null : LanguagePrimitives.ConvertTo<string>(member);
        }

        /// <summary>"ps/7.4.1 (Core)" for the User-Agent, from $PSVersionTable.</summary>
        public static string PowerShellUserAgent(this PSCmdlet cmdlet)
        {
            try
            {
                if (Unwrap(cmdlet.GetVariableValue("PSVersionTable")) is IDictionary table)
                {
                    var version = Unwrap(table["PSVersion"])?.ToString() ?? "unknown";
                    var edition = Unwrap(table["PSEdition"])?.ToString() ?? "Desktop";
                    return "ps/" + version + " (" + edition + ")";
                }
            }
            catch (PSInvalidOperationException)
            {
            }
            return "ps/unknown";
        }
    }
}
