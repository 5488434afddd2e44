using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;

namespace CognitoTools.Endpoints
{
    /// <summary>
    /// Region, endpoint, FIPS/dual-stack, retries and timeouts from parameters, environment variables and the shared
    /// config file, in the SDKs' order: parameter, then environment, then the profile, then the default.
    /// </summary>
    public static class ClientSettingsResolver
    {
        /// <summary>The region reported when only a custom endpoint is configured; the SDKs use it for custom endpoints too.</summary>
        public const string DefaultRegionForCustomEndpoint = "us-east-1";
        public const int DefaultMaxAttempts = 3;
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

        /// <summary>Cognito user pools' service identifier in AWS_ENDPOINT_URL_* and [services] sections.</summary>
        public const string EndpointEnvironmentVariable = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER";
        internal const string ServicesSectionKey = "cognito_identity_provider";

        private static readonly Lazy<string[]> sortedKnownRegions = new Lazy<string[]>(
            () => AwsPartitions.All
                .SelectMany(partition => partition.Regions)
                // aws-global and the like are pseudo-regions of global services; Cognito has no endpoint there.
                .Where(region => !region.StartsWith("aws-", StringComparison.Ordinal))
                .Distinct(StringComparer.Ordinal)
                .OrderBy(region => region, StringComparer.Ordinal)
                .ToArray(),
            LazyThreadSafetyMode.ExecutionAndPublication);

