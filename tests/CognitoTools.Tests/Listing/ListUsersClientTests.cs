using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Auth;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;
using CognitoTools.Tests.Protocol;
using Xunit;

namespace CognitoTools.Tests.Listing
{
    /// <summary>ListUsers on the wire: the body, the signature on every attempt, retries, clock skew, errors.</summary>
    public class ListUsersClientTests
    {
        private static readonly ListUsersRequest Pool = new ListUsersRequest { UserPoolId = "us-east-1_Example1" };

        [Fact]
        public async Task Body_and_target_follow_the_model()
        {
            using var fixture = new ListClientFixture(_ => ListUsersAnswers.Page(null, "ann"));
            await fixture.Client.ListUsersAsync(new ListUsersRequest
            {
                UserPoolId = "us-east-1_Example1",
                AttributesToGet = new[] { "email", "custom:tier" },
                Limit = 60,
                PaginationToken = "tok/+=",
                Filter = "email ^= \"ann\"",
            }, CancellationToken.None);

            var request = Assert.Single(fixture.Server.Requests);
            Assert.Equal("POST", request.Method);
            Assert.Equal("/", request.Path);
            Assert.Equal("AWSCognitoIdentityProviderService.ListUsers", request.Header("X-Amz-Target"));
            Assert.Equal("application/x-amz-json-1.1", request.Header("Content-Type"));
            Assert.Equal("{\"UserPoolId\":\"us-east-1_Example1\",\"AttributesToGet\":[\"email\",\"custom:tier\"],\"Limit\":60,\"PaginationToken\":\"tok/+=\",\"Filter\":\"email ^= \\\"ann\\\"\"}",
                request.BodyText);
        }

        [Fact]
        public async Task Every_attempt_is_signed_again_with_the_time_and_credentials_of_that_attempt()
        {
            // Near the real time: the test server's Date header is real, and an offset of 5 minutes would be corrected.
            var start = new DateTimeOffset(DateTimeOffset.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
            var now = start;
            var credentials = new CountingCredentials(n => new AwsCredentials("AKIDATTEMPT" + n, "secret-" + n, "token-" + n, null, "the test's credentials"));
            var answers = Responses.Sequence(
                () => { now = now.AddSeconds(7); return ResponseAction.Json(500, "{\"__type\":\"InternalErrorException\",\"message\":\"boom\"}"); },
                () => { now = now.AddSeconds(7); return ResponseAction.Json(400, "{\"__type\":\"TooManyRequestsException\",\"message\":\"slow down\"}"); },
                () => ListUsersAnswers.Page(null, "ann"));
            var limiter = new CountingLimiter();
            using var fixture = new ListClientFixture(answers, credentials, () => now, limiter);

            var page = await fixture.Client.ListUsersAsync(Pool, CancellationToken.None);

            Assert.Equal(3, page.Attempts);
            Assert.Equal(3, credentials.Asks);
            Assert.Equal(3, limiter.Waits);
            Assert.Equal(1, limiter.Throttles);
            var requests = fixture.Server.Requests;
            Assert.Equal(3, requests.Count);
            for (var i = 0; i < 3; i++)
            {
                var attemptCredentials = new AwsCredentials("AKIDATTEMPT" + (i + 1), "secret-" + (i + 1), "token-" + (i + 1), null, "x");
                Assert.Equal(SigV4Signer.FormatAmzDate(start.AddSeconds(7 * i)), requests[i].Header("X-Amz-Date"));
                Assert.Equal("token-" + (i + 1), requests[i].Header("X-Amz-Security-Token"));
                Assert.Equal(ExpectedAuthorization(requests[i], attemptCredentials, start.AddSeconds(7 * i)), requests[i].Header("Authorization"));
                Assert.Contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,", requests[i].Header("Authorization"));
            }
        }

        [Fact]
        public async Task A_clock_far_off_is_corrected_from_the_Date_header_and_the_request_signed_again_once()
        {
            var local = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
            var server = local.AddMinutes(42);
            var answers = Responses.Sequence(
                () => ResponseAction.Json(400, "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature expired\"}").WithHeader("Date", server.ToString("r", CultureInfo.InvariantCulture)),
                () => ListUsersAnswers.Page(null, "ann"));
            using var fixture = new ListClientFixture(answers, null, () => local, null);
            fixture.Config.MaxAttempts = 1;

            var page = await fixture.Client.ListUsersAsync(Pool, CancellationToken.None);

            Assert.Equal("ann", Assert.Single(page.Users).Username);
            var requests = fixture.Server.Requests;
            Assert.Equal(2, requests.Count);
            Assert.Equal(SigV4Signer.FormatAmzDate(local), requests[0].Header("X-Amz-Date"));
            Assert.Equal(SigV4Signer.FormatAmzDate(server), requests[1].Header("X-Amz-Date"));
        }

        [Fact]
        public async Task A_refused_signature_without_a_clock_error_is_not_retried_and_names_the_credentials_source_never_the_secret()
        {
            var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>";
            using var fixture = new ListClientFixture(_ => ResponseAction.Json(403, xml, "text/html; charset=utf-8"));

            var error = await Assert.ThrowsAsync<CredentialsRefusedException>(() => fixture.Client.ListUsersAsync(Pool, CancellationToken.None));

            Assert.Single(fixture.Server.Requests);
            Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
            Assert.Equal("InvalidSignature", error.ErrorId);
            Assert.Equal(CredentialErrorCategory.AuthenticationError, error.Category);
            Assert.Equal(403, error.HttpStatusCode);
            Assert.Contains("The request signature we calculated does not match", error.Message);
            Assert.Contains("the credentials from the test's credentials (access key AKIDEXAMPLE)", error.Message);
            Assert.DoesNotContain("wJalrXUtnFEMI", error.ToString());
            Assert.DoesNotContain("wJalrXUtnFEMI", string.Join("\n", fixture.LogLines));
        }

        [Fact]
        public async Task No_credentials_means_no_request()
        {
            var failing = new FailingCredentials();
            using var fixture = new ListClientFixture(_ => ListUsersAnswers.Page(null, "ann"), failing);

            var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => fixture.Client.ListUsersAsync(Pool, CancellationToken.None));

            Assert.Equal("NoCredentials", error.ErrorId);
            Assert.Empty(fixture.Server.Requests);
        }

