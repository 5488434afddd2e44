using System;
using System.Net;
using System.Net.Http;
using CognitoTools.Auth;
using Xunit;

namespace CognitoTools.Tests.Auth
{
    public sealed class ClockSkewTests
    {
        private static readonly DateTimeOffset LocalNow = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

        private static HttpResponseMessage Answer(HttpStatusCode status, DateTimeOffset? date)
        {
            var response = new HttpResponseMessage(status);
            response.Headers.Date = date;
            return response;
        }

        [Fact]
        public void A_clock_within_five_minutes_is_left_alone()
        {
            var skew = new ClockSkew(() => LocalNow);
            Assert.False(skew.Update(Answer(HttpStatusCode.OK, LocalNow.AddMinutes(4))));
            Assert.Equal(TimeSpan.Zero, skew.Offset);
            Assert.Equal(LocalNow, skew.SigningTime());
        }

        [Fact]
        public void A_skew_error_with_the_servers_date_corrects_the_signing_time_and_is_worth_one_retry()
        {
            var local = LocalNow;
            var skew = new ClockSkew(() => local);
            var server = LocalNow.AddMinutes(-37);
            using var answer = Answer(HttpStatusCode.BadRequest, server);

            Assert.True(skew.ShouldRetryAfter(answer, "InvalidSignatureException"));
            Assert.Equal(TimeSpan.FromMinutes(-37), skew.Offset);
            Assert.Equal(server, skew.SigningTime());
            // The same answer again changes nothing: no retry loop on a server that keeps refusing.
            Assert.False(skew.ShouldRetryAfter(answer, "InvalidSignatureException"));
            local = local.AddSeconds(10);
            Assert.Equal(server.AddSeconds(10), skew.SigningTime());
        }

        [Fact]
        public void Another_error_learns_the_offset_but_is_not_a_skew_retry()
        {
            var skew = new ClockSkew(() => LocalNow);
            Assert.False(skew.ShouldRetryAfter(Answer(HttpStatusCode.BadRequest, LocalNow.AddHours(2)), "AccessDeniedException"));
            Assert.Equal(TimeSpan.FromHours(2), skew.Offset);
        }

        [Theory]
        [InlineData("RequestTimeTooSkewed", true)]
        [InlineData("InvalidSignatureException", true)]
        [InlineData("SignatureDoesNotMatch", true)]
        [InlineData("RequestExpired", true)]
        [InlineData("com.amazonaws.cognito#InvalidSignatureException", true)]
        [InlineData("InvalidSignatureException:http://internal.amazon.com/coral/", true)]
        [InlineData("AccessDeniedException", false)]
        [InlineData("ExpiredTokenException", false)]
        [InlineData(null, false)]
        public void Skew_error_codes(string code, bool expected) => Assert.Equal(expected, ClockSkew.IsClockSkewError(code));

        [Fact]
        public void An_answer_without_a_date_changes_nothing()
        {
            var skew = new ClockSkew(() => LocalNow);
            Assert.False(skew.ShouldRetryAfter(Answer(HttpStatusCode.Forbidden, null), "SignatureDoesNotMatch"));
            Assert.Equal(TimeSpan.Zero, skew.Offset);
        }
    }
}
