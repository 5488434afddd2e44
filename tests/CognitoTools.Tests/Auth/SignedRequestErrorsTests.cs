using System;
using CognitoTools.Auth;
using Xunit;

namespace CognitoTools.Tests.Auth
{
    public sealed class SignedRequestErrorsTests
    {
        private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        private const string Token = "FwoGZXIvYXdzEXAMPLETOKEN0123456789";
        private static readonly AwsCredentials Temporary = new AwsCredentials("ASIAEXAMPLE", Secret, Token,
            new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero), "credential_process of profile 'sso' in /home/ann/.aws/config");

        [Theory]
        [InlineData("AccessDeniedException", SignedRequestErrors.AccessDenied, CredentialErrorCategory.PermissionDenied)]
        [InlineData("AccessDenied", SignedRequestErrors.AccessDenied, CredentialErrorCategory.PermissionDenied)]
        [InlineData("UnrecognizedClientException", SignedRequestErrors.UnrecognizedClient, CredentialErrorCategory.AuthenticationError)]
        [InlineData("InvalidClientTokenId", SignedRequestErrors.UnrecognizedClient, CredentialErrorCategory.AuthenticationError)]
        [InlineData("InvalidSignatureException", SignedRequestErrors.InvalidSignature, CredentialErrorCategory.AuthenticationError)]
        [InlineData("SignatureDoesNotMatch", SignedRequestErrors.InvalidSignature, CredentialErrorCategory.AuthenticationError)]
        [InlineData("ExpiredTokenException", SignedRequestErrors.ExpiredToken, CredentialErrorCategory.AuthenticationError)]
        [InlineData("ExpiredToken", SignedRequestErrors.ExpiredToken, CredentialErrorCategory.AuthenticationError)]
        [InlineData("com.amazon.coral.service#UnrecognizedClientException", SignedRequestErrors.UnrecognizedClient, CredentialErrorCategory.AuthenticationError)]
        [InlineData("MissingAuthenticationTokenException", SignedRequestErrors.MissingCredentials, CredentialErrorCategory.AuthenticationError)]
        public void Credential_errors_are_explained_with_the_source(string code, string expectedId, CredentialErrorCategory category)
        {
            var described = SignedRequestErrors.Describe(code, "The security token included in the request is invalid.", 400, Temporary);
            Assert.True(SignedRequestErrors.IsCredentialsError(code));
            Assert.Equal(expectedId, described.ErrorId);
            Assert.Equal(category, described.Category);
            Assert.Contains("credential_process of profile 'sso'", described.Message);
            Assert.Contains("ASIAEXAMPLE", described.Message);
            Assert.Contains("The security token included in the request is invalid.", described.Message);
            Assert.DoesNotContain(Secret, described.ToString());
            Assert.DoesNotContain(Token, described.ToString());
        }

        [Theory]
        [InlineData("UserNotFoundException")]
        [InlineData("TooManyRequestsException")]
        [InlineData("InvalidParameterException")]
        [InlineData(null)]
        public void Other_errors_are_left_to_the_caller(string code)
        {
            Assert.Null(SignedRequestErrors.Describe(code, "x", 400, Temporary));
            Assert.False(SignedRequestErrors.IsCredentialsError(code));
        }

        [Fact]
        public void An_expired_token_says_when_it_expired_and_how_to_get_new_ones()
        {
            var described = SignedRequestErrors.Describe("ExpiredTokenException", null, 400, Temporary);
            Assert.Contains("2026-12-06 10:00:00Z", described.Message);
            Assert.Contains("aws sso login", described.Message);
        }

        [Fact]
        public void A_service_message_echoing_a_secret_or_token_is_scrubbed()
        {
            var echoed = "The request signature we calculated does not match. Canonical request: x-amz-security-token:" + Token + " secret " + Secret;
            var described = SignedRequestErrors.Describe("SignatureDoesNotMatch", echoed, 403, Temporary);
            Assert.DoesNotContain(Token, described.Message);
            Assert.DoesNotContain(Secret, described.Message);
            Assert.Contains("<session token>", described.Message);
        }

        [Fact]
        public void Credentials_and_providers_never_show_the_secret_or_the_token()
        {
            var provider = new StaticCredentialsProvider(Temporary);
            foreach (var text in new[] { Temporary.ToString(), provider.ToString(), provider.Source,
                         new AwsCredentialsException(CredentialErrorIds.NoCredentials, "m", Temporary.Source).ToString() })
            {
                Assert.DoesNotContain(Secret, text);
                Assert.DoesNotContain(Token, text);
            }
        }

        [Fact]
        public void Every_error_id_has_a_category()
        {
            foreach (var field in typeof(CredentialErrorIds).GetFields())
            {
                if (field.FieldType != typeof(string)) continue;
                var id = (string)field.GetValue(null);
                Assert.Equal(field.Name, id);
                Assert.True(Enum.IsDefined(typeof(CredentialErrorCategory), CredentialErrorIds.CategoryOf(id)));
            }
            Assert.Equal(CredentialErrorCategory.InvalidArgument, CredentialErrorIds.CategoryOf(CredentialErrorIds.NoCredentials));
            Assert.Equal(CredentialErrorCategory.ObjectNotFound, CredentialErrorIds.CategoryOf(CredentialErrorIds.ProfileNotFound));
        }
    }
}

namespace CognitoTools.Tests.Auth
{
    public sealed class CallbackCredentialsProviderTests
    {
        [Fact]
        public async System.Threading.Tasks.Task A_callback_is_asked_every_time_and_its_failure_names_the_object()
        {
            var calls = 0;
            var provider = new CallbackCredentialsProvider("-Credential (Amazon.Runtime.AssumeRoleAWSCredentials)",
                () => new AwsCredentials("ASIA" + ++calls, "s3cr3t-s3cr3t", "t0k3n", null, "-Credential"));
            Assert.Equal("ASIA1", (await provider.GetCredentialsAsync(default)).AccessKeyId);
            Assert.Equal("ASIA2", (await provider.GetCredentialsAsync(default)).AccessKeyId);

            var failing = new CallbackCredentialsProvider("-Credential (Amazon.Runtime.AssumeRoleAWSCredentials)",
                () => throw new System.Reflection.TargetInvocationException(new InvalidOperationException("Error calling AssumeRole")));
            var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => failing.GetCredentialsAsync(default));
            Assert.Equal(CredentialErrorIds.CredentialObjectFailed, error.ErrorId);
            Assert.Contains("Error calling AssumeRole", error.Message);
            Assert.Contains("AssumeRoleAWSCredentials", error.Message);

            var empty = new CallbackCredentialsProvider("$StoredAWSCredentials", () => null);
            Assert.Contains("gave no credentials", (await Assert.ThrowsAsync<AwsCredentialsException>(() => empty.GetCredentialsAsync(default))).Message);
        }
    }
}
