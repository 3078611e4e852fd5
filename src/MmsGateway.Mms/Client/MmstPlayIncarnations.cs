namespace MmsGateway.Mms.Client;

/// <summary>
/// The play incarnations of one MMST session (docs/protocol/mmst.md#s1.6.5): the current one, which data packets and
/// ReportEndOfStream echo, and the set of those this session used before, so an answer to an earlier play (the
/// ReportEndOfStream of a seek's StopPlaying, or a natural end that crossed it) is recognised and dropped. Only
/// incarnations this session used count, so a server that puts something else in the field still ends the stream.
/// </summary>
internal struct MmstPlayIncarnations
{
    /// <summary>First StartPlaying incarnation: 4 as every open client (docs/protocol/mmst.md#s1.5.9).</summary>
    public const uint First = 4;

    private UInt128 _earlier0;
    private UInt128 _earlier1;

    public MmstPlayIncarnations() => Current = First;

    public uint Current { get; private set; }

    /// <summary>The next incarnation: 9..0xFE per MS-MMSP after the clients' 4, never 0xCE (docs/protocol/mmst.md#s1.1).</summary>
    public uint Next()
    {
        Mark((byte)Current, earlier: true);
        uint next = Current + 1;
        if (next == 0xCE) next++;
        if (next > 0xFE) next = 9;
        Current = next;
        Mark((byte)next, earlier: false);
        return next;
    }

    /// <summary><paramref name="incarnation"/> (a ReportEndOfStream's field) names a play this session has replaced.</summary>
    public readonly bool IsEarlier(uint incarnation) =>
        incarnation <= 0xFF && incarnation != (byte)Current && IsMarked((byte)incarnation);

    private void Mark(byte incarnation, bool earlier)
    {
        ref UInt128 set = ref incarnation < 128 ? ref _earlier0 : ref _earlier1;
        UInt128 bit = UInt128.One << (incarnation & 127);
        set = earlier ? set | bit : set & ~bit;
    }

    private readonly bool IsMarked(byte incarnation) =>
        ((incarnation < 128 ? _earlier0 : _earlier1) & (UInt128.One << (incarnation & 127))) != 0;
}
