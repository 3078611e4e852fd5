using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;

namespace MmsGateway.Mms.Sessions;

/// <summary>
/// The ASF header a session plays and the buffers its packets are made whole in, one of each per session: every
/// session (MMST, MMSU, MMSH, multicast, plain download, and the ones to come) installs a header collected by an
/// <see cref="MmsHeaderAssembler"/>, re-pads short packets to the header's packet size (docs/protocol/asf.md#s4.9)
/// and, where the server sends every stream, drops the streams not selected. The packets handed out point into the
/// caller's receive buffer or into the buffers here, so they are valid until the single reader's next call, and
/// nothing is allocated per packet.
/// </summary>
internal sealed class SessionHeader(Uri url)
{
    private byte[] _padded = [];
    private byte[] _filtered = [];

    public AsfHeader Header { get; private set; } = null!;

    /// <summary>The Header Object and the 50 Data Object bytes (<see cref="MmsHeaderAssembler.Build"/>); empty before the first.</summary>
    public byte[] Bytes { get; private set; } = [];

    public int PacketSize => Header.PacketSize;

    /// <summary>
    /// Parses what <paramref name="assembler"/> collected and makes it the current header; the buffers follow its
    /// packet size. A header without a stream is refused: nothing could be played from it.
    /// </summary>
    public void Install(MmsHeaderAssembler assembler, MmsClientStep step)
    {
        (AsfHeader header, byte[] bytes) = assembler.Build(step);
        if (header.Streams.Count == 0) throw MmsErrors.Malformed(url, step, "the ASF header declares no stream");
        Header = header;
        Bytes = bytes;
        if (_padded.Length != header.PacketSize)
        {
            _padded = new byte[header.PacketSize];
            _filtered = new byte[header.PacketSize];
        }
    }

    /// <summary>What <paramref name="assembler"/> collected is the current header again (a server may repeat it).</summary>
    public bool IsCurrent(MmsHeaderAssembler assembler) =>
        Bytes.Length > 0 && (assembler.SameAs(Bytes) || assembler.SameAs(Header.Raw.Span));

    /// <summary>
    /// <paramref name="received"/> as a full-size packet: itself when it has the header's packet size, else re-padded
    /// into the session's buffer. <paramref name="unit"/> names what carried it in errors ("data packet", "$D").
    /// </summary>
    public ReadOnlyMemory<byte> Repad(ReadOnlyMemory<byte> received, MmsClientStep step, string unit)
    {
        int packetSize = Header.PacketSize;
        if (received.Length == packetSize) return received;
        if (received.Length > packetSize)
        {
            throw MmsErrors.Malformed(url, step,
                $"a {unit} of {received.Length} bytes exceeds the header's packet size {packetSize}");
        }

        try
        {
            return _padded.AsMemory(0, AsfPacketWriter.Repad(received.Span, packetSize, _padded));
        }
        catch (AsfFormatException e)
        {
            throw MmsErrors.Malformed(url, step, $"a short {unit} cannot be re-padded: {e.Message}", e);
        }
    }

    /// <summary>
    /// The payloads of the <paramref name="selected"/> streams only, for a source that sends every stream (a file, a
    /// multicast group): <paramref name="packet"/> itself when nothing is dropped, a rebuilt packet in the session's
    /// buffer, or false when nothing selected is left in it (<see cref="MmsSelection.TryKeepSelected"/>).
    /// </summary>
    public bool TryKeepSelected(ReadOnlyMemory<byte> packet, AsfStreamSet selected, out ReadOnlyMemory<byte> kept) =>
        MmsSelection.TryKeepSelected(packet, Header, selected, _filtered, out kept);
}
