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
        /// <summary>Warnings for the user, e.g. plain http to a non-loopback host.</summary>
        public IList<string> Warnings { get; } = new List<string>();
    }

    /// <summary>Thrown when no region or endpoint can be resolved: nothing can proceed.</summary>
    public sealed class ClientSettingsException : Exception
    {
        public ClientSettingsException(string errorId, string message) : base(message) { ErrorId = errorId; }
        /// <summary>Stable PascalCase id, e.g. NoRegion, InvalidEndpointUrl, EndpointResolutionFailed.</summary>
        public string ErrorId { get; }
    }

    /// <summary>Environment lookups, injectable for tests.</summary>
    public interface IEnvironmentReader
    {
        string GetVariable(string name);
        string HomeDirectory { get; }
    }

    /// <summary>
    /// Region, endpoint, FIPS/dual-stack, retries and timeouts from parameters, environment variables and the shared
    /// config file, in the SDKs' order. (Contract; implementation in progress.)
    /// </summary>
    public static class ClientSettingsResolver
    {
        public static ResolvedClientSettings Resolve(ClientSettingsInput input, IEnvironmentReader environment = null)
            => throw new NotImplementedException();

        /// <summary>Known region names, for -Region tab completion.</summary>
        public static IReadOnlyList<string> KnownRegions => throw new NotImplementedException();
    }
}
