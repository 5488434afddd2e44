using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CognitoTools.TestEndpoint;
using Xunit;

namespace CognitoTools.Tests.TestEndpoint
{
    public sealed class FakeCognitoServiceTests : IDisposable
    {
        private const string ErrorTypeSuffix = ":http://internal.amazon.com/coral/com.amazonaws.swbup.service/";
        private readonly FakeCognitoService _service = FakeCognitoService.StartNew().SeedDemoPool();
        private readonly HttpClient _http = Wire.NewClient();

        public void Dispose()
        {
            _http.Dispose();
            _service.Dispose();
        }

        private Task<WireResponse> Resend(string clientId, string username, string secretHash = null)
            => Wire.ResendAsync(_http, _service, clientId, username, secretHash);

        private static void AssertCognitoError(WireResponse response, int status, string code, string message)
        {
            Assert.Equal(status, response.Status);
            Assert.Equal(code + ErrorTypeSuffix, response.Header("x-amzn-ErrorType"));
            Assert.Equal(code, response.ErrorType);
            Assert.Equal(message, response.Message);
            Assert.Equal("application/x-amz-json-1.1", response.ContentType);
        }

        [Fact]
        public async Task Unconfirmed_user_with_email_gets_masked_email_delivery()
        {
            var response = await Resend(FakeCognitoService.DemoClientId, "ann");

            Assert.Equal(200, response.Status);
            Assert.Equal("{\"CodeDeliveryDetails\":{\"AttributeName\":\"email\",\"DeliveryMedium\":\"EMAIL\",\"Destination\":\"a***@e***.com\"}}", response.Body);
            Assert.Equal("application/x-amz-json-1.1", response.ContentType);
            Assert.Null(response.Header("x-amzn-ErrorType"));
            var delivery = Assert.Single(_service.Deliveries);
            Assert.Equal("ann", delivery.Username);
            Assert.Equal("a***@e***.com", delivery.Destination);
            Assert.Equal(FakeCognitoService.DemoClientId, delivery.ClientId);
            Assert.Equal(1, _service.DeliveryCount);
        }

        [Fact]
        public async Task Unconfirmed_user_with_phone_gets_masked_sms_delivery()
        {
            var response = await Resend(FakeCognitoService.DemoClientId, "dave");

            Assert.Equal(200, response.Status);
            Assert.Equal("phone_number", response.AttributeName);
            Assert.Equal("SMS", response.DeliveryMedium);
            Assert.Equal("+*******0123", response.Destination);
        }

        [Fact]
        public async Task Delivery_attribute_can_be_chosen_when_user_has_both()
        {
            _service.AddUser("both", email: "both@example.com", phoneNumber: "+447700900123", deliveryAttribute: "phone_number");

            var response = await Resend(FakeCognitoService.DemoClientId, "both");

            Assert.Equal("SMS", response.DeliveryMedium);
            Assert.Equal("+********0123", response.Destination);
        }

        [Fact]
        public async Task Every_response_carries_a_distinct_guid_request_id()
        {
            var answers = new[]
            {
                await Resend(FakeCognitoService.DemoClientId, "ann"),
                await Resend(FakeCognitoService.DemoClientId, "nobody"),
                await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, "{}", target: "Nope.Nope")),
            };

