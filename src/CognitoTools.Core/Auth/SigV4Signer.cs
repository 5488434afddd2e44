using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;

namespace CognitoTools.Auth
{
    /// <summary>What one SigV4 signing produced, step by step (the official test suite checks each step).</summary>
    public sealed class SigV4Signature
    {
        internal SigV4Signature(string canonicalRequest, string stringToSign, string signedHeaders, string credentialScope, string signature, string authorization)
        {
            CanonicalRequest = canonicalRequest;
            StringToSign = stringToSign;
            SignedHeaders = signedHeaders;
            CredentialScope = credentialScope;
            Signature = signature;
            Authorization = authorization;
        }

        public string CanonicalRequest { get; }
        public string StringToSign { get; }
        /// <summary>e.g. "content-type;host;x-amz-date;x-amz-target".</summary>
        public string SignedHeaders { get; }
        /// <summary>e.g. "20150830/us-east-1/cognito-idp/aws4_request".</summary>
        public string CredentialScope { get; }
        /// <summary>The hex signature.</summary>
        public string Signature { get; }
        /// <summary>The Authorization header value. A credential: never log or show it.</summary>
        public string Authorization { get; }

        /// <summary>Names what was signed, never the Authorization value.</summary>
        public override string ToString() => "SigV4 signature of " + SignedHeaders + " for " + CredentialScope;
    }

    /// <summary>
    /// AWS Signature Version 4, header signing (AWS4-HMAC-SHA256). Our own because the only packaged signer needs
    /// AWSSDK.Core, which collides with AWS.Tools in Windows PowerShell 5.1. Checked against AWS's official test suite,
    /// botocore and @smithy/signature-v4. Sign again for every attempt: the date is part of the signature.
    /// </summary>
    public static class SigV4Signer
    {
        public const string Algorithm = "AWS4-HMAC-SHA256";
        public const string AmzDateHeader = "X-Amz-Date";
        public const string SecurityTokenHeader = "X-Amz-Security-Token";
        /// <summary>SHA-256 of the empty string.</summary>
        public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

        /// <summary>
        /// Signs an HTTP request in place: sets X-Amz-Date, X-Amz-Security-Token (temporary credentials) and
        /// Authorization, replacing any earlier signature (a retry signs again). Signs host, content-type and every
        /// x-amz-* header (x-amz-date, x-amz-target, x-amz-security-token); User-Agent and the amz-sdk-* headers stay
        /// unsigned, as in the SDKs, so a proxy or retry that changes them cannot break the signature.
        /// </summary>
        /// <param name="body">The exact bytes sent as the body (null: empty).</param>
        public static SigV4Signature Sign(HttpRequestMessage request, byte[] body, AwsCredentials credentials, string region, string service, DateTimeOffset signingTime)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (credentials == null) throw new ArgumentNullException(nameof(credentials));
            if (request.RequestUri == null || !request.RequestUri.IsAbsoluteUri) throw new ArgumentException("The request needs an absolute URI to be signed.", nameof(request));
            if (string.IsNullOrEmpty(region)) throw new ArgumentException("A Region is required to sign.", nameof(region));
            if (string.IsNullOrEmpty(service)) throw new ArgumentException("A signing service name is required.", nameof(service));

            request.Headers.Remove(AmzDateHeader);
            request.Headers.Remove(SecurityTokenHeader);
            request.Headers.Authorization = null;
            request.Headers.TryAddWithoutValidation(AmzDateHeader, FormatAmzDate(signingTime));
            if (credentials.SessionToken != null) request.Headers.TryAddWithoutValidation(SecurityTokenHeader, credentials.SessionToken);

            var headers = new List<KeyValuePair<string, string>>
            {
                new KeyValuePair<string, string>("host", HostHeaderValue(request)),
            };
            if (request.Content != null)
            {
                foreach (var header in request.Content.Headers)
                {
                    if (string.Equals(header.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)) headers.Add(new KeyValuePair<string, string>(header.Key, string.Join(",", header.Value)));
                }
            }
            foreach (var header in request.Headers)
            {
                if (header.Key.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase))
                {
                    headers.Add(new KeyValuePair<string, string>(header.Key, string.Join(",", header.Value)));
                }
            }

