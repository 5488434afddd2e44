using System;
using System.Text.RegularExpressions;

namespace CognitoTools.Endpoints
{
    /// <summary>Inputs of the service's endpoint rules (cognito-idp.endpoint-rule-set.json).</summary>
    public sealed class EndpointParameters
    {
        public string Region { get; set; }
        public bool UseFips { get; set; }
        public bool UseDualStack { get; set; }
        /// <summary>A custom endpoint (-EndpointUrl / AWS_ENDPOINT_URL...); null when none.</summary>
        public string Endpoint { get; set; }
    }

    /// <summary>The rules could not produce an endpoint; Message is the rule set's error text.</summary>
    public sealed class EndpointResolutionException : Exception
    {
        public EndpointResolutionException(string message) : base(message) { }
    }

    /// <summary>
    /// Cognito's endpoint rules (cognito-idp.endpoint-rule-set.json), hand-translated branch by branch in the rule
    /// set's order, with the partitions compiled in (<see cref="AwsPartitions"/>). Passes AWS's 57 official test
    /// vectors; a test also compares it with a generic evaluation of the rule set for every known region.
    /// </summary>
    public static class EndpointResolver
    {
        public const string FipsWithCustomEndpointError = "Invalid Configuration: FIPS and custom endpoint are not supported";
        public const string DualStackWithCustomEndpointError = "Invalid Configuration: Dualstack and custom endpoint are not supported";
        public const string MissingRegionError = "Invalid Configuration: Missing Region";
        public const string FipsAndDualStackUnsupportedError = "FIPS and DualStack are enabled, but this partition does not support one or both";
        public const string FipsUnsupportedError = "FIPS is enabled but this partition does not support FIPS";
        public const string DualStackUnsupportedError = "DualStack is enabled but this partition does not support DualStack";

        // Not in the rule set: the SDKs refuse a region that is not a DNS label before evaluating the rules, because
        // it is pasted into the host name ("us-east-1/evil" must not become a path).
        private static readonly Regex HostLabel = new Regex(
            @"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\z", RegexOptions.CultureInvariant);

        public static Uri Resolve(EndpointParameters parameters)
        {
            if (parameters == null) throw new ArgumentNullException(nameof(parameters));

            // Rule 1: a custom endpoint is used as is, and excludes FIPS and dual-stack.
            if (parameters.Endpoint != null)
            {
                if (parameters.UseFips) throw new EndpointResolutionException(FipsWithCustomEndpointError);
                if (parameters.UseDualStack) throw new EndpointResolutionException(DualStackWithCustomEndpointError);
                if (!Uri.TryCreate(parameters.Endpoint, UriKind.Absolute, out var custom))
                {
                    throw new EndpointResolutionException("Invalid Configuration: custom endpoint '" + parameters.Endpoint + "' is not an absolute URL");
                }
                return custom;
            }

            // Rule 2: region-based endpoints. An empty region counts as missing: it cannot name a host.
            var region = parameters.Region;
            if (string.IsNullOrEmpty(region)) throw new EndpointResolutionException(MissingRegionError);
            if (!IsValidHostLabel(region))
            {
                throw new EndpointResolutionException("Invalid Configuration: region '" + region + "' is not a valid DNS host label");
            }

            var partition = AwsPartitions.ForRegion(region);

            if (parameters.UseFips && parameters.UseDualStack)
            {
                if (!(partition.SupportsFips && partition.SupportsDualStack))
                {
                    throw new EndpointResolutionException(FipsAndDualStackUnsupportedError);
                }
                // The rule set pins these four US regions to their IPv4-only FIPS hosts even when dual-stack is asked for.
                switch (region)
                {
                    case "us-east-1":
                    case "us-east-2":
                    case "us-west-1":
                    case "us-west-2":
                        return Url("cognito-idp-fips." + region + ".amazonaws.com");
                }
                return Url("cognito-idp-fips." + region + "." + partition.DualStackDnsSuffix);
            }

            if (parameters.UseFips)
            {
                if (!partition.SupportsFips) throw new EndpointResolutionException(FipsUnsupportedError);
                return Url("cognito-idp-fips." + region + "." + partition.DnsSuffix);
            }

            if (parameters.UseDualStack)
            {
                if (!partition.SupportsDualStack) throw new EndpointResolutionException(DualStackUnsupportedError);
                // In the aws partition the regular cognito-idp host already answers over IPv6, so the rule set keeps it.
                if (partition.Name == "aws") return Url("cognito-idp." + region + ".amazonaws.com");
                return Url("cognito-idp." + region + "." + partition.DualStackDnsSuffix);
            }

            return Url("cognito-idp." + region + "." + partition.DnsSuffix);
        }

        internal static bool IsValidHostLabel(string value) => value != null && HostLabel.IsMatch(value);

        private static Uri Url(string host) => new Uri("https://" + host, UriKind.Absolute);
    }
}
