using System.Numerics;

namespace MmsGateway.Asf;

/// <summary>
/// A set of ASF stream numbers (1..127, docs/protocol/asf.md#s4.4) as a 128-bit mask: cheap to copy and test on the
/// per-payload hot path.
/// </summary>
public readonly record struct AsfStreamSet(UInt128 Mask)
{
    public static AsfStreamSet None => default;

    public static AsfStreamSet Of(params IEnumerable<int> numbers)
    {
        var set = None;
        foreach (var n in numbers) set = set.With(n);
        return set;
    }

    public bool Contains(int streamNumber) => streamNumber is > 0 and < 128 && (Mask & (UInt128.One << streamNumber)) != 0;

    public AsfStreamSet With(int streamNumber)
    {
        if (streamNumber is <= 0 or >= 128) throw new ArgumentOutOfRangeException(nameof(streamNumber));
        return new AsfStreamSet(Mask | (UInt128.One << streamNumber));
    }

    public AsfStreamSet Without(int streamNumber) =>
        streamNumber is <= 0 or >= 128 ? this : new AsfStreamSet(Mask & ~(UInt128.One << streamNumber));

    public AsfStreamSet Intersect(AsfStreamSet other) => new(Mask & other.Mask);

    public bool IsEmpty => Mask == UInt128.Zero;

    public int Count => (int)UInt128.PopCount(Mask);

    public IEnumerable<int> Numbers
    {
        get
        {
            for (var n = 1; n < 128; n++)
                if (Contains(n)) yield return n;
        }
    }

    public override string ToString() => IsEmpty ? "{}" : "{" + string.Join(",", Numbers) + "}";
}
