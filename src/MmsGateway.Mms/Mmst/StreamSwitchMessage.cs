using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030033 LinkViewerToMacStreamSwitch (docs/protocol/mmst.md#s1.5.8, MS-MMSP 2.2.4.28): a u32 count and that many
/// (src, dst, thinning) u16 triples. The server answers ReportStreamSwitch and applies it to later packets (docs/protocol/selection.md#s5.2).
/// </summary>
public readonly record struct StreamSwitchMessage(IReadOnlyList<StreamSwitchEntry> Entries)
    : IMmstMessage<StreamSwitchMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.StreamSwitch;

    public int BodyLength => 4 + (StreamSwitchEntry.WireSize * Entries.Count);

    public static StreamSwitchMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "StreamSwitch");
        uint count = reader.ReadUInt32("cStreamEntries");
        if (count * (long)StreamSwitchEntry.WireSize > reader.Remaining)
        {
            throw reader.Error("cStreamEntries", $"{count} entries need {count * 6L} bytes, {reader.Remaining} remain");
        }

        var entries = new StreamSwitchEntry[count];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new StreamSwitchEntry(
                reader.ReadUInt16("wSrcStreamNumber"),
                reader.ReadUInt16("wDstStreamNumber"),
                reader.ReadUInt16("wThinningLevel"));
        }

        return new StreamSwitchMessage(entries);
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32((uint)Entries.Count);
        foreach (StreamSwitchEntry entry in Entries)
        {
            writer.UInt16(entry.Source);
            writer.UInt16(entry.Destination);
            writer.UInt16(entry.ThinningLevel);
        }
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
