using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CognitoTools.Tests.Module
{
    /// <summary>
    /// Reads the subset of PowerShell data-file syntax module manifests use: @{ } hashtables, @( ) arrays (comma or
    /// newline separated), 'single' and "double" quoted strings, bare numbers, $true/$false/$null, and # comments.
    /// Enough to check the manifest without PowerShell; anything else fails loudly.
    /// </summary>
    public sealed class PowerShellDataFile
    {
        private readonly string _text;
        private int _position;

        private PowerShellDataFile(string text)
        {
            _text = text;
        }

        public static IDictionary<string, object> Parse(string text)
        {
            var parser = new PowerShellDataFile(text);
            parser.SkipTrivia(true);
            var result = parser.ReadHashtable();
            parser.SkipTrivia(true);
            if (parser._position != text.Length)
            {
                throw parser.Error("unexpected text after the top-level hashtable");
            }
            return result;
        }

        private object ReadValue()
        {
            SkipTrivia(true);
            if (Peek("@{"))
            {
                return ReadHashtable();
            }
            if (Peek("@("))
            {
                return ReadArray();
            }
            var c = Current;
            if (c == '\'')
            {
                return ReadSingleQuoted();
            }
            if (c == '"')
            {
                return ReadDoubleQuoted();
            }
            if (c == '$')
            {
                var word = ReadWord();
                switch (word.ToLowerInvariant())
                {
                    case "$true": return true;
                    case "$false": return false;
                    case "$null": return null;
                    default: throw Error("unsupported variable " + word);
                }
            }
            if (char.IsDigit(c) || c == '-')
            {
                var word = ReadWord();
                return double.Parse(word, CultureInfo.InvariantCulture);
            }
            throw Error("unexpected character '" + c + "'");
        }

        private IDictionary<string, object> ReadHashtable()
        {
            Expect("@{");
            var table = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                SkipTrivia(true);
                if (Current == '}')
                {
                    _position++;
                    return table;
                }
                if (Current == ';')
                {
                    _position++;
                    continue;
                }
                var key = Current == '\'' ? ReadSingleQuoted() : Current == '"' ? ReadDoubleQuoted() : ReadWord();
                SkipTrivia(false);
                Expect("=");
                if (table.ContainsKey(key))
                {
                    throw Error("duplicate key " + key);
                }
                table[key] = ReadValue();
            }
        }

        private List<object> ReadArray()
        {
            Expect("@(");
            var items = new List<object>();
            while (true)
            {
                SkipTrivia(true);
                if (Current == ')')
                {
                    _position++;
                    return items;
                }
                if (Current == ',')
                {
                    _position++;
                    continue;
                }
                items.Add(ReadValue());
            }
        }

        private string ReadSingleQuoted()
        {
            Expect("'");
            var builder = new StringBuilder();
            while (true)
            {
                if (_position >= _text.Length)
                {
                    throw Error("unterminated string");
                }
                var c = _text[_position++];
                if (c == '\'')
                {
                    if (_position < _text.Length && _text[_position] == '\'')
                    {
                        builder.Append('\'');
                        _position++;
                        continue;
                    }
                    return builder.ToString();
                }
                builder.Append(c);
            }
        }

        private string ReadDoubleQuoted()
        {
            Expect("\"");
            var builder = new StringBuilder();
            while (true)
            {
                if (_position >= _text.Length)
                {
                    throw Error("unterminated string");
                }
                var c = _text[_position++];
                if (c == '"')
                {
                    return builder.ToString();
                }
                if (c == '$')
                {
                    throw Error("expandable strings are not supported in a manifest");
                }
                if (c == '`' && _position < _text.Length)
                {
                    c = _text[_position++];
                }
                builder.Append(c);
            }
        }

        private string ReadWord()
        {
            var start = _position;
            while (_position < _text.Length && (char.IsLetterOrDigit(_text[_position]) || "_$.-".IndexOf(_text[_position]) >= 0))
            {
                _position++;
            }
            if (start == _position)
            {
                throw Error("a name or value was expected");
            }
            return _text.Substring(start, _position - start);
        }

        private void SkipTrivia(bool newlines)
        {
            while (_position < _text.Length)
            {
                var c = _text[_position];
                if (c == '#')
                {
                    while (_position < _text.Length && _text[_position] != '\n')
                    {
                        _position++;
                    }
                }
                else if (c == ' ' || c == '\t' || (newlines && (c == '\r' || c == '\n')))
                {
                    _position++;
                }
                else
                {
                    return;
                }
            }
        }

        private char Current => _position < _text.Length ? _text[_position] : throw Error("unexpected end of text");

        private bool Peek(string token) => string.CompareOrdinal(_text, _position, token, 0, token.Length) == 0;

        private void Expect(string token)
        {
            if (!Peek(token))
            {
                throw Error("'" + token + "' expected");
            }
            _position += token.Length;
        }

        private FormatException Error(string message)
        {
            var line = 1;
            for (var i = 0; i < _position && i < _text.Length; i++)
            {
                if (_text[i] == '\n')
                {
                    line++;
                }
            }
            return new FormatException($"Manifest line {line}: {message}.");
        }
    }
}
