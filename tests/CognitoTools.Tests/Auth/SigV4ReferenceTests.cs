using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CognitoTools.Auth;
using CognitoTools.Endpoints;
using CognitoTools.Tests.Conformance;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Auth
{
    /// <summary>
    /// Our signer against botocore's SigV4Auth and @smithy/signature-v4, computed at test time on generated ListUsers
    /// requests (Regions of every partition, Unicode filters, pagination tokens, temporary and long-term keys).
    /// </summary>
    public sealed class SigV4ReferenceTests
    {
        private const string Target = "AWSCognitoIdentityProviderService.ListUsers";
        private const string ContentType = "application/x-amz-json-1.1";

        private sealed class GeneratedCase
        {
            public string Id;
            public HttpRequestMessage Request;
            public byte[] Body;
            public AwsCredentials Credentials;
            public string Region;
            public DateTimeOffset Time;
        }

        /// <summary>Signed ListUsers requests built as the client builds them, from a fixed seed (so a failure reproduces).</summary>
        private static List<GeneratedCase> Generate(int count, int seed)
        {
            var random = new Random(seed);
            var regions = AwsPartitions.All.SelectMany(p => p.Regions.Where(r => !r.Contains("global"))).ToList();
            var filters = new[]
            {
                "email = \"ann@example.com\"", "cognito:user_status = \"UNCONFIRMED\"", "name ^= \"Zoë \\\"Z\\\" Ångström\"",
                "given_name ^= \"李\"", "username = \"a+b/c=d&e%20f\"", "family_name = \"🙂 emoji\"", "",
            };
            var cases = new List<GeneratedCase>();
            for (var i = 0; i < count; i++)
            {
                var region = regions[random.Next(regions.Count)];
                var partition = AwsPartitions.ForRegion(region);
                var input = new JsonObject { ["UserPoolId"] = region + "_" + RandomText(random, 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") };
                var filter = filters[random.Next(filters.Length)];
                if (filter.Length > 0) input["Filter"] = filter;
                if (random.Next(2) == 0) input["Limit"] = random.Next(0, 61);
                if (random.Next(2) == 0) input["PaginationToken"] = RandomText(random, 40 + random.Next(400), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
                if (random.Next(3) == 0) input["AttributesToGet"] = new JsonArray("email", "sub");
                var body = Encoding.UTF8.GetBytes(input.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

                var endpoint = random.Next(5) == 0
                    ? "http://127.0.0.1:" + random.Next(1024, 65535) + "/"
                    : "https://cognito-idp." + region + "." + partition.DnsSuffix + "/";
                var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
                request.Headers.TryAddWithoutValidation("X-Amz-Target", Target);
                request.Headers.TryAddWithoutValidation("User-Agent", "CognitoTools/test");
                request.Headers.TryAddWithoutValidation("amz-sdk-request", "attempt=1; max=3");

                var sessionToken = random.Next(2) == 0 ? null : RandomText(random, 200 + random.Next(600), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
                var credentials = new AwsCredentials("AKIA" + RandomText(random, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                    RandomText(random, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"), sessionToken, null, "generated");
                var time = new DateTimeOffset(2015, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.Next(0, 400_000_000));
                SigV4Signer.Sign(request, body, credentials, region, "cognito-idp", time);
                cases.Add(new GeneratedCase { Id = "case" + i, Request = request, Body = body, Credentials = credentials, Region = region, Time = time });
            }
            return cases;
        }

        private static string RandomText(Random random, int length, string alphabet)
        {
            var builder = new StringBuilder(length);
            for (var i = 0; i < length; i++) builder.Append(alphabet[random.Next(alphabet.Length)]);
            return builder.ToString();
        }

        /// <summary>The cases as the reference scripts read them: the signable headers the SDKs would have at signing time.</summary>
        private static string WriteCases(IEnumerable<GeneratedCase> cases)
        {
            var array = new JsonArray();
            foreach (var c in cases)
            {
                array.Add(new JsonObject
                {
                    ["id"] = c.Id,
                    ["method"] = "POST",
                    ["url"] = c.Request.RequestUri.AbsoluteUri,
                    ["headers"] = new JsonArray(new JsonArray("Content-Type", ContentType), new JsonArray("X-Amz-Target", Target)),
                    ["bodyBase64"] = Convert.ToBase64String(c.Body),
                    ["accessKeyId"] = c.Credentials.AccessKeyId,
                    ["secretAccessKey"] = c.Credentials.SecretAccessKey,
                    ["sessionToken"] = c.Credentials.SessionToken,
                    ["region"] = c.Region,
                    ["service"] = "cognito-idp",
                    ["signingTime"] = c.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                });
            }
            var path = Path.Combine(Path.GetTempPath(), "cognitotools-sigv4-" + Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, array.ToJsonString());
            return path;
        }

        private static void AssertSameSignatures(List<GeneratedCase> cases, string output, string reference)
        {
            using var document = JsonDocument.Parse(output);
            var results = document.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString(), r => r.Clone());
            Assert.Equal(cases.Count, results.Count);
            foreach (var c in cases)
            {
                var result = results[c.Id];
                var ours = Assert.Single(c.Request.Headers.GetValues("Authorization"));
                Assert.True(result.GetProperty("authorization").GetString() == ours,
                    $"{reference} signs {c.Id} ({c.Region}, {c.Request.RequestUri}) differently:\n {result.GetProperty("authorization").GetString()}\nours:\n {ours}");
                Assert.Equal(result.GetProperty("amzDate").GetString(), Assert.Single(c.Request.Headers.GetValues("X-Amz-Date")));
                var token = result.GetProperty("securityToken");
                if (c.Credentials.SessionToken == null) Assert.Equal(JsonValueKind.Null, token.ValueKind);
                else Assert.Equal(token.GetString(), Assert.Single(c.Request.Headers.GetValues("X-Amz-Security-Token")));
            }
        }

        [BotocoreFact]
        public void Botocore_signs_generated_ListUsers_requests_as_we_do()
        {
            var cases = Generate(200, seed: 16);
            var casesFile = WriteCases(cases);
            try
            {
                var script = Path.Combine(RepositoryLayout.RepoRoot, "tests", "CognitoTools.Tests", "Auth", "Scripts", "botocore-sigv4.py");
                var result = ExternalTools.Run("python3", new[] { script, casesFile }, null, null, TimeSpan.FromSeconds(120));
                Assert.True(result.ExitCode == 0, "botocore-sigv4.py failed: " + result.StandardError);
                AssertSameSignatures(cases, result.StandardOutput, "botocore");
            }
            finally
            {
                File.Delete(casesFile);
            }
        }

        [NodeFact]
        public void Smithy_signature_v4_signs_generated_ListUsers_requests_as_we_do()
        {
            ReferenceClient.EnsureInstalled();
            var cases = Generate(200, seed: 4);
            var casesFile = WriteCases(cases);
            try
            {
                var result = ExternalTools.Run("node", new[] { Path.Combine(ReferenceClient.PackageDirectory, "sigv4-reference.mjs"), casesFile },
                    ReferenceClient.PackageDirectory, null, TimeSpan.FromSeconds(120));
                Assert.True(result.ExitCode == 0, "sigv4-reference.mjs failed: " + result.StandardError);
                AssertSameSignatures(cases, result.StandardOutput, "@smithy/signature-v4");
            }
            finally
            {
                File.Delete(casesFile);
            }
        }

        [Fact]
        public void Signing_again_replaces_the_earlier_signature_and_date()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "https://cognito-idp.us-east-1.amazonaws.com/") { Content = new ByteArrayContent(new byte[] { (byte)'{', (byte)'}' }) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
            request.Headers.TryAddWithoutValidation("X-Amz-Target", Target);
            var temporary = new AwsCredentials("ASIAEXAMPLE", "secret", "token-1", null, "test");
            var first = SigV4Signer.Sign(request, new byte[] { (byte)'{', (byte)'}' }, temporary, "us-east-1", "cognito-idp", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var longTerm = new AwsCredentials("AKIAEXAMPLE", "secret", null, null, "test");
            var second = SigV4Signer.Sign(request, new byte[] { (byte)'{', (byte)'}' }, longTerm, "us-east-1", "cognito-idp", new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero));

            Assert.NotEqual(first.Signature, second.Signature);
            Assert.Equal(second.Authorization, Assert.Single(request.Headers.GetValues("Authorization")));
            Assert.Equal("20260101T000001Z", Assert.Single(request.Headers.GetValues("X-Amz-Date")));
            Assert.False(request.Headers.Contains("X-Amz-Security-Token"), "A token from the earlier credentials stayed on the request.");
            Assert.Equal("content-type;host;x-amz-date;x-amz-target", second.SignedHeaders);
            Assert.Equal("content-type;host;x-amz-date;x-amz-security-token;x-amz-target", first.SignedHeaders);
        }

        [Fact]
        public void A_signature_never_shows_the_secret_or_the_authorization_value()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "https://cognito-idp.us-east-1.amazonaws.com/");
            var credentials = new AwsCredentials("AKIAEXAMPLE", "SECRETSECRETSECRET", "TOKENTOKENTOKEN", null, "test");
            var signature = SigV4Signer.Sign(request, null, credentials, "us-east-1", "cognito-idp", DateTimeOffset.UtcNow);
            foreach (var text in new[] { signature.ToString(), credentials.ToString() })
            {
                Assert.DoesNotContain("SECRETSECRETSECRET", text);
                Assert.DoesNotContain("TOKENTOKENTOKEN", text);
                Assert.DoesNotContain(signature.Signature, text);
            }
        }
    }
}
