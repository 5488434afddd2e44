using System;

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

    /// <summary>Cognito's endpoint rules, passing AWS's official test vectors. (Contract; implementation in progress.)</summary>
    public static class EndpointResolver
    {
        public static Uri Resolve(EndpointParameters parameters) => throw new NotImplementedException();
    }
}
