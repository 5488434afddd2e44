using System.Linq;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class SecretSafetyTests
    {
        private const string Hash = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=";

        private static ResendConfirmationCodeRequest WithSecret() => new ResendConfirmationCodeRequest { Username = "ann", ClientId = "client1", SecretHash = Hash };

        [Fact]
        public async Task The_secret_is_sent_but_never_logged()
        {
            using var f = new ClientFixture(Responses.Sequence(() => Responses.Error(500, "InternalErrorException", "x"), () => Responses.Ok()));
            await f.SendAsync(WithSecret());
            Assert.Contains(Hash, f.Server.Requests.Last().BodyText);
            Assert.NotEmpty(f.LogLines);
            Assert.DoesNotContain(f.LogLines, l => l.Contains(Hash));
        }

        [Fact]
        public async Task A_service_message_echoing_the_secret_is_masked()
        {
            using var f = new ClientFixture(_ => Responses.Error(400, "NotAuthorizedException", "Unable to verify secret hash " + Hash));
            var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync(WithSecret()));
            Assert.Equal("NotAuthorizedException", ex.ErrorCode);
            Assert.DoesNotContain(Hash, ex.Message);
            Assert.Contains("***", ex.Message);
            Assert.Equal(400, ex.HttpStatusCode);
            Assert.Equal(1, ex.Attempts);
        }

        [Fact]
        public async Task A_malformed_body_excerpt_echoing_the_secret_is_masked()
        {
            using var f = new ClientFixture(_ => ResponseAction.Json(400, "<echo>" + Hash + "</echo>", "text/html"));
            var ex = await Assert.ThrowsAsync<CognitoServiceException>(() => f.SendAsync(WithSecret()));
            Assert.Equal("MalformedResponse", ex.ErrorCode);
            Assert.DoesNotContain(Hash, ex.Message);
            Assert.DoesNotContain(f.LogLines, l => l.Contains(Hash));
        }

        [Fact]
        public async Task Transport_failures_do_not_mention_the_secret()
        {
            using var f = new ClientFixture(_ => new ResponseAction { DropConnection = true });
            var ex = await Assert.ThrowsAsync<CognitoTransportException>(() => f.SendAsync(WithSecret()));
            Assert.DoesNotContain(Hash, ex.ToString());
            Assert.DoesNotContain(f.LogLines, l => l.Contains(Hash));
        }
    }
}