        private static readonly Lazy<IReadOnlyList<string>> knownRegions = new Lazy<IReadOnlyList<string>>(
            () => Array.AsReadOnly(sortedKnownRegions.Value), LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>Known region names (the partitions' explicit region lists, without pseudo-regions), sorted, for -Region tab completion.</summary>
        public static IReadOnlyList<string> KnownRegions => knownRegions.Value;

        public static ResolvedClientSettings Resolve(ClientSettingsInput input, IEnvironmentReader environment = null)
        {
            input = input ?? new ClientSettingsInput();
            environment = environment ?? ProcessEnvironmentReader.Instance;

            var profile = ProfileSettings.Load(input, environment);
            var settings = new ResolvedClientSettings { ProfileName = profile.Name };

            var region = FindRegion(input, environment, profile);
            var endpoint = FindCustomEndpoint(input, environment, profile);

            if (region == null)
            {
                if (endpoint == null) throw new ClientSettingsException("NoRegion", NoRegionMessage(profile));
                region = new Setting(DefaultRegionForCustomEndpoint, SettingSource.Default,
                    "default " + DefaultRegionForCustomEndpoint + " for a custom endpoint (no region configured)");
            }
            if (!EndpointResolver.IsValidHostLabel(region.Value))
            {
                throw new ClientSettingsException("InvalidRegion",
                    "Region '" + region.Value + "' (from " + region.Origin + ") is not a valid region name: use letters, digits and hyphens, e.g. us-east-1.");
            }
            settings.Region = region.Value;
            settings.RegionSource = region.Source;
            settings.RegionOrigin = region.Origin;

            var fips = FindSwitch(input.UseFipsEndpoint, "-UseFipsEndpoint", "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", environment, profile);
            var dualStack = FindSwitch(input.UseDualstackEndpoint, "-UseDualstackEndpoint", "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", environment, profile);
            settings.UseFipsEndpoint = fips.Value;
            settings.UseDualstackEndpoint = dualStack.Value;

            Uri customUri = null;
            if (endpoint != null)
            {
                customUri = ParseEndpointUrl(endpoint);
                if (!IsLoopbackHost(customUri) && customUri.Scheme == Uri.UriSchemeHttp)
                {
                    settings.Warnings.Add("The endpoint " + customUri.GetLeftPart(UriPartial.Authority) + " (from " + endpoint.Origin
                        + ") uses plain http to a host that is not this computer: requests, including usernames and any SecretHash, "
                        + "travel unencrypted and unauthenticated. Use https unless this is a trusted test network.");
                }
            }
            else if (!IsKnownRegion(region.Value))
            {
                settings.Warnings.Add("Region '" + region.Value + "' (from " + region.Origin + ") is not a region this module knows; "
                    + "the endpoint is derived from its name and may not exist. Check the spelling if requests cannot connect.");
            }

            try
            {
                settings.ServiceUrl = EndpointResolver.Resolve(new EndpointParameters
                {
                    Region = region.Value,
                    UseFips = fips.Value,
                    UseDualStack = dualStack.Value,
                    Endpoint = customUri?.OriginalString,
                });
            }
            catch (EndpointResolutionException error)
            {
                var context = new List<string>();
                if (endpoint != null) context.Add("endpoint from " + endpoint.Origin);
                if (fips.Value) context.Add("FIPS from " + fips.Origin);
                if (dualStack.Value) context.Add("dual-stack from " + dualStack.Origin);
                var message = context.Count == 0 ? error.Message : error.Message + " (" + string.Join("; ", context) + ")";
                throw new ClientSettingsException("EndpointResolutionFailed", message, error);
            }
            settings.IsCustomEndpoint = endpoint != null;
            settings.EndpointOrigin = endpoint != null ? endpoint.Origin : "endpoint rules for region " + region.Value;

            settings.MaxAttempts = FindMaxAttempts(input, environment, profile);
            settings.ConnectTimeout = CheckTimeout(input.ConnectTimeout, "ConnectTimeout");
            settings.ReadTimeout = CheckTimeout(input.ReadTimeout, "ReadTimeout");

            var caBundleVariable = Variable(environment, "AWS_CA_BUNDLE");
            var caBundle = caBundleVariable != null ? new Setting(caBundleVariable, SettingSource.Environment, "$env:AWS_CA_BUNDLE") : profile.Get("ca_bundle");
            settings.CaBundlePath = caBundle == null ? null : ExpandHome(caBundle.Value, environment);
            settings.CaBundleOrigin = caBundle == null ? null : caBundle.Origin == "$env:AWS_CA_BUNDLE" ? caBundle.Origin : "ca_bundle of " + caBundle.Origin;
            return settings;
        }

        private static Setting FindRegion(ClientSettingsInput input, IEnvironmentReader environment, ProfileSettings profile)
        {
            if (!IsBlank(input.Region)) return new Setting(input.Region.Trim(), SettingSource.Parameter, "-Region");
            foreach (var name in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
            {
                var value = Variable(environment, name);
                if (value != null) return new Setting(value, SettingSource.Environment, name);
            }
            return profile.Get("region");
        }

        /// <summary>The SDKs' order for configured endpoints (feature-ss-endpoints): explicit, service env, global env, services section, profile.</summary>
        private static Setting FindCustomEndpoint(ClientSettingsInput input, IEnvironmentReader environment, ProfileSettings profile)
        {
            if (!IsBlank(input.EndpointUrl)) return new Setting(input.EndpointUrl.Trim(), SettingSource.Parameter, "-EndpointUrl");

            var ignore = FindBoolean(null, null, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "ignore_configured_endpoint_urls", environment, profile);
            if (ignore != null && ignore.Value) return null;

            foreach (var name in new[] { EndpointEnvironmentVariable, "AWS_ENDPOINT_URL" })
            {
                var value = Variable(environment, name);
                if (value != null) return new Setting(value, SettingSource.Environment, name);
            }
            return profile.GetServiceEndpoint() ?? profile.Get("endpoint_url");
        }

        private static Uri ParseEndpointUrl(Setting endpoint)
        {
            if (!Uri.TryCreate(endpoint.Value, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
                || string.IsNullOrEmpty(uri.Host))
            {
                throw new ClientSettingsException("InvalidEndpointUrl",
                    "The endpoint URL '" + endpoint.Value + "' (from " + endpoint.Origin + ") is not valid: give an absolute http or https URL with a host, "
                    + "e.g. https://cognito-idp.eu-west-1.amazonaws.com or http://127.0.0.1:9229.");
            }
            return uri;
        }

        /// <summary>localhost, 127.0.0.0/8 and ::1: plain http there never leaves the computer.</summary>
        internal static bool IsLoopbackHost(Uri uri)
        {
            var host = uri.Host;
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            if (host.StartsWith("[", StringComparison.Ordinal) && host.EndsWith("]", StringComparison.Ordinal)) host = host.Substring(1, host.Length - 2);
            if (!IPAddress.TryParse(host, out var address)) return false;
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            return IPAddress.IsLoopback(address);
        }

        /// <summary>Pseudo-regions such as aws-global count as unknown: Cognito has no endpoint there.</summary>
        private static bool IsKnownRegion(string region)
            => Array.BinarySearch(sortedKnownRegions.Value, region, StringComparer.Ordinal) >= 0;

        private static BooleanSetting FindSwitch(bool? parameter, string parameterName, string variable, string configKey,
            IEnvironmentReader environment, ProfileSettings profile)
            => FindBoolean(parameter, parameterName, variable, configKey, environment, profile) ?? new BooleanSetting { Value = false, Origin = "default" };

        private sealed class BooleanSetting
        {
            public bool Value;
            public string Origin;
        }

        private static BooleanSetting FindBoolean(bool? parameter, string parameterName, string variable, string configKey,
            IEnvironmentReader environment, ProfileSettings profile)
        {
            if (parameter.HasValue) return new BooleanSetting { Value = parameter.Value, Origin = parameterName };
            var text = Variable(environment, variable);
            if (text != null) return new BooleanSetting { Value = ParseBoolean(text, variable), Origin = variable };
            var configured = profile.Get(configKey);
            if (configured != null) return new BooleanSetting { Value = ParseBoolean(configured.Value, configured.Origin), Origin = configured.Origin };
            return null;
        }

        private static bool ParseBoolean(string text, string origin)
        {
            if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase)) return false;
            throw new ClientSettingsException("InvalidSetting", "'" + text + "' (from " + origin + ") is not a valid value: use true or false.");
        }

        private static int FindMaxAttempts(ClientSettingsInput input, IEnvironmentReader environment, ProfileSettings profile)
        {
            if (input.MaxAttempts.HasValue)
            {
                if (input.MaxAttempts.Value < 1) throw InvalidMaxAttempts(input.MaxAttempts.Value.ToString(CultureInfo.InvariantCulture), "-MaxAttempts");
                return input.MaxAttempts.Value;
            }
            var text = Variable(environment, "AWS_MAX_ATTEMPTS");
            var origin = "AWS_MAX_ATTEMPTS";
            if (text == null)
            {
                var configured = profile.Get("max_attempts");
                if (configured == null) return DefaultMaxAttempts;
                text = configured.Value;
                origin = configured.Origin;
            }
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var attempts) || attempts < 1)
            {
                throw InvalidMaxAttempts(text, origin);
            }
            return attempts;
        }

