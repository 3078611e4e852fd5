namespace MmsGateway.Mms.Mmst;

public enum MmstStartPointKind
{
    /// <summary>From the start of the content (or the live point).</summary>
    Beginning,

    /// <summary>From ASF data packet <see cref="MmstStartPoint.LocationId"/>.</summary>
    LocationId,

    /// <summary>From byte <see cref="MmstStartPoint.AsfOffset"/> of the ASF file.</summary>
    AsfOffset,

    /// <summary>From <see cref="MmstStartPoint.Position"/> seconds into the content.</summary>
    Position,
}

/// <summary>Where a StartPlaying / StartStriding asks the server to begin (docs/protocol/mmst.md#s1.5.9).</summary>
public readonly record struct MmstStartPoint(MmstStartPointKind Kind, uint LocationId, uint AsfOffset, double Position)
{
    public static MmstStartPoint Beginning => new(MmstStartPointKind.Beginning, 0, 0, 0);

    /// <summary>
    /// locationId if it is neither 0 nor 0xFFFFFFFF, else asfOffset likewise, else position unless it is DBL_MAX (or
    /// not a finite non-negative number), else the beginning. locationId must win because vlc seeks with position
    /// 0.0 and the real packet index in locationId (docs/protocol/mmst.md#s1.5.9, docs/protocol/interop.md#s10.25).
    /// </summary>
    public static MmstStartPoint Resolve(double position, uint asfOffset, uint locationId)
    {
        if (locationId is not (0 or uint.MaxValue))
        {
            return new MmstStartPoint(MmstStartPointKind.LocationId, locationId, 0, 0);
        }

        if (asfOffset is not (0 or uint.MaxValue))
        {
            return new MmstStartPoint(MmstStartPointKind.AsfOffset, 0, asfOffset, 0);
        }

        if (double.IsFinite(position) && position > 0 && position != double.MaxValue)
        {
            return new MmstStartPoint(MmstStartPointKind.Position, 0, 0, position);
        }

        return Beginning;
    }
}
