using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using CognitoTools.Endpoints;
using Xunit;

namespace CognitoTools.Tests.Endpoints
{
    public class EndpointResolverTests
    {
        /// <summary>
        /// Beyond the 57 vectors: every listed region, pattern-only regions of each partition and a region no partition
        /// claims, with all four FIPS/dual-stack combinations, against a generic evaluation of the rule set JSON.
        /// </summary>
        [Fact]
        public void AgreesWithGenericRuleSetEvaluationForEveryRegionAndSwitch()
        {
            using (var ruleSet = EndpointTestData.Load("cognito-idp.endpoint-rule-set.json"))
            using (var partitions = EndpointTestData.Load("partitions.json"))
            {
                var reference = new ReferenceRuleSetEvaluator(ruleSet.RootElement, partitions.RootElement);
                var regions = partitions.RootElement.GetProperty("partitions").EnumerateArray()
                    .SelectMany(p => p.GetProperty("regions").EnumerateObject().Select(r => r.Name))
                    .Concat(new[]
                    {
                        "us-east-9", "eu-future-3", "mx-north-2", "cn-south-7", "eusc-de-west-2", "us-iso-south-4",
                        "us-isob-north-2", "eu-isoe-east-5", "us-isof-west-3", "us-gov-north-1", "xx-nowhere-1", "local",
                    })
                    .ToList();
                var compared = 0;
                foreach (var region in regions)
                {
                    foreach (var fips in new[] { false, true })
                    {
                        foreach (var dualStack in new[] { false, true })
                        {
                            var expected = reference.Evaluate(new Dictionary<string, object>
                            {
                                ["Region"] = region, ["UseFIPS"] = fips, ["UseDualStack"] = dualStack,
                            });
                            var actual = Outcome(new EndpointParameters { Region = region, UseFips = fips, UseDualStack = dualStack });
                            Assert.True(expected == actual, $"{region} fips={fips} dualstack={dualStack}: rule set gives {expected}, resolver gives {actual}");
                            compared++;
                        }
                    }
                }
                Assert.True(compared > 200, "expected a broad comparison, made " + compared);
            }
        }

        [Theory]
        [InlineData("https://localhost:4566", false, false, null)]
        [InlineData("http://127.0.0.1:5000/prefix", false, false, null)]
        [InlineData("https://vpce-1.cognito-idp.eu-west-1.vpce.amazonaws.com", true, false, EndpointResolver.FipsWithCustomEndpointError)]
        [InlineData("https://vpce-1.cognito-idp.eu-west-1.vpce.amazonaws.com", false, true, EndpointResolver.DualStackWithCustomEndpointError)]
        [InlineData("https://example.com", true, true, EndpointResolver.FipsWithCustomEndpointError)]
        public void CustomEndpointIsUsedAsIsButExcludesFipsAndDualStack(string endpoint, bool fips, bool dualStack, string expectedError)
        {
            var parameters = new EndpointParameters { Region = "eu-west-1", Endpoint = endpoint, UseFips = fips, UseDualStack = dualStack };
            if (expectedError == null)
            {
                Assert.Equal(endpoint, EndpointResolver.Resolve(parameters).OriginalString);
            }
            else
            {
                Assert.Equal(expectedError, Assert.Throws<EndpointResolutionException>(() => EndpointResolver.Resolve(parameters)).Message);
            }
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        public void MissingOrEmptyRegionIsTheRuleSetsMissingRegionError(string region)
        {
            var error = Assert.Throws<EndpointResolutionException>(() => EndpointResolver.Resolve(new EndpointParameters { Region = region }));
            Assert.Equal("Invalid Configuration: Missing Region", error.Message);
        }

        [Theory]
        [InlineData("us-east-1/evil")]
        [InlineData("evil.com#")]
        [InlineData("us-east-1 ")]
        [InlineData("-us-east-1")]
        [InlineData("us-east-1\n")]
        public void RegionThatIsNotAHostLabelIsRefusedRatherThanPastedIntoTheHost(string region)
        {
            var error = Assert.Throws<EndpointResolutionException>(() => EndpointResolver.Resolve(new EndpointParameters { Region = region }));
            Assert.Contains("not a valid DNS host label", error.Message);
        }

        [Fact]
        public void CompiledPartitionTableMatchesPartitionsJson()
        {
            using (var partitions = EndpointTestData.Load("partitions.json"))
            {
                var fromJson = partitions.RootElement.GetProperty("partitions").EnumerateArray().ToList();
                Assert.Equal(fromJson.Select(p => p.GetProperty("id").GetString()), AwsPartitions.All.Select(p => p.Name));
                foreach (var (json, compiled) in fromJson.Zip(AwsPartitions.All))
                {
                    var outputs = json.GetProperty("outputs");
                    Assert.Equal(outputs.GetProperty("name").GetString(), compiled.Name);
                    Assert.Equal(outputs.GetProperty("dnsSuffix").GetString(), compiled.DnsSuffix);
                    Assert.Equal(outputs.GetProperty("dualStackDnsSuffix").GetString(), compiled.DualStackDnsSuffix);
                    Assert.Equal(outputs.GetProperty("implicitGlobalRegion").GetString(), compiled.ImplicitGlobalRegion);
                    Assert.Equal(outputs.GetProperty("supportsFIPS").GetBoolean(), compiled.SupportsFips);
                    Assert.Equal(outputs.GetProperty("supportsDualStack").GetBoolean(), compiled.SupportsDualStack);
                    Assert.Equal(json.GetProperty("regionRegex").GetString(), compiled.RegionRegex);
                    Assert.Equal(json.GetProperty("regions").EnumerateObject().Select(r => r.Name), compiled.Regions);
                }
            }
        }

        [Theory]
        [InlineData("aws-cn-global", "aws-cn")] // listed explicitly, although no pattern matches it
        [InlineData("us-gov-west-1", "aws-us-gov")]
        [InlineData("us-gov-north-9", "aws-us-gov")] // pattern only
        [InlineData("us-isob-west-1", "aws-iso-b")]
        [InlineData("eusc-de-east-1", "aws-eusc")]
        [InlineData("xx-nowhere-1", "aws")] // no list, no pattern: the aws partition
        public void PartitionChoiceFollowsListThenPatternThenDefault(string region, string partition)
        {
            Assert.Equal(partition, AwsPartitions.ForRegion(region).Name);
        }

        private static (string, string) Outcome(EndpointParameters parameters)
        {
            try
            {
                return (EndpointResolver.Resolve(parameters).OriginalString, null);
            }
            catch (EndpointResolutionException error)
            {
                return (null, error.Message);
            }
        }
    }
}
