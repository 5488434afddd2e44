using System;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;
using Xunit;

namespace CognitoTools.Tests.TestEndpoint
{
    /// <summary>The endpoint's hard stops (issue 13): the account's daily e-mail limit and per-client pool faults, with their test routes.</summary>
    public class AccountLimitsTests : IDisposable
    {
        private readonly FakeCognitoService _service = FakeCognitoService.StartNew().SeedDemoPool();
        private readonly HttpClient _http = Wire.NewClient();

        public AccountLimitsTests()
        {
            _service.ResendLimitPerHour = 0;
        }

        public void Dispose()
        {
            _http.Dispose();
            _service.Dispose();
        }

        private Task<WireResponse> Resend(string clientId, string username) => Wire.ResendAsync(_http, _service, clientId, username);

        private Task<WireResponse> Post(string pathAndQuery)
            => Wire.SendAsync(_http, new HttpRequestMessage(HttpMethod.Post, new Uri(_service.BaseUri, pathAndQuery)));

        private async Task<JsonElement> Stats()
        {
            var response = await Wire.SendAsync(_http, new HttpRequestMessage(HttpMethod.Get, new Uri(_service.BaseUri, "/_test/stats")));
            using (var doc = JsonDocument.Parse(response.Body)) return doc.RootElement.Clone();
        }

        [Fact]
        public async Task The_daily_email_limit_is_the_whole_endpoints_counts_email_only_and_turns_with_the_day()
        {
            _service.Limits.DailyEmailLimit = 2;
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "ann")).Status);
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "bob")).Status);
            var refused = await Resend(FakeCognitoService.DemoClientId, "carol");
            Assert.Equal(400, refused.Status);
            Assert.Equal("LimitExceededException", refused.ErrorType);
            Assert.Equal(AccountLimits.DailyEmailLimitMessage, refused.Message);
            Assert.Equal(StopCause.DailyEmailLimit, StopClassifier.Classify(refused.ErrorType, refused.Message).Cause);
            // SMS is not counted against the e-mail limit.
            var sms = await Resend(FakeCognitoService.DemoClientId, "dave");
            Assert.Equal(200, sms.Status);
            Assert.Equal("SMS", sms.DeliveryMedium);

            var stats = await Stats();
            Assert.Equal(2, stats.GetProperty("EmailsToday").GetInt32());
            Assert.Equal(1, stats.GetProperty("DailyLimitAnswers").GetInt32());
            Assert.Equal(4, stats.GetProperty("RequestsByClient").GetProperty(FakeCognitoService.DemoClientId).GetInt32());

            var nextDay = await Post("/_test/next-day?daily-email-limit=5");
            Assert.Equal(200, nextDay.Status);
            Assert.Equal(1, _service.Limits.Day);
            Assert.Equal(5, _service.Limits.DailyEmailLimit);
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "carol")).Status);
            Assert.Equal(400, (await Post("/_test/next-day?daily-email-limit=-1")).Status);
        }

        [Fact]
        public async Task The_per_user_hour_does_not_use_up_the_days_email()
        {
            _service.ResendLimitPerHour = 1;
            _service.Limits.DailyEmailLimit = 2;
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "ann")).Status);
            var hour = await Resend(FakeCognitoService.DemoClientId, "ann");
            Assert.Equal("Attempt limit exceeded, please try after some time.", hour.Message);
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "bob")).Status);
            Assert.Equal(2, _service.Limits.EmailsToday);
        }

        [Fact]
        public async Task A_client_fault_answers_every_request_of_that_client_and_is_cleared_by_its_route()
        {
            _service.AddClient("brokenclient1");
            _service.Limits.SetClientFault("brokenclient1=InvalidSmsRoleTrustRelationshipException");
            var broken = await Resend("brokenclient1", "ann");
            Assert.Equal(400, broken.Status);
            Assert.Equal("InvalidSmsRoleTrustRelationshipException", broken.ErrorType);
            Assert.Equal(200, (await Resend(FakeCognitoService.DemoClientId, "ann")).Status);

            Assert.Equal(200, (await Post("/_test/client-fault?client=brokenclient1&error=ForbiddenException")).Status);
            var forbidden = await Resend("brokenclient1", "bob");
            Assert.Equal(403, forbidden.Status);
            Assert.Equal("ForbiddenException", forbidden.ErrorType);

            Assert.Equal(200, (await Post("/_test/client-fault?client=brokenclient1&error=NotAuthorizedException")).Status);
            var secret = await Resend("brokenclient1", "bob");
            Assert.Equal("Client brokenclient1 is configured for secret but secret was not received", secret.Message);
            Assert.Equal(StopCause.ClientSecretRequired, StopClassifier.Classify(secret.ErrorType, secret.Message).Cause);

            Assert.Equal(400, (await Post("/_test/client-fault?client=brokenclient1&error=NoSuchException")).Status);
            Assert.Equal(200, (await Post("/_test/client-fault?client=brokenclient1")).Status);
            Assert.Equal(200, (await Resend("brokenclient1", "carol")).Status);
            Assert.Equal(3, (await Stats()).GetProperty("ClientFaultAnswers").GetInt32());
        }

        [Fact]
        public void Every_injectable_pool_fault_is_classified_scope_wide_or_ambiguous()
        {
            foreach (var fault in AccountLimits.PoolFaults)
            {
                var verdict = StopClassifier.Classify(fault.Key, string.Format(fault.Value.Value, "client1"), fault.Value.Key);
                Assert.True(verdict.Reach == ErrorReach.Scope || verdict.Reach == ErrorReach.ScopeIfRepeated, fault.Key + ": " + verdict);
            }
        }
    }
}
