using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Auth;
using CognitoTools.Tests.Infrastructure;
using Xunit;

namespace CognitoTools.Tests.Auth
{
    /// <summary>
    /// One moto_server for the Moto collection, started on first use (so a host without moto, where every test is
    /// skipped, never starts it): IAM users with and without permission, a role to assume, a user pool with users.
    /// </summary>
    public sealed class MotoFixture : IDisposable
    {
        public const string Region = "us-east-1";
        public const string RoleName = "cognito-lister";
        public static readonly string[] Usernames = { "ann", "bob", "cy" };

        private readonly Lazy<MotoServer> _server = new Lazy<MotoServer>(() => MotoServer.Start(Plan()), LazyThreadSafetyMode.ExecutionAndPublication);

        public MotoServer Server => _server.Value;

        public static IReadOnlyList<MotoSetupStep> Plan()
        {
            const string listUsersPolicy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"cognito-idp:ListUsers\",\"sts:AssumeRole\"],\"Resource\":\"*\"}]}";
            const string trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:user/signer\"},\"Action\":\"sts:AssumeRole\"}]}";
            // moto matches a trust policy's principal by exact ARN (it does not read an account root as "any identity in it").
            var plan = new List<MotoSetupStep>
            {
                MotoSetupStep.Create("policy", "iam", "create_policy", new { PolicyName = "ListUsersAndAssumeRole", PolicyDocument = listUsersPolicy }),
                MotoSetupStep.Create("signer", "iam", "create_user", new { UserName = "signer" }),
                MotoSetupStep.Create("signerPolicy", "iam", "attach_user_policy", new { UserName = "signer", PolicyArn = "${policy:Policy.Arn}" }),
                MotoSetupStep.Create("signerKey", "iam", "create_access_key", new { UserName = "signer" }),
                MotoSetupStep.Create("nobody", "iam", "create_user", new { UserName = "nobody" }),
                MotoSetupStep.Create("nobodyKey", "iam", "create_access_key", new { UserName = "nobody" }),
                MotoSetupStep.Create("role", "iam", "create_role", new { RoleName, AssumeRolePolicyDocument = trust }),
                MotoSetupStep.Create("rolePolicy", "iam", "attach_role_policy", new { RoleName, PolicyArn = "${policy:Policy.Arn}" }),
                MotoSetupStep.Create("pool", "cognito-idp", "create_user_pool", new { PoolName = "campaign" }, Region),
            };
            plan.AddRange(Usernames.Select(name => MotoSetupStep.Create("user-" + name, "cognito-idp", "admin_create_user",
                new { UserPoolId = "${pool:UserPool.Id}", Username = name, MessageAction = "SUPPRESS" }, Region)));
            return plan;
        }

        public string PoolId => Server.Value("pool", "UserPool.Id");
        public string RoleArn => Server.Value("role", "Role.Arn");
        public string SignerAccessKey => Server.Value("signerKey", "AccessKey.AccessKeyId");
        public string SignerSecretKey => Server.Value("signerKey", "AccessKey.SecretAccessKey");
        public AwsCredentials Signer => new AwsCredentials(SignerAccessKey, SignerSecretKey, null, null, "IAM user signer (moto)");
        public AwsCredentials Nobody => new AwsCredentials(Server.Value("nobodyKey", "AccessKey.AccessKeyId"), Server.Value("nobodyKey", "AccessKey.SecretAccessKey"), null, null, "IAM user nobody (moto)");

        public void Dispose()
        {
            if (_server.IsValueCreated) _server.Value.Dispose();
        }

        /// <summary>What a signed ListUsers got: the status, the error code (JSON __type, x-amzn-ErrorType or moto's XML Code) and the usernames.</summary>
        public sealed class ListUsersAnswer
        {
            public int Status;
            public string ErrorCode;
            public string ErrorMessage;
            public string Body;
            public List<string> Usernames = new List<string>();
        }

        /// <summary>A ListUsers request signed by our signer (as the ListUsers client signs it), sent to moto.</summary>
        public async Task<ListUsersAnswer> ListUsersAsync(AwsCredentials credentials, string poolId = null)
        {
            var body = Encoding.UTF8.GetBytes("{\"UserPoolId\":\"" + (poolId ?? PoolId) + "\"}");
            using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
            using var request = new HttpRequestMessage(HttpMethod.Post, Server.Endpoint) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUsers");
            SigV4Signer.Sign(request, body, credentials, Region, "cognito-idp", DateTimeOffset.UtcNow);
            using var response = await http.SendAsync(request);
            var answer = new ListUsersAnswer { Status = (int)response.StatusCode, Body = await response.Content.ReadAsStringAsync() };
            if (response.IsSuccessStatusCode)
            {
                using var document = JsonDocument.Parse(answer.Body);
                answer.Usernames = document.RootElement.GetProperty("Users").EnumerateArray().Select(u => u.GetProperty("Username").GetString()).ToList();
                return answer;
            }
            if (response.Headers.TryGetValues("x-amzn-ErrorType", out var types)) answer.ErrorCode = types.First().Split(':')[0];
            var xmlCode = Regex.Match(answer.Body, "<Code>([^<]+)</Code>");
            if (xmlCode.Success) answer.ErrorCode = xmlCode.Groups[1].Value;
            var xmlMessage = Regex.Match(answer.Body, "<Message>([^<]*)</Message>");
            if (xmlMessage.Success) answer.ErrorMessage = xmlMessage.Groups[1].Value;
            if (answer.ErrorCode == null && answer.Body.TrimStart().StartsWith("{"))
            {
                using var document = JsonDocument.Parse(answer.Body);
                if (document.RootElement.TryGetProperty("__type", out var type)) answer.ErrorCode = type.GetString().Split('#').Last();
                if (document.RootElement.TryGetProperty("message", out var message)) answer.ErrorMessage = message.GetString();
            }
            return answer;
        }
    }

    [CollectionDefinition(Name)]
    public sealed class MotoCollection : ICollectionFixture<MotoFixture>
    {
        public const string Name = "Moto";
    }
}
