using System;
using System.Collections.Generic;
using System.Text.Json;
using CognitoTools.Endpoints;
using Xunit;

namespace CognitoTools.Tests.Endpoints
{
    /// <summary>AWS's official endpoint test vectors for cognito-idp (cognito-idp.endpoint-tests.json).</summary>
    public class EndpointResolverVectorTests
    {
        public static IEnumerable<object[]> Vectors()
        {
            using (var document = EndpointTestData.Load("cognito-idp.endpoint-tests.json"))
            {
                var index = 0;
                foreach (var testCase in document.RootElement.GetProperty("testCases").EnumerateArray())
                {
                    // Index first so every row gets its own name in the test runner's output.
                    yield return new object[] { index++, testCase.GetRawText() };
                }
            }
        }

        [Fact]
        public void AllOfficialVectorsAreLoaded()
        {
            Assert.Equal(57, new List<object[]>(Vectors()).Count);
        }

        [Theory]
        [MemberData(nameof(Vectors))]
        public void OfficialVector(int index, string testCaseJson)
        {
            using (var testCase = JsonDocument.Parse(testCaseJson))
            {
                var root = testCase.RootElement;
                var parameters = new EndpointParameters();
                if (root.TryGetProperty("params", out var given))
                {
                    if (given.TryGetProperty("Region", out var region)) parameters.Region = region.GetString();
                    if (given.TryGetProperty("UseFIPS", out var fips)) parameters.UseFips = fips.GetBoolean();
                    if (given.TryGetProperty("UseDualStack", out var dualStack)) parameters.UseDualStack = dualStack.GetBoolean();
                    if (given.TryGetProperty("Endpoint", out var endpoint)) parameters.Endpoint = endpoint.GetString();
                }

                var expect = root.GetProperty("expect");
                var documentation = root.GetProperty("documentation").GetString();
                if (expect.TryGetProperty("error", out var expectedError))
                {
                    var error = Assert.Throws<EndpointResolutionException>(() => EndpointResolver.Resolve(parameters));
                    Assert.True(expectedError.GetString() == error.Message,
                        $"vector {index} ({documentation}): expected error '{expectedError.GetString()}', got '{error.Message}'");
                }
                else
                {
                    var expectedUrl = expect.GetProperty("endpoint").GetProperty("url").GetString();
                    var url = EndpointResolver.Resolve(parameters);
                    Assert.True(expectedUrl == url.OriginalString,
                        $"vector {index} ({documentation}): expected {expectedUrl}, got {url.OriginalString}");
                    Assert.Equal(new Uri(expectedUrl), url);
                }
            }
        }
    }
}
