using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Tests.Conformance;
using CognitoTools.TestEndpoint;
using Xunit;

namespace CognitoTools.Tests.TestEndpoint
{
    /// <summary>
    /// AWS's own JavaScript SDK v3 (the conformance tests' pinned reference client) against the fake: if the fake
    /// speaks Cognito's protocol faithfully, the SDK surfaces Cognito's answers, error names, messages and retry
    /// classifications from it. Needs Node.js, like the conformance tests.
    /// </summary>
    public sealed class ReferenceSdkAgainstFakeTests : IDisposable
    {
        private readonly FakeCognitoService _service = FakeCognitoService.StartNew().SeedDemoPool();

        public void Dispose() => _service.Dispose();

        private JsonObject Case(string id, string clientId, string username, string secretHash = null, int maxAttempts = 1)
            => ReferenceClient.Case(id, _service.EndpointUrl, maxAttempts,
                ConformanceCase.ReferenceInput(new ResendConfirmationCodeRequest { ClientId = clientId, Username = username, SecretHash = secretHash }));

        private static string Text(JsonElement result, string name) => ReferenceClient.ResultString(result, name);

        private static void AssertError(IReadOnlyDictionary<string, JsonElement> results, string id, string name, string message, int status)
        {
            var result = results[id];
            Assert.False(result.GetProperty("ok").GetBoolean(), id + " should have failed: " + result);
            Assert.Equal(name, Text(result, "name"));
            Assert.Equal(message, Text(result, "message"));
            Assert.Equal(status, result.GetProperty("httpStatusCode").GetInt32());
            Assert.True(Guid.TryParse(Text(result, "requestId"), out _), id + ": no request id surfaced");
        }

        [Fact]
        public async Task The_AWS_JavaScript_SDK_surfaces_Cognitos_answers_from_the_fake()
        {
            _service.Faults.FailFirstAttemptsForUser("throttled", 1, Fault.Throttle());
            _service.Faults.FailFirstAttemptsForUser("broken", 1, Fault.InternalError());
            _service.Faults.FailFirstAttemptsForUser("flaky", 1, Fault.ServiceUnavailable());
            _service.AddUser("flaky", email: "flaky@example.com");
            var bobHash = FakeCognitoService.ComputeSecretHash(FakeCognitoService.DemoClientSecret, "bob", FakeCognitoService.DemoSecretClientId);
            var cases = new JsonArray
            {
                Case("email", FakeCognitoService.DemoClientId, "ann"),
                Case("sms", FakeCognitoService.DemoClientId, "dave"),
                Case("secret", FakeCognitoService.DemoSecretClientId, "bob", bobHash),
                Case("confirmed", FakeCognitoService.DemoClientId, "erin"),
                Case("unknown-user", FakeCognitoService.DemoClientId, "nobody"),
                Case("unknown-client", "nosuchclient", "ann"),
                Case("no-hash", FakeCognitoService.DemoSecretClientId, "bob"),
                Case("throttled", FakeCognitoService.DemoClientId, "throttled"),
                Case("broken", FakeCognitoService.DemoClientId, "broken"),
                Case("flaky-retried", FakeCognitoService.DemoClientId, "flaky", maxAttempts: 2),
            };

            var results = await ReferenceClient.RunAsync(cases);

            var email = results["email"];
            Assert.True(email.GetProperty("ok").GetBoolean(), email.ToString());
            var details = email.GetProperty("output").GetProperty("CodeDeliveryDetails");
            Assert.Equal("a***@e***.com", details.GetProperty("Destination").GetString());
            Assert.Equal("EMAIL", details.GetProperty("DeliveryMedium").GetString());
            Assert.Equal("email", details.GetProperty("AttributeName").GetString());
            Assert.True(Guid.TryParse(Text(email, "requestId"), out _));
            Assert.Equal("+*******0123", results["sms"].GetProperty("output").GetProperty("CodeDeliveryDetails").GetProperty("Destination").GetString());
            Assert.True(results["secret"].GetProperty("ok").GetBoolean(), results["secret"].ToString());

            AssertError(results, "confirmed", "InvalidParameterException", "User is already confirmed.", 400);
            AssertError(results, "unknown-user", "UserNotFoundException", "Username/client id combination not found.", 400);
            AssertError(results, "unknown-client", "ResourceNotFoundException", "User pool client nosuchclient does not exist.", 400);
            AssertError(results, "no-hash", "NotAuthorizedException", "Unable to verify secret hash for client secretclient1", 400);
            AssertError(results, "throttled", "TooManyRequestsException", "Rate exceeded", 400);
            AssertError(results, "broken", "InternalErrorException", "Internal server error.", 500);
            // Cognito sends throttling as 400: the SDK must still see it as throttling, from the error code alone.
            Assert.Equal("THROTTLING", Text(results["throttled"], "retryErrorType"));
            Assert.Equal("client", Text(results["unknown-user"], "fault"));
            Assert.Equal("server", Text(results["broken"], "fault"));

            var retried = results["flaky-retried"];
            Assert.True(retried.GetProperty("ok").GetBoolean(), retried.ToString());
            Assert.Equal(2, retried.GetProperty("attempts").GetInt32());
            Assert.Equal(2, _service.AttemptsFor("flaky"));
            Assert.Equal(1, _service.DeliveriesFor("flaky"));
        }
    }
}
