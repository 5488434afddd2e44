using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using CognitoTools.Auth;
using Xunit;

namespace CognitoTools.Tests.Auth
{
    /// <summary>AWS's official SigV4 test suite (aws-c-auth), header signing: every step of every case.</summary>
    public sealed class SigV4TestSuiteTests
    {
        private static string SuiteDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "SigV4TestSuite");

        public static IEnumerable<object[]> Cases
            => Directory.GetDirectories(SuiteDirectory).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).Select(n => new object[] { n });

        /// <summary>One case: its context.json and request.txt, parsed.</summary>
        private sealed class SuiteCase
        {
            public string Name;
            public string Method;
            public string Path;
            public string Query;
            public List<KeyValuePair<string, string>> Headers = new List<KeyValuePair<string, string>>();
            public byte[] Body;
            public AwsCredentials Credentials;
            public string Region;
            public string Service;
            public DateTimeOffset Time;
            public bool Normalize;
            public bool SignBody;
            public bool OmitSessionToken;

            public string Expected(string file) => File.ReadAllText(System.IO.Path.Combine(SuiteDirectory, Name, file)).Replace("\r\n", "\n");
        }

        private static SuiteCase Load(string name)
        {
            var directory = Path.Combine(SuiteDirectory, name);
            using var context = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "context.json")));
            var root = context.RootElement;
            var credentials = root.GetProperty("credentials");
            var suiteCase = new SuiteCase
            {
                Name = name,
                Credentials = new AwsCredentials(credentials.GetProperty("access_key_id").GetString(), credentials.GetProperty("secret_access_key").GetString(),
                    credentials.TryGetProperty("token", out var token) ? token.GetString() : null, null, "the SigV4 test suite"),
                Region = root.GetProperty("region").GetString(),
                Service = root.GetProperty("service").GetString(),
                Time = DateTimeOffset.Parse(root.GetProperty("timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture),
                Normalize = root.GetProperty("normalize").GetBoolean(),
                SignBody = root.TryGetProperty("sign_body", out var signBody) && signBody.GetBoolean(),
                OmitSessionToken = root.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean(),
            };

            // request.txt: "METHOD path[?query] HTTP/1.1", "Name:value" lines (indented lines continue the previous
            // value), an empty line, the body.
            var text = File.ReadAllText(Path.Combine(directory, "request.txt")).Replace("\r\n", "\n");
            var headerEnd = text.IndexOf("\n\n", StringComparison.Ordinal);
            var head = headerEnd < 0 ? text.TrimEnd('\n') : text.Substring(0, headerEnd);
            suiteCase.Body = Encoding.UTF8.GetBytes(headerEnd < 0 ? string.Empty : text.Substring(headerEnd + 2));
            var lines = head.Split('\n');
            var requestLine = lines[0];
            var firstSpace = requestLine.IndexOf(' ');
            suiteCase.Method = requestLine.Substring(0, firstSpace);
            var target = requestLine.Substring(firstSpace + 1, requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal) - firstSpace - 1);
            var question = target.IndexOf('?');
            suiteCase.Path = question < 0 ? target : target.Substring(0, question);
            suiteCase.Query = question < 0 ? null : target.Substring(question + 1);
            foreach (var line in lines.Skip(1))
            {
                if (line.Length > 0 && char.IsWhiteSpace(line[0]))
                {
                    var last = suiteCase.Headers[suiteCase.Headers.Count - 1];
                    suiteCase.Headers[suiteCase.Headers.Count - 1] = new KeyValuePair<string, string>(last.Key, last.Value + "\n" + line);
                    continue;
                }
                var colon = line.IndexOf(':');
                suiteCase.Headers.Add(new KeyValuePair<string, string>(line.Substring(0, colon), line.Substring(colon + 1)));
            }
            return suiteCase;
        }

        /// <summary>The headers as the signer sees them: the request's plus X-Amz-Date, the token and the content hash.</summary>
        private static SigV4Signature Compute(SuiteCase c)
        {
            var payloadHash = SigV4Signer.HashHex(c.Body);
            var headers = new List<KeyValuePair<string, string>>(c.Headers)
            {
                new KeyValuePair<string, string>(SigV4Signer.AmzDateHeader, SigV4Signer.FormatAmzDate(c.Time)),
            };
            if (c.Credentials.SessionToken != null && !c.OmitSessionToken) headers.Add(new KeyValuePair<string, string>(SigV4Signer.SecurityTokenHeader, c.Credentials.SessionToken));
            if (c.SignBody) headers.Add(new KeyValuePair<string, string>("x-amz-content-sha256", payloadHash));
            return SigV4Signer.Compute(c.Method, c.Path, c.Query, headers, payloadHash, c.Normalize, c.Credentials, c.Region, c.Service, c.Time);
        }

        [Fact]
        public void The_suite_is_in_the_test_data_with_its_license()
        {
            Assert.True(File.Exists(Path.Combine(SuiteDirectory, "LICENSE")));
            Assert.True(File.Exists(Path.Combine(SuiteDirectory, "NOTICE")));
            Assert.True(Cases.Count() >= 30, "The suite has " + Cases.Count() + " cases.");
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Canonical_request_matches(string name)
        {
            var c = Load(name);
            Assert.Equal(c.Expected("header-canonical-request.txt"), Compute(c).CanonicalRequest);
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void String_to_sign_matches(string name)
        {
            var c = Load(name);
            Assert.Equal(c.Expected("header-string-to-sign.txt"), Compute(c).StringToSign);
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Signature_and_authorization_header_match(string name)
        {
            var c = Load(name);
            var signature = Compute(c);
            Assert.Equal(c.Expected("header-signature.txt").Trim(), signature.Signature);
            var expectedAuthorization = c.Expected("header-signed-request.txt").Split('\n')
                .Single(l => l.StartsWith("Authorization:", StringComparison.Ordinal)).Substring("Authorization:".Length);
            Assert.Equal(expectedAuthorization, signature.Authorization);
        }

        /// <summary>
        /// The HttpRequestMessage path (what the client uses) gives the suite's signed request for the cases it can
        /// express: only a Host header, a path .NET sends as written (ASCII, no space), token signed, body not.
        /// </summary>
        [Theory]
        [MemberData(nameof(Cases))]
        public void Signing_an_HttpRequestMessage_sets_the_suites_headers(string name)
        {
            var c = Load(name);
            var expressible = c.Headers.Count == 1 && c.Normalize && !c.SignBody && !c.OmitSessionToken
                              && c.Path.All(ch => ch < 128 && ch != ' ') && c.Body.Length == 0;
            if (!expressible) return;

            var host = c.Headers[0].Value;
            var request = new HttpRequestMessage(new HttpMethod(c.Method), "https://" + host + c.Path + (c.Query == null ? "" : "?" + c.Query));
            // A stale signature from an earlier attempt must be replaced, not added to.
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 stale");
            request.Headers.TryAddWithoutValidation("X-Amz-Date", "20000101T000000Z");
            SigV4Signer.Sign(request, c.Body, c.Credentials, c.Region, c.Service, c.Time);

            var expected = c.Expected("header-signed-request.txt").Split('\n').Skip(1).Where(l => l.Length > 0)
                .Select(l => (Name: l.Substring(0, l.IndexOf(':')), Value: l.Substring(l.IndexOf(':') + 1))).ToList();
            foreach (var (headerName, value) in expected.Where(h => !h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase)))
            {
                Assert.True(request.Headers.TryGetValues(headerName, out var values), name + ": " + headerName + " not set");
                Assert.Equal(value, Assert.Single(values));
            }
            Assert.Equal(c.Credentials.SessionToken != null, request.Headers.Contains(SigV4Signer.SecurityTokenHeader));
        }
    }
}