        private static ClientSettingsException InvalidMaxAttempts(string text, string origin)
            => new ClientSettingsException("InvalidMaxAttempts",
                "Max attempts '" + text + "' (from " + origin + ") is not valid: give a whole number of at least 1 (the first attempt included; default "
                + DefaultMaxAttempts + ").");

        private static TimeSpan CheckTimeout(TimeSpan? timeout, string name)
        {
            if (!timeout.HasValue) return DefaultTimeout;
            if (timeout.Value <= TimeSpan.Zero && timeout.Value != Timeout.InfiniteTimeSpan)
            {
                throw new ClientSettingsException("InvalidTimeout", name + " must be positive (or infinite); got " + timeout.Value + ".");
            }
            return timeout.Value;
        }

        private static string NoRegionMessage(ProfileSettings profile)
            => "No AWS region was found. Set one of: the -Region parameter; $env:AWS_REGION; $env:AWS_DEFAULT_REGION; "
               + "or 'region = <name>' in profile '" + profile.Name + "' of " + profile.ConfigFileDescription
               + " (choose the profile with -ProfileName or $env:AWS_PROFILE, the file with -ProfileLocation or $env:AWS_CONFIG_FILE). "
               + "For a local or custom endpoint, give -EndpointUrl instead.";

        /// <summary>An environment variable's trimmed value; empty counts as unset, as in the SDKs.</summary>
        private static string Variable(IEnvironmentReader environment, string name)
        {
            var value = environment.GetVariable(name);
            return IsBlank(value) ? null : value.Trim();
        }

        private static bool IsBlank(string value) => string.IsNullOrWhiteSpace(value);

        /// <summary>A shared file's path: <paramref name="variable"/> (~ expanded) if set, else ~/.aws/<paramref name="fileName"/>; null without a home directory. The settings and the credentials read the same files.</summary>
        internal static string SharedFilePath(IEnvironmentReader environment, string variable, string fileName)
        {
            var configured = Variable(environment, variable);
            if (configured != null) return ExpandHome(configured, environment);
            var home = environment.HomeDirectory;
            return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".aws", fileName);
        }

        internal static string ExpandHome(string path, IEnvironmentReader environment)
        {
            if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
            {
                var home = environment.HomeDirectory;
                if (!string.IsNullOrEmpty(home)) return path.Length == 1 ? home : Path.Combine(home, path.Substring(2));
            }
            return path;
        }

        private sealed class Setting
        {
            public Setting(string value, SettingSource source, string origin)
            {
                Value = value;
                Source = source;
                Origin = origin;
            }

            public string Value { get; }
            public SettingSource Source { get; }
            public string Origin { get; }
        }

