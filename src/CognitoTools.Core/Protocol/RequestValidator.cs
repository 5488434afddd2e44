using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>The service model's constraints, checked before any request. (Contract; implementation in progress.)</summary>
    public static class RequestValidator
    {
        /// <summary>Throws RequestValidationException naming the parameter (AWS.Tools' parameter name, e.g. Username, ClientId, SecretHash, AnalyticsMetadata_AnalyticsEndpointId) and the rule.</summary>
        public static void Validate(ResendConfirmationCodeRequest request)
        {
            throw new System.NotImplementedException();
        }
    }
}
