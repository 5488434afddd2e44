using System;
using System.Threading.Tasks;
using CognitoTools.Auth;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Auth
{
    /// <summary>Our signatures against moto_server, which checks SigV4 and IAM policies once its setup actions are used up.</summary>
    [Collection(MotoCollection.Name)]
    public sealed class MotoSigningTests
    {
        private readonly MotoFixture _moto;

        public MotoSigningTests(MotoFixture moto) { _moto = moto; }

        [MotoFact]
        public async Task A_correctly_signed_ListUsers_is_accepted_and_lists_the_pools_users()
        {
            var answer = await _moto.ListUsersAsync(_moto.Signer);
            Assert.True(answer.Status == 200, "moto answered " + answer.Status + ": " + answer.Body);
            Assert.Equal(MotoFixture.Usernames, answer.Usernames.ToArray());
        }

        [MotoFact]
        public void The_setup_count_is_exact_moto_refused_an_unsigned_request_right_after_it()
        {
            Assert.Equal(1 + MotoFixture.Plan().Count, _moto.Server.NoAuthActionCount);
            Assert.True(_moto.Server.SignatureCheckingVerified);
        }

        [MotoFact]
        public async Task Moto_checks_signatures_after_the_counted_setup_an_unknown_key_is_refused()
        {
            // If the setup count were off by one, this unsigned-equivalent (unknown key) request would still be let through.
            var stranger = new AwsCredentials("AKIAUNKNOWNKEY000000", "no-such-secret", null, null, "a key moto never issued");
            var answer = await _moto.ListUsersAsync(stranger);
            Assert.Equal(403, answer.Status);
            Assert.Contains(answer.ErrorCode, new[] { "InvalidClientTokenId", "UnrecognizedClientException" });
            var described = SignedRequestErrors.Describe(answer.ErrorCode, answer.ErrorMessage, answer.Status, stranger);
            Assert.Equal(SignedRequestErrors.UnrecognizedClient, described.ErrorId);
            Assert.Equal(CredentialErrorCategory.AuthenticationError, described.Category);
            Assert.Contains("a key moto never issued", described.Message);
        }

        [MotoFact]
        public async Task A_wrong_secret_gets_403_SignatureDoesNotMatch_explained_without_the_secret()
        {
            var wrong = new AwsCredentials(_moto.SignerAccessKey, "wrong-secret-" + new string('x', 28), null, null, "profile 'typo' in test");
            var answer = await _moto.ListUsersAsync(wrong);
            Assert.Equal(403, answer.Status);
            Assert.Contains(answer.ErrorCode, new[] { "SignatureDoesNotMatch", "InvalidSignatureException" });

            var described = SignedRequestErrors.Describe(answer.ErrorCode, answer.ErrorMessage, answer.Status, wrong);
            Assert.Equal(SignedRequestErrors.InvalidSignature, described.ErrorId);
            Assert.Contains("profile 'typo' in test", described.Message);
            Assert.Contains(_moto.SignerAccessKey, described.Message);
            Assert.DoesNotContain(wrong.SecretAccessKey, described.Message);
            Assert.DoesNotContain(wrong.SecretAccessKey, described.ToString());
        }

        [MotoFact]
        public async Task A_user_without_permission_gets_AccessDenied_naming_the_source()
        {
            var answer = await _moto.ListUsersAsync(_moto.Nobody);
            Assert.Equal(403, answer.Status);
            Assert.Contains(answer.ErrorCode, new[] { "AccessDenied", "AccessDeniedException" });
            var described = SignedRequestErrors.Describe(answer.ErrorCode, answer.ErrorMessage, answer.Status, _moto.Nobody);
            Assert.Equal(SignedRequestErrors.AccessDenied, described.ErrorId);
            Assert.Equal(CredentialErrorCategory.PermissionDenied, described.Category);
            Assert.Contains("IAM user nobody (moto)", described.Message);
            Assert.Contains("cognito-idp:ListUsers", described.Message);
            Assert.DoesNotContain(_moto.Nobody.SecretAccessKey, described.Message);
        }
    }
}
