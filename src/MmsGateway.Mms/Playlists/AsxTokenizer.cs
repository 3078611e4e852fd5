using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Playlists;

internal enum AsxTokenKind
{
    StartTag,
    EndTag,
    Text,
}

/// <summary>One tag or run of text; names are upper-cased (ASX names are case-insensitive, docs/protocol/asx.md#s6.2).</summary>
internal sealed record AsxToken(
    AsxTokenKind Kind,
    int Offset,
    string Name,
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    bool SelfClosing,
    string Text);

/// <summary>
/// A lenient, HTML-like tokenizer for ASX. Real ASX files are not well-formed XML (docs/protocol/asx.md#s6.2): attribute
/// values may be unquoted or single-quoted, '=' may have spaces around it, '&amp;' may be stray, entities may be
/// unknown. Anything that is not a tag is text; comments, CDATA, declarations and processing instructions are
/// handled. Every step consumes at least one character, so the scan ends in time linear in the input.
/// </summary>
internal sealed class AsxTokenizer(string text)
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoAttributes = [];

    private readonly string _text = text;
    private int _position;

    public bool TryRead([NotNullWhen(true)] out AsxToken? token)
    {
        while (_position < _text.Length)
        {
            int start = _position;
            if (_text[_position] != '<')
            {
                int next = _text.IndexOf('<', _position);
                _position = next < 0 ? _text.Length : next;
                token = TextToken(start, DecodeEntities(_text.AsSpan(start, _position - start)));
                return true;
            }

            ReadOnlySpan<char> rest = _text.AsSpan(_position);
            if (rest.StartsWith("<!--", StringComparison.Ordinal))
            {
                SkipPast("-->", 4);
            }
            else if (rest.StartsWith("<![CDATA[", StringComparison.Ordinal))
            {
                int end = _text.IndexOf("]]>", _position + 9, StringComparison.Ordinal);
                int contentEnd = end < 0 ? _text.Length : end;
                string cdata = _text[(_position + 9)..contentEnd];
                _position = end < 0 ? _text.Length : end + 3;
                token = TextToken(start, cdata);
                return true;
            }
            else if (rest.Length > 1 && rest[1] is '!' or '?')
            {
                _position += 2;
                SkipRestOfTag();
            }
            else if (rest.Length > 2 && rest[1] == '/' && IsNameStart(rest[2]))
            {
                _position += 2;
                string name = ReadName();
                SkipRestOfTag();
                token = new AsxToken(AsxTokenKind.EndTag, start, name, NoAttributes, false, "");
                return true;
            }
            else if (rest.Length > 1 && IsNameStart(rest[1]))
            {
                token = ReadStartTag();
                return true;
            }
            else
            {
                // A '<' that starts nothing ("a < b", "</>") is text.
                _position++;
                token = TextToken(start, "<");
                return true;
            }
        }

        token = null;
        return false;
    }

    /// <summary>Replaces the five XML entities and numeric references; anything else (a stray '&amp;') stays as written.</summary>
    public static string DecodeEntities(ReadOnlySpan<char> value)
    {
        int amp = value.IndexOf('&');
        if (amp < 0)
        {
            return value.ToString();
        }

        var result = new StringBuilder(value.Length);
        while (amp >= 0)
        {
            result.Append(value[..amp]);
            value = value[amp..];
            int semicolon = value[..Math.Min(value.Length, 12)].IndexOf(';');
            if (semicolon > 1 && TryDecodeEntity(value[1..semicolon], result))
            {
                value = value[(semicolon + 1)..];
            }
            else
            {
                result.Append('&');
                value = value[1..];
            }

            amp = value.IndexOf('&');
        }

        return result.Append(value).ToString();
    }

    private static bool TryDecodeEntity(ReadOnlySpan<char> name, StringBuilder result)
    {
        string? named = name switch
        {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            _ => null,
        };
        if (named is not null)
        {
            result.Append(named);
            return true;
        }

        if (name.Length < 2 || name[0] != '#')
        {
            return false;
        }

        bool parsed = name[1] is 'x' or 'X'
            ? int.TryParse(name[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int codePoint)
            : int.TryParse(name[1..], NumberStyles.None, CultureInfo.InvariantCulture, out codePoint);
        if (!parsed || codePoint == 0 || !Rune.IsValid(codePoint))
        {
            return false;
        }

        result.Append(new Rune(codePoint).ToString());
        return true;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNameEnd(char c) => char.IsWhiteSpace(c) || c is '>' or '/' or '<' or '=' or '"' or '\'';

    private static AsxToken TextToken(int offset, string text) =>
        new(AsxTokenKind.Text, offset, "", NoAttributes, false, text);

    private AsxToken ReadStartTag()
    {
        int start = _position;
        _position++;
        string name = ReadName();
        var attributes = new List<KeyValuePair<string, string>>();
        bool selfClosing = false;
        while (_position < _text.Length)
        {
            char c = _text[_position];
            if (char.IsWhiteSpace(c))
            {
                _position++;
            }
            else if (c == '>')
            {
                _position++;
                break;
            }
            else if (c == '/')
            {
                _position++;
                if (_position < _text.Length && _text[_position] == '>')
                {
                    _position++;
                    selfClosing = true;
                    break;
                }
            }
            else if (c == '<')
            {
                break; // "<ref href=x <entry>": the tag ends where the next one begins.
            }
            else if (IsNameEnd(c))
            {
                _position++; // '=' or a quote without a name before it.
            }
            else
            {
                string attributeName = ReadName();
                string value = ReadAttributeValue();
                attributes.Add(new KeyValuePair<string, string>(attributeName, value));
            }
        }

        return new AsxToken(AsxTokenKind.StartTag, start, name, attributes, selfClosing, "");
    }

    /// <summary>After an attribute name: <c>= "v"</c>, <c>= 'v'</c>, <c>=v</c>, or nothing (value "").</summary>
    private string ReadAttributeValue()
    {
        int afterName = _position;
        SkipWhiteSpace();
        if (_position >= _text.Length || _text[_position] != '=')
        {
            _position = afterName;
            return "";
        }

        _position++;
        SkipWhiteSpace();
        if (_position >= _text.Length)
        {
            return "";
        }

        char quote = _text[_position];
        if (quote is '"' or '\'')
        {
            int valueStart = _position + 1;
            int close = _text.IndexOf(quote, valueStart);
            int scanEnd = close < 0 ? _text.Length : close;
            int lineBreak = _text.AsSpan(valueStart, scanEnd - valueStart).IndexOfAny('\r', '\n');
            if (close < 0 || lineBreak >= 0)
            {
                // An unterminated quote (values never span lines in real files) ends with the tag or the line
                // rather than swallowing the rest of the file. The searches stay inside the line (linear time).
                int lineEnd = lineBreak < 0 ? scanEnd : valueStart + lineBreak;
                int tagEnd = _text.AsSpan(valueStart, lineEnd - valueStart).IndexOf('>');
                int valueEnd = tagEnd < 0 ? lineEnd : valueStart + tagEnd;
                string truncated = DecodeEntities(_text.AsSpan(valueStart, valueEnd - valueStart));
                _position = valueEnd;
                return truncated;
            }

            string quoted = DecodeEntities(_text.AsSpan(_position + 1, close - _position - 1));
            _position = close + 1;
            return quoted;
        }

        int start = _position;
        while (_position < _text.Length && !char.IsWhiteSpace(_text[_position]) && _text[_position] is not '>' and not '<')
        {
            _position++;
        }

        return DecodeEntities(_text.AsSpan(start, _position - start));
    }

    private string ReadName()
    {
        int start = _position;
        while (_position < _text.Length && !IsNameEnd(_text[_position]))
        {
            _position++;
        }

        return _text[start.._position].ToUpperInvariant();
    }

    private void SkipWhiteSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    /// <summary>
    /// Moves past the next '&gt;', or up to the next '&lt;' when a tag is not closed: stopping there keeps the scan
    /// linear on input like "&lt;/a&lt;/a&lt;/a".
    /// </summary>
    private void SkipRestOfTag()
    {
        int end = _text.AsSpan(_position).IndexOfAny('>', '<');
        if (end < 0)
        {
            _position = _text.Length;
        }
        else
        {
            _position += end + (_text[_position + end] == '>' ? 1 : 0);
        }
    }

    /// <summary>Moves past the next <paramref name="terminator"/> (searched from <paramref name="skip"/> on), or to the end.</summary>
    private void SkipPast(string terminator, int skip)
    {
        int searchFrom = Math.Min(_position + skip, _text.Length);
        int end = _text.IndexOf(terminator, searchFrom, StringComparison.Ordinal);
        _position = end < 0 ? _text.Length : end + terminator.Length;
    }
}
