using System.Linq;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    public class JsonTests
    {
        [Fact]
        public void Writer_is_compact_and_nests()
        {
            var text = new JsonWriter().StartObject()
                .PropertyName("a").String("x")
                .PropertyName("b").StartObject().PropertyName("c").Number(1).PropertyName("d").Boolean(true).EndObject()
                .OptionalString("skipped", null)
                .PropertyName("e").String(null)
                .EndObject().ToString();
            Assert.Equal("{\"a\":\"x\",\"b\":{\"c\":1,\"d\":true},\"e\":null}", text);
        }

        [Theory]
        [InlineData("plain", "\"plain\"")]
        [InlineData("q\"b\\", "\"q\\\"b\\\\\"")]
        [InlineData("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"")]
        [InlineData("\u0000\u001f", "\"\\u0000\\u001f\"")]
        [InlineData("\u007f/é😀\u2028", "\"\u007f/é😀\u2028\"")]
        public void Strings_are_escaped_as_JSON_stringify_does(string value, string expected)
        {
            Assert.Equal(expected, JsonWriter.Quote(value));
        }

        [Fact]
        public void Lone_surrogates_are_escaped_because_UTF8_cannot_carry_them()
        {
            // Built in code: xunit would replace a lone surrogate in attribute data with U+FFFD.
            Assert.Equal("\"lone\\ud800\"", JsonWriter.Quote("lone" + (char)0xD800));
            Assert.Equal("\"lone\\udc00x\"", JsonWriter.Quote("lone" + (char)0xDC00 + "x"));
        }

        [Fact]
        public void Reader_round_trips_every_value_kind()
        {
            var v = JsonReader.Parse(" {\"s\":\"a\\u00e9\\ud83d\\ude00\\/\\n\",\"n\":-1.5e+3,\"z\":0,\"t\":true,\"f\":false,\"nul\":null,\"arr\":[[],{}],\"dup\":1,\"dup\":2} ");
            Assert.Equal(JsonKind.Object, v.Kind);
            Assert.Equal("aé😀/\n", v.GetText("s"));
            Assert.Equal("-1.5e+3", v.GetText("n"));
            Assert.Equal("0", v.GetText("z"));
            Assert.True(v.Get("t").Boolean);
            Assert.False(v.Get("f").Boolean);
            Assert.Equal(JsonKind.Null, v.Get("nul").Kind);
            Assert.Equal(2, v.Get("arr").Items.Count);
            Assert.Equal("2", v.GetText("dup"));
            Assert.Null(v.Get("absent"));
            Assert.Equal("a\u00e9\ud83d\ude00/\n", v.Get("S", ignoreCase: true).Text);
        }

        [Fact]
        public void Reader_accepts_non_object_top_level_values()
        {
            Assert.Equal(JsonKind.Array, JsonReader.Parse("[1]").Kind);
            Assert.Equal("x", JsonReader.Parse("\"x\"").Text);
            Assert.Equal(JsonKind.Null, JsonReader.Parse("null").Kind);
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("{", "end of the text")]
        [InlineData("{\"a\":1", "'}'")]
        [InlineData("{\"a\" 1}", "':'")]
        [InlineData("{a:1}", "member name")]
        [InlineData("{\"a\":1,}", "member name")]
        [InlineData("[1,]", "value")]
        [InlineData("{\"a\":01}", "found '1'")]
        [InlineData("\"abc", "inside a string")]
        [InlineData("\"a\u0001\"", "control character")]
        [InlineData("\"\\x\"", "escape")]
        [InlineData("\"\\u12G4\"", "hex")]
        [InlineData("tru", "value")]
        [InlineData("1.", "decimal point")]
        [InlineData("-", "digit")]
        [InlineData("1e", "exponent")]
        [InlineData("{} {}", "after the end")]
        [InlineData("<html>", "'<'")]
        public void Reader_rejects_malformed_JSON_with_a_clear_message(string text, string expected)
        {
            var ex = Assert.Throws<JsonFormatException>(() => JsonReader.Parse(text));
            Assert.StartsWith("Invalid JSON at position ", ex.Message);
            Assert.Contains(expected, ex.Message);
        }

        [Fact]
        public void Reader_limits_nesting_instead_of_overflowing_the_stack()
        {
            var deep = new string('[', 100000) + new string(']', 100000);
            var ex = Assert.Throws<JsonFormatException>(() => JsonReader.Parse(deep));
            Assert.Contains("nesting", ex.Message);
        }

        [Fact]
        public void Reader_tolerates_a_byte_order_mark()
        {
            var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes("{\"a\":\"b\"}")).ToArray();
            Assert.Equal("b", JsonReader.Parse(bytes).GetText("a"));
        }
    }
}
