using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// Compact JSON writer producing what JavaScript's JSON.stringify produces for strings: only quote, backslash and
    /// control characters escaped, everything else (including non-ASCII) written as raw UTF-8. That keeps our request
    /// bodies byte-identical to the AWS JS SDK's for the same input.
    /// </summary>
    internal sealed class JsonWriter
    {
        private readonly StringBuilder _text = new StringBuilder(256);
        // One flag per open container: whether the next member needs a comma before it.
        private readonly bool[] _needsComma = new bool[64];
        private int _depth;
        // True between a property name and its value.
        public JsonWriter StartObject()
        {
            BeforeValue();
            _text.Append('{');
            Push();
            return this;
        }

        public JsonWriter EndObject()
        {
            Pop();
            _text.Append('}');
            return this;
        }

        public JsonWriter PropertyName(string name)
        {
            if (_depth == 0) throw new InvalidOperationException("A property name needs an open object.");
            if (_needsComma[_depth - 1]) _text.Append(',');
            WriteString(_text, name);
            _text.Append(':');
            // The value that follows must not add a comma of its own.
            _needsComma[_depth - 1] = false;
            _afterName = true;
            return this;
        }

        private bool _afterName;

        public JsonWriter String(string value)
        {
            BeforeValue();
            if (value == null) _text.Append("null");
            else WriteString(_text, value);
            return this;
        }

        /// <summary>Writes a property only when its value is not null (the SDKs omit unset members).</summary>
        public JsonWriter OptionalString(string name, string value)
        {
            if (value == null) return this;
            return PropertyName(name).String(value);
        }

        public JsonWriter Number(long value)
        {
            BeforeValue();
            _text.Append(value.ToString(CultureInfo.InvariantCulture));
            return this;
        }

        public JsonWriter Boolean(bool value)
        {
            BeforeValue();
            _text.Append(value ? "true" : "false");
            return this;
        }

        public override string ToString() => _text.ToString();

        public byte[] ToUtf8Bytes() => ToUtf8(_text.ToString());

        /// <summary>UTF-8 without BOM; the escaping above guarantees no lone surrogates reach the encoder.</summary>
        internal static byte[] ToUtf8(string text) => new UTF8Encoding(false, true).GetBytes(text);

        private void BeforeValue()
        {
            if (_afterName)
            {
                _afterName = false;
                _needsComma[_depth - 1] = true;
                return;
            }
            if (_depth > 0)
            {
                if (_needsComma[_depth - 1]) _text.Append(',');
                _needsComma[_depth - 1] = true;
            }
        }

        private void Push()
        {
            if (_depth == _needsComma.Length) throw new InvalidOperationException("JSON nesting too deep.");
            _needsComma[_depth++] = false;
        }

        private void Pop()
        {
            if (_depth == 0) throw new InvalidOperationException("No open JSON container.");
            _depth--;
            _afterName = false;
        }

        /// <summary>Appends value as a JSON string literal, escaped exactly as JSON.stringify does (well-formed variant).</summary>
        internal static void WriteString(StringBuilder sb, string value)
        {
            sb.Append('"');
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                switch (c)
                {
                    case '"': sb.Append("\\\""); continue;
                    case '\\': sb.Append("\\\\"); continue;
                    case '\b': sb.Append("\\b"); continue;
                    case '\f': sb.Append("\\f"); continue;
                    case '\n': sb.Append("\\n"); continue;
                    case '\r': sb.Append("\\r"); continue;
                    case '\t': sb.Append("\\t"); continue;
                }
                if (c < 0x20)
                {
                    AppendUnicodeEscape(sb, c);
                }
                else if (char.IsHighSurrogate(c))
                {
                    if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        sb.Append(c).Append(value[i + 1]);
                        i++;
                    }
                    else
                    {
                        // A lone surrogate cannot be UTF-8 encoded; JSON.stringify escapes it, so do we.
                        AppendUnicodeEscape(sb, c);
                    }
                }
                else if (char.IsLowSurrogate(c))
                {
                    AppendUnicodeEscape(sb, c);
                }
                else
                {
                    sb.Append(c);
                }
            }
            sb.Append('"');
        }

        private static void AppendUnicodeEscape(StringBuilder sb, char c)
        {
            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }

        internal static string Quote(string value)
        {
            var sb = new StringBuilder(value.Length + 2);
            WriteString(sb, value);
            return sb.ToString();
        }
    }
}
