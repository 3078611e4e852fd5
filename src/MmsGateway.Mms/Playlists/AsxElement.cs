using System.Text;

namespace MmsGateway.Mms.Playlists;

/// <summary>An element of the lenient ASX tree: upper-cased name, attributes, child elements and text.</summary>
internal sealed class AsxElement(string name, IReadOnlyList<KeyValuePair<string, string>> attributes, int offset)
{
    private readonly List<AsxElement> _children = [];
    private readonly StringBuilder _text = new();

    public string Name { get; } = name;

    /// <summary>Character offset of the start tag, for messages.</summary>
    public int Offset { get; } = offset;

    public IReadOnlyList<AsxElement> Children => _children;

    /// <summary>The element's own text (not its children's), trimmed.</summary>
    public string Text => _text.ToString().Trim();

    /// <summary>The first attribute of that name (names are upper-cased), or null.</summary>
    public string? Attribute(string upperCaseName)
    {
        foreach (KeyValuePair<string, string> attribute in attributes)
        {
            if (attribute.Key == upperCaseName)
            {
                return attribute.Value;
            }
        }

        return null;
    }

    /// <summary>The first child of that name, or null.</summary>
    public AsxElement? Child(string upperCaseName) => _children.Find(c => c.Name == upperCaseName);

    public void Add(AsxElement child) => _children.Add(child);

    public void AppendText(string text) => _text.Append(text);
}
