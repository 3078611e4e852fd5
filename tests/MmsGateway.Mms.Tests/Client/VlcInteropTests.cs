using System.Diagnostics;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// One VLC MMSH server looping a generated WMV2 + WMA2 file, shared by the tests of a class. VLC drops its clients when
/// the loop restarts, so the file is long enough for all the tests of the class.
/// </summary>
public sealed class VlcSingleBitrateFixture : IAsyncLifetime
{
    public VlcMmshServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await VlcMmshServer.StartAsync(await GeneratedMedia.SingleBitrateAsync(30));

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The MMSH client against VLC's MMSH server, a real peer this project did not write.</summary>
public sealed class VlcInteropTests(VlcSingleBitrateFixture vlc) : IClassFixture<VlcSingleBitrateFixture>
{
    private static MmsClientOptions Options() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        HandshakeTimeout = TimeSpan.FromSeconds(8),
        ReadTimeout = TimeSpan.FromSeconds(8),
    };

    [Fact]
    public async Task Describe_and_Play_deliver_the_header_and_packets_that_parse()
    {
        MmsConnectResult result = await MmsConnector.ConnectAsync(vlc.Server.Url, Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;

        Assert.Equal(MmsProtocol.Mmsh, session.Protocol);
        MmsConnectAttempt attempt = Assert.Single(result.Attempts);
        Assert.Equal(MmsConnectOutcome.Connected, attempt.Outcome);
        Assert.True(session.IsBroadcast, "VLC announces features=\"broadcast\"");
        Assert.Equal(2, session.Header.Streams.Count);
        Assert.Contains(session.Header.Streams, s => s.Type == AsfStreamType.Video && s.Video!.Width == 320);
        Assert.Contains(session.Header.Streams, s => s.Type == AsfStreamType.Audio);
        Assert.Equal(session.Header.AllStreams, session.SelectedStreams);
        Assert.Equal(session.Header.Raw.Length + AsfDataObjectHeader.Size, session.HeaderBytes.Length);
        Assert.True(session.Header.Raw.Span.SequenceEqual(session.HeaderBytes.Span[..session.Header.Raw.Length]));

        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        uint? previous = null;
        var streamsSeen = AsfStreamSet.None;
        for (int i = 0; i < 50; i++)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(MmsReadResultKind.Packet, read.Kind);
            Assert.Equal(session.Header.PacketSize, read.Packet.Length);
            AsfPacket packet = AsfPacketParser.Parse(read.Packet.Span, session.Header.PacketSize, payloads);
            for (int p = 0; p < packet.PayloadCount; p++)
            {
                Assert.NotNull(session.Header.FindStream(payloads[p].StreamNumber));
                streamsSeen = streamsSeen.With(payloads[p].StreamNumber);
            }

            if (previous is uint before) Assert.True(read.LocationId > before, "LocationIds increase");
            previous = read.LocationId;
        }

        Assert.Equal(session.Header.AllStreams, streamsSeen);
    }

