using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030007 LinkViewerToMacStartPlaying (docs/protocol/mmst.md#s1.5.9, MS-MMSP 2.2.4.25). The server echoes
/// <see cref="PlayIncarnation"/> in ReportStartedPlaying and in byte 4 of every following data packet (clients drop
/// packets with another value; MS-MMSP 3.2.5.11 says otherwise and is treated as an erratum, docs/protocol/interop.md#s11.7).
/// </summary>
/// <param name="Padding">Ignored; ffmpeg/vlc/libmms send 0x0001FFFF.</param>
/// <param name="Position">Seconds from the content start, or DBL_MAX for "use asfOffset / locationId".</param>
/// <param name="AsfOffset">Byte offset in the ASF file; 0 or 0xFFFFFFFF = unused.</param>
/// <param name="LocationId">Data packet index; 0 or 0xFFFFFFFF = unused.</param>
/// <param name="FrameOffset">
/// 0 = play to the end; else low 31 bits = stop time in ms, MSB set = relative. Clients send 0x00FFFFFF, "no
/// practical limit".
/// </param>
/// <param name="AccelBandwidth">Optional trailing dwAccelBandwidth.</param>
/// <param name="AccelDuration">Optional dwAccelDuration (ms); present whenever AccelBandwidth is.</param>
/// <param name="LinkBandwidth">
/// Optional dwLinkBandwidth. It is followed by 4 padding bytes, so a zero here cannot be told from "absent".
/// </param>
public readonly record struct StartPlayingMessage(
    uint OpenFileId,
    uint Padding,
    double Position,
    uint AsfOffset,
    uint LocationId,
    uint FrameOffset,
    uint PlayIncarnation,
    uint? AccelBandwidth = null,
    uint? AccelDuration = null,
    uint? LinkBandwidth = null) : IMmstMessage<StartPlayingMessage>
{
    public const uint Unused = 0xFFFF_FFFF;
    public const uint ClientPadding = 0x0001_FFFF;
    public const uint NoPracticalLimit = 0x00FF_FFFF;

    public static MmstMessageId MessageId => MmstMessageId.StartPlaying;

    public int BodyLength => 32 + (AccelBandwidth is null ? 0 : LinkBandwidth is null ? 8 : 12);

    public MmstStartPoint StartPoint => MmstStartPoint.Resolve(Position, AsfOffset, LocationId);

    /// <summary>From the beginning, as ffmpeg/vlc/libmms send it (play incarnation 4).</summary>
    public static StartPlayingMessage FromBeginning(uint openFileId = 1, uint playIncarnation = 4) =>
        new(openFileId, ClientPadding, 0.0, Unused, Unused, NoPracticalLimit, playIncarnation);

    /// <summary>From a data packet index, as vlc seeks.</summary>
    public static StartPlayingMessage FromPacket(uint locationId, uint openFileId = 1, uint playIncarnation = 4) =>
        new(openFileId, ClientPadding, 0.0, Unused, locationId, NoPracticalLimit, playIncarnation);

    /// <summary>From a time in seconds.</summary>
    public static StartPlayingMessage FromTime(double seconds, uint openFileId = 1, uint playIncarnation = 4) =>
        new(openFileId, ClientPadding, seconds, Unused, Unused, NoPracticalLimit, playIncarnation);

    public static StartPlayingMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "StartPlaying");
        uint openFileId = reader.ReadUInt32("openFileId");
        uint padding = reader.ReadUInt32("padding");
        double position = reader.ReadDouble("position");
        uint asfOffset = reader.ReadUInt32("asfOffset");
        uint locationId = reader.ReadUInt32("locationId");
        uint frameOffset = reader.ReadUInt32("frameOffset");
        uint playIncarnation = reader.ReadUInt32("playIncarnation");

        // The optional tail comes as a pair (present => next also present); a lone dword is message padding.
        uint? accelBandwidth = null, accelDuration = null, linkBandwidth = null;
        if (reader.Remaining >= 8)
        {
            accelBandwidth = reader.ReadUInt32("dwAccelBandwidth");
            accelDuration = reader.ReadUInt32("dwAccelDuration");
            linkBandwidth = reader.ReadOptionalUInt32();
        }

        return new StartPlayingMessage(openFileId, padding, position, asfOffset, locationId, frameOffset,
            playIncarnation, accelBandwidth, accelDuration, linkBandwidth);
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(OpenFileId);
        writer.UInt32(Padding);
        writer.Double(Position);
        writer.UInt32(AsfOffset);
        writer.UInt32(LocationId);
        writer.UInt32(FrameOffset);
        writer.UInt32(PlayIncarnation);
        if (AccelBandwidth is uint accelBandwidth)
        {
            writer.UInt32(accelBandwidth);
            writer.UInt32(AccelDuration ?? 0);
            if (LinkBandwidth is uint linkBandwidth)
            {
                writer.UInt32(linkBandwidth);
            }
        }
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
