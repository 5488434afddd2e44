using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class ValidationTests
    {
        private static ResendConfirmationCodeRequest Valid() => new ResendConfirmationCodeRequest { ClientId = "client1", Username = "ann" };

        private static RequestValidationException Refuse(Action<ResendConfirmationCodeRequest> change)
        {
            var request = Valid();
            change(request);
            return Assert.Throws<RequestValidationException>(() => RequestValidator.Validate(request));
        }

        [Fact]
        public void A_valid_request_passes()
        {
            RequestValidator.Validate(new ResendConfirmationCodeRequest
            {
                ClientId = "1example23456789+abc_DEF",
                Username = "ann.o'neil+test@example.com",
                SecretHash = "2C/c8eFTPAjDVPvvchKzglbSXBOXlp5bVzHxTD0L6lQ=",
                AnalyticsEndpointId = "",
                UserContextDataEncodedData = "x",
                UserContextDataIpAddress = "::1",
                ClientMetadata = new Dictionary<string, string> { ["k"] = "v", [""] = "" },
            });
        }

        [Theory]
        [InlineData("ClientId")]
        [InlineData("Username")]
        public void Required_members(string parameter)
        {
            var ex = Refuse(r => { if (parameter == "ClientId") r.ClientId = null; else r.Username = null; });
            Assert.Equal(parameter, ex.ParamName);
            Assert.Equal("required", ex.Rule);
            Assert.StartsWith(parameter + " is required", ex.Message);
        }

        [Fact]
        public void Message_is_not_suffixed_with_the_parameter_name_again()
        {
            var ex = Refuse(r => r.Username = "a b");
            Assert.DoesNotContain("(Parameter", ex.Message);
        }

        [Theory]
        [InlineData("ClientId", "")]
        [InlineData("ClientId", 129)]
        [InlineData("Username", "")]
        [InlineData("Username", 129)]
        [InlineData("SecretHash", "")]
        [InlineData("SecretHash", 129)]
        public void Length_1_to_128(string parameter, object value)
        {
            var text = value as string ?? new string('a', (int)value);
            var ex = Refuse(r => Set(r, parameter, text));
            Assert.Equal(parameter, ex.ParamName);
            Assert.Equal("length 1-128", ex.Rule);
            Assert.Contains(parameter, ex.Message);
            Assert.Contains("1 to 128", ex.Message);
            Assert.Contains(text.Length == 0 ? "empty" : "129 characters", ex.Message);
        }

        [Fact]
        public void Length_is_counted_in_code_points()
        {
            // 128 emoji: 256 UTF-16 units, 128 characters by Smithy's definition.
            var request = Valid();
            request.Username = string.Concat(Enumerable.Repeat("😀", 128));
            RequestValidator.Validate(request);
            request.Username += "😀";
            Assert.Equal("length 1-128", Assert.Throws<RequestValidationException>(() => RequestValidator.Validate(request)).Rule);
        }

        [Fact]
        public void Username_pattern_names_the_parameter_the_rule_and_the_offending_character()
        {
            var ex = Refuse(r => r.Username = "ann smith");
            Assert.Equal("Username", ex.ParamName);
            Assert.Equal(@"pattern [\p{L}\p{M}\p{S}\p{N}\p{P}]+", ex.Rule);
            Assert.Equal(@"Username must be 1 to 128 characters of letters, marks, symbols, numbers or punctuation (pattern [\p{L}\p{M}\p{S}\p{N}\p{P}]+); the value has a space at position 4.", ex.Message);
        }

        [Theory]
        [InlineData("a\tb", "a tab (U+0009) at position 2")]
        [InlineData("ab\n", "a line break (U+000A) at position 3")]
        [InlineData("a\u0001", "a control character (U+0001) at position 2")]
        [InlineData("a\u00A0b", "a space character (U+00A0) at position 2")]
        [InlineData("a\u200Bb", "an invisible formatting character (U+200B) at position 2")]
        [InlineData("😀 ", "a space at position 2")]
        [InlineData("a\uE000", "a private-use character (U+E000) at position 2")]
        public void Username_refuses_separators_and_invisible_characters(string username, string expected)
        {
            var ex = Refuse(r => r.Username = username);
            Assert.Contains(expected, ex.Message);
        }

        [Fact]
        public void Username_refuses_an_unpaired_surrogate()
        {
            var ex = Refuse(r => r.Username = "a" + (char)0xD800 + "b");
            Assert.Contains("an unpaired surrogate (U+D800) at position 2", ex.Message);
        }

        [Theory]
        [InlineData("jörg")]
        [InlineData("用户名")]
        [InlineData("😀")]
        [InlineData("a+b=c/d@e.f-g_h!~$%^&*()[]{}|\\:;\"'<>,?`")]
        [InlineData("e\u0301")] // combining mark
        [InlineData("٣١٤")] // Arabic-Indic digits
        [InlineData("🥹")] // Unicode 14: unassigned in .NET Framework's tables, so unassigned must not be refused
        [InlineData("a\u0378")] // unassigned everywhere today: left to the service to judge
        public void Username_accepts_letters_marks_symbols_numbers_punctuation(string username)
        {
            var request = Valid();
            request.Username = username;
            RequestValidator.Validate(request);
        }

        [Theory]
        [InlineData("abc-def", "'-' (U+002D) at position 4")]
        [InlineData("abc.def", "'.' (U+002E) at position 4")]
        [InlineData("abc def", "a space at position 4")]
        [InlineData("abc=", "'=' (U+003D) at position 4")]
        public void ClientId_pattern(string clientId, string expected)
        {
            var ex = Refuse(r => r.ClientId = clientId);
            Assert.Equal("ClientId", ex.ParamName);
            Assert.Equal(@"pattern [\w+]+", ex.Rule);
            Assert.Contains(@"(pattern [\w+]+)", ex.Message);
            Assert.Contains(expected, ex.Message);
        }

        [Theory]
        [InlineData("abc_DEF+123")]
        [InlineData("clientÄ")] // .NET's \w includes Unicode letters
        public void ClientId_accepts_word_characters_and_plus(string clientId)
        {
            var request = Valid();
            request.ClientId = clientId;
            RequestValidator.Validate(request);
        }

        [Fact]
        public void SecretHash_pattern_never_shows_the_value()
        {
            const string secretHash = "2C/c8eFTPAjD VPvvchKzglbSXB-OXlp5bVzHxTD0L6lQ=";
            var ex = Refuse(r => r.SecretHash = secretHash);
            Assert.Equal("SecretHash", ex.ParamName);
            Assert.Equal(@"pattern [\w+=/]+", ex.Rule);
            Assert.Contains("position 13", ex.Message);
            Assert.DoesNotContain(secretHash, ex.Message);
            Assert.DoesNotContain("2C/c8", ex.Message);
            Assert.DoesNotContain("a space", ex.Message);
        }

        [Theory]
        [InlineData("AnalyticsMetadata_AnalyticsEndpointId")]
        [InlineData("UserContextData_EncodedData")]
        [InlineData("UserContextData_IpAddress")]
        public void String_members_are_at_most_131072_characters(string parameter)
        {
            var request = Valid();
            Set(request, parameter, new string('x', 131072));
            RequestValidator.Validate(request);

            var ex = Refuse(r => Set(r, parameter, new string('x', 131073)));
            Assert.Equal(parameter, ex.ParamName);
            Assert.Equal("length 0-131072", ex.Rule);
            Assert.Contains(parameter, ex.Message);
            Assert.Contains("131073", ex.Message);
        }

        [Fact]
        public void ClientMetadata_keys_and_values_are_at_most_131072_characters()
        {
            var byValue = Refuse(r => r.ClientMetadata = new Dictionary<string, string> { ["big"] = new string('v', 131073) });
            Assert.Equal("ClientMetadata", byValue.ParamName);
            Assert.Contains("key 'big'", byValue.Message);
            var byKey = Refuse(r => r.ClientMetadata = new Dictionary<string, string> { [new string('k', 131073)] = "v" });
            Assert.Equal("ClientMetadata", byKey.ParamName);
            Assert.Equal("length 0-131072", byKey.Rule);
        }

        [Fact]
        public void Rules_match_the_model_file()
        {
            using var model = ModelFile.Load();
            var shapes = model.RootElement.GetProperty("shapes");
            Assert.Equal(RequestValidator.ClientIdPattern, shapes.GetProperty("ClientIdType").GetProperty("pattern").GetString());
            Assert.Equal(RequestValidator.UsernamePattern, shapes.GetProperty("UsernameType").GetProperty("pattern").GetString());
            Assert.Equal(RequestValidator.SecretHashPattern, shapes.GetProperty("SecretHashType").GetProperty("pattern").GetString());
            Assert.Equal(RequestValidator.MaxStringLength, shapes.GetProperty("StringType").GetProperty("max").GetInt32());
            foreach (var type in new[] { "ClientIdType", "UsernameType", "SecretHashType" })
            {
                Assert.Equal(1, shapes.GetProperty(type).GetProperty("min").GetInt32());
                Assert.Equal(128, shapes.GetProperty(type).GetProperty("max").GetInt32());
            }
            var required = shapes.GetProperty("ResendConfirmationCodeRequest").GetProperty("required").EnumerateArray().Select(e => e.GetString()).OrderBy(s => s);
            Assert.Equal(new[] { "ClientId", "Username" }, required);
        }

        [Fact]
        public async Task The_client_validates_before_sending_anything()
        {
            using var f = new ClientFixture(_ => Responses.Ok());
            var ex = await Assert.ThrowsAsync<RequestValidationException>(() => f.SendAsync("bad user", "client1"));
            Assert.Equal("Username", ex.ParamName);
            Assert.Equal(0, f.Server.RequestCount);
            Assert.Equal(0, f.Server.ConnectionCount);
        }

        private static void Set(ResendConfirmationCodeRequest r, string parameter, string value)
        {
            switch (parameter)
            {
                case "ClientId": r.ClientId = value; break;
                case "Username": r.Username = value; break;
                case "SecretHash": r.SecretHash = value; break;
                case "AnalyticsMetadata_AnalyticsEndpointId": r.AnalyticsEndpointId = value; break;
                case "UserContextData_EncodedData": r.UserContextDataEncodedData = value; break;
                case "UserContextData_IpAddress": r.UserContextDataIpAddress = value; break;
                default: throw new ArgumentException(parameter);
            }
        }
    }
}
