using CognitoTools.TestEndpoint;
using Xunit;

namespace CognitoTools.Tests.TestEndpoint
{
    public sealed class DestinationMaskingTests
    {
        [Theory]
        [InlineData("jane@example.com", "j***@e***.com")]
        [InlineData("Bob.Smith@Contoso.co.uk", "B***@C***.uk")]
        [InlineData("x@y.io", "x***@y***.io")]
        [InlineData("admin@localhost", "a***@l***")]
        public void Email_keeps_first_letters_and_top_level_domain(string email, string masked)
        {
            Assert.Equal(masked, DestinationMasking.MaskEmail(email));
        }

        [Theory]
        [InlineData("+15555550123", "+*******0123")]
        [InlineData("+447700900123", "+********0123")]
        [InlineData("+1 (555) 555-0123", "+*******0123")]
        [InlineData("+123", "+123")]
        public void Phone_keeps_the_last_four_digits(string phone, string masked)
        {
            Assert.Equal(masked, DestinationMasking.MaskPhone(phone));
        }

        [Fact]
        public void Plausible_email_is_deterministic_masked_and_depends_on_the_username()
        {
            var names = new[] { "ghost", "alice", "zed", "user0001", "user0002", "user0003", "q", "R2D2" };
            var seen = new System.Collections.Generic.HashSet<string>();
            foreach (var name in names)
            {
                var plausible = DestinationMasking.PlausibleEmailFor(name);
                Assert.Equal(plausible, DestinationMasking.PlausibleEmailFor(name));
                Assert.Matches(@"^[a-z0-9]\*\*\*@[a-z]\*\*\*\.[a-z]+$", plausible);
                Assert.Equal(char.ToLowerInvariant(name[0]), plausible[0]);
                seen.Add(plausible.Substring(1));
            }
            // Derived from the username, not one constant answer for everyone.
            Assert.True(seen.Count > 1);
        }
    }
}
