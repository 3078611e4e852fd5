using System.Net;
using System.Text;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Playlists;
using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>Playlists in the connector (docs/protocol/asx.md#s6, docs/protocol/nsc.md#s7, docs/protocol/rollover.md#s8.3): URL rollover, entries in sequence, NSC multicast.</summary>
public sealed class PlaylistConnectTests
{
    private static MmsClientOptions Options() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
    };

    private static Task<TestOrigin> StartOriginAsync(Func<string, OriginOptions>? configure = null) =>
        TestOrigin.StartAsync(3, configure ?? (root => new OriginOptions { Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1 }));

    private static Uri WriteFile(string directory, string name, string text)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return new Uri(path);
    }

    [Fact]
    public async Task Asx_refs_are_tried_in_order_each_with_rollover()
    {
        await using TestOrigin origin = await StartOriginAsync();
        int closed = VlcMmshServer.FreePort();
        Uri asx = WriteFile(origin.Root, "list.ASX", $"""
            <ASX version="3.0"><Entry><Title>clip</Title>
              <REF HREF="mms://127.0.0.1:{closed}/single.wmv"/>
              <ref href="{origin.Url("mmst", "single.wmv")}"/>
            </Entry></ASX>
            """);
        MmsConnectResult result = await MmsConnector.ConnectAsync(asx, Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Mmst, session.Protocol);
        // mms:// rolls over RTSP, MMST then MMSH on the dead port (an explicit port applies to every protocol), then
        // the second REF connects.
        Assert.Equal([MmsProtocol.Rtspt, MmsProtocol.Mmst, MmsProtocol.Mmsh, MmsProtocol.Mmst], result.Attempts.Select(a => a.Protocol));
        Assert.Equal([MmsConnectOutcome.Failed, MmsConnectOutcome.Failed, MmsConnectOutcome.Failed, MmsConnectOutcome.Connected],
            result.Attempts.Select(a => a.Outcome));
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task Entries_play_one_after_the_other_with_a_header_change_between()
    {
        await using TestOrigin origin = await StartOriginAsync();
        Uri asx = WriteFile(origin.Root, "two.wax", $"""
            <asx version="3.0">
              <entry><ref href="{origin.Url("mmst", "single.wmv")}"/></entry>
              <entry><ref href="{origin.Url("mmsh", "mbr.asf")}"/></entry>
            </asx>
            """);
        MmsConnectResult result = await MmsConnector.ConnectAsync(asx, Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(2, session.Header.Streams.Count);
        var kinds = new List<MmsReadResultKind>();
        int packets = 0;
        while (true)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            if (read.Kind == MmsReadResultKind.Packet)
            {
                packets++;
                continue;
            }

            kinds.Add(read.Kind);
            if (read.Kind == MmsReadResultKind.EndOfStream) break;
        }

        Assert.Equal([MmsReadResultKind.HeaderChanged, MmsReadResultKind.EndOfStream], kinds);
        Assert.Equal(4, session.Header.Streams.Count);
        Assert.Equal(MmsProtocol.Mmsh, session.Protocol);
        Assert.True(packets > 50, $"{packets} packets");
    }

    [Fact]
    public async Task An_http_server_answering_with_a_reference_file_is_followed()
    {
        await using TestOrigin origin = await StartOriginAsync();
        string reference = $"[Reference]\r\nRef1=http://127.0.0.1:{origin.HttpPort}/single.wmv?MSWMExt=.asf\r\n";
        string asx = $"<ASX version=\"3.0\"><ENTRY><REF HREF=\"{origin.Url("mmst", "mbr.asf")}\"/></ENTRY></ASX>";
        await using var web = new ScriptedServer(async (peer, n) =>
        {
            string head = await peer.ReadHttpHeadAsync();
            bool isAsx = head.StartsWith("GET /station.asx", StringComparison.Ordinal);
            string body = isAsx ? asx : reference;
            await peer.SendAsync($"HTTP/1.0 200 OK\r\nContent-Type: {(isAsx ? "video/x-ms-asf" : "text/plain")}\r\n" +
                $"Content-Length: {Encoding.ASCII.GetByteCount(body)}\r\n\r\n{body}");
        });

        // A plain http URL: tried as MMSH, the answer is a [Reference] file, whose Ref is tried as MMSH.
        MmsConnectResult viaReference = await MmsConnector.ConnectAsync(web.Url("http", "/live"), Options(), null,
            CancellationToken.None);
        await using (viaReference.Session)
        {
            Assert.Equal(MmsProtocol.Mmsh, viaReference.Session.Protocol);
            Assert.Equal(origin.HttpPort, viaReference.Session.Url.Port);
            Assert.Equal(MmsClientErrorKind.Playlist, viaReference.Attempts[0].ErrorKind);
        }

        // An .asx URL is fetched and resolved before any protocol is tried.
        MmsConnectResult viaAsx = await MmsConnector.ConnectAsync(web.Url("http", "/station.asx"), Options(), null,
            CancellationToken.None);
        await using (viaAsx.Session)
        {
            Assert.Equal(MmsProtocol.Mmst, viaAsx.Session.Protocol);
            Assert.Single(viaAsx.Attempts);
        }
    }

    [Fact]
    public async Task Nsc_station_is_received_over_multicast()
    {
        int port = VlcMmshServer.FreePort();
        await using TestOrigin origin = await StartOriginAsync(root => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1,
            Live = new Dictionary<string, string> { ["tv"] = Path.Combine(root, "single.wmv") },
            Multicast = new Dictionary<string, IPEndPoint> { ["tv"] = new(IPAddress.Parse("239.255.43.43"), port) },
        });
        MmsConnectResult result = await MmsConnector.ConnectAsync(new Uri($"http://127.0.0.1:{origin.HttpPort}/tv.nsc"),
            Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Multicast, session.Protocol);
        Assert.True(session.IsBroadcast);
        Assert.Equal($"239.255.43.43:{port}", Assert.Single(result.Attempts).Endpoint);
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        uint? previous = null;
        for (int i = 0; i < 20; i++)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(MmsReadResultKind.Packet, read.Kind);
            Assert.Equal(session.Header.PacketSize, read.Packet.Length);
            AsfPacketParser.Parse(read.Packet.Span, session.Header.PacketSize, payloads);
            if (previous is { } p) Assert.True(read.LocationId > p);
            previous = read.LocationId;
        }
    }

    [Fact]
    public async Task Nsc_station_falls_back_to_its_unicast_url_after_the_open_timer()
    {
        await using TestOrigin origin = await StartOriginAsync();
        byte[] header;
        using (var file = MmsGateway.Asf.Files.AsfFile.Open(Path.Combine(origin.Root, "single.wmv"))) header = file.ReadMmsHeader();
        var station = new NscFile
        {
            Name = "silent station",
            IpAddress = "239.255.43.44",
            IpPort = VlcMmshServer.FreePort(),
            UnicastUrl = origin.Url("mmst", "single.wmv").AbsoluteUri,
            Formats = [new NscFormat(1, 1, header)],
        };
        Uri nsc = WriteFile(origin.Root, "silent.nsc", station.ToText());
        MmsClientOptions options = Options();
        options.MulticastOpenTimeout = TimeSpan.FromMilliseconds(400);
        MmsConnectResult result = await MmsConnector.ConnectAsync(nsc, options, null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Mmst, session.Protocol);
        Assert.Equal((MmsProtocol.Multicast, MmsClientErrorKind.TimedOut),
            (result.Attempts[0].Protocol, result.Attempts[0].ErrorKind!.Value));
    }

    [Fact]
    public async Task A_missing_playlist_file_names_the_playlist_step()
    {
        var e = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ConnectAsync(
            new Uri("/nonexistent/list.asx"), Options(), null, CancellationToken.None));
        Assert.Equal((MmsClientErrorKind.NotFound, MmsClientStep.Playlist), (e.Kind, e.Step));
    }

    [SharedMediaFact]
    public async Task Real_playlists_resolve_to_their_ordered_url_lists()
    {
        async Task<IReadOnlyList<PlaylistEntry>> Resolve(string name) =>
            await MmsConnector.ResolvePlaylistAsync(new Uri(SharedMedia.Path("asx", name)), Options(), CancellationToken.None);

        PlaylistEntry pukas = Assert.Single(await Resolve("totem_pukas.wax"));
        Assert.Equal(["mms://82.135.234.195/Pukas", "http://82.135.234.199/Pukas"],
            pukas.Candidates.Select(c => c.Url.OriginalString));

        IReadOnlyList<PlaylistEntry> soma = await Resolve("clementine_secretagent.asx");
        Assert.Equal(
        [
            "http://streamer-ntc-aa03.somafm.com/stream/1021", "http://streamer-ntc-aa04.somafm.com/stream/1021",
            "http://streamer-mtc-aa03.somafm.com/stream/1021", "http://ice.somafm.com/secretagent",
        ], soma.Select(e => Assert.Single(e.Candidates).Url.AbsoluteUri));
        Assert.All(soma, e => Assert.True(e.RepeatsForever));

        PlaylistEntry antena = Assert.Single(await Resolve("clementine_test.asxini"));
        Assert.Equal(["http://195.245.168.21/antena3?MSWMExt=.asf", "http://195.245.168.21/antena3?MSWMExt=.asf"],
            antena.Candidates.Select(c => c.Url.AbsoluteUri));
        Assert.All(antena.Candidates, c => Assert.True(c.TryAsMmsh));

        // An ASF file saved under a playlist name is the media itself.
        PlaylistEntry asf = Assert.Single(await Resolve("totem_asf-with-asx-suffix.asx"));
        Assert.EndsWith("totem_asf-with-asx-suffix.asx", Assert.Single(asf.Candidates).Url.AbsolutePath, StringComparison.Ordinal);

        // ... and the connector reads it as a file, to its last whole packet (the file is truncated).
        MmsConnectResult result = await MmsConnector.ConnectAsync(
            new Uri(SharedMedia.Path("asx", "totem_asf-with-asx-suffix.asx")), Options(), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Download, session.Protocol);
        int packets = 0;
        while ((await session.ReadAsync(CancellationToken.None)).Kind == MmsReadResultKind.Packet) packets++;
        Assert.Equal((94230 - session.HeaderBytes.Length) / session.Header.PacketSize, packets);
    }
}
