using System;
using System.Management.Automation;
using CognitoTools.Endpoints;

namespace CognitoTools
{
    /// <summary>The region, endpoint, profile, retry and timeout parameters every cmdlet that calls Cognito takes.</summary>
    internal interface IClientSettingsParameters
    {
        string Region { get; }
        string EndpointUrl { get; }
        string ProfileName { get; }
        string ProfileLocation { get; }
        SwitchParameter UseFipsEndpoint { get; }
        SwitchParameter UseDualstackEndpoint { get; }
        int MaxAttempts { get; }
        int ConnectTimeoutSec { get; }
        int ReadTimeoutSec { get; }
    }

    internal static class ClientSettingsParameters
    {
        /// <summary>
        /// What the resolver needs from those parameters: a switch, count or timeout only when it was given, so that the
        /// environment and the profile decide otherwise.
        /// </summary>
        public static ClientSettingsInput ToSettingsInput<TCmdlet>(this TCmdlet cmdlet)
            where TCmdlet : PSCmdlet, IClientSettingsParameters
        {
            var bound = cmdlet.MyInvocation.BoundParameters;
            return new ClientSettingsInput
            {
                Region = Strings.NullIfEmpty(cmdlet.Region),
                EndpointUrl = Strings.NullIfEmpty(cmdlet.EndpointUrl),
                ProfileName = Strings.NullIfEmpty(cmdlet.ProfileName),
                ProfileLocation = Strings.NullIfEmpty(cmdlet.ProfileLocation),
                UseFipsEndpoint = bound.ContainsKey(nameof(cmdlet.UseFipsEndpoint)) ? cmdlet.UseFipsEndpoint.IsPresent : (bool?)null,
                UseDualstackEndpoint = bound.ContainsKey(nameof(cmdlet.UseDualstackEndpoint)) ? cmdlet.UseDualstackEndpoint.IsPresent : (bool?)null,
                MaxAttempts = bound.ContainsKey(nameof(cmdlet.MaxAttempts)) ? cmdlet.MaxAttempts : (int?)null,
                ConnectTimeout = bound.ContainsKey(nameof(cmdlet.ConnectTimeoutSec)) ? TimeSpan.FromSeconds(cmdlet.ConnectTimeoutSec) : (TimeSpan?)null,
                ReadTimeout = bound.ContainsKey(nameof(cmdlet.ReadTimeoutSec)) ? TimeSpan.FromSeconds(cmdlet.ReadTimeoutSec) : (TimeSpan?)null,
            };
        }
    }
}
