using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Auth;
using CognitoTools.TestEndpoint.Http;
using CognitoTools.Tests.Endpoints;
using CognitoTools.Tests.Protocol;
using Xunit;

namespace CognitoTools.Tests.Auth
{
    /// <summary>The chain's order, its errors and its laziness, with files, processes and local servers of the test's own.</summary>
    public sealed class CredentialChainTests : IDisposable
    {
        private const string Secret = "SECRET-never-shown-0123456789abcdefghijkl";
        private const string Token = "TOKEN-never-shown-0123456789";
        private readonly TemporaryHome _home = new TemporaryHome();
        private readonly List<IDisposable> _servers = new List<IDisposable>();

        public CredentialChainTests()
        {
            _home.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        }

        public void Dispose()
        {
            foreach (var server in _servers) server.Dispose();
            _home.Dispose();
        }

        private static string Keys(string header, string accessKey) => header + "\naws_access_key_id = " + accessKey + "\naws_secret_access_key = " + Secret + "\n";

        private Task<AwsCredentials> Resolve(CredentialsInput input, CredentialChainOptions options = null)
            => CredentialChain.Create(input, _home.Environment, options).GetCredentialsAsync(CancellationToken.None);

        private async Task<AwsCredentialsException> Fails(CredentialsInput input, CredentialChainOptions options = null)
        {
            var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => Resolve(input, options));
            AssertNoSecret(error.Message);
            AssertNoSecret(error.ToString());
            return error;
        }

        private static void AssertNoSecret(string text)
        {
            Assert.DoesNotContain(Secret, text);
            Assert.DoesNotContain(Token, text);
        }

        private string ServeContainerCredentials(string accessKey)
        {
            var server = new LocalHttpServer(_ => ResponseAction.Json(200,
                "{\"AccessKeyId\":\"" + accessKey + "\",\"SecretAccessKey\":\"" + Secret + "\",\"Token\":\"" + Token + "\",\"Expiration\":\"" + DateTimeOffset.UtcNow.AddHours(1).ToString("o") + "\"}",
                "application/json")).Start();
            _servers.Add(server);
            return new Uri(server.BaseUri, "/creds").ToString();
        }

        [Fact]
        public async Task Sources_are_taken_in_AWS_Tools_order()
        {
            _home.WriteCredentials(Keys("[named]", "AKIDNAMED") + Keys("[envprofile]", "AKIDAWSPROFILE") + Keys("[default]", "AKIDDEFAULT"));
            var objectSource = new StaticCredentialsProvider(new AwsCredentials("AKIDOBJECT", Secret, null, null, "-Credential"));
            using var imds = new FakeInstanceMetadata(new AwsCredentials("AKIDIMDS", Secret, Token, DateTimeOffset.UtcNow.AddHours(1), "test"));
            var input = new CredentialsInput { AccessKey = "AKIDPARAM", SecretKey = Secret, ProfileName = "named", CredentialObject = objectSource };
            _home.Environment["AWS_ACCESS_KEY_ID"] = "AKIDENV";
            _home.Environment["AWS_SECRET_ACCESS_KEY"] = Secret;
            _home.Environment["AWS_PROFILE"] = "envprofile";
            _home.Environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ServeContainerCredentials("AKIDCONTAINER");
            _home.Environment["AWS_EC2_METADATA_DISABLED"] = null;
            _home.Environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.Server.BaseUri.ToString();

            Assert.Equal("AKIDPARAM", (await Resolve(input)).AccessKeyId);
            input.AccessKey = input.SecretKey = null;
            Assert.Equal("AKIDNAMED", (await Resolve(input)).AccessKeyId);
            input.ProfileName = null;
            Assert.Equal("AKIDOBJECT", (await Resolve(input)).AccessKeyId);
            input.CredentialObject = null;
            Assert.Equal("AKIDENV", (await Resolve(input)).AccessKeyId);
            _home.Environment["AWS_ACCESS_KEY_ID"] = _home.Environment["AWS_SECRET_ACCESS_KEY"] = null;
            Assert.Equal("AKIDAWSPROFILE", (await Resolve(input)).AccessKeyId);
            _home.Environment["AWS_PROFILE"] = null;
            Assert.Equal("AKIDDEFAULT", (await Resolve(input)).AccessKeyId);
            _home.WriteCredentials(Keys("[named]", "AKIDNAMED"));
            Assert.Equal("AKIDCONTAINER", (await Resolve(input)).AccessKeyId);
            _home.Environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = null;
            Assert.Equal("AKIDIMDS", (await Resolve(input)).AccessKeyId);
        }

