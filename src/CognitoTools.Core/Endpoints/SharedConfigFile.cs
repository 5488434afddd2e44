using System;
using System.Collections.Generic;

namespace CognitoTools.Endpoints
{
    /// <summary>Which section names a file's profiles use.</summary>
    internal enum ProfileFileKind
    {
        /// <summary>~/.aws/config: [default], [profile default], [profile NAME].</summary>
        Config,
        /// <summary>~/.aws/credentials: [NAME].</summary>
        Credentials,
        /// <summary>A file named by -ProfileLocation: AWS.Tools users point it at either kind, so both forms count.</summary>
        Either,
    }

    /// <summary>A property value; a property with an empty value may carry indented sub-properties (services sections).</summary>
    internal sealed class ConfigProperty
    {
        public string Value { get; set; }
        public Dictionary<string, string> SubProperties { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The AWS shared config/credentials file format: INI sections, "key = value", full-line comments with # or ;,
    /// inline comments after whitespace, indented continuation lines and (after an empty value) indented sub-properties.
    /// Lenient as the SDKs are: lines it cannot understand are skipped, never fatal.
    /// </summary>
    internal sealed class SharedConfigFile
    {
        private sealed class Section
        {
            public Section(string prefix, string name) { Prefix = prefix; Name = name; }
            /// <summary>"" for a bare [NAME]; otherwise the first word, e.g. "profile", "services", "sso-session".</summary>
            public string Prefix { get; }
            public string Name { get; }
            public Dictionary<string, ConfigProperty> Properties { get; } = new Dictionary<string, ConfigProperty>(StringComparer.OrdinalIgnoreCase);
        }

        // Duplicate sections merge (later keys win), so one entry per (prefix, name).
        private readonly Dictionary<string, Section> sections = new Dictionary<string, Section>(StringComparer.Ordinal);

        private SharedConfigFile(string path, ProfileFileKind kind)
        {
            Path = path;
            Kind = kind;
        }

        public string Path { get; }
        public ProfileFileKind Kind { get; }

        public static SharedConfigFile Parse(string text, string path, ProfileFileKind kind)
        {
            var file = new SharedConfigFile(path, kind);
            Section current = null;
            ConfigProperty lastProperty = null;
            var lines = (text ?? string.Empty).Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
            foreach (var rawLine in lines)
            {
                var line = rawLine.TrimEnd();
                var trimmed = line.TrimStart();
                if (trimmed.Length == 0 || trimmed[0] == '#' || trimmed[0] == ';') continue;

                var indented = trimmed.Length != line.Length;
                if (indented && current != null && lastProperty != null)
                {
                    if (lastProperty.Value.Length == 0)
                    {
                        // Sub-property of an empty-valued property, e.g. "cognito_identity_provider =\n  endpoint_url = ...".
                        if (TrySplitProperty(trimmed, out var subKey, out var subValue)) lastProperty.SubProperties[subKey] = subValue;
                    }
                    else
                    {
                        lastProperty.Value += "\n" + StripInlineComment(trimmed);
                    }
                    continue;
                }

                if (trimmed[0] == '[')
                {
                    current = file.OpenSection(trimmed);
                    lastProperty = null;
                    continue;
                }

                if (current == null || !TrySplitProperty(trimmed, out var key, out var value))
                {
                    lastProperty = null;
                    continue;
                }
                lastProperty = new ConfigProperty { Value = value };
                current.Properties[key] = lastProperty;
            }
            return file;
        }

        /// <summary>The profile's properties, or null when this file does not define the profile.</summary>
        public IDictionary<string, ConfigProperty> FindProfile(string profileName)
        {
            var section = FindProfileSection(profileName);
            return section?.Properties;
        }

        /// <summary>True when a config file has a bare [NAME] section, which the SDKs do not read as a profile there.</summary>
        public bool HasBareSectionOnly(string profileName)
            => Kind == ProfileFileKind.Config && profileName != "default"
               && FindProfileSection(profileName) == null && Get("", profileName) != null;

        /// <summary>A sub-property of a [services NAME] section, e.g. ("cognito_identity_provider", "endpoint_url").</summary>
        public string FindServiceSetting(string servicesSectionName, string serviceKey, string settingName)
        {
            var section = Get("services", servicesSectionName);
            if (section == null || !section.Properties.TryGetValue(serviceKey, out var service)) return null;
            return service.SubProperties.TryGetValue(settingName, out var value) ? value : null;
        }

        private Section FindProfileSection(string profileName)
        {
            switch (Kind)
            {
                case ProfileFileKind.Credentials:
                    return Get("", profileName);
                case ProfileFileKind.Config:
                    // [profile default] wins over [default] when a file has both, as the SDKs specify.
                    return Get("profile", profileName) ?? (profileName == "default" ? Get("", "default") : null);
                default:
                    return Get("profile", profileName) ?? Get("", profileName);
            }
        }

        private Section Get(string prefix, string name)
            => sections.TryGetValue(prefix + "\u0000" + name, out var section) ? section : null;

        private Section OpenSection(string headerLine)
        {
            var close = headerLine.IndexOf(']');
            if (close < 0) return null;
            var after = headerLine.Substring(close + 1).TrimStart();
            if (after.Length > 0 && after[0] != '#' && after[0] != ';') return null;

            var content = headerLine.Substring(1, close - 1).Trim();
            if (content.Length == 0) return null;
            string prefix, name;
            var space = IndexOfWhitespace(content);
            if (space < 0)
            {
                prefix = "";
                name = content;
            }
            else
            {
                prefix = content.Substring(0, space);
                name = content.Substring(space + 1).Trim();
                // A name with inner whitespace is not a valid profile name; such a section is skipped.
                if (name.Length == 0 || IndexOfWhitespace(name) >= 0) return null;
            }

            var key = prefix + "\u0000" + name;
            if (!sections.TryGetValue(key, out var section))
            {
                section = new Section(prefix, name);
                sections[key] = section;
            }
            return section;
        }

        private static bool TrySplitProperty(string line, out string key, out string value)
        {
            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                key = value = null;
                return false;
            }
            key = line.Substring(0, equals).Trim();
            value = StripInlineComment(line.Substring(equals + 1).Trim());
            return key.Length > 0;
        }

        /// <summary>"us-west-2  # work" -> "us-west-2": a # or ; starts a comment only after whitespace, so URLs keep their fragments.</summary>
        private static string StripInlineComment(string value)
        {
            for (var i = 1; i < value.Length; i++)
            {
                if ((value[i] == '#' || value[i] == ';') && char.IsWhiteSpace(value[i - 1])) return value.Substring(0, i).TrimEnd();
            }
            return value;
        }

        private static int IndexOfWhitespace(string text)
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsWhiteSpace(text[i])) return i;
            }
            return -1;
        }
    }
}