        /// <summary>The selected profile across the files that may define it, highest precedence first.</summary>
        private sealed class ProfileSettings
        {
            private readonly List<SharedConfigFile> files;
            private readonly List<string> fileDescriptions;

            private ProfileSettings(string name, List<SharedConfigFile> files, List<string> fileDescriptions)
            {
                Name = name;
                this.files = files;
                this.fileDescriptions = fileDescriptions;
            }

            public string Name { get; }

            public static ProfileSettings Load(ClientSettingsInput input, IEnvironmentReader environment)
            {
                string name, nameOrigin;
                if (!IsBlank(input.ProfileName))
                {
                    name = input.ProfileName.Trim();
                    nameOrigin = "-ProfileName";
                }
                else if (Variable(environment, "AWS_PROFILE") != null)
                {
                    name = Variable(environment, "AWS_PROFILE");
                    nameOrigin = "$env:AWS_PROFILE";
                }
                else
                {
                    name = "default";
                    nameOrigin = null;
                }

                var files = new List<SharedConfigFile>();
                var descriptions = new List<string>();
                if (!IsBlank(input.ProfileLocation))
                {
                    var path = ExpandHome(input.ProfileLocation.Trim(), environment);
                    if (!File.Exists(path))
                    {
                        throw new ClientSettingsException("ProfileFileNotFound", "The profile file '" + path + "' (from -ProfileLocation) does not exist.");
                    }
                    files.Add(Read(path, ProfileFileKind.Either));
                    descriptions.Add(path);
                }
                else
                {
                    // Credentials file first: where both files set a value for a profile, the SDKs take the credentials file's.
                    var credentialsPath = SharedFilePath(environment, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
                    var configPath = SharedFilePath(environment, "AWS_CONFIG_FILE", "config");
                    if (credentialsPath != null && File.Exists(credentialsPath)) files.Add(Read(credentialsPath, ProfileFileKind.Credentials));
                    if (configPath != null && File.Exists(configPath)) files.Add(Read(configPath, ProfileFileKind.Config));
                    // Messages name the config file: that is where a region belongs.
                    descriptions.Add(configPath ?? "the shared config file (~/.aws/config)");
                    if (credentialsPath != null) descriptions.Add(credentialsPath);
                }

                var profile = new ProfileSettings(name, files, descriptions);
                if (nameOrigin != null && !profile.Exists)
                {
                    var message = "The profile '" + name + "' (from " + nameOrigin + ") was not found in " + profile.DescribeFiles() + ".";
                    if (files.Any(file => file.HasBareSectionOnly(name)))
                    {
                        message += " The config file has a section [" + name + "]; in the config file a named profile is written [profile " + name + "].";
                    }
                    throw new ClientSettingsException("ProfileNotFound", message);
                }
                return profile;
            }

            /// <summary>The file a region belongs in: -ProfileLocation's, else the shared config file.</summary>
            public string ConfigFileDescription => fileDescriptions[0];

            public bool Exists => files.Any(file => file.FindProfile(Name) != null);

            public string DescribeFiles() => fileDescriptions.Count == 1
                ? fileDescriptions[0]
                : string.Join(" or ", fileDescriptions);

            public Setting Get(string key)
            {
                foreach (var file in files)
                {
                    var properties = file.FindProfile(Name);
                    if (properties != null && properties.TryGetValue(key, out var property) && !IsBlank(property.Value))
                    {
                        return new Setting(property.Value.Trim(), SettingSource.ConfigFile, "profile '" + Name + "' in " + file.Path);
                    }
                }
                return null;
            }

            /// <summary>endpoint_url under cognito_identity_provider in the [services NAME] section the profile names.</summary>
            public Setting GetServiceEndpoint()
            {
                var servicesName = Get("services")?.Value;
                if (servicesName == null) return null;
                foreach (var file in files)
                {
                    var value = file.FindServiceSetting(servicesName, ServicesSectionKey, "endpoint_url");
                    if (!IsBlank(value))
                    {
                        return new Setting(value.Trim(), SettingSource.ConfigFile, "services '" + servicesName + "' of profile '" + Name + "' in " + file.Path);
                    }
                }
                return null;
            }

            private static SharedConfigFile Read(string path, ProfileFileKind kind)
            {
                try
                {
                    return SharedConfigFile.Parse(File.ReadAllText(path), path, kind);
                }
                catch (Exception error) when (error is IOException || error is UnauthorizedAccessException)
                {
                    throw new ClientSettingsException("ConfigFileUnreadable", "The file '" + path + "' could not be read: " + error.Message, error);
                }
            }
        }
    }
}
