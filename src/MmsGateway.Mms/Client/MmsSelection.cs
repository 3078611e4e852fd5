using MmsGateway.Asf;
using MmsGateway.Mms.Mmst;

namespace MmsGateway.Mms.Client;

/// <summary>Turns a <see cref="StreamSelection"/> list into the wire's switch entries (docs/protocol/selection.md#s5.1, docs/protocol/selection.md#s5.4).</summary>
internal static class MmsSelection
{
    /// <summary>Every stream of the header at level 0.</summary>
    public static IReadOnlyList<StreamSelection> All(AsfHeader header) =>
        header.Streams.Select(s => StreamSelection.On(s.StreamNumber)).ToArray();

    public static IReadOnlyList<StreamSelection> Initial(AsfHeader header, MmsClientOptions options) =>
        options.InitialSelection?.Invoke(header) ?? All(header);

    /// <summary>
    /// Applies a selection on the client's side, for sessions whose server cannot select (a plain download, a multicast
    /// station): the packet itself, or its rebuild in <paramref name="filtered"/>, or false when nothing selected is in it.
    /// </summary>
    public static bool TryKeepSelected(ReadOnlyMemory<byte> packet, AsfHeader header, AsfStreamSet selected, byte[] filtered,
        out ReadOnlyMemory<byte> kept)
    {
        kept = packet;
        if (selected == header.AllStreams) return true;
        switch (Asf.Packets.AsfPacketWriter.Filter(packet.Span, header.PacketSize, selected, AsfStreamSet.None, filtered))
        {
            case Asf.Packets.AsfPacketFilterResult.Empty:
                return false;
            case Asf.Packets.AsfPacketFilterResult.Rebuilt:
                kept = filtered.AsMemory(0, header.PacketSize);
                break;
        }

        return true;
    }

    /// <summary>
    /// One entry per stream of the header — chosen ones <c>ffff:N:level</c>, the others <c>ffff:N:2</c> — as vlc and
    /// libmms send them (docs/protocol/selection.md#s5.4). Throws <see cref="ArgumentException"/> for a stream the header does not
    /// have, a level outside 0..2, or a selection that turns every stream off.
    /// </summary>
    public static (StreamSwitchEntry[] Entries, AsfStreamSet Selected) Build(AsfHeader header,
        IReadOnlyList<StreamSelection> selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var levels = new Dictionary<int, int>();
        foreach (StreamSelection s in selection)
        {
            if (header.FindStream(s.StreamNumber) is null)
            {
                throw new ArgumentException(
                    $"Stream {s.StreamNumber} is not in the header (streams {header.AllStreams}).", nameof(selection));
            }

            if (s.ThinningLevel is < StreamSelection.Full or > StreamSelection.Off)
            {
                throw new ArgumentException(
                    $"Thinning level {s.ThinningLevel} of stream {s.StreamNumber} is not 0, 1 or 2.", nameof(selection));
            }

            levels[s.StreamNumber] = s.ThinningLevel;
        }

        var entries = new StreamSwitchEntry[header.Streams.Count];
        AsfStreamSet selected = AsfStreamSet.None;
        for (int i = 0; i < entries.Length; i++)
        {
            int number = header.Streams[i].StreamNumber;
            int level = levels.TryGetValue(number, out int l) ? l : StreamSelection.Off;
            entries[i] = new StreamSwitchEntry(StreamSwitchEntry.NoStream, (ushort)number, (ushort)level);
            if (level != StreamSelection.Off) selected = selected.With(number);
        }

        if (selected.IsEmpty) throw new ArgumentException("The selection turns every stream off.", nameof(selection));
        return (entries, selected);
    }
}
