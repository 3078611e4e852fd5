using System.Collections;

namespace MmsGateway.Mms.Mmsh;

/// <summary>HTTP header fields in arrival order, looked up case-insensitively (docs/protocol/servers.md#s3.2.1).</summary>
public sealed class MmshHeaders : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields;

    internal MmshHeaders(List<KeyValuePair<string, string>> fields) => _fields = fields;

    public int Count => _fields.Count;

    public KeyValuePair<string, string> this[int index] => _fields[index];

    /// <summary>The first value of the header, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (KeyValuePair<string, string> field in _fields)
            {
                if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return field.Value;
                }
            }

            return null;
        }
    }

    /// <summary>Every value of a header that may repeat (Pragma).</summary>
    public IEnumerable<string> GetAll(string name)
    {
        foreach (KeyValuePair<string, string> field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                yield return field.Value;
            }
        }
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