        [Fact]
        public async Task A_missing_ProfileName_is_an_error_never_a_fall_through_to_other_credentials()
        {
            _home.WriteCredentials(Keys("[default]", "AKIDDEFAULT"));
            _home.WriteConfig("[other]\nregion = eu-west-1\n");
            _home.Environment["AWS_ACCESS_KEY_ID"] = "AKIDENV";
            _home.Environment["AWS_SECRET_ACCESS_KEY"] = Secret;
            var error = await Fails(new CredentialsInput { ProfileName = "other" });
            Assert.Equal(CredentialErrorIds.ProfileNotFound, error.ErrorId);
            Assert.Equal(CredentialErrorCategory.ObjectNotFound, error.Category);
            Assert.Contains("'other' (from -ProfileName)", error.Message);
            Assert.Contains(_home.CredentialsPath, error.Message);
            Assert.Contains("[profile other]", error.Message);
        }

        [Fact]
        public async Task ProfileLocation_to_a_missing_file_or_without_the_profile_is_an_error()
        {
            _home.Environment["AWS_ACCESS_KEY_ID"] = "AKIDENV";
            _home.Environment["AWS_SECRET_ACCESS_KEY"] = Secret;
            var missing = Path.Combine(_home.Path, "nope.ini");
            Assert.Equal(CredentialErrorIds.ProfileFileNotFound, (await Fails(new CredentialsInput { ProfileLocation = missing })).ErrorId);
            var file = _home.Write("creds.ini", Keys("[work]", "AKIDWORK"));
            var noDefault = await Fails(new CredentialsInput { ProfileLocation = file });
            Assert.Equal(CredentialErrorIds.ProfileNotFound, noDefault.ErrorId);
            Assert.Contains("'default'", noDefault.Message);
            Assert.Equal("AKIDWORK", (await Resolve(new CredentialsInput { ProfileLocation = file, ProfileName = "work" })).AccessKeyId);
        }

        [Fact]
        public async Task AWS_PROFILE_naming_a_missing_profile_is_an_error_a_missing_default_profile_is_not()
        {
            _home.Environment["AWS_PROFILE"] = "gone";
            var error = await Fails(new CredentialsInput());
            Assert.Equal(CredentialErrorIds.ProfileNotFound, error.ErrorId);
            Assert.Contains("$env:AWS_PROFILE", error.Message);

            _home.Environment["AWS_PROFILE"] = null;
            _home.Environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ServeContainerCredentials("AKIDCONTAINER");
            var credentials = await Resolve(new CredentialsInput());
            Assert.Equal("AKIDCONTAINER", credentials.AccessKeyId);
            Assert.Equal(Token, credentials.SessionToken);
        }

        [Fact]
        public void Half_given_keys_are_refused_before_anything_is_read()
        {
            var error = Assert.Throws<AwsCredentialsException>(() => CredentialChain.Create(new CredentialsInput { AccessKey = "AKID" }, _home.Environment));
            Assert.Equal(CredentialErrorIds.IncompleteCredentials, error.ErrorId);
            Assert.Contains("-SecretKey", error.Message);
            error = Assert.Throws<AwsCredentialsException>(() => CredentialChain.Create(new CredentialsInput { SecretKey = Secret }, _home.Environment));
            Assert.Contains("-AccessKey", error.Message);
            AssertNoSecret(error.ToString());
            error = Assert.Throws<AwsCredentialsException>(() => CredentialChain.Create(new CredentialsInput { SessionToken = Token }, _home.Environment));
            Assert.Contains("-SessionToken", error.Message);
            AssertNoSecret(error.ToString());
        }

        [Fact]
        public async Task Half_set_environment_keys_are_an_error()
        {
            _home.Environment["AWS_SECRET_ACCESS_KEY"] = Secret;
            _home.WriteCredentials(Keys("[default]", "AKIDDEFAULT"));
            var error = await Fails(new CredentialsInput());
            Assert.Equal(CredentialErrorIds.IncompleteCredentials, error.ErrorId);
            Assert.Contains("AWS_ACCESS_KEY_ID", error.Message);
        }

