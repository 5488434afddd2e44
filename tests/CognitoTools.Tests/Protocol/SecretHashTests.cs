using System;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class SecretHashTests
    {
        // Expected values computed once, independently of this code, with Node's crypto:
        //   node -e 'console.log(require("crypto").createHmac("sha256", Buffer.from(SECRET, "utf8"))
        //            .update(Buffer.from(USERNAME + CLIENT_ID, "utf8")).digest("base64"))'
        [Theory]
        [InlineData("ann", "1example23456789", "s3cr3t-client-secret", "2C/c8eFTPAjDVPvvchKzglbSXBOXlp5bVzHxTD0L6lQ=")]
        [InlineData("jörg@example.com", "7abcdefghijklmnopqrstu0123", "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5", "UTM5OHywm4Jq5+hzuQy8Bu2Ncz8vi2mnbkrDHrF7ByI=")]
        [InlineData("用户", "cl+ient", "K", "WXM0PeLL31aMde3/BPnLUGG5BdFWu1l3LwXtjsYOgvI=")]
        [InlineData("😀", "c", "secret with spaces", "i/sf5Iq88Og3qod+f2TJSkIukiFudW5T7jvDk96PAM0=")]
        public void Known_answers(string username, string clientId, string secret, string expected)
        {
            Assert.Equal(expected, SecretHash.Compute(username, clientId, secret));
        }

        [Fact]
        public void RFC4231_test_case_2_split_into_username_and_client_id()
        {
            // RFC 4231 4.3: HMAC-SHA256(key "Jefe", "what do ya want for nothing?") =
            // 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843, here in Base64.
            Assert.Equal("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=", SecretHash.Compute("what do ya want ", "for nothing?", "Jefe"));
        }

        [Fact]
        public void The_result_satisfies_the_model_s_SecretHash_rule()
        {
            var hash = SecretHash.Compute("ann", "client1", "secret");
            RequestValidator.Validate(new CognitoTools.Model.ResendConfirmationCodeRequest { Username = "ann", ClientId = "client1", SecretHash = hash });
        }

        [Fact]
        public void Empty_secret_is_refused_without_echoing_anything()
        {
            var ex = Assert.Throws<ArgumentException>(() => SecretHash.Compute("ann", "client1", ""));
            Assert.Equal("clientSecret", ex.ParamName);
        }
    }
}