            var signature = Compute(request.Method.Method, request.RequestUri.AbsolutePath, QueryWithoutQuestionMark(request.RequestUri),
                headers, HashHex(body ?? new byte[0]), normalizePath: true, credentials, region, service, signingTime);
            request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
            return signature;
        }

        /// <summary>
        /// The whole computation for a request given as parts: every given header is signed (the caller chooses which),
        /// so the test suite and the reference signers can be compared step by step.
        /// </summary>
        /// <param name="path">The request path as sent (already percent-encoded where needed); it is encoded again, as
        /// every service but S3 expects.</param>
        /// <param name="rawQuery">The query string without "?", as sent; null or empty for none.</param>
        public static SigV4Signature Compute(string method, string path, string rawQuery, IEnumerable<KeyValuePair<string, string>> headers,
            string payloadHash, bool normalizePath, AwsCredentials credentials, string region, string service, DateTimeOffset signingTime)
        {
            if (credentials == null) throw new ArgumentNullException(nameof(credentials));
            var canonicalRequest = CanonicalRequest(method, path, rawQuery, headers, payloadHash, normalizePath, out var signedHeaders);
            var scope = CredentialScope(signingTime, region, service);
            var stringToSign = StringToSign(signingTime, scope, canonicalRequest);
            var key = DeriveSigningKey(credentials.SecretAccessKey, signingTime, region, service);
            var signature = Hex(HmacSha256(key, stringToSign));
            Array.Clear(key, 0, key.Length);
            var authorization = Algorithm + " Credential=" + credentials.AccessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;
            return new SigV4Signature(canonicalRequest, stringToSign, signedHeaders, scope, signature, authorization);
        }

        /// <summary>Method, canonical URI, canonical query, canonical headers, signed headers and payload hash, joined by newlines.</summary>
        public static string CanonicalRequest(string method, string path, string rawQuery, IEnumerable<KeyValuePair<string, string>> headers,
            string payloadHash, bool normalizePath, out string signedHeaders)
        {
            if (string.IsNullOrEmpty(method)) throw new ArgumentException("An HTTP method is required.", nameof(method));
            var canonicalHeaders = CanonicalHeaders(headers, out signedHeaders);
            return method.ToUpperInvariant() + "\n"
                + CanonicalUri(path, normalizePath) + "\n"
                + CanonicalQueryString(rawQuery) + "\n"
                + canonicalHeaders + "\n"
                + signedHeaders + "\n"
                + (payloadHash ?? EmptyPayloadHash);
        }

        /// <summary>
        /// The path with dot segments and repeated slashes removed (when normalizing), each byte outside the unreserved
        /// set percent-encoded (upper-case hex), slashes kept.
        /// </summary>
        public static string CanonicalUri(string path, bool normalize)
        {
            if (string.IsNullOrEmpty(path)) return "/";
            if (normalize) path = NormalizePath(path);
            return UriEncode(path, keepSlash: true);
        }

        /// <summary>Parameters decoded then encoded again (RFC 3986), sorted by name then value; "key" alone means "key=".</summary>
        public static string CanonicalQueryString(string rawQuery)
        {
            if (string.IsNullOrEmpty(rawQuery)) return string.Empty;
            if (rawQuery[0] == '?') rawQuery = rawQuery.Substring(1);
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var part in rawQuery.Split('&'))
            {
                if (part.Length == 0) continue;
                var equals = part.IndexOf('=');
                var name = equals < 0 ? part : part.Substring(0, equals);
                var value = equals < 0 ? string.Empty : part.Substring(equals + 1);
                pairs.Add(new KeyValuePair<string, string>(UriEncode(PercentDecode(name), keepSlash: false), UriEncode(PercentDecode(value), keepSlash: false)));
            }
            pairs.Sort((a, b) =>
            {
                var byName = string.CompareOrdinal(a.Key, b.Key);
                return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
            });
            return string.Join("&", pairs.Select(p => p.Key + "=" + p.Value));
        }

        /// <summary>
        /// "name:value\n" per header, names lower-cased and sorted, values trimmed with inner whitespace runs collapsed to
        /// one space, repeated headers joined by commas in their order.
        /// </summary>
        public static string CanonicalHeaders(IEnumerable<KeyValuePair<string, string>> headers, out string signedHeaders)
        {
            if (headers == null) throw new ArgumentNullException(nameof(headers));
            var byName = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var header in headers)
            {
                var name = header.Key.Trim().ToLowerInvariant();
                if (!byName.TryGetValue(name, out var values)) byName[name] = values = new List<string>();
                values.Add(CollapseWhitespace(header.Value ?? string.Empty));
            }
            var builder = new StringBuilder();
            foreach (var pair in byName) builder.Append(pair.Key).Append(':').Append(string.Join(",", pair.Value)).Append('\n');
            signedHeaders = string.Join(";", byName.Keys);
            return builder.ToString();
        }

        /// <summary>"yyyyMMdd/region/service/aws4_request".</summary>
        public static string CredentialScope(DateTimeOffset signingTime, string region, string service)
            => FormatDateStamp(signingTime) + "/" + region + "/" + service + "/aws4_request";

        public static string StringToSign(DateTimeOffset signingTime, string credentialScope, string canonicalRequest)
            => Algorithm + "\n" + FormatAmzDate(signingTime) + "\n" + credentialScope + "\n" + HashHex(Encoding.UTF8.GetBytes(canonicalRequest));

        /// <summary>HMAC chain "AWS4"+secret → date → region → service → "aws4_request". Clear the result after use.</summary>
        public static byte[] DeriveSigningKey(string secretAccessKey, DateTimeOffset signingTime, string region, string service)
        {
            var secret = Encoding.UTF8.GetBytes("AWS4" + secretAccessKey);
            var date = HmacSha256(secret, FormatDateStamp(signingTime));
            Array.Clear(secret, 0, secret.Length);
            var regional = HmacSha256(date, region);
            var serviceKey = HmacSha256(regional, service);
            var signing = HmacSha256(serviceKey, "aws4_request");
            Array.Clear(date, 0, date.Length);
            Array.Clear(regional, 0, regional.Length);
            Array.Clear(serviceKey, 0, serviceKey.Length);
            return signing;
        }

        /// <summary>"20150830T123600Z" (UTC).</summary>
        public static string FormatAmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        public static string FormatDateStamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

        /// <summary>Lower-case hex SHA-256.</summary>
        public static string HashHex(byte[] data)
        {
            using (var sha = SHA256.Create()) return Hex(sha.ComputeHash(data ?? new byte[0]));
        }

        /// <summary>The Host header HttpClient sends: the request's Host header if set, else host[:port] (port only when not the scheme's default).</summary>
        internal static string HostHeaderValue(HttpRequestMessage request)
        {
            if (!string.IsNullOrEmpty(request.Headers.Host)) return request.Headers.Host;
            var uri = request.RequestUri;
            return uri.IsDefaultPort ? uri.IdnHost : uri.IdnHost + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        }

        private static string QueryWithoutQuestionMark(Uri uri)
        {
            var query = uri.Query;
            return string.IsNullOrEmpty(query) ? string.Empty : query.Substring(1);
        }

        private static byte[] HmacSha256(byte[] key, string data)
        {
            using (var hmac = new HMACSHA256(key)) return hmac.ComputeHash(Encoding.UTF8.GetBytes(data));
        }

        private static string Hex(byte[] bytes)
        {
            var builder = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) builder.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return builder.ToString();
        }

        private static string CollapseWhitespace(string value)
        {
            var builder = new StringBuilder(value.Length);
            var pendingSpace = false;
            foreach (var c in value)
            {
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                {
                    pendingSpace = builder.Length > 0;
                    continue;
                }
                if (pendingSpace) builder.Append(' ');
                pendingSpace = false;
                builder.Append(c);
            }
            return builder.ToString();
        }

        /// <summary>RFC 3986 dot-segment removal; empty segments (repeated slashes) dropped; a trailing slash kept.</summary>
        private static string NormalizePath(string path)
        {
            var segments = path.Split('/');
            var output = new List<string>();
            foreach (var segment in segments)
            {
                if (segment.Length == 0 || segment == ".") continue;
                if (segment == "..")
                {
                    if (output.Count > 0) output.RemoveAt(output.Count - 1);
                    continue;
                }
                output.Add(segment);
            }
            var endsWithSlash = path.EndsWith("/", StringComparison.Ordinal) || path.EndsWith("/.", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal);
            var normalized = "/" + string.Join("/", output);
            if (endsWithSlash && output.Count > 0) normalized += "/";
            return normalized;
        }

        private static bool IsUnreserved(byte b)
            => (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_' || b == '.' || b == '~';

        private static string UriEncode(string value, bool keepSlash)
        {
            var builder = new StringBuilder(value.Length);
            foreach (var b in Encoding.UTF8.GetBytes(value))
            {
                if (IsUnreserved(b) || (keepSlash && b == '/')) builder.Append((char)b);
                else builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return builder.ToString();
        }

        /// <summary>Decodes %XX sequences as UTF-8 bytes; a '%' not followed by two hex digits stays as it is.</summary>
        private static string PercentDecode(string value)
        {
            if (value.IndexOf('%') < 0) return value;
            var bytes = new List<byte>(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                if (value[i] == '%' && i + 2 < value.Length && IsHex(value[i + 1]) && IsHex(value[i + 2]))
                {
                    bytes.Add(byte.Parse(value.Substring(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                }
                else
                {
                    // A surrogate pair is one character in UTF-8.
                    var length = char.IsHighSurrogate(value[i]) && i + 1 < value.Length ? 2 : 1;
                    bytes.AddRange(Encoding.UTF8.GetBytes(value.Substring(i, length)));
                    i += length - 1;
                }
            }
            return Encoding.UTF8.GetString(bytes.ToArray());
        }

        private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
