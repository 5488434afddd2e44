using System.Collections.Generic;

namespace CognitoTools.Model
{
    /// <summary>The input of Cognito's ResendConfirmationCode, flattened the way AWS.Tools names it.</summary>
    public sealed class ResendConfirmationCodeRequest
    {
        public string ClientId { get; set; }
        public string Username { get; set; }
        /// <summary>Sensitive: never logged, never shown in errors or history unless explicitly included.</summary>
        public string SecretHash { get; set; }
        /// <summary>AnalyticsMetadata.AnalyticsEndpointId on the wire.</summary>
        public string AnalyticsEndpointId { get; set; }
        /// <summary>UserContextData.EncodedData on the wire.</summary>
        public string UserContextDataEncodedData { get; set; }
        /// <summary>UserContextData.IpAddress on the wire.</summary>
        public string UserContextDataIpAddress { get; set; }
        /// <summary>ClientMetadata map; null or empty is omitted from the request.</summary>
        public IDictionary<string, string> ClientMetadata { get; set; }

        public ResendConfirmationCodeRequest Clone()
        {
            var copy = (ResendConfirmationCodeRequest)MemberwiseClone();
            if (ClientMetadata != null)
            {
                copy.ClientMetadata = new Dictionary<string, string>(ClientMetadata);
            }
            return copy;
        }
    }
}
