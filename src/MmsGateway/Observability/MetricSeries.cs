using System.Diagnostics.CodeAnalysis;
using Prometheus;

namespace MmsGateway.Observability;

/// <summary>The tags of one measurement as the listener hands them over: a span, looked up without copying.</summary>
internal readonly ref struct TagSpan(ReadOnlySpan<KeyValuePair<string, object?>> tags)
{
    public ReadOnlySpan<KeyValuePair<string, object?>> Tags { get; } = tags;
}

/// <summary>The tags of one series, copied once when the series is first seen.</summary>
internal sealed class SeriesKey
{
    public SeriesKey(KeyValuePair<string, object?>[] tags, int hash)
    {
        Tags = tags;
        Hash = hash;
    }

    public KeyValuePair<string, object?>[] Tags { get; }

    public int Hash { get; }
}

/// <summary>
/// Equality of tag sets in the order the caller gave them, with <see cref="TagSpan"/> as an alternate key so the
/// measurement callback finds an existing series without allocating (design: hot-path metrics must not allocate).
/// A different order makes a second entry; both lead to the same prometheus-net child, whose labels are sorted.
/// </summary>
internal sealed class SeriesKeyComparer : IEqualityComparer<SeriesKey>, IAlternateEqualityComparer<TagSpan, SeriesKey>
{
    public static readonly SeriesKeyComparer Instance = new();

    public bool Equals(SeriesKey? x, SeriesKey? y) =>
        ReferenceEquals(x, y) || x is not null && y is not null && x.Hash == y.Hash && SameTags(x.Tags, y.Tags);

    public int GetHashCode([DisallowNull] SeriesKey obj) => obj.Hash;

    public bool Equals(TagSpan alternate, SeriesKey other) => SameTags(alternate.Tags, other.Tags);

    public int GetHashCode(TagSpan alternate) => Hash(alternate.Tags);

    public SeriesKey Create(TagSpan alternate) => new(alternate.Tags.ToArray(), Hash(alternate.Tags));

    public static int Hash(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = new HashCode();
        foreach (var tag in tags)
        {
            hash.Add(tag.Key);
            hash.Add(tag.Value);
        }
        return hash.ToHashCode();
    }

    private static bool SameTags(ReadOnlySpan<KeyValuePair<string, object?>> a, ReadOnlySpan<KeyValuePair<string, object?>> b)
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
        {
            if (!string.Equals(a[i].Key, b[i].Key, StringComparison.Ordinal) || !Equals(a[i].Value, b[i].Value)) return false;
        }
        return true;
    }
}

/// <summary>
/// One series of an instrument: the prometheus-net child that holds its value (exactly one of the three is set,
/// by the family's type), found through the instrument's series table so that recording needs no label strings.
/// </summary>
internal sealed class MetricSeries
{
    private MetricSeries(SeriesKey key, ChildBase child)
    {
        Key = key;
        Child = child;
        Counter = child as Counter.Child;
        Gauge = child as Gauge.Child;
        Histogram = child as Histogram.Child;
    }

    public SeriesKey Key { get; }

    public ChildBase Child { get; }

    public Counter.Child? Counter { get; }

    public Gauge.Child? Gauge { get; }

    public Histogram.Child? Histogram { get; }

    /// <summary>The collection in which an observable instrument last reported this series.</summary>
    public long ObservedGeneration { get; set; }

    public static MetricSeries For(SeriesKey key, ChildBase child) => new(key, child);
}
