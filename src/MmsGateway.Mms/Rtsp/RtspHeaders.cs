using System.Collections;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Header fields of one RTSP message in the order they came: names compare case-insensitively and a name may occur
/// several times (several <c>WWW-Authenticate</c> challenges, docs/protocol/rtsp.md#s8.1).
/// </summary>
public sealed class RtspHeaders : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields;

    public RtspHeaders() => _fields = [];

    public RtspHeaders(IEnumerable<KeyValuePair<string, string>> fields) => _fields = [.. fields];

    public int Count => _fields.Count;

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var field in _fields)
            {
                if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase)) return field.Value;
            }

            return null;
        }
    }

    /// <summary>Every value of <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        List<string>? values = null;
        foreach (var field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase)) (values ??= []).Add(field.Value);
        }

        return values ?? (IReadOnlyList<string>)[];
    }

    public bool Contains(string name) => this[name] is not null;

    /// <summary>Appends a field (another value when the name is already present).</summary>
    public RtspHeaders Add(string name, string value)
    {
        _fields.Add(new(name, value));
        return this;
    }

    /// <summary>Replaces every value of <paramref name="name"/> with one, kept at the place of the first.</summary>
    public RtspHeaders Set(string name, string value)
    {
        int at = _fields.FindIndex(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));
        if (at < 0)
        {
            _fields.Add(new(name, value));
            return this;
        }

        _fields[at] = new(_fields[at].Key, value);
        for (int i = _fields.Count - 1; i > at; i--)
        {
            if (string.Equals(_fields[i].Key, name, StringComparison.OrdinalIgnoreCase)) _fields.RemoveAt(i);
        }

        return this;
    }

    /// <summary>Removes every value of <paramref name="name"/>; false when there was none.</summary>
    public bool Remove(string name) =>
        _fields.RemoveAll(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)) > 0;

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
