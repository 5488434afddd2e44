using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>A LocalHttpServer plus a client pointed at it whose backoff sleeps are recorded instead of slept.</summary>
    internal sealed class ClientFixture : IDisposable
    {
        public ClientFixture(Func<RecordedRequest, ResponseAction> handler, Action<CognitoClientConfig> configure = null, bool realDelays = false, double jitter = 0.5)
        {
            Server = new LocalHttpServer(handler).Start();
            Config = new CognitoClientConfig
            {
                ServiceUrl = new Uri($"http://127.0.0.1:{Server.Port}"),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ReadTimeout = TimeSpan.FromSeconds(10),
                Log = line => LogLines.Enqueue(line),
                UserAgentSuffix = "ps/7.4.1 (Core)",
            };
            configure?.Invoke(Config);
            Client = realDelays
                ? new CognitoIdpClient(Config)
                : new CognitoIdpClient(Config, null, () => jitter, (delay, ct) => { Delays.Enqueue(delay); return Task.CompletedTask; });
        }

        public LocalHttpServer Server { get; }
        public CognitoClientConfig Config { get; }
        public CognitoIdpClient Client { get; }
        public ConcurrentQueue<TimeSpan> Delays { get; } = new ConcurrentQueue<TimeSpan>();
        public ConcurrentQueue<string> LogLines { get; } = new ConcurrentQueue<string>();

        public Task<ResendConfirmationCodeResponse> SendAsync(ResendConfirmationCodeRequest request, CancellationToken ct = default)
            => Client.ResendConfirmationCodeAsync(request, ct);

        public Task<ResendConfirmationCodeResponse> SendAsync(string username = "ann", string clientId = "client1")
            => Client.ResendConfirmationCodeAsync(new ResendConfirmationCodeRequest { Username = username, ClientId = clientId }, CancellationToken.None);

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }

    internal static class Responses
    {
        public const string DeliveryJson = "{\"CodeDeliveryDetails\":{\"AttributeName\":\"email\",\"DeliveryMedium\":\"EMAIL\",\"Destination\":\"j***@e***.com\"}}";

        public static ResponseAction Ok(string json = DeliveryJson) => ResponseAction.Json(200, json).WithHeader("x-amzn-RequestId", "req-ok-1");

        public static ResponseAction Error(int status, string type, string message)
            => ResponseAction.Json(status, "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}").WithHeader("x-amzn-RequestId", "req-err-1");

        /// <summary>STS's AssumeRole answer with these temporary credentials.</summary>
        public static string AssumeRoleXml(string accessKeyId, string secretAccessKey, string sessionToken, DateTimeOffset expiration)
            => "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials>"
               + "<AccessKeyId>" + accessKeyId + "</AccessKeyId><SecretAccessKey>" + secretAccessKey + "</SecretAccessKey><SessionToken>" + sessionToken + "</SessionToken>"
               + "<Expiration>" + expiration.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";

        public static ResponseAction Raw(int status, string body, string contentType)
            => ResponseAction.Json(status, body, contentType);

        /// <summary>Answers in turn; the last one repeats.</summary>
        public static Func<RecordedRequest, ResponseAction> Sequence(params Func<ResponseAction>[] actions)
        {
            var index = -1;
            return _ =>
            {
                var i = Interlocked.Increment(ref index);
                return actions[Math.Min(i, actions.Length - 1)]();
            };
        }
    }

    internal static class TestCertificates
    {
        /// <summary>A self-signed CA certificate (with its key) valid from a year ago to a year ahead.</summary>
        public static X509Certificate2 CreateRoot(string name)
        {
            // ECDSA keys: RSA key generation would make these tests seconds slower.
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-365), DateTimeOffset.UtcNow.AddYears(1));
        }
    }
}
