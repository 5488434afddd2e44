using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace CognitoTools.Tests.Conformance
{
    /// <summary>For the same successful answer, our parsed response must hold what the JS SDK's output holds.</summary>
    [Collection(ConformanceCollection.Name)]
    public sealed class ResponseConformanceTests
    {
        private readonly ConformanceRun _run;

        public ResponseConformanceTests(ConformanceRun run) { _run = run; }

        public static IEnumerable<object[]> SuccessCases =>
            ConformanceCases.IdsOf(CaseKind.Request, CaseKind.Response)
                .Concat(ConformanceCases.IdsOf(CaseKind.Retry).Where(id => ((string)id[0]).StartsWith("retry-success-")));

        [Theory]
        [MemberData(nameof(SuccessCases))]
        public void Delivery_details_request_id_and_attempts_match_reference(string id)
        {
            var outcome = _run[id];
            Assert.True(outcome.ReferenceSucceeded, $"The JS SDK failed on {id}: {outcome.Reference}");
            Assert.True(outcome.OursError == null, $"Our client failed on {id}: {outcome.OursError}");
            var ours = outcome.Ours;

            var referenceDetails = outcome.Reference.GetProperty("output").GetProperty("CodeDeliveryDetails");
            if (referenceDetails.ValueKind == JsonValueKind.Null)
            {
                Assert.Null(ours.CodeDeliveryDetails);
            }
            else
            {
                Assert.NotNull(ours.CodeDeliveryDetails);
                Assert.Equal(Member(referenceDetails, "Destination"), ours.CodeDeliveryDetails.Destination);
                Assert.Equal(Member(referenceDetails, "DeliveryMedium"), ours.CodeDeliveryDetails.DeliveryMedium);
                Assert.Equal(Member(referenceDetails, "AttributeName"), ours.CodeDeliveryDetails.AttributeName);
            }
            Assert.Equal(outcome.ReferenceString("requestId"), ours.ResponseMetadata?.RequestId);
            Assert.Equal(outcome.ReferenceInt("httpStatusCode"), ours.HttpStatusCode);
            Assert.Equal(outcome.ReferenceInt("attempts"), ours.Attempts);
        }

        private static string Member(JsonElement details, string name) =>
            details.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
