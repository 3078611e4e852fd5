namespace MmsGateway.Mms.Mmst;

/// <summary>
/// The selection triple shared by MMST StreamSwitch (3 × u16, docs/protocol/mmst.md#s1.5.8) and MMSH
/// <c>stream-switch-entry=src:dst:thin</c> (docs/protocol/mmsh.md#s2.4): <c>(0xFFFF, N, 0)</c> turns stream N on, <c>(0xFFFF, N, 2)</c>
/// turns it off, <c>(N, N, 1)</c> thins it, <c>(A, B, 0)</c> replaces A by B (docs/protocol/selection.md#s5.1).
/// </summary>
public readonly record struct StreamSwitchEntry(ushort Source, ushort Destination, ushort ThinningLevel)
{
    /// <summary>"No stream" in either stream field.</summary>
    public const ushort NoStream = 0xFFFF;

    /// <summary>Send every payload of the destination stream.</summary>
    public const ushort FullRate = 0;

    /// <summary>Send only payloads of key-frame media objects.</summary>
    public const ushort KeyFramesOnly = 1;

    /// <summary>Send nothing of the stream (how vlc and libmms deselect).</summary>
    public const ushort Off = 2;

    public const int WireSize = 6;

    public static StreamSwitchEntry Select(ushort streamNumber, ushort thinningLevel = FullRate) =>
        new(NoStream, streamNumber, thinningLevel);

    public static StreamSwitchEntry Deselect(ushort streamNumber) => new(NoStream, streamNumber, Off);

    /// <summary>
    /// The stream this entry leaves switched off, if any: <c>ffff:N:2</c> (what clients send) or <c>N:ffff:…</c>
    /// (the MS-MMSP form); both are accepted (docs/protocol/selection.md#s5.1).
    /// </summary>
    public bool TurnsOff => ThinningLevel >= Off || (Destination == NoStream && Source != NoStream);

    public override string ToString() => $"{FormatId(Source)}:{FormatId(Destination)}:{ThinningLevel}";

    private static string FormatId(ushort id) =>
        id.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
}
