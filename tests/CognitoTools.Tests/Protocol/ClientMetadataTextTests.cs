using System;
using System.Linq;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class ClientMetadataTextTests
    {
        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        public void Empty_text_is_no_metadata(string text) => Assert.Null(ClientMetadataText.Parse(text));

        [Fact]
        public void A_json_object_gives_its_members_as_strings()
        {
            var pairs = ClientMetadataText.Parse("{\"campaign\":\"spring\",\"wave\":2,\"vip\":true,\"none\":null}");
            Assert.Equal(new[] { "campaign=spring", "wave=2", "vip=true" }, pairs.Select(p => p.Key + "=" + p.Value));
        }

        [Fact]
        public void Shorthand_pairs_are_split_on_commas_and_the_first_equals_sign()
        {
            var pairs = ClientMetadataText.Parse(" campaign = spring , token=a=b ");
            Assert.Equal(new[] { "campaign=spring", "token=a=b" }, pairs.Select(p => p.Key + "=" + p.Value));
        }

        [Theory]
        [InlineData("spring", "'spring' is not key=value")]
        [InlineData("a=b,,c=d", "'' is not key=value")]
        [InlineData("=b", "'=b' is not key=value")]
        [InlineData("{\"a\":", "not valid JSON")]
        [InlineData("{\"a\":{\"b\":\"c\"}}", "the value of 'a' is not a string")]
        public void Other_text_is_refused_naming_the_accepted_forms(string text, string why)
        {
            var error = Assert.Throws<FormatException>(() => ClientMetadataText.Parse(text));
            Assert.Contains(why, error.Message);
            Assert.Contains("ClientMetadata", error.Message);
            Assert.Contains("key=value pairs separated by commas", error.Message);
        }
    }
}
