using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using CognitoTools.Model;
using CognitoTools.TestEndpoint.Http;

namespace CognitoTools.Tests.Conformance
{
    /// <summary>How a case's outcome is compared between the reference client and ours.</summary>
    public enum CaseKind
    {
        /// <summary>A request whose wire form and parsed success response must match the reference.</summary>
        Request,
        /// <summary>A canned success response both clients must parse alike.</summary>
        Response,
        /// <summary>A canned error both clients must surface with the same code and message.</summary>
        Error,
        /// <summary>A canned error with a code but no message: the JS SDK fills in its placeholder "UnknownError".</summary>
        ErrorWithoutMessage,
        /// <summary>A canned answer with no error code or no readable body: the SDK's result is its own placeholder.</summary>
        UnreadableError,
        /// <summary>Retry behaviour only (dropped connections, success after a failure).</summary>
        Retry,
    }

    /// <summary>One input and one scripted server, sent once by the JS SDK and once by our client.</summary>
    public sealed class ConformanceCase
    {
        public ConformanceCase(string id, CaseKind kind, ResendConfirmationCodeRequest input, Func<int, ResponseAction> respond)
        {
            Id = id;
            Kind = kind;
            Input = input;
            Respond = respond;
        }

        public string Id { get; }
        public CaseKind Kind { get; }
        public ResendConfirmationCodeRequest Input { get; }
        /// <summary>The answer to the Nth attempt (1-based) this case's server receives.</summary>
        public Func<int, ResponseAction> Respond { get; }
        public int MaxAttempts { get; init; } = 3;

        public override string ToString() => Id;

        /// <summary>The same input in the JS SDK's shape (nested members, ClientMetadata keys in the same order).</summary>
        public JsonObject ToReferenceInput() => ReferenceInput(Input);

        /// <summary>A request in the JS SDK's shape (nested members, ClientMetadata keys in the same order).</summary>
        public static JsonObject ReferenceInput(ResendConfirmationCodeRequest request)
        {
            var input = new JsonObject();
            if (request.ClientId != null) input["ClientId"] = request.ClientId;
            if (request.Username != null) input["Username"] = request.Username;
            if (request.SecretHash != null) input["SecretHash"] = request.SecretHash;
            if (request.UserContextDataIpAddress != null || request.UserContextDataEncodedData != null)
            {
                var userContext = new JsonObject();
                if (request.UserContextDataIpAddress != null) userContext["IpAddress"] = request.UserContextDataIpAddress;
                if (request.UserContextDataEncodedData != null) userContext["EncodedData"] = request.UserContextDataEncodedData;
                input["UserContextData"] = userContext;
            }
            if (request.AnalyticsEndpointId != null)
            {
                input["AnalyticsMetadata"] = new JsonObject { ["AnalyticsEndpointId"] = request.AnalyticsEndpointId };
            }
            if (request.ClientMetadata != null && request.ClientMetadata.Count > 0)
            {
                var metadata = new JsonObject();
                foreach (var pair in request.ClientMetadata) metadata[pair.Key] = pair.Value;
                input["ClientMetadata"] = metadata;
            }
            return input;
        }
    }

    /// <summary>What both clients did for one case.</summary>
    public sealed class CaseOutcome
    {
        public ConformanceCase Case { get; init; }
        /// <summary>The reference client's result line (see reference-client.mjs).</summary>
        public System.Text.Json.JsonElement Reference { get; init; }
        public IReadOnlyList<RecordedRequest> ReferenceRequests { get; init; }
        public ResendConfirmationCodeResponse Ours { get; init; }
        public Exception OursError { get; init; }
        public IReadOnlyList<RecordedRequest> OurRequests { get; init; }

        public bool ReferenceSucceeded => Reference.GetProperty("ok").GetBoolean();
        public string ReferenceString(string property) => ReferenceClient.ResultString(Reference, property);
        public int? ReferenceInt(string property) =>
            Reference.TryGetProperty(property, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.Number ? value.GetInt32() : (int?)null;
    }
}