        [Fact]
        public async Task Users_are_read_as_AWS_Tools_UserType()
        {
            const string json = "{\"Users\":[{\"Username\":\"ann\",\"Attributes\":[{\"Name\":\"sub\",\"Value\":\"0d0a\"},{\"Name\":\"email\",\"Value\":\"ann@example.com\"}]," +
                                "\"UserCreateDate\":1.764979200123E9,\"UserLastModifiedDate\":1764979300,\"Enabled\":false,\"UserStatus\":\"UNCONFIRMED\"," +
                                "\"MFAOptions\":[{\"DeliveryMedium\":\"SMS\",\"AttributeName\":\"phone_number\"}]}],\"PaginationToken\":\"next\"}";
            using var fixture = new ListClientFixture(_ => ResponseAction.Json(200, json));

            var page = await fixture.Client.ListUsersAsync(Pool, CancellationToken.None);

            var user = Assert.Single(page.Users);
            Assert.Equal("ann", user.Username);
            Assert.Equal("ann@example.com", user.GetAttribute("email"));
            Assert.Equal(new[] { "sub", "email" }, user.Attributes.Select(a => a.Name));
            Assert.Equal(DateTimeKind.Local, user.UserCreateDate.Kind);
            Assert.Equal(new DateTime(2025, 12, 6, 0, 0, 0, 123, DateTimeKind.Utc), user.UserCreateDate.ToUniversalTime());
            Assert.Equal(new DateTime(2025, 12, 6, 0, 1, 40, DateTimeKind.Utc), user.UserLastModifiedDate.ToUniversalTime());
            Assert.False(user.Enabled);
            Assert.Equal("UNCONFIRMED", user.UserStatus);
            Assert.Equal("SMS", Assert.Single(user.MFAOptions).DeliveryMedium);
            Assert.Equal("next", page.PaginationToken);
        }

        [Theory]
        [InlineData("{}")]
        [InlineData("{\"Users\":[]}")]
        [InlineData("{\"Users\":[],\"PaginationToken\":\"\"}")]
        public async Task An_answer_without_users_or_token_is_an_empty_last_page(string json)
        {
            using var fixture = new ListClientFixture(_ => ResponseAction.Json(200, json));
            var page = await fixture.Client.ListUsersAsync(Pool, CancellationToken.None);
            Assert.Empty(page.Users);
            Assert.Null(page.PaginationToken);
        }

        [Fact]
        public async Task A_body_that_is_not_a_ListUsers_answer_is_a_MalformedResponse()
        {
            using var fixture = new ListClientFixture(_ => ResponseAction.Json(200, "{\"Users\":{}}"));
            fixture.Config.MaxAttempts = 1;
            var error = await Assert.ThrowsAsync<CognitoServiceException>(() => fixture.Client.ListUsersAsync(Pool, CancellationToken.None));
            Assert.Equal(CognitoErrors.MalformedResponse, error.ErrorCode);
        }

        /// <summary>What a server that knows the secret computes for the request it received.</summary>
        internal static string ExpectedAuthorization(RecordedRequest request, AwsCredentials credentials, DateTimeOffset time)
        {
            var signed = new List<KeyValuePair<string, string>>
            {
                new KeyValuePair<string, string>("host", request.Header("Host")),
                new KeyValuePair<string, string>("content-type", request.Header("Content-Type")),
                new KeyValuePair<string, string>("x-amz-date", request.Header("X-Amz-Date")),
                new KeyValuePair<string, string>("x-amz-target", request.Header("X-Amz-Target")),
            };
            if (request.Header("X-Amz-Security-Token") != null) signed.Add(new KeyValuePair<string, string>("x-amz-security-token", request.Header("X-Amz-Security-Token")));
            return SigV4Signer.Compute("POST", request.Path, null, signed, SigV4Signer.HashHex(request.Body), true, credentials, "us-east-1", "cognito-idp", time).Authorization;
        }

        private sealed class FailingCredentials : IAwsCredentialsProvider
        {
            public string Source => "nowhere";
            public Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
                => throw new AwsCredentialsException("NoCredentials", "No credentials were found.", Source);
        }
    }
}
