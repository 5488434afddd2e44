using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using CognitoTools.TestEndpoint;

namespace CognitoTools.Tests.TestEndpoint
{
    /// <summary>One HTTP answer as plain data, read with a plain HttpClient (not the project's client).</summary>
    internal sealed class WireResponse
    {
        public int Status { get; set; }
        public string Body { get; set; }
        public string ContentType { get; set; }
        public Dictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

        /// <summary>A member of the JSON body; null when absent or when the body is empty or not JSON.</summary>
        public string JsonString(params string[] path)
        {
            if (string.IsNullOrEmpty(Body) || (Body[0] != '{' && Body[0] != '[')) return null;
            using (var doc = JsonDocument.Parse(Body))
            {
                var element = doc.RootElement;
                foreach (var member in path)
                {
                    if (!element.TryGetProperty(member, out element)) return null;
                }
                return element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
            }
        }

        public string ErrorType => JsonString("__type");
        public string Message => JsonString("message");
        public string Destination => JsonString("CodeDeliveryDetails", "Destination");
        public string AttributeName => JsonString("CodeDeliveryDetails", "AttributeName");
        public string DeliveryMedium => JsonString("CodeDeliveryDetails", "DeliveryMedium");
        public override string ToString() => Status + " " + Body;
    }

    internal static class Wire
    {
        public static HttpClient NewClient(TimeSpan? timeout = null)
            => new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = timeout ?? TimeSpan.FromSeconds(15) };

        public static string Body(string clientId, string username, string secretHash = null, IDictionary<string, string> clientMetadata = null)
        {
            var members = new Dictionary<string, object>();
            if (clientId != null) members["ClientId"] = clientId;
            if (username != null) members["Username"] = username;
            if (secretHash != null) members["SecretHash"] = secretHash;
            if (clientMetadata != null) members["ClientMetadata"] = clientMetadata;
            return JsonSerializer.Serialize(members);
        }

        public static HttpRequestMessage Request(Uri baseUri, string json,
            string target = FakeCognitoService.OperationTarget, string contentType = FakeCognitoService.JsonContentType, HttpMethod method = null)
        {
            var request = new HttpRequestMessage(method ?? HttpMethod.Post, baseUri);
            if (target != null) request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
            if (json != null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
                if (contentType != null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
            return request;
        }

        public static async Task<WireResponse> SendAsync(HttpClient client, HttpRequestMessage request)
        {
            using (request)
            using (var response = await client.SendAsync(request))
            {
                var result = new WireResponse
                {
                    Status = (int)response.StatusCode,
                    Body = await response.Content.ReadAsStringAsync(),
                    ContentType = response.Content.Headers.ContentType?.ToString(),
                };
                foreach (var header in response.Headers.Concat(response.Content.Headers))
                {
                    result.Headers[header.Key] = string.Join(", ", header.Value);
                }
                return result;
            }
        }

        public static Task<WireResponse> ResendAsync(HttpClient client, FakeCognitoService service, string clientId, string username, string secretHash = null)
            => SendAsync(client, Request(service.BaseUri, Body(clientId, username, secretHash)));
    }
}
