using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Auth;
using CognitoTools.TestEndpoint.Http;
using CognitoTools.Tests.Endpoints;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Auth
{
    /// <summary>
    /// Every source of the credential chain yields credentials that moto accepts for a signed ListUsers. STS AssumeRole
    /// is moto's; the container and IMDS answers come from a small local server serving credentials moto issued.
    /// </summary>
    [Collection(MotoCollection.Name)]
    public sealed class MotoCredentialChainTests : IDisposable
    {
        private readonly MotoFixture _moto;
        private readonly TemporaryHome _home = new TemporaryHome();

        public MotoCredentialChainTests(MotoFixture moto)
        {
            _moto = moto;
            // Nothing on this machine, and no real IMDS probe, unless a test asks.
            _home.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        }

        public void Dispose() => _home.Dispose();

        private async Task<AwsCredentials> ResolveAndListAsync(CredentialsInput input, string expectedSourcePart)
        {
            input.Region ??= MotoFixture.Region;
            var provider = CredentialChain.Create(input, _home.Environment);
            var credentials = await provider.GetCredentialsAsync(CancellationToken.None);
            Assert.Contains(expectedSourcePart, credentials.Source);
            Assert.Contains(expectedSourcePart, provider.Source);
            var answer = await _moto.ListUsersAsync(credentials);
            Assert.True(answer.Status == 200, $"moto refused credentials from {credentials.Source}: {answer.Status} {answer.ErrorCode} {answer.ErrorMessage}");
            Assert.Equal(MotoFixture.Usernames, answer.Usernames.ToArray());
            return credentials;
        }

        private string SignerProfile(string header) => header + "\naws_access_key_id = " + _moto.SignerAccessKey + "\naws_secret_access_key = " + _moto.SignerSecretKey + "\n";

        [MotoFact]
        public Task Parameters() => ResolveAndListAsync(new CredentialsInput { AccessKey = _moto.SignerAccessKey, SecretKey = _moto.SignerSecretKey }, "-AccessKey/-SecretKey");

        [MotoFact]
        public Task ProfileName_in_the_credentials_file()
        {
            _home.WriteCredentials(SignerProfile("[campaign]"));
            return ResolveAndListAsync(new CredentialsInput { ProfileName = "campaign" }, "profile 'campaign'");
        }

        [MotoFact]
        public Task ProfileLocation_file_with_its_default_profile()
        {
            var path = _home.Write("elsewhere.ini", SignerProfile("[default]"));
            return ResolveAndListAsync(new CredentialsInput { ProfileLocation = path }, "elsewhere.ini");
        }

        [MotoFact]
        public Task Credential_object()
        {
            var given = new StaticCredentialsProvider(new AwsCredentials(_moto.SignerAccessKey, _moto.SignerSecretKey, null, null, "-Credential (AWS.Tools BasicAWSCredentials)"));
            return ResolveAndListAsync(new CredentialsInput { CredentialObject = given }, "-Credential");
        }

        [MotoFact]
        public Task Environment_variables()
        {
            _home.Environment["AWS_ACCESS_KEY_ID"] = _moto.SignerAccessKey;
            _home.Environment["AWS_SECRET_ACCESS_KEY"] = _moto.SignerSecretKey;
            return ResolveAndListAsync(new CredentialsInput(), "AWS_ACCESS_KEY_ID");
        }

        [MotoFact]
        public Task AWS_PROFILE_in_the_config_file()
        {
            _home.WriteConfig(SignerProfile("[profile work]"));
            _home.Environment["AWS_PROFILE"] = "work";
            return ResolveAndListAsync(new CredentialsInput(), "profile 'work'");
        }

        [MotoFact]
        public Task Default_profile()
        {
            _home.WriteCredentials(SignerProfile("[default]"));
            return ResolveAndListAsync(new CredentialsInput(), "profile 'default'");
        }

        [MotoFact]
        public async Task Role_arn_with_source_profile_through_STS_AssumeRole()
        {
            _home.WriteCredentials(SignerProfile("[base]"));
            _home.WriteConfig("[profile lister]\nrole_arn = " + _moto.RoleArn + "\nsource_profile = base\nrole_session_name = campaign-test\n");
            _home.Environment["AWS_ENDPOINT_URL_STS"] = _moto.Server.Endpoint.ToString();
            var credentials = await ResolveAndListAsync(new CredentialsInput { ProfileName = "lister" }, "STS AssumeRole");
            Assert.NotNull(credentials.SessionToken);
            Assert.NotEqual(_moto.SignerAccessKey, credentials.AccessKeyId);
            Assert.True(credentials.Expiration > DateTimeOffset.UtcNow.AddMinutes(10), "Expiration " + credentials.Expiration);
            Assert.Contains(_moto.RoleArn, credentials.Source);
        }

        [MotoFact]
        public async Task AssumeRole_refused_by_STS_is_AssumeRoleFailed_naming_the_role_and_the_source()
        {
            _home.WriteCredentials("[base]\naws_access_key_id = " + _moto.SignerAccessKey + "\naws_secret_access_key = not-the-secret-at-all\n");
            _home.WriteConfig("[profile lister]\nrole_arn = " + _moto.RoleArn + "\nsource_profile = base\n");
            _home.Environment["AWS_ENDPOINT_URL_STS"] = _moto.Server.Endpoint.ToString();
            var provider = CredentialChain.Create(new CredentialsInput { ProfileName = "lister", Region = MotoFixture.Region }, _home.Environment);
            var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => provider.GetCredentialsAsync(CancellationToken.None));
            Assert.Equal(CredentialErrorIds.AssumeRoleFailed, error.ErrorId);
            Assert.Contains(_moto.RoleArn, error.Message);
            Assert.Contains("profile 'base'", error.Message);
            Assert.DoesNotContain("not-the-secret-at-all", error.ToString());
        }

        [MotoFact]
        public async Task Credential_process()
        {
            // The process hands out temporary credentials moto issued (as `aws configure export-credentials` would).
            var issued = await AssumeRoleAsync();
            var script = _home.Write("export-credentials.py",
                "import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': '" + issued.AccessKeyId + "', 'SecretAccessKey': '" + issued.SecretAccessKey
                + "', 'SessionToken': '" + issued.SessionToken + "', 'Expiration': '" + issued.Expiration.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") + "'}))\n");
            _home.WriteConfig("[profile sso]\ncredential_process = python3 \"" + script + "\"\n");
            var credentials = await ResolveAndListAsync(new CredentialsInput { ProfileName = "sso" }, "credential_process");
            Assert.Equal(issued.AccessKeyId, credentials.AccessKeyId);
        }

        [MotoFact]
        public async Task Container_credentials_with_a_token_file()
        {
            var issued = await AssumeRoleAsync();
            var tokenFile = _home.Write("container-token", "container-token-123\n");
            using var server = new LocalHttpServer(request =>
                request.Path == "/v2/credentials/abc" && request.Header("Authorization") == "container-token-123"
                    ? ResponseAction.Json(200, CredentialsJson(issued, "Token"), "application/json")
                    : ResponseAction.Json(401, "{\"message\":\"bad token\"}", "application/json")).Start();
            _home.Environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = new Uri(server.BaseUri, "/v2/credentials/abc").ToString();
            _home.Environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = tokenFile;
            var credentials = await ResolveAndListAsync(new CredentialsInput(), "container credentials");
            Assert.Equal(issued.SessionToken, credentials.SessionToken);
            Assert.Equal(1, server.RequestCount);
        }

        [MotoFact]
        public async Task EC2_instance_metadata_IMDSv2()
        {
            var issued = await AssumeRoleAsync();
            using var imds = new FakeInstanceMetadata(issued);
            _home.Environment["AWS_EC2_METADATA_DISABLED"] = null;
            _home.Environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.Server.BaseUri.ToString();
            var credentials = await ResolveAndListAsync(new CredentialsInput(), "EC2 instance profile role 'cognito-lister'");
            Assert.Equal(issued.AccessKeyId, credentials.AccessKeyId);
            var requests = imds.Server.Requests;
            Assert.Equal("PUT", requests[0].Method);
            Assert.Equal("21600", requests[0].Header("x-aws-ec2-metadata-token-ttl-seconds"));
            Assert.All(requests.Skip(1), r => Assert.Equal(FakeInstanceMetadata.Token, r.Header("x-aws-ec2-metadata-token")));
        }

        /// <summary>Temporary credentials from moto's STS, for the sources that hand out temporary credentials.</summary>
        private async Task<AwsCredentials> AssumeRoleAsync()
        {
            var environment = new FakeEnvironment(_home.Path);
            environment["AWS_ENDPOINT_URL_STS"] = _moto.Server.Endpoint.ToString();
            var files = _home.Write("issuer.ini", SignerProfile("[issuer]") + "\n[role]\nrole_arn = " + _moto.RoleArn + "\nsource_profile = issuer\n");
            var provider = CredentialChain.Create(new CredentialsInput { ProfileName = "role", ProfileLocation = files, Region = MotoFixture.Region }, environment);
            return await provider.GetCredentialsAsync(CancellationToken.None);
        }

        internal static string CredentialsJson(AwsCredentials credentials, string tokenName)
            => "{\"AccessKeyId\":\"" + credentials.AccessKeyId + "\",\"SecretAccessKey\":\"" + credentials.SecretAccessKey + "\",\"" + tokenName + "\":\""
               + credentials.SessionToken + "\",\"Expiration\":\"" + credentials.Expiration.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") + "\"}";
    }

    /// <summary>IMDSv2 on 127.0.0.1: a token from PUT /latest/api/token, the role list, the role's credentials.</summary>
    internal sealed class FakeInstanceMetadata : IDisposable
    {
        public const string Token = "imds-session-token-1";
        public const string Role = "cognito-lister";

        public FakeInstanceMetadata(AwsCredentials credentials, string code = "Success")
        {
            Server = new LocalHttpServer(request =>
            {
                if (request.Method == "PUT" && request.Path == "/latest/api/token") return Text(200, Token);
                if (request.Header("x-aws-ec2-metadata-token") != Token) return Text(401, "");
                if (request.Path == "/latest/meta-data/iam/security-credentials/") return Text(200, Role);
                if (request.Path == "/latest/meta-data/iam/security-credentials/" + Role)
                {
                    var json = MotoCredentialChainTests.CredentialsJson(credentials, "Token");
                    return Text(200, "{\"Code\":\"" + code + "\",\"Type\":\"AWS-HMAC\"," + json.Substring(1));
                }
                return Text(404, "");
            }).Start();
        }

        public LocalHttpServer Server { get; }

        private static ResponseAction Text(int status, string text)
            => new ResponseAction { StatusCode = status, Body = System.Text.Encoding.UTF8.GetBytes(text) }.WithHeader("Content-Type", "text/plain");

        public void Dispose() => Server.Dispose();
    }
}
