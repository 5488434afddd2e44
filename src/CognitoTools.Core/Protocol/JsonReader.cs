using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CognitoTools.Protocol
{
    internal enum JsonKind { Null, Boolean, Number, String, Array, Object }

    /// <summary>A parsed JSON value. Numbers keep their source text: we never need their arithmetic value.</summary>
    internal sealed class JsonValue
    {
        public static readonly JsonValue Null = new JsonValue(JsonKind.Null);
        public static readonly JsonValue True = new JsonValue(JsonKind.Boolean) { Boolean = true };
        public static readonly JsonValue False = new JsonValue(JsonKind.Boolean) { Boolean = false };

        private JsonValue(JsonKind kind) { Kind = kind; }

        public JsonKind Kind { get; }
        public bool Boolean { get; private set; }
        /// <summary>The string's value, or a number's source text.</summary>
        public string Text { get; private set; }
        public IList<JsonValue> Items { get; private set; }
        /// <summary>Members in document order; duplicates kept (look-ups return the last, as JSON.parse does).</summary>
        public IList<KeyValuePair<string, JsonValue>> Members { get; private set; }

        public static JsonValue FromString(string text) => new JsonValue(JsonKind.String) { Text = text };
        public static JsonValue FromNumberText(string text) => new JsonValue(JsonKind.Number) { Text = text };
        public static JsonValue NewArray(IList<JsonValue> items) => new JsonValue(JsonKind.Array) { Items = items };
        public static JsonValue NewObject(IList<KeyValuePair<string, JsonValue>> members) => new JsonValue(JsonKind.Object) { Members = members };

        /// <summary>The member's value, or null when absent or when this is not an object.</summary>
        public JsonValue Get(string name, bool ignoreCase = false)
        {
            if (Kind != JsonKind.Object) return null;
            var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            for (var i = Members.Count - 1; i >= 0; i--)
            {
                if (string.Equals(Members[i].Key, name, comparison)) return Members[i].Value;
            }
            return null;
        }

        /// <summary>A member as text: strings as is, numbers and booleans as their JSON text, anything else null.</summary>
        public string GetText(string name, bool ignoreCase = false)
        {
            var value = Get(name, ignoreCase);
            if (value == null) return null;
            switch (value.Kind)
            {
                case JsonKind.String:
                case JsonKind.Number: return value.Text;
                case JsonKind.Boolean: return value.Boolean ? "true" : "false";
                default: return null;
            }
        }
    }

    /// <summary>The text is not well-formed JSON.</summary>
    public sealed class JsonFormatException : FormatException
    {
        public JsonFormatException(string message, int position) : base(message) { Position = position; }
        /// <summary>0-based character offset where the problem was found.</summary>
        public int Position { get; }
    }

    /// <summary>
    /// Strict RFC 8259 parser (what JSON.parse accepts) into <see cref="JsonValue"/> trees. It accepts any value and
    /// any member, so unknown response members are simply carried along and ignored by the caller.
    /// </summary>
    internal sealed class JsonReader
    {
        private const int MaxDepth = 256;
        private readonly string _text;
        private int _pos;
        private int _depth;

        private JsonReader(string text) { _text = text; }

        public static JsonValue Parse(byte[] utf8)
        {
            if (utf8 == null) throw new ArgumentNullException(nameof(utf8));
            return Parse(Encoding.UTF8.GetString(utf8));
        }

        public static JsonValue Parse(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            var reader = new JsonReader(text);
            // A UTF-8 byte order mark is not JSON, but harmless: tolerate it.
            if (text.Length > 0 && text[0] == '\uFEFF') reader._pos = 1;
            reader.SkipWhitespace();
            if (reader._pos >= text.Length) throw reader.Error("the text is empty");
            var value = reader.ReadValue();
            reader.SkipWhitespace();
            if (reader._pos < text.Length) throw reader.Error("unexpected " + reader.Describe(reader._pos) + " after the end of the JSON value");
            return value;
        }

        private JsonValue ReadValue()
        {
            if (_pos >= _text.Length) throw Error("the text ended where a value was expected");
            var c = _text[_pos];
            switch (c)
            {
                case '{': return ReadObject();
                case '[': return ReadArray();
                case '"': return JsonValue.FromString(ReadString());
                case 't': ExpectLiteral("true"); return JsonValue.True;
                case 'f': ExpectLiteral("false"); return JsonValue.False;
                case 'n': ExpectLiteral("null"); return JsonValue.Null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                    throw Error("unexpected " + Describe(_pos) + " where a value was expected");
            }
        }

        private JsonValue ReadObject()
        {
            Enter();
            _pos++; // {
            var members = new List<KeyValuePair<string, JsonValue>>();
            SkipWhitespace();
            if (Peek() == '}') { _pos++; _depth--; return JsonValue.NewObject(members); }
            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"') throw Error("expected a member name in quotes but found " + Describe(_pos));
                var name = ReadString();
                SkipWhitespace();
                if (Peek() != ':') throw Error("expected ':' after a member name but found " + Describe(_pos));
                _pos++;
                SkipWhitespace();
                members.Add(new KeyValuePair<string, JsonValue>(name, ReadValue()));
                SkipWhitespace();
                var next = Peek();
                if (next == ',') { _pos++; continue; }
                if (next == '}') { _pos++; break; }
                throw Error("expected ',' or '}' in an object but found " + Describe(_pos));
            }
            _depth--;
            return JsonValue.NewObject(members);
        }

        private JsonValue ReadArray()
        {
            Enter();
            _pos++; // [
            var items = new List<JsonValue>();
            SkipWhitespace();
            if (Peek() == ']') { _pos++; _depth--; return JsonValue.NewArray(items); }
            while (true)
            {
                SkipWhitespace();
                items.Add(ReadValue());
                SkipWhitespace();
                var next = Peek();
                if (next == ',') { _pos++; continue; }
                if (next == ']') { _pos++; break; }
                throw Error("expected ',' or ']' in an array but found " + Describe(_pos));
            }
            _depth--;
            return JsonValue.NewArray(items);
        }

        private string ReadString()
        {
            _pos++; // opening quote
            StringBuilder sb = null;
            var runStart = _pos;
            while (true)
            {
                if (_pos >= _text.Length) throw Error("the text ended inside a string");
                var c = _text[_pos];
                if (c == '"')
                {
                    string result;
                    if (sb == null) result = _text.Substring(runStart, _pos - runStart);
                    else result = sb.Append(_text, runStart, _pos - runStart).ToString();
                    _pos++;
                    return result;
                }
                if (c < 0x20) throw Error("unescaped control character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + " in a string");
                if (c != '\\') { _pos++; continue; }

                if (sb == null) sb = new StringBuilder();
                sb.Append(_text, runStart, _pos - runStart);
                _pos++;
                if (_pos >= _text.Length) throw Error("the text ended inside an escape sequence");
                var e = _text[_pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 > _text.Length) throw Error("the text ended inside a \\u escape");
                        var code = 0;
                        for (var i = 0; i < 4; i++)
                        {
                            var h = HexValue(_text[_pos + i]);
                            if (h < 0) throw Error("invalid hex digit in a \\u escape", _pos + i);
                            code = code * 16 + h;
                        }
                        _pos += 4;
                        sb.Append((char)code);
                        break;
                    default:
                        throw Error("invalid escape sequence '\\" + e + "'", _pos - 2);
                }
                runStart = _pos;
            }
        }

        private JsonValue ReadNumber()
        {
            var start = _pos;
            if (Peek() == '-') _pos++;
            if (Peek() == '0') _pos++;
            else if (IsDigit(Peek())) { while (IsDigit(Peek())) _pos++; }
            else throw Error("expected a digit but found " + Describe(_pos));
            if (Peek() == '.')
            {
                _pos++;
                if (!IsDigit(Peek())) throw Error("expected a digit after the decimal point but found " + Describe(_pos));
                while (IsDigit(Peek())) _pos++;
            }
            if (Peek() == 'e' || Peek() == 'E')
            {
                _pos++;
                if (Peek() == '+' || Peek() == '-') _pos++;
                if (!IsDigit(Peek())) throw Error("expected a digit in the exponent but found " + Describe(_pos));
                while (IsDigit(Peek())) _pos++;
            }
            return JsonValue.FromNumberText(_text.Substring(start, _pos - start));
        }

        private void ExpectLiteral(string literal)
        {
            if (_pos + literal.Length > _text.Length || string.CompareOrdinal(_text, _pos, literal, 0, literal.Length) != 0)
            {
                throw Error("unexpected " + Describe(_pos) + " where a value was expected");
            }
            _pos += literal.Length;
        }

        private void Enter()
        {
            if (++_depth > MaxDepth) throw Error("nesting deeper than " + MaxDepth + " levels");
        }

        private void SkipWhitespace()
        {
            while (_pos < _text.Length)
            {
                var c = _text[_pos];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') _pos++;
                else break;
            }
        }

        private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

        private static bool IsDigit(char c) => c >= '0' && c <= '9';

        private static int HexValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        private string Describe(int position)
        {
            if (position >= _text.Length) return "the end of the text";
            var c = _text[position];
            if (c < 0x20 || c == 0x7F) return "character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
            return "'" + c + "'";
        }

        private JsonFormatException Error(string problem, int? position = null)
        {
            var at = position ?? _pos;
            return new JsonFormatException("Invalid JSON at position " + at.ToString(CultureInfo.InvariantCulture) + ": " + problem + ".", at);
        }
    }
}
