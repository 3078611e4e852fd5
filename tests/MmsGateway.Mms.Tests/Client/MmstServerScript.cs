using System.Buffers;
using MmsGateway.Mms.Mmst;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>The server side of an MMST session for scripted tests, built with the project's codecs (docs/protocol/servers.md#s3.1).</summary>
internal sealed class MmstServerScript(ScriptedPeer peer)
{
    private int _seq;

    public ScriptedPeer Peer => peer;

    public Task SendAsync<T>(T message)
        where T : struct, IMmstMessage<T> => peer.SendAsync(MmstMessageWriter.ToArray(message, _seq++));

    public async Task<T> ReadAsync<T>()
        where T : struct, IMmstMessage<T>
    {
        byte[] packet = await peer.ReadMmstCommandAsync();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(packet));
        Assert.True(MmstFraming.TryReadCommand(ref reader, out MmstPdu pdu));
        Assert.Equal(T.MessageId, pdu.MessageId);
        return pdu.ReadMessage<T>();
    }

    public Task SendDataAsync(uint locationId, byte incarnation, byte afFlags, byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        MmstFraming.WriteDataPacket(writer, locationId, incarnation, afFlags, payload);
        return peer.SendAsync(writer.WrittenSpan.ToArray());
    }

    /// <summary>Connect and funnel (docs/protocol/mmst.md#s1.6.1 rows 1–3).</summary>
    public async Task ConnectAsync()
    {
        await ReadAsync<ConnectMessage>();
        await SendAsync(ReportConnectedExMessage.Create());
        await ReadAsync<ConnectFunnelMessage>();
        await SendAsync(ReportConnectedFunnelMessage.Accepted());
    }

    /// <summary>Answers OpenFile with the file description (docs/protocol/mmst.md#s1.5.6).</summary>
    public async Task<OpenFileMessage> OpenAsync(byte[] header, int packetSize,
        MmstFileAttributes attributes = MmstFileAttributes.OnDemand)
    {
        OpenFileMessage open = await ReadAsync<OpenFileMessage>();
        await SendAsync(ReportOpenFileMessage.Create(open.PlayIncarnation, attributes,
            attributes == MmstFileAttributes.OnDemand ? 2.0 : 0, (uint)packetSize, 14, 100_000, (uint)header.Length));
        return open;
    }

    /// <summary>ReadBlock → ReportReadBlock + the header in pieces of <paramref name="pieceSize"/> bytes (docs/protocol/mmst.md#s1.5.7).</summary>
    public async Task SendHeaderAsync(byte[] header, int pieceSize = 65_000)
    {
        ReadBlockMessage read = await ReadAsync<ReadBlockMessage>();
        await SendAsync(new ReportReadBlockMessage(MmsHResult.Ok, read.PlayIncarnation, 0));
        await SendHeaderPiecesAsync(header, (byte)read.PlayIncarnation, pieceSize);
    }

    public async Task SendHeaderPiecesAsync(byte[] header, byte incarnation, int pieceSize = 65_000)
    {
        uint piece = 0;
        for (int offset = 0; offset < header.Length; offset += pieceSize)
        {
            int length = Math.Min(pieceSize, header.Length - offset);
            bool last = offset + length == header.Length;
            await SendDataAsync(piece++, incarnation,
                last ? MmsDataPacketFlags.HeaderPieceFinal : MmsDataPacketFlags.HeaderPieceMore,
                header[offset..(offset + length)]);
        }
    }

    /// <summary>StreamSwitch → ReportStreamSwitch; returns the entries.</summary>
    public async Task<IReadOnlyList<StreamSwitchEntry>> SwitchAsync(uint hr = MmsHResult.Ok)
    {
        StreamSwitchMessage message = await ReadAsync<StreamSwitchMessage>();
        await SendAsync(new ReportStreamSwitchMessage(hr));
        return message.Entries;
    }

    /// <summary>StartPlaying → ReportStartedPlaying; returns the request.</summary>
    public async Task<StartPlayingMessage> StartAsync()
    {
        StartPlayingMessage start = await ReadAsync<StartPlayingMessage>();
        await SendAsync(new ReportStartedPlayingMessage(MmsHResult.Ok, start.PlayIncarnation, 1, 0));
        return start;
    }

    /// <summary>The whole handshake up to StartPlaying.</summary>
    public async Task<StartPlayingMessage> HandshakeAsync(byte[] header, int packetSize,
        MmstFileAttributes attributes = MmstFileAttributes.OnDemand)
    {
        await ConnectAsync();
        await OpenAsync(header, packetSize, attributes);
        await SendHeaderAsync(header);
        await SwitchAsync();
        return await StartAsync();
    }
}
