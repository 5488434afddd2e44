using System.Collections.Generic;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>awsJson1.1 body of ResendConfirmationCode, members in the order the AWS JS SDK writes them.</summary>
    internal static class RequestSerializer
    {
        public const string ContentType = "application/x-amz-json-1.1";
        public const string Target = "AWSCognitoIdentityProviderService.ResendConfirmationCode";

        public static byte[] Serialize(ResendConfirmationCodeRequest request) => JsonWriter.ToUtf8(SerializeToString(request));

        public static string SerializeToString(ResendConfirmationCodeRequest request)
        {
            // Order observed from @aws-sdk/client-cognito-identity-provider 3.x (the Smithy model's member order):
            // ClientId, Username, SecretHash, UserContextData{IpAddress, EncodedData}, AnalyticsMetadata, ClientMetadata.
            var w = new JsonWriter().StartObject();
            w.OptionalString("ClientId", request.ClientId);
            w.OptionalString("Username", request.Username);
            w.OptionalString("SecretHash", request.SecretHash);
            if (request.UserContextDataIpAddress != null || request.UserContextDataEncodedData != null)
            {
                w.PropertyName("UserContextData").StartObject()
                    .OptionalString("IpAddress", request.UserContextDataIpAddress)
                    .OptionalString("EncodedData", request.UserContextDataEncodedData)
                    .EndObject();
            }
            if (request.AnalyticsEndpointId != null)
            {
                w.PropertyName("AnalyticsMetadata").StartObject()
                    .OptionalString("AnalyticsEndpointId", request.AnalyticsEndpointId)
                    .EndObject();
            }
            if (request.ClientMetadata != null && request.ClientMetadata.Count > 0)
            {
                w.PropertyName("ClientMetadata").StartObject();
                foreach (KeyValuePair<string, string> pair in request.ClientMetadata)
                {
                    // The JS SDK drops map entries whose value is null; so do we.
                    if (pair.Key == null || pair.Value == null) continue;
                    w.PropertyName(pair.Key).String(pair.Value);
                }
                w.EndObject();
            }
            return w.EndObject().ToString();
        }
    }
}