            var ids = answers.Select(a => a.Header("x-amzn-RequestId")).ToList();
            Assert.All(ids, id => Assert.True(Guid.TryParse(id, out _), "not a GUID: " + id));
            Assert.Equal(3, ids.Distinct().Count());
        }

        [Fact]
        public async Task Unknown_user_is_UserNotFoundException()
        {
            AssertCognitoError(await Resend(FakeCognitoService.DemoClientId, "nobody"), 400, "UserNotFoundException", "Username/client id combination not found.");
            Assert.Equal(0, _service.DeliveryCount);
        }

        [Fact]
        public async Task Confirmed_user_is_InvalidParameterException()
        {
            AssertCognitoError(await Resend(FakeCognitoService.DemoClientId, "erin"), 400, "InvalidParameterException", "User is already confirmed.");
        }

        [Fact]
        public async Task Unknown_client_is_ResourceNotFoundException()
        {
            AssertCognitoError(await Resend("nosuchclient", "ann"), 400, "ResourceNotFoundException", "User pool client nosuchclient does not exist.");
        }

        [Fact]
        public async Task User_without_email_or_phone_cannot_get_a_code()
        {
            _service.AddUser("nomail");
            AssertCognitoError(await Resend(FakeCognitoService.DemoClientId, "nomail"), 400, "InvalidParameterException", "Cannot resend codes. Auto verification not turned on.");
        }

        [Fact]
        public async Task Secret_client_without_SecretHash_is_NotAuthorized()
        {
            AssertCognitoError(await Resend(FakeCognitoService.DemoSecretClientId, "ann"), 400, "NotAuthorizedException", "Unable to verify secret hash for client secretclient1");
        }

        [Fact]
        public async Task Secret_client_with_wrong_SecretHash_is_NotAuthorized()
        {
            // Valid for "bob", so it must fail for "ann".
            var hashForBob = FakeCognitoService.ComputeSecretHash(FakeCognitoService.DemoClientSecret, "bob", FakeCognitoService.DemoSecretClientId);
            AssertCognitoError(await Resend(FakeCognitoService.DemoSecretClientId, "ann", hashForBob), 400, "NotAuthorizedException", "Unable to verify secret hash for client secretclient1");
            Assert.Equal(0, _service.DeliveryCount);
        }

        [Fact]
        public async Task Secret_client_with_correct_SecretHash_delivers()
        {
            // Known answer computed independently (Python hmac/hashlib): Base64(HMAC-SHA256(secret, "ann" + "secretclient1")).
            var response = await Resend(FakeCognitoService.DemoSecretClientId, "ann", "nedCzwe0R4Iz9pzq6Zr7vWva9izYey3jODVFs5M8I70=");

            Assert.Equal(200, response.Status);
            Assert.Equal("a***@e***.com", response.Destination);
        }

        [Fact]
        public void ComputeSecretHash_matches_known_answers()
        {
            Assert.Equal("nedCzwe0R4Iz9pzq6Zr7vWva9izYey3jODVFs5M8I70=", FakeCognitoService.ComputeSecretHash(FakeCognitoService.DemoClientSecret, "ann", "secretclient1"));
            Assert.Equal("ti0Wg6abLLkRdCi1OMZ7ewlO9dd3QT12rhvubtIyHqI=", FakeCognitoService.ComputeSecretHash("s3cr3t", "J\u00fcrgen", "client1"));
        }

        [Fact]
        public async Task SecretHash_is_ignored_for_a_client_without_secret()
        {
            var response = await Resend(FakeCognitoService.DemoClientId, "ann", "c29tZWhhc2g=");
            Assert.Equal(200, response.Status);
        }

        [Fact]
        public async Task Missing_ClientId_is_a_validation_error()
        {
            AssertCognitoError(await Resend(null, "ann"), 400, "InvalidParameterException",
                "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null");
        }

        [Fact]
        public async Task Missing_ClientId_and_Username_are_two_validation_errors()
        {
            AssertCognitoError(await Resend(null, null), 400, "InvalidParameterException",
                "2 validation errors detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null; "
                + "Value null at 'username' failed to satisfy constraint: Member must not be null");
        }

        [Fact]
        public async Task Username_with_a_space_fails_the_pattern_without_echoing_the_value()
        {
            var response = await Resend(FakeCognitoService.DemoClientId, "ann smith");

            AssertCognitoError(response, 400, "InvalidParameterException",
                "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
            Assert.DoesNotContain("ann smith", response.Body);
        }

        [Fact]
        public async Task Username_longer_than_128_fails_the_length_constraint()
        {
            AssertCognitoError(await Resend(FakeCognitoService.DemoClientId, new string('a', 129)), 400, "InvalidParameterException",
                "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128");
            // 128 is allowed: the user is merely unknown.
            Assert.Equal("UserNotFoundException", (await Resend(FakeCognitoService.DemoClientId, new string('a', 128))).ErrorType);
        }

        [Fact]
        public async Task ClientId_pattern_is_ascii_word_characters()
        {
            AssertCognitoError(await Resend("client-1", "ann"), 400, "InvalidParameterException",
                "1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+");
            AssertCognitoError(await Resend("cli\u00e9nt", "ann"), 400, "InvalidParameterException",
                "1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+");
        }

        [Fact]
        public async Task SecretHash_pattern_is_checked()
        {
            AssertCognitoError(await Resend(FakeCognitoService.DemoSecretClientId, "ann", "not a hash!"), 400, "InvalidParameterException",
                "1 validation error detected: Value at 'secretHash' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=/]+");
        }

        [Fact]
        public async Task Unicode_usernames_including_emoji_pass_validation_and_are_found()
        {
            _service.AddUser("J\u00fcrgen", email: "juergen@example.de");

            var found = await Resend(FakeCognitoService.DemoClientId, "J\u00fcrgen");
            var emoji = await Resend(FakeCognitoService.DemoClientId, "party\U0001F389");

            Assert.Equal(200, found.Status);
            Assert.Equal("j***@e***.de", found.Destination);
            // The emoji is one code point of category So: valid, so the user is merely unknown.
            Assert.Equal("UserNotFoundException", emoji.ErrorType);
        }

        [Fact]
        public async Task Usernames_are_case_insensitive_by_default_and_case_sensitive_on_request()
        {
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "ANN")).Status);

            var strictPool = _service.AddPool("us-east-1_Strict", caseSensitiveUsernames: true);
            strictPool.AddClient("strictclient");
            strictPool.AddUser("Zoe", email: "zoe@example.com");
            Assert.Equal(200, (await Resend("strictclient", "Zoe")).Status);
            Assert.Equal("UserNotFoundException", (await Resend("strictclient", "zoe")).ErrorType);
            // Pools are separate: the demo pool's users are not in the strict pool.
            Assert.Equal("UserNotFoundException", (await Resend("strictclient", "ann")).ErrorType);
        }

        [Fact]
        public async Task Unknown_target_is_UnknownOperationException()
        {
            var response = await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, Wire.Body("demoappclient1", "ann"), target: "AWSCognitoIdentityProviderService.ConfirmSignUp"));
            Assert.Equal(400, response.Status);
            Assert.Equal("com.amazon.coral.service#UnknownOperationException", response.ErrorType);
            Assert.StartsWith("UnknownOperationException:", response.Header("x-amzn-ErrorType"));

            var noTarget = await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, Wire.Body("demoappclient1", "ann"), target: null));
            Assert.Equal("com.amazon.coral.service#UnknownOperationException", noTarget.ErrorType);
            Assert.Equal(0, _service.DeliveryCount);
        }

        [Fact]
        public async Task Wrong_content_type_is_refused_and_parameters_are_allowed()
        {
            var plainJson = await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, Wire.Body("demoappclient1", "ann"), contentType: "application/json"));
            Assert.Equal(400, plainJson.Status);
            Assert.Equal("com.amazon.coral.service#UnknownOperationException", plainJson.ErrorType);

            var withCharset = await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, Wire.Body("demoappclient1", "ann"), contentType: "application/x-amz-json-1.1; charset=utf-8"));
            Assert.Equal(200, withCharset.Status);
        }

        [Fact]
        public async Task Only_POST_is_accepted()
        {
            var response = await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, null, method: HttpMethod.Get));
            Assert.Equal(404, response.Status);
            Assert.Equal("com.amazon.coral.service#UnknownOperationException", response.ErrorType);
        }

        [Theory]
        [InlineData("{\"ClientId\":\"demoappclient1\",\"Username\":")]
        [InlineData("[1,2]")]
        [InlineData("{\"ClientId\":\"demoappclient1\",\"Username\":42}")]
        [InlineData("not json")]
        public async Task Malformed_request_body_is_SerializationException(string body)
        {
            var response = await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, body));
            Assert.Equal(400, response.Status);
            Assert.Equal("com.amazon.coral.service#SerializationException", response.ErrorType);
            Assert.NotNull(response.JsonString("Message"));
            Assert.StartsWith("SerializationException:", response.Header("x-amzn-ErrorType"));
            Assert.Equal(0, _service.DeliveryCount);
        }

        [Fact]
        public async Task Empty_body_is_read_as_empty_object()
        {
            var response = await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, ""));
            Assert.Equal("InvalidParameterException", response.ErrorType);
            Assert.StartsWith("2 validation errors detected:", response.Message);
        }

        [Fact]
        public async Task Unknown_members_are_ignored_and_ClientMetadata_is_recorded()
        {
            var body = "{\"ClientId\":\"demoappclient1\",\"Username\":\"bob\",\"Extra\":{\"a\":[1,2]},"
                + "\"ClientMetadata\":{\"source\":\"import\",\"batch\":\"7\"},\"AnalyticsMetadata\":{\"AnalyticsEndpointId\":\"e1\"},"
                + "\"UserContextData\":{\"IpAddress\":\"192.0.2.1\",\"EncodedData\":\"abc\"}}";

            var response = await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, body));

            Assert.Equal(200, response.Status);
            var delivery = Assert.Single(_service.Deliveries);
            Assert.Equal("import", delivery.ClientMetadata["source"]);
            Assert.Equal("7", delivery.ClientMetadata["batch"]);
        }

        [Fact]
        public async Task Sixth_resend_within_an_hour_is_LimitExceededException_and_the_window_slides()
        {
            var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
            _service.Clock = () => now;

            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "carol")).Status);
                now = now.AddMinutes(10);
            }
            // 12:50: five resends since 12:00.
            AssertCognitoError(await Resend(FakeCognitoService.DemoClientId, "carol"), 400, "LimitExceededException", "Attempt limit exceeded, please try after some time.");
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "bob")).Status);

            // 13:00: the 12:00 resend has left the window, so one more is allowed, then the limit again.
            now = new DateTimeOffset(2026, 1, 1, 13, 0, 0, TimeSpan.Zero);
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "carol")).Status);
            Assert.Equal("LimitExceededException", (await Resend(FakeCognitoService.DemoClientId, "carol")).ErrorType);
            Assert.Equal(6, _service.DeliveriesFor("carol"));
            Assert.Equal(8, _service.AttemptsFor("carol"));
        }

        [Fact]
        public async Task Resend_limit_is_configurable_shared_by_clients_and_can_be_turned_off()
        {
            _service.ResendLimitPerHour = 2;
            var hash = FakeCognitoService.ComputeSecretHash(FakeCognitoService.DemoClientSecret, "bob", FakeCognitoService.DemoSecretClientId);

            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "bob")).Status);
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoSecretClientId, "bob", hash)).Status);
            Assert.Equal("LimitExceededException", (await Resend(FakeCognitoService.DemoClientId, "bob")).ErrorType);

            _service.ResendLimitPerHour = 0;
            for (var i = 0; i < 10; i++) Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "bob")).Status);
        }

        [Fact]
        public async Task Over_the_request_rate_is_TooManyRequestsException_with_status_400()
        {
            _service.SetRateLimit(requestsPerSecond: 1, burst: 3);
            var watch = Stopwatch.StartNew();
            var answers = new List<WireResponse>();
            for (var i = 0; i < 10; i++) answers.Add(await Resend(FakeCognitoService.DemoClientId, "user" + i));
            watch.Stop();

            var throttled = answers.Where(a => a.ErrorType == "TooManyRequestsException").ToList();
            var served = answers.Count - throttled.Count;
            Assert.True(served >= 3, "the burst of 3 must be served");
            // At most the burst plus what refilled at 1/s while the loop ran.
            Assert.True(served <= 3 + (int)Math.Ceiling(watch.Elapsed.TotalSeconds), $"served {served} in {watch.Elapsed}");
            Assert.NotEmpty(throttled);
            AssertCognitoError(throttled[0], 400, "TooManyRequestsException", "Rate exceeded");
        }

        [Fact]
        public async Task Throttling_status_can_be_429()
        {
            _service.SetRateLimit(requestsPerSecond: 0.001, burst: 1);
            _service.ThrottleStatusCode = 429;

            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "ann")).Status);
            AssertCognitoError(await Resend(FakeCognitoService.DemoClientId, "ann"), 429, "TooManyRequestsException", "Rate exceeded");

            _service.SetRateLimit(0);
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "ann")).Status);
        }

        [Fact]
        public async Task PreventUserExistenceErrors_answers_unknown_users_with_plausible_stable_details()
        {
            _service.FindClient(FakeCognitoService.DemoClientId).PreventUserExistenceErrors = true;

            var first = await Resend(FakeCognitoService.DemoClientId, "ghost");
            var again = await Resend(FakeCognitoService.DemoClientId, "ghost");
            var real = await Resend(FakeCognitoService.DemoClientId, "ann");
            var confirmed = await Resend(FakeCognitoService.DemoClientId, "erin");
            var otherClient = await Resend(FakeCognitoService.DemoSecretClientId, "ghost",
                FakeCognitoService.ComputeSecretHash(FakeCognitoService.DemoClientSecret, "ghost", FakeCognitoService.DemoSecretClientId));

            Assert.Equal(200, first.Status);
            Assert.Equal("email", first.AttributeName);
            Assert.Equal("EMAIL", first.DeliveryMedium);
            Assert.Matches(@"^g\*\*\*@[a-z]\*\*\*\.[a-z]+$", first.Destination);
            Assert.Equal(first.Body, again.Body);
            Assert.Equal(DestinationMasking.PlausibleEmailFor("ghost"), first.Destination);
            Assert.Equal(200, real.Status);
            Assert.Equal("InvalidParameterException", confirmed.ErrorType);
            // The setting belongs to the client: the other client still reveals the unknown user.
            Assert.Equal("UserNotFoundException", otherClient.ErrorType);
            Assert.Equal(2, _service.SimulatedDeliveryCount);
            Assert.Equal(1, _service.DeliveryCount);
        }

        [Fact]
        public async Task PreventUserExistenceErrors_still_checks_the_secret_hash()
        {
            _service.FindClient(FakeCognitoService.DemoSecretClientId).PreventUserExistenceErrors = true;
            Assert.Equal("NotAuthorizedException", (await Resend(FakeCognitoService.DemoSecretClientId, "ghost")).ErrorType);
        }

        [Fact]
        public async Task Counters_report_requests_attempts_and_per_second_counts()
        {
            await Resend(FakeCognitoService.DemoClientId, "ann");
            await Resend(FakeCognitoService.DemoClientId, "ann");
            await Resend(FakeCognitoService.DemoClientId, "nobody");
            await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, "{}", target: "x"));

            Assert.Equal(4, _service.RequestCount);
            Assert.Equal(4, _service.Server.RequestCount);
            Assert.Equal(2, _service.AttemptsFor("ann"));
            Assert.Equal(1, _service.AttemptsFor("nobody"));
            Assert.Equal(2, _service.DeliveriesFor("ann"));
            Assert.Equal(4, _service.RequestTimes.Count);
            Assert.Equal(4, _service.RequestsPerSecond().Sum());
            Assert.Equal(4, _service.MaxRequestsInWindow(TimeSpan.FromMinutes(1)));
            Assert.InRange(_service.MaxRequestsInWindow(TimeSpan.FromTicks(1)), 1, 4);

            _service.ResetCounters();
            Assert.Equal(0, _service.RequestCount);
            Assert.Empty(_service.RequestTimes);
            Assert.Empty(_service.Deliveries);
            Assert.Equal(0, _service.AttemptsFor("ann"));
        }

        [Fact]
        public async Task Stats_show_each_users_latest_request_members_without_the_secret_hash()
        {
            const string body = "{\"ClientId\":\"secretclient1\",\"Username\":\"carol\",\"SecretHash\":\"c2VjcmV0aGFzaA==\","
                + "\"AnalyticsMetadata\":{\"AnalyticsEndpointId\":\"endpoint-1\"},\"UserContextData\":{\"IpAddress\":\"192.0.2.1\",\"EncodedData\":\"data\"},"
                + "\"ClientMetadata\":{\"source\":\"test\"}}";
            await Wire.SendAsync(_http, Wire.Request(_service.BaseUri, body));
            await Resend(FakeCognitoService.DemoClientId, "ann");

            var stats = _service.StatsJson();
            Assert.Contains("\"LastRequestByUser\":{\"ann\":{\"SecretHashSent\":false,\"ClientId\":\"demoappclient1\"},"
                + "\"carol\":{\"SecretHashSent\":true,\"ClientId\":\"secretclient1\",\"AnalyticsMetadata\":{\"AnalyticsEndpointId\":\"endpoint-1\"},"
                + "\"UserContextData\":{\"IpAddress\":\"192.0.2.1\",\"EncodedData\":\"data\"},\"ClientMetadata\":{\"source\":\"test\"}}}", stats);
            Assert.DoesNotContain("c2VjcmV0aGFzaA==", stats);

            _service.ResetCounters();
            Assert.Contains("\"LastRequestByUser\":{}", _service.StatsJson());
        }

        [Fact]
        public async Task Not_recording_keeps_counting_but_stores_nothing()
        {
            _service.RecordRequests = false;
            await Resend(FakeCognitoService.DemoClientId, "ann");

            Assert.Equal(1, _service.RequestCount);
            Assert.Equal(1, _service.DeliveryCount);
            Assert.Empty(_service.Deliveries);
            Assert.Empty(_service.RequestTimes);
            Assert.Empty(_service.Server.Requests);
        }

        [Fact]
        public async Task Verbose_log_never_contains_the_secret_hash()
        {
            var lines = new List<string>();
            _service.Log = line => { lock (lines) lines.Add(line); };
            var hash = FakeCognitoService.ComputeSecretHash(FakeCognitoService.DemoClientSecret, "ann", FakeCognitoService.DemoSecretClientId);

            await Resend(FakeCognitoService.DemoSecretClientId, "ann", hash);

            var line = Assert.Single(lines);
            Assert.Contains("user=ann", line);
            Assert.Contains("-> 200", line);
            Assert.DoesNotContain(hash, line);
            Assert.DoesNotContain(FakeCognitoService.DemoClientSecret, line);
        }

        [Fact]
        public async Task Concurrent_requests_from_many_connections_are_all_answered()
        {
            _service.ResendLimitPerHour = 0;
            _service.SeedUsers(50);
            var tasks = Enumerable.Range(1, 200).Select(i => Resend(FakeCognitoService.DemoClientId, "user" + (1 + i % 50).ToString("0000")));

            var answers = await Task.WhenAll(tasks);

            Assert.All(answers, a => Assert.Equal(200, a.Status));
            Assert.Equal(200, _service.DeliveryCount);
            Assert.Equal(4, _service.DeliveriesFor("user0001"));
        }
    }
}
