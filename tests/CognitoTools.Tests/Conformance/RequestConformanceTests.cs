using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Conformance
{
    /// <summary>For the same input, our request must be the JS SDK's request: same target, same JSON, same bytes.</summary>
    [Collection(ConformanceCollection.Name)]
    public sealed class RequestConformanceTests
    {
        private static readonly Regex Uuid = new Regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
        private readonly ConformanceRun _run;

        public RequestConformanceTests(ConformanceRun run) { _run = run; }

        public static IEnumerable<object[]> RequestCases => ConformanceCases.IdsOf(CaseKind.Request);

        private (RecordedRequest Reference, RecordedRequest Ours) SingleRequests(string id)
        {
            var outcome = _run[id];
            Assert.True(outcome.OursError == null, $"Our client failed on {id}: {outcome.OursError}");
            Assert.True(outcome.ReferenceSucceeded, $"The JS SDK failed on {id}: {outcome.Reference}");
            Assert.Single(outcome.ReferenceRequests);
            Assert.Single(outcome.OurRequests);
            return (outcome.ReferenceRequests[0], outcome.OurRequests[0]);
        }

        [Theory]
        [MemberData(nameof(RequestCases))]
        public void Method_path_and_protocol_headers_match_reference(string id)
        {
            var (reference, ours) = SingleRequests(id);

            Assert.Equal("POST", reference.Method);
            Assert.Equal(reference.Method, ours.Method);
            Assert.Equal(reference.Path, ours.Path);
            Assert.Equal("application/x-amz-json-1.1", reference.Header("Content-Type"));
            Assert.Equal(reference.Header("Content-Type"), ours.Header("Content-Type"));
            Assert.Equal("AWSCognitoIdentityProviderService.ResendConfirmationCode", reference.Header("X-Amz-Target"));
            Assert.Equal(reference.Header("X-Amz-Target"), ours.Header("X-Amz-Target"));
        }

        [Theory]
        [MemberData(nameof(RequestCases))]
        public void Operation_is_unsigned_in_both(string id)
        {
            var (reference, ours) = SingleRequests(id);

            // The driver's credentials provider records whether the SDK asked it: for a noAuth operation it must not.
            Assert.False(_run[id].Reference.GetProperty("credentialsRequested").GetBoolean(), "The JS SDK asked for credentials.");
            foreach (var signingHeader in new[] { "Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256" })
            {
                Assert.Null(reference.Header(signingHeader));
                Assert.Null(ours.Header(signingHeader));
            }
        }

        [Theory]
        [MemberData(nameof(RequestCases))]
        public void Sdk_headers_have_the_reference_shape(string id)
        {
            var (reference, ours) = SingleRequests(id);

            Assert.Equal("attempt=1; max=3", reference.Header("amz-sdk-request"));
            Assert.Equal(reference.Header("amz-sdk-request"), ours.Header("amz-sdk-request"));
            Assert.Matches(Uuid, reference.Header("amz-sdk-invocation-id"));
            Assert.Matches(Uuid, ours.Header("amz-sdk-invocation-id") ?? "");
            Assert.False(string.IsNullOrWhiteSpace(reference.Header("User-Agent")));
            Assert.Contains("CognitoTools/", ours.Header("User-Agent") ?? "");
        }

        [Theory]
        [MemberData(nameof(RequestCases))]
        public void Body_is_the_reference_json_tree(string id)
        {
            var (reference, ours) = SingleRequests(id);

            var referenceTree = JsonNode.Parse(reference.Body);
            var ourTree = JsonNode.Parse(ours.Body);
            Assert.True(JsonNode.DeepEquals(referenceTree, ourTree),
                $"JSON trees differ.\nJS SDK: {reference.BodyText}\nours:   {ours.BodyText}");
        }

        /// <summary>
        /// Byte for byte: the JS SDK's member order is fixed (required members ClientId, Username first, then the model's
        /// order; map keys in the caller's order) and its escaping is JSON.stringify's (only quote, backslash and
        /// controls below U+0020 escaped, everything else raw UTF-8), so a faithful client sends the same bytes.
        /// </summary>
        [Theory]
        [MemberData(nameof(RequestCases))]
        public void Body_bytes_are_the_reference_bytes(string id)
        {
            var (reference, ours) = SingleRequests(id);

            Assert.True(reference.Body.SequenceEqual(ours.Body),
                $"Body bytes differ.\nJS SDK: {reference.BodyText}\nours:   {ours.BodyText}");
            Assert.Equal(reference.Header("Content-Length"), ours.Header("Content-Length"));
        }

        [Fact]
        public void Reference_member_order_is_required_members_then_model_order()
        {
            // Pins what the byte comparison above relies on, so an SDK update that changes it is noticed here.
            var (reference, _) = SingleRequests("request-every-member");
            using var document = JsonDocument.Parse(reference.Body);
            var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(new[] { "ClientId", "Username", "SecretHash", "UserContextData", "AnalyticsMetadata", "ClientMetadata" }, names);
            var userContext = document.RootElement.GetProperty("UserContextData").EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(new[] { "IpAddress", "EncodedData" }, userContext);
        }
    }
}
