namespace MmsGateway.Mms.Playlists;

/// <summary>Character offset to 1-based line number, for messages about many places in one text.</summary>
internal sealed class LineMap
{
    private readonly List<int> _lineStarts = [0];

    public LineMap(string text)
    {
        for (int i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1))
        {
            _lineStarts.Add(i + 1);
        }
    }

    public int LineOf(int offset)
    {
        int index = _lineStarts.BinarySearch(offset);
        return index >= 0 ? index + 1 : ~index;
    }
}
