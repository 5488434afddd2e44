using System;
using System.Collections.Generic;

namespace CognitoTools.Endpoints
{
    /// <summary>What the user gave on the command line; null means "not given".</summary>
    public sealed class ClientSettingsInput
    {
        public string Region { get; set; }
        public string EndpointUrl { get; set; }
        public string ProfileName { get; set; }
        public string ProfileLocation { get; set; }
        public bool? UseFipsEndpoint { get; set; }
        public bool? UseDualstackEndpoint { get; set; }
        public int? MaxAttempts { get; set; }
        public TimeSpan? ConnectTimeout { get; set; }
        public TimeSpan? ReadTimeout { get; set; }
    }

    /// <summary>Where a value came from, for verbose output.</summary>
    public enum SettingSource { Parameter, Environment, ConfigFile, Default }

    public sealed class ResolvedClientSettings
    {
        public string Region { get; set; }
        public SettingSource RegionSource { get; set; }
        /// <summary>e.g. "AWS_REGION", "profile dev in /home/x/.aws/config".</summary>
        public string RegionOrigin { get; set; }
        public Uri ServiceUrl { get; set; }
        public bool UseFipsEndpoint { get; set; }
        public bool UseDualstackEndpoint { get; set; }
        public int MaxAttempts { get; set; }
        public TimeSpan ConnectTimeout { get; set; }
        public TimeSpan ReadTimeout { get; set; }
        public string CaBundlePath { get; set; }
        /// <summary>Where CaBundlePath came from: "$env:AWS_CA_BUNDLE" or "ca_bundle of profile 'x' in /home/x/.aws/config".</summary>
        public string CaBundleOrigin { get; set; }
        /// <summary>The profile whose settings were consulted ("default" unless -ProfileName or AWS_PROFILE chose one).</summary>
        public string ProfileName { get; set; }
        /// <summary>True when ServiceUrl is a custom endpoint (-EndpointUrl, AWS_ENDPOINT_URL..., endpoint_url) rather than the rules' choice.</summary>
        public bool IsCustomEndpoint { get; set; }
        /// <summary>e.g. "-EndpointUrl", "AWS_ENDPOINT_URL", "endpoint rules for region eu-west-1".</summary>
        public string EndpointOrigin { get; set; }
        /// <summary>Warnings for the user, e.g. plain http to a non-loopback host.</summary>
        public IList<string> Warnings { get; } = new List<string>();

        /// <summary>A client configuration with these settings (endpoint, Region, attempts, timeouts, CA bundle); the caller adds the rate limiter, retry mode and connections.</summary>
        public Protocol.CognitoClientConfig ToClientConfig(string userAgentSuffix, Action<string> log) => new Protocol.CognitoClientConfig
        {
            ServiceUrl = ServiceUrl,
            Region = Region,
            MaxAttempts = MaxAttempts,
            ConnectTimeout = ConnectTimeout,
            ReadTimeout = ReadTimeout,
            CaBundlePath = CaBundlePath,
            CaBundleOrigin = CaBundleOrigin,
            UserAgentSuffix = userAgentSuffix,
            Log = log,
        };
    }

    /// <summary>Thrown when no region or endpoint can be resolved: nothing can proceed.</summary>
    public sealed class ClientSettingsException : Exception
    {
        public ClientSettingsException(string errorId, string message) : base(message) { ErrorId = errorId; }
        public ClientSettingsException(string errorId, string message, Exception innerException) : base(message, innerException) { ErrorId = errorId; }
        /// <summary>
        /// Stable PascalCase id: NoRegion, InvalidRegion, ProfileNotFound, ProfileFileNotFound, ConfigFileUnreadable,
        /// InvalidEndpointUrl, EndpointResolutionFailed, InvalidMaxAttempts, InvalidSetting, InvalidTimeout.
        /// </summary>
        public string ErrorId { get; }
    }

    /// <summary>Environment lookups, injectable for tests.</summary>
    public interface IEnvironmentReader
    {
        string GetVariable(string name);
        string HomeDirectory { get; }
    }
}