        [Fact]
        public async Task No_credentials_anywhere_lists_every_place_looked_at()
        {
            var error = await Fails(new CredentialsInput());
            Assert.Equal(CredentialErrorIds.NoCredentials, error.ErrorId);
            Assert.Equal("the AWS credential chain", error.Source);
            foreach (var place in new[] { "-ProfileName", "AWS_ACCESS_KEY_ID", "default profile", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "disabled by $env:AWS_EC2_METADATA_DISABLED", "export-credentials" })
            {
                Assert.Contains(place, error.Message);
            }
        }

        [Fact]
        public async Task An_instance_metadata_service_that_does_not_answer_means_no_credentials()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            _home.Environment["AWS_EC2_METADATA_DISABLED"] = null;
            _home.Environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:" + closedPort;
            var error = await Fails(new CredentialsInput());
            Assert.Equal(CredentialErrorIds.NoCredentials, error.ErrorId);
            Assert.Contains("did not answer", error.Message);
        }

        [Fact]
        public async Task Instance_metadata_that_answers_without_success_is_InstanceMetadataFailed()
        {
            using var imds = new FakeInstanceMetadata(new AwsCredentials("AKIDIMDS", Secret, Token, DateTimeOffset.UtcNow.AddHours(1), "test"), code: "AssumeRoleUnauthorizedAccess");
            _home.Environment["AWS_EC2_METADATA_DISABLED"] = null;
            _home.Environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.Server.BaseUri.ToString();
            var error = await Fails(new CredentialsInput());
            Assert.Equal(CredentialErrorIds.InstanceMetadataFailed, error.ErrorId);
            Assert.Contains("AssumeRoleUnauthorizedAccess", error.Message);
            Assert.Contains("cognito-lister", error.Message);
        }

        [Fact]
        public async Task Nothing_is_read_or_run_until_credentials_are_asked_for()
        {
            var marker = Path.Combine(_home.Path, "ran");
            _home.WriteConfig("[profile lazy]\ncredential_process = " + ProcessCommand(WriteProcessOutput(1, "AKIDLAZY"), marker) + "\n");
            var provider = CredentialChain.Create(new CredentialsInput { ProfileName = "lazy" }, _home.Environment);
            // A profile that does not exist yet is not an error at Create either.
            var missing = CredentialChain.Create(new CredentialsInput { ProfileName = "not-yet" }, _home.Environment);
            Assert.False(File.Exists(marker), "credential_process ran before credentials were asked for.");
            Assert.Contains("not resolved", provider.Source);

            Assert.Equal("AKIDLAZY", (await provider.GetCredentialsAsync(CancellationToken.None)).AccessKeyId);
            Assert.True(File.Exists(marker));
            Assert.Contains("credential_process of profile 'lazy'", provider.Source);
            await Assert.ThrowsAsync<AwsCredentialsException>(() => missing.GetCredentialsAsync(CancellationToken.None));
        }

        [Fact]
        public async Task Credential_process_is_run_again_before_its_credentials_expire()
        {
            var now = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
            var output = WriteProcessOutput(1, "AKIDFIRST", now.AddMinutes(10));
            _home.WriteConfig("[profile sso]\ncredential_process = " + ProcessCommand(output) + "\n");
            var provider = CredentialChain.Create(new CredentialsInput { ProfileName = "sso" }, _home.Environment, new CredentialChainOptions { UtcNow = () => now });

            Assert.Equal("AKIDFIRST", (await provider.GetCredentialsAsync(CancellationToken.None)).AccessKeyId);
            WriteProcessOutput(1, "AKIDSECOND", now.AddMinutes(70), output);
            now = now.AddMinutes(4);
            Assert.Equal("AKIDFIRST", (await provider.GetCredentialsAsync(CancellationToken.None)).AccessKeyId);
            now = now.AddMinutes(2); // 4 minutes before expiry: inside the refresh window
            var refreshed = await provider.GetCredentialsAsync(CancellationToken.None);
            Assert.Equal("AKIDSECOND", refreshed.AccessKeyId);
            Assert.Equal(Token, refreshed.SessionToken);
            Assert.Equal(now.AddMinutes(64), refreshed.Expiration);
        }

        [Fact]
        public async Task Concurrent_first_requests_run_credential_process_once()
        {
            var marker = Path.Combine(_home.Path, "runs");
            var output = WriteProcessOutput(1, "AKIDONCE", DateTimeOffset.UtcNow.AddHours(1));
            var command = IsWindows ? "echo x>> \"" + marker + "\" & type \"" + output + "\"" : "echo x >> '" + marker + "'; cat '" + output + "'";
            _home.WriteConfig("[profile sso]\ncredential_process = " + command + "\n");
            var provider = CredentialChain.Create(new CredentialsInput { ProfileName = "sso" }, _home.Environment);
            var all = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => provider.GetCredentialsAsync(CancellationToken.None))));
            Assert.All(all, c => Assert.Equal("AKIDONCE", c.AccessKeyId));
            Assert.Single(File.ReadAllLines(marker), l => l.Trim().Length > 0);
        }

        [Fact]
        public async Task A_failed_refresh_keeps_the_credentials_that_are_still_valid_then_fails_once_they_expire()
        {
            var now = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
            var output = WriteProcessOutput(1, "AKIDFIRST", now.AddMinutes(10));
            _home.WriteConfig("[profile sso]\ncredential_process = " + ProcessCommand(output) + "\n");
            var provider = CredentialChain.Create(new CredentialsInput { ProfileName = "sso" }, _home.Environment, new CredentialChainOptions { UtcNow = () => now });
            await provider.GetCredentialsAsync(CancellationToken.None);
            File.WriteAllText(output, "{\"Version\": 1}");
            now = now.AddMinutes(7);
            Assert.Equal("AKIDFIRST", (await provider.GetCredentialsAsync(CancellationToken.None)).AccessKeyId);
            now = now.AddMinutes(4);
            var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => provider.GetCredentialsAsync(CancellationToken.None));
            Assert.Equal(CredentialErrorIds.CredentialProcessFailed, error.ErrorId);
        }

        [Fact]
        public async Task Credential_process_failures_name_the_profile_and_show_stderr_never_stdout()
        {
            var failing = _home.Write(IsWindows ? "fail.cmd" : "fail.sh", IsWindows
                ? "@echo {\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"" + Secret + "\"}\r\n@echo Token expired: run aws sso login 1>&2\r\n@exit /b 3\r\n"
                : "echo '{\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"" + Secret + "\"}'\necho 'Token expired: run aws sso login' >&2\nexit 3\n");
            _home.WriteConfig("[profile broken]\ncredential_process = " + (IsWindows ? "\"" + failing + "\"" : "sh \"" + failing + "\"") + "\n");
            var error = await Fails(new CredentialsInput { ProfileName = "broken" });
            Assert.Equal(CredentialErrorIds.CredentialProcessFailed, error.ErrorId);
            Assert.Contains("profile 'broken'", error.Message);
            Assert.Contains("exited with code 3", error.Message);
            Assert.Contains("Token expired: run aws sso login", error.Message);

            var wrongVersion = WriteProcessOutput(2, "AKIDV2");
            _home.WriteConfig("[profile v2]\ncredential_process = " + ProcessCommand(wrongVersion) + "\n");
            error = await Fails(new CredentialsInput { ProfileName = "v2" });
            Assert.Contains("Version 2", error.Message);

            var noKeyId = _home.Write("nokey.json", "{\"Version\":1,\"SecretAccessKey\":\"" + Secret + "\",\"SessionToken\":\"" + Token + "\"}");
            _home.WriteConfig("[profile nokey]\ncredential_process = " + ProcessCommand(noKeyId) + "\n");
            error = await Fails(new CredentialsInput { ProfileName = "nokey" });
            Assert.Contains("without AccessKeyId", error.Message);
        }

        [Fact]
        public async Task An_SSO_profile_points_to_credential_process_with_export_credentials()
        {
            _home.WriteConfig("[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n");
            var error = await Fails(new CredentialsInput { ProfileName = "corp" });
            Assert.Equal(CredentialErrorIds.ProfileNotSupported, error.ErrorId);
            Assert.Contains("credential_process = aws configure export-credentials --profile corp --format process", error.Message);
        }

        [Fact]
        public async Task Role_profiles_without_a_source_with_a_loop_or_with_MFA_are_clear_errors()
        {
            _home.WriteConfig("[profile nosource]\nrole_arn = arn:aws:iam::1:role/r\n"
                              + "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
                              + "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n"
                              + "[profile mfa]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = a\nmfa_serial = arn:aws:iam::1:mfa/ann\n"
                              + "[profile empty]\nregion = eu-west-1\n");
            Assert.Equal(CredentialErrorIds.ProfileHasNoCredentials, (await Fails(new CredentialsInput { ProfileName = "nosource" })).ErrorId);
            var loop = await Fails(new CredentialsInput { ProfileName = "a" });
            Assert.Equal(CredentialErrorIds.ProfileLoop, loop.ErrorId);
            Assert.Contains("a -> b -> a", loop.Message);
            Assert.Equal(CredentialErrorIds.ProfileNotSupported, (await Fails(new CredentialsInput { ProfileName = "mfa" })).ErrorId);
            var empty = await Fails(new CredentialsInput { ProfileName = "empty" });
            Assert.Equal(CredentialErrorIds.ProfileHasNoCredentials, empty.ErrorId);
            Assert.Equal(CredentialErrorCategory.InvalidData, empty.Category);
        }

        [Theory]
        [InlineData(null, "https://sts.amazonaws.com/", "us-east-1")]
        [InlineData("eu-west-1", "https://sts.eu-west-1.amazonaws.com/", "eu-west-1")]
        [InlineData("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/", "cn-north-1")]
        [InlineData("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com/", "us-gov-west-1")]
        [InlineData("us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov/", "us-iso-east-1")]
        [InlineData("eusc-de-east-1", "https://sts.eusc-de-east-1.amazonaws.eu/", "eusc-de-east-1")]
        public void STS_endpoint_follows_the_partition(string region, string expected, string signingRegion)
        {
            var endpoint = AssumeRoleProvider.ResolveEndpoint(region, _ => null, out var signing);
            Assert.Equal(expected, endpoint.ToString());
            Assert.Equal(signingRegion, signing);
        }

        [Fact]
        public void AWS_ENDPOINT_URL_STS_wins_over_AWS_ENDPOINT_URL_and_the_partition()
        {
            var variables = new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1/", ["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:2/" };
            Assert.Equal("http://127.0.0.1:2/", AssumeRoleProvider.ResolveEndpoint("eu-west-1", n => variables.TryGetValue(n, out var v) ? v : null, out _).ToString());
            variables.Remove("AWS_ENDPOINT_URL_STS");
            Assert.Equal("http://127.0.0.1:1/", AssumeRoleProvider.ResolveEndpoint("eu-west-1", n => variables.TryGetValue(n, out var v) ? v : null, out _).ToString());
        }

        [Fact]
        public async Task AssumeRole_sends_a_signed_query_request_and_reads_the_XML_answer()
        {
            var expiration = DateTimeOffset.UtcNow.AddHours(1);
            using var sts = new LocalHttpServer(_ => new ResponseAction
            {
                StatusCode = 200,
                Body = System.Text.Encoding.UTF8.GetBytes(Responses.AssumeRoleXml("ASIAROLE", Secret, Token, expiration)),
            }.WithHeader("Content-Type", "text/xml")).Start();
            _home.WriteCredentials(Keys("[base]", "AKIDBASE"));
            _home.WriteConfig("[profile role]\nrole_arn = arn:aws:iam::111122223333:role/lister\nsource_profile = base\nexternal_id = ext-1\nduration_seconds = 1800\nregion = eu-central-1\n");
            _home.Environment["AWS_ENDPOINT_URL_STS"] = sts.BaseUri.ToString();

            var credentials = await Resolve(new CredentialsInput { ProfileName = "role" });
            Assert.Equal("ASIAROLE", credentials.AccessKeyId);
            Assert.Equal(Token, credentials.SessionToken);
            var request = Assert.Single(sts.Requests);
            Assert.Equal("POST", request.Method);
            Assert.StartsWith("application/x-www-form-urlencoded", request.Header("Content-Type"));
            Assert.Contains("Action=AssumeRole", request.BodyText);
            Assert.Contains("Version=2011-06-15", request.BodyText);
            Assert.Contains("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Flister", request.BodyText);
            Assert.Contains("ExternalId=ext-1", request.BodyText);
            Assert.Contains("DurationSeconds=1800", request.BodyText);
            Assert.Contains("RoleSessionName=cognitotools-", request.BodyText);
            Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDBASE/", request.Header("Authorization"));
            Assert.Contains("/eu-central-1/sts/aws4_request", request.Header("Authorization"));
            AssertNoSecret(credentials.ToString());
        }

        [Fact]
        public async Task An_STS_error_answer_is_AssumeRoleFailed_with_its_code()
        {
            using var sts = new LocalHttpServer(_ => new ResponseAction
            {
                StatusCode = 403,
                Body = System.Text.Encoding.UTF8.GetBytes("<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>"),
            }).Start();
            _home.WriteCredentials("[base]\naws_access_key_id = ASIABASE\naws_secret_access_key = " + Secret + "\naws_session_token = " + Token + "\n");
            _home.WriteConfig("[profile role]\nrole_arn = arn:aws:iam::111122223333:role/lister\nsource_profile = base\n");
            _home.Environment["AWS_ENDPOINT_URL_STS"] = sts.BaseUri.ToString();
            var error = await Fails(new CredentialsInput { ProfileName = "role" });
            Assert.Equal(CredentialErrorIds.AssumeRoleFailed, error.ErrorId);
            Assert.Equal(CredentialErrorCategory.AuthenticationError, error.Category);
            Assert.Contains("ExpiredToken", error.Message);
            Assert.Contains("session token", error.Message);
            Assert.Contains("profile 'base'", error.Message);
        }

        [Fact]
        public async Task Container_credentials_send_the_token_and_refuse_plain_http_to_other_hosts()
        {
            using var server = new LocalHttpServer(request => request.Header("Authorization") == "Bearer abc"
                ? ResponseAction.Json(200, "{\"AccessKeyId\":\"AKIDC\",\"SecretAccessKey\":\"" + Secret + "\",\"Token\":\"" + Token + "\",\"Expiration\":\"2099-01-01T00:00:00Z\"}", "application/json")
                : ResponseAction.Json(401, "{}", "application/json")).Start();
            _home.Environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = new Uri(server.BaseUri, "/c").ToString();
            var unauthorized = await Fails(new CredentialsInput());
            Assert.Equal(CredentialErrorIds.ContainerCredentialsFailed, unauthorized.ErrorId);
            Assert.Contains("401", unauthorized.Message);
            Assert.Contains("AWS_CONTAINER_AUTHORIZATION_TOKEN", unauthorized.Message);

            _home.Environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer abc";
            Assert.Equal("AKIDC", (await Resolve(new CredentialsInput())).AccessKeyId);

            _home.Environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://203.0.113.7/creds";
            var insecure = await Fails(new CredentialsInput());
            Assert.Contains("Use https", insecure.Message);
        }

        [Fact]
        public void Credential_process_commands_reach_sh_as_one_argument()
        {
            Assert.Equal("\"aws configure export-credentials --profile x\"", CredentialProcessProvider.QuoteForSh("aws configure export-credentials --profile x"));
            // Backslashes are literal unless they precede a quote (CommandLineToArgvW rules, which .NET applies on every OS).
            Assert.Equal("\"python3 \\\"C:\\a b\\c.py\\\"\"", CredentialProcessProvider.QuoteForSh("python3 \"C:\\a b\\c.py\""));
            Assert.Equal("\"ends\\\\\\\\\"", CredentialProcessProvider.QuoteForSh("ends\\\\"));
        }

        private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>A file holding credential_process output; the command prints it.</summary>
        private string WriteProcessOutput(int version, string accessKey, DateTimeOffset? expiration = null, string path = null)
        {
            var json = "{\"Version\": " + version + ", \"AccessKeyId\": \"" + accessKey + "\", \"SecretAccessKey\": \"" + Secret + "\", \"SessionToken\": \"" + Token + "\""
                       + (expiration.HasValue ? ", \"Expiration\": \"" + expiration.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") + "\"" : "") + "}";
            path ??= Path.Combine(_home.Path, "process-output-" + Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, json);
            return path;
        }

        /// <summary>A credential_process command printing a file (and touching a marker when given), for cmd.exe or sh.</summary>
        private static string ProcessCommand(string outputFile, string marker = null)
            => IsWindows
                ? (marker != null ? "type nul > \"" + marker + "\" & " : "") + "type \"" + outputFile + "\""
                : (marker != null ? "touch '" + marker + "'; " : "") + "cat '" + outputFile + "'";
    }
}
