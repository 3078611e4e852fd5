namespace MmsGateway.Mms.Playlists;

/// <summary>
/// Builds an element tree from <see cref="AsxTokenizer"/> tokens without requiring well-formed input
/// (docs/protocol/asx.md#s6.2): end tags match their start tag case-insensitively, an end tag with no open element of
/// that name is ignored, elements left open are closed at the end, and an element that cannot be a child of the
/// open one closes it first (an unclosed <c>&lt;REF HREF=a&gt;</c> followed by another REF, an unclosed TITLE
/// followed by an ENTRY), the way HTML parsers treat unclosed paragraphs. Nesting depth and element count are
/// capped so that hostile input cannot exhaust the stack or memory.
/// </summary>
internal static class AsxTreeBuilder
{
    public const int MaxNesting = 32;
    public const int MaxElements = 20_000;

    private static readonly string[] TopLevel = ["ASX", "REPEAT", "EVENT"];
    private static readonly string[] Clip = ["ASX", "ENTRY", "REF"];

    /// <summary>
    /// Where each ASX element may appear (MicrosoftDocs WMP element reference). Elements not listed (unknown
    /// ones such as LOGURL) stay wherever they are written.
    /// </summary>
    private static readonly Dictionary<string, string[]> LegalParents = new(StringComparer.Ordinal)
    {
        ["ASX"] = [],
        ["ENTRY"] = TopLevel,
        ["ENTRYREF"] = TopLevel,
        ["REPEAT"] = TopLevel,
        ["EVENT"] = ["ASX"],
        ["REF"] = ["ENTRY"],
        ["TITLE"] = Clip,
        ["AUTHOR"] = Clip,
        ["COPYRIGHT"] = Clip,
        ["BASE"] = Clip,
        ["PARAM"] = Clip,
        ["BANNER"] = Clip,
        ["ABSTRACT"] = ["ASX", "ENTRY", "REF", "BANNER"],
        ["MOREINFO"] = ["ASX", "ENTRY", "REF", "BANNER"],
        ["STARTTIME"] = ["ENTRY", "REF"],
        ["DURATION"] = ["ENTRY", "REF"],
        ["STARTMARKER"] = ["ENTRY", "REF"],
        ["ENDMARKER"] = ["ENTRY", "REF"],
        ["PREVIEWDURATION"] = Clip,
    };

    /// <summary>Returns a synthetic root whose children are the document's top-level elements.</summary>
    public static AsxElement Build(string text)
    {
        var root = new AsxElement("#document", [], 0);
        var open = new List<AsxElement> { root };
        var tokenizer = new AsxTokenizer(text);
        int elements = 0;
        while (tokenizer.TryRead(out AsxToken? token))
        {
            switch (token.Kind)
            {
                case AsxTokenKind.Text:
                    open[^1].AppendText(token.Text);
                    break;
                case AsxTokenKind.EndTag:
                    Close(open, token.Name);
                    break;
                case AsxTokenKind.StartTag:
                    if (++elements > MaxElements)
                    {
                        throw new PlaylistFormatException(
                            $"ASX line {PlaylistText.LineOf(text, token.Offset)}: more than {MaxElements} elements.");
                    }

                    CloseUntilLegalParent(open, token.Name);
                    var element = new AsxElement(token.Name, token.Attributes, token.Offset);
                    open[^1].Add(element);
                    if (!token.SelfClosing)
                    {
                        if (open.Count > MaxNesting)
                        {
                            throw new PlaylistFormatException(
                                $"ASX line {PlaylistText.LineOf(text, token.Offset)}: elements nested deeper than {MaxNesting}.");
                        }

                        open.Add(element);
                    }

                    break;
            }
        }

        return root;
    }

    private static void Close(List<AsxElement> open, string name)
    {
        int match = open.FindLastIndex(e => e.Name == name);
        if (match > 0)
        {
            open.RemoveRange(match, open.Count - match);
        }
    }

    private static void CloseUntilLegalParent(List<AsxElement> open, string name)
    {
        if (!LegalParents.TryGetValue(name, out string[]? parents) || parents.Length == 0)
        {
            return;
        }

        int parent = open.FindLastIndex(e => parents.Contains(e.Name));
        if (parent > 0)
        {
            open.RemoveRange(parent + 1, open.Count - parent - 1);
        }
    }
}
