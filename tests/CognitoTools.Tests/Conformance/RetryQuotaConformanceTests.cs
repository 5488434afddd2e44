using System;
using System.Text.Json;
using System.Threading.Tasks;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Conformance
{
    /// <summary>
    /// Standard retry mode's quota and backoff constants, measured through the pinned JS SDK's own retry strategy
    /// (tests/conformance/retry-quota.mjs): ours must match, so an SDK update that changes them is noticed here.
    /// </summary>
    [Collection(ConformanceCollection.Name)]
    public sealed class RetryQuotaConformanceTests
    {
        [Fact]
        public async Task Quota_costs_refunds_and_backoff_constants_match_the_reference()
        {
            var reference = await ReferenceClient.RunScriptAsync("retry-quota.mjs");
            int Int(string name) => reference.GetProperty(name).GetInt32();

            Assert.Equal(RetryQuota.DefaultCapacity, Int("initialTokens"));
            Assert.Equal(Int("initialTokens"), new CognitoClientConfig().RetryQuotaCapacity);
            Assert.Equal(Int("transientRetryCost"), RetryQuota.CostOf(RetryDecision.Transient));
            Assert.Equal(Int("throttlingRetryCost"), RetryQuota.CostOf(RetryDecision.Throttling));
            Assert.Equal(RetryQuota.TransientRetryCost, Int("refundAfterRetriedSuccess"));
            Assert.Equal(RetryQuota.NoRetryIncrement, Int("firstAttemptSuccessIncrement"));
            Assert.Equal(TimeSpan.FromMilliseconds(Int("transientBaseDelayMs")), RetryClassifier.TransientBaseDelay);
            Assert.Equal(TimeSpan.FromMilliseconds(Int("throttlingBaseDelayMs")), RetryClassifier.ThrottlingBaseDelay);
            Assert.Equal(TimeSpan.FromMilliseconds(Int("maxBackoffMs")), RetryClassifier.MaxBackoff);

            // The same drain measured on our side: retries a full quota pays for when every answer is a transient error.
            var quota = new RetryQuota(RetryQuota.DefaultCapacity);
            var retries = 0;
            while (quota.TryAcquire(RetryQuota.CostOf(RetryDecision.Transient))) retries++;
            Assert.Equal(Int("transientRetriesFromFull"), retries);
        }
    }
}
