using System.Diagnostics.CodeAnalysis;

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
/// A different order makes a second series; the exporter merges those when it renders.
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

/// <summary>The running state of one series: a value (counters, gauges) or bucket counts and a sum (histograms).</summary>
internal sealed class MetricSeries
{
    private double _value;
    private double _sum;

    public MetricSeries(SeriesKey key, int bucketCount)
    {
        Key = key;
        BucketCounts = bucketCount > 0 ? new long[bucketCount] : [];
    }

    public SeriesKey Key { get; }

    /// <summary>Per-bucket (not cumulative) counts; the last bucket is +Inf.</summary>
    public long[] BucketCounts { get; }

    /// <summary>The rendered label pairs (<c>a="x",b="y"</c>), computed at the first scrape: the tags never change.</summary>
    public string? LabelText { get; set; }

    /// <summary>The collection in which an observable instrument last reported this series.</summary>
    public long ObservedGeneration { get; set; }

    public double Value => Volatile.Read(ref _value);

    public double Sum => Volatile.Read(ref _sum);

    public void Add(double delta) => AddDouble(ref _value, delta);

    public void Set(double value) => Volatile.Write(ref _value, value);

    public void RecordHistogram(double value, double[] bounds)
    {
        // Buckets are "less than or equal": the first bound not below the value, else +Inf.
        var index = Array.BinarySearch(bounds, value);
        if (index < 0) index = ~index;
        Interlocked.Increment(ref BucketCounts[index]);
        AddDouble(ref _sum, value);
    }

    private static void AddDouble(ref double target, double delta)
    {
        var current = Volatile.Read(ref target);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref target, current + delta, current);
            // Compare bits, not values: NaN never equals itself and would spin forever.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current)) return;
            current = seen;
        }
    }
}