    [Fact]
    public async Task Five_seconds_recorded_to_a_file_decode_without_errors()
    {
        await using IMmsSession session =
            (await MmsConnector.ConnectAsync(vlc.Server.Url, Options(), null, CancellationToken.None)).Session;
        string path = Path.Combine(Path.GetTempPath(), $"mmsgw-vlc-record-{Guid.NewGuid():N}.asf");
        try
        {
            int packets = 0;
            var clock = Stopwatch.StartNew();
            var start = new KeyFrameStart(session.Header);
            byte[] output = new byte[session.Header.PacketSize];
            await using (FileStream file = File.Create(path))
            {
                await file.WriteAsync(session.HeaderBytes);
                while (clock.Elapsed < TimeSpan.FromSeconds(5))
                {
                    MmsReadResult read = await session.ReadAsync(CancellationToken.None);
                    Assert.Equal(MmsReadResultKind.Packet, read.Kind);
                    ReadOnlyMemory<byte> packet = start.Trim(read.Packet, output);
                    if (packet.IsEmpty) continue;
                    await file.WriteAsync(packet);
                    packets++;
                }
            }

            Assert.True(packets > 20, $"only {packets} packets in 5 s");
            Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
            ToolResult probe = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "stream=codec_name",
                "-of", "csv=p=0", path);
            Assert.Contains("wmv2", probe.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("wmav2", probe.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Mms_url_rolls_over_from_a_closed_MMST_port_to_MMSH()
    {
        MmsClientOptions options = Options();
        options.DefaultMmstPort = VlcMmshServer.FreePort(); // nothing listens there
        options.DefaultMmshPort = vlc.Server.Port;
        options.DefaultRtspPort = VlcMmshServer.FreePort(); // RTSP comes first in the default order: nothing listens
        MmsConnectResult result = await MmsConnector.ConnectAsync(new Uri("mms://127.0.0.1/"), options, null,
            CancellationToken.None);
        await using IMmsSession session = result.Session;

        Assert.Equal(MmsProtocol.Mmsh, session.Protocol);
        Assert.Collection(result.Attempts,
            rtsp => Assert.Equal((MmsProtocol.Rtspt, MmsClientErrorKind.Refused), (rtsp.Protocol, rtsp.ErrorKind!.Value)),
            mmst =>
            {
                Assert.Equal(MmsProtocol.Mmst, mmst.Protocol);
                Assert.Equal(MmsConnectOutcome.Failed, mmst.Outcome);
                Assert.Equal(MmsClientErrorKind.Refused, mmst.ErrorKind);
                Assert.Equal(MmsClientStep.Connect, mmst.FailedStep);
                Assert.Equal($"127.0.0.1:{options.DefaultMmstPort}", mmst.Endpoint);
            },
            mmsh =>
            {
                Assert.Equal(MmsProtocol.Mmsh, mmsh.Protocol);
                Assert.Equal(MmsConnectOutcome.Connected, mmsh.Outcome);
                Assert.Equal($"127.0.0.1:{vlc.Server.Port}", mmsh.Endpoint);
            });
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task Http_url_is_MMSH_and_a_new_selection_replays_on_a_new_connection()
    {
        var url = new Uri($"http://127.0.0.1:{vlc.Server.Port}/");
        await using IMmsSession session = (await MmsConnector.ConnectAsync(url, Options(), null, CancellationToken.None)).Session;
        Assert.Equal(MmsProtocol.Mmsh, session.Protocol);
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);

        int audio = session.Header.Streams.Single(s => s.Type == AsfStreamType.Audio).StreamNumber;
        await session.SelectStreamsAsync([StreamSelection.On(audio)], CancellationToken.None);
        Assert.Equal(AsfStreamSet.Of(audio), session.SelectedStreams);
        for (int i = 0; i < 10; i++)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(MmsReadResultKind.Packet, read.Kind);
        }

        await Assert.ThrowsAsync<MmsClientException>(async () =>
            await session.SeekAsync(TimeSpan.FromSeconds(1), CancellationToken.None));
    }
}

/// <summary>
/// VLC's MMSH server starts a new client wherever its live stream is, not at a key frame (ffmpeg then reports
/// "first frame is no keyframe"), so the recording starts like the hub's fast start: at the first packet with a video
/// key-frame payload, without the payloads in it whose start was not received (docs/protocol/interop.md#s12 pitfalls, docs/protocol/selection.md#s5.2 rebuild).
/// VLC's ASF muxer sets the key-frame bit on every video payload, so for WMV2 the picture type is read from the
/// bitstream instead (first bit of the picture header: 0 = I).
/// </summary>
internal sealed class KeyFrameStart(AsfHeader header)
{
    private readonly AsfPayload[] _payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
    private readonly bool[] _keep = new bool[AsfPacketParser.MaxPayloads];
    private bool _started;

    public ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> packet, byte[] output)
    {
        if (_started) return packet;
        AsfPacket parsed = AsfPacketParser.Parse(packet.Span, header.PacketSize, _payloads);
        int key = -1;
        for (int i = 0; i < parsed.PayloadCount; i++)
        {
            AsfPayload p = _payloads[i];
            if (p.IsKeyFrame && p.OffsetIntoMediaObject == 0 && !p.IsCompressed && p.DataLength > 0
                && header.FindStream(p.StreamNumber) is { Type: AsfStreamType.Video } video
                && (video.Video!.FourCcText != "WMV2" || (packet.Span[p.DataOffset] & 0x80) == 0))
            {
                key = i;
                break;
            }
        }

        if (key < 0) return ReadOnlyMemory<byte>.Empty;
        _started = true;
        for (int i = 0; i < parsed.PayloadCount; i++)
        {
            AsfPayload p = _payloads[i];
            bool video = header.FindStream(p.StreamNumber)?.Type == AsfStreamType.Video;
            _keep[i] = p.OffsetIntoMediaObject == 0 && (!video || i >= key);
        }

        return AsfPacketWriter.Rebuild(packet.Span, parsed, _payloads.AsSpan(0, parsed.PayloadCount),
                _keep.AsSpan(0, parsed.PayloadCount), header.PacketSize, output) switch
            {
                AsfPacketFilterResult.Unchanged => packet,
                AsfPacketFilterResult.Rebuilt => output,
                _ => ReadOnlyMemory<byte>.Empty,
            };
    }
}
