using CognitoTools.Endpoints;
using Xunit;

namespace CognitoTools.Tests.Endpoints
{
    public class SharedConfigFileTests
    {
        [Fact]
        public void ToleratesCommentsWhitespaceAndWindowsLineEndings()
        {
            var text = "# leading comment\r\n"
                + "; another\r\n"
                + "  [ profile   dev ]   # trailing comment\r\n"
                + "  region=eu-west-1   ; inline\r\n"
                + "OUTPUT   =\tjson  \r\n"
                + "endpoint_url = https://example.com/path#fragment\r\n"
                + "\r\n"
                + "[default]\r\n"
                + "region = us-east-1\r\n";
            var file = SharedConfigFile.Parse(text, "config", ProfileFileKind.Config);

            var dev = file.FindProfile("dev");
            Assert.NotNull(dev);
            // The indented "region" line follows a section header, not a property, so it is a property of its own.
            Assert.Equal("eu-west-1", dev["region"].Value);
            Assert.Equal("json", dev["output"].Value);
            Assert.Equal("https://example.com/path#fragment", dev["endpoint_url"].Value);
            Assert.Equal("us-east-1", file.FindProfile("default")["region"].Value);
        }

        [Fact]
        public void ProfileDefaultSectionWinsOverDefaultSection()
        {
            var file = SharedConfigFile.Parse("[default]\nregion = us-east-1\n[profile default]\nregion = eu-west-1\n", "config", ProfileFileKind.Config);
            Assert.Equal("eu-west-1", file.FindProfile("default")["region"].Value);
        }

        [Fact]
        public void SectionNamesDependOnTheKindOfFile()
        {
            const string text = "[profile a]\nregion = eu-west-1\n[b]\nregion = eu-west-2\n";
            var config = SharedConfigFile.Parse(text, "config", ProfileFileKind.Config);
            Assert.NotNull(config.FindProfile("a"));
            Assert.Null(config.FindProfile("b"));
            Assert.True(config.HasBareSectionOnly("b"));

            var credentials = SharedConfigFile.Parse(text, "credentials", ProfileFileKind.Credentials);
            Assert.Null(credentials.FindProfile("a"));
            Assert.NotNull(credentials.FindProfile("b"));

            var either = SharedConfigFile.Parse(text, "custom", ProfileFileKind.Either);
            Assert.NotNull(either.FindProfile("a"));
            Assert.NotNull(either.FindProfile("b"));
        }

        [Fact]
        public void RepeatedSectionsMergeWithLaterValuesWinning()
        {
            var file = SharedConfigFile.Parse("[profile x]\nregion = a-b-1\noutput = text\n[profile x]\nregion = c-d-2\n", "config", ProfileFileKind.Config);
            var profile = file.FindProfile("x");
            Assert.Equal("c-d-2", profile["region"].Value);
            Assert.Equal("text", profile["output"].Value);
        }

        [Fact]
        public void SubPropertiesAndContinuationLines()
        {
            var file = SharedConfigFile.Parse(
                "[services local]\n"
                + "cognito_identity_provider =\n"
                + "  endpoint_url = http://127.0.0.1:9229  # local stand-in\n"
                + "[profile p]\n"
                + "note = first\n"
                + "  second\n",
                "config", ProfileFileKind.Config);
            Assert.Equal("http://127.0.0.1:9229", file.FindServiceSetting("local", "cognito_identity_provider", "endpoint_url"));
            Assert.Null(file.FindServiceSetting("local", "s3", "endpoint_url"));
            Assert.Null(file.FindServiceSetting("other", "cognito_identity_provider", "endpoint_url"));
            Assert.Equal("first\nsecond", file.FindProfile("p")["note"].Value);
        }

        [Fact]
        public void PropertiesBeforeAnySectionAndMalformedLinesAreIgnored()
        {
            var file = SharedConfigFile.Parse("region = xx-yy-1\n[default]\nthis line has no equals\n= no key\nregion = us-west-2\n[broken\n", "config", ProfileFileKind.Config);
            var profile = file.FindProfile("default");
            Assert.Equal("us-west-2", profile["region"].Value);
            Assert.Single(profile);
        }
    }
}
