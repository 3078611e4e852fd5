using System.Text;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Testing;
using static MmsGateway.Mms.Tests.Client.MmshServerScript;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>MMSH client behaviour against scripted HTTP servers (docs/protocol/mmsh.md#s2.6 to docs/protocol/mmsh.md#s2.9).</summary>
public sealed class MmshClientTests
{
    private const string OnDemandPragma = "no-cache,client-id=3456789,features=\"seekable,stridable\",timeout=60000";

    private static MmsClientOptions Options() => MmstGoldenSessionTests.GoldenOptions();

    private static Task<MmsConnectResult> ConnectAsync(Uri url, MmsClientOptions? options = null) =>
        MmsConnector.ConnectAsync(url, options ?? Options(), null, CancellationToken.None);

    /// <summary>Describe with Content-Length, then everything as the script says.</summary>
    private static async Task DescribeAsync(ScriptedPeer peer, byte[] header, string pragma = OnDemandPragma)
    {
        MmshRequest describe = await ReadRequestAsync(peer);
        Assert.Equal(MmshRequestKind.Describe, describe.Kind);
        byte[] body = HeaderChunk(header);
        await peer.SendAsync(Head(200, "OK", pragma, "application/vnd.ms.wms-hdr.asfv1", body.Length));
        await peer.SendAsync(body);
    }

    [SharedMediaFact]
    public async Task Describe_and_chunked_Play_deliver_every_packet_and_the_end()
    {
        var media = TestMedia.Wine();
        int stripped = media.PaddedPacketIndex();
        var requests = new List<MmshRequest>();
        await using var server = new ScriptedServer(async (peer, index) =>
        {
            MmshRequest request = await ReadRequestAsync(peer);
            requests.Add(request);
            if (request.Kind == MmshRequestKind.Describe)
            {
                byte[] describe = HeaderChunk(media.Header);
                await peer.SendAsync(Head(200, "OK", OnDemandPragma, "application/vnd.ms.wms-hdr.asfv1", describe.Length));
                await peer.SendAsync(describe);
                return;
            }

            var body = new List<byte>();
            body.AddRange(Metadata("playlist-gen-id=1, broadcast-id=0, features=\"seekable\""));
            body.AddRange(HeaderChunk(media.Header));
            for (int i = 0; i < media.Packets.Count; i++)
            {
                body.AddRange(DataChunk((uint)i, i == stripped ? media.Stripped(i, out _) : media.Packets[i]));
                if (i == 3) body.AddRange(Unknown());
            }

            body.AddRange(End());
            await peer.SendAsync("HTTP/1.1 200 OK\r\nServer: Cougar/9.1.1.3814\r\nContent-Type: application/x-mms-framed\r\n" +
                $"Transfer-Encoding: chunked\r\nPragma: {OnDemandPragma}\r\n\r\n");
            await peer.SendAsync(Chunked([.. body], 1001));
            await peer.WaitForCloseAsync(TimeSpan.FromSeconds(5));
        });

        MmsConnectResult result = await ConnectAsync(server.Url("mmsh", "/clip.wmv?a=b%20c"));
        await using (IMmsSession session = result.Session)
        {
            Assert.Equal(MmsProtocol.Mmsh, session.Protocol);
            Assert.False(session.IsBroadcast);
            Assert.Equal(media.Header, session.HeaderBytes.ToArray());
            for (int i = 0; i < media.Packets.Count; i++)
            {
                MmsReadResult read = await session.ReadAsync(CancellationToken.None);
                Assert.Equal(MmsReadResultKind.Packet, read.Kind);
                Assert.Equal((uint)i, read.LocationId);
                Assert.Equal(media.Packets[i], read.Packet.ToArray());
            }

            Assert.Equal(MmsReadResultKind.EndOfStream, (await session.ReadAsync(CancellationToken.None)).Kind);
        }

        await server.VerifyAsync();
        Assert.Equal(2, requests.Count);
        MmshRequest describeRequest = requests[0], play = requests[1];
        Assert.Equal("/clip.wmv?a=b%20c", describeRequest.Target);
        Assert.Equal("NSPlayer/7.0.0.1956", describeRequest.UserAgent);
        Assert.Equal($"127.0.0.1:{server.Port}", describeRequest.Headers["Host"]);
        Assert.Equal("{c77e7400-738a-11d2-9add-0020af0a3278}", describeRequest.ClientGuid);
        Assert.Equal(1u, describeRequest.RequestContext);
        Assert.Null(describeRequest.ClientId);

        Assert.Equal(MmshRequestKind.Play, play.Kind);
        Assert.Equal(describeRequest.ClientGuid, play.ClientGuid);
        Assert.Equal(3456789u, play.ClientId);
        Assert.Equal(2u, play.RequestContext);
        Assert.Equal(0u, play.StreamTimeMs);
        Assert.Equal(2u, play.StreamSwitchCount);
        Assert.Equal("ffff:1:0 ffff:2:0", play.StreamSwitchEntries);
    }

    [SharedMediaFact]
    public async Task Live_play_ends_with_connection_lost_when_the_server_closes_without_E()
    {
        var media = TestMedia.Wine();
        await using var server = new ScriptedServer(async (peer, index) =>
        {
            if (index == 0)
            {
                await DescribeAsync(peer, media.Header, "no-cache,client-id=1,features=\"broadcast\"");
                return;
            }

            MmshRequest play = await ReadRequestAsync(peer);
            Assert.Null(play.StreamTimeMs); // live Play has no start position (docs/protocol/mmsh.md#s2.7)
            await peer.SendAsync(Head(200, "OK", "no-cache,client-id=1,features=\"broadcast\"", "application/x-mms-framed"));
            await peer.SendAsync(HeaderChunk(media.Header), DataChunk(500, media.Packets[0]));
        });

        await using IMmsSession session = (await ConnectAsync(server.Url("mmsh", "/live"))).Session;
        Assert.True(session.IsBroadcast);
        Assert.Equal(500u, (await session.ReadAsync(CancellationToken.None)).LocationId);
        var e = await Assert.ThrowsAsync<MmsClientException>(async () => await session.ReadAsync(CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.ConnectionLost, e.Kind);
        Assert.Equal(MmsClientStep.Read, e.Step);
    }

    [SharedMediaFact]
    public async Task Playlist_change_gives_HeaderChanged_and_seek_replays_with_stream_time()
    {
        var media = TestMedia.Wine();
        byte[] next = media.HeaderPaddedTo(media.Header.Length + 64);
        await using var server = new ScriptedServer(async (peer, index) =>
        {
            switch (index)
            {
                case 0:
                    await DescribeAsync(peer, media.Header);
                    return;
                case 1:
                    Assert.Equal(250u, (await ReadRequestAsync(peer)).StreamTimeMs); // StartPosition
                    await peer.SendAsync(Head(200, "OK", OnDemandPragma, "application/x-mms-framed"));
                    await peer.SendAsync(HeaderChunk(media.Header), DataChunk(0, media.Packets[0]), End(1), Change(),
                        HeaderChunk(next), DataChunk(0, media.Packets[5]));
                    await peer.WaitForCloseAsync(TimeSpan.FromSeconds(5));
                    return;
                default:
                    MmshRequest seek = await ReadRequestAsync(peer);
                    Assert.Equal(MmshRequestKind.Play, seek.Kind);
                    Assert.Equal(1500u, seek.StreamTimeMs);
                    Assert.Equal(3u, seek.RequestContext);
                    await peer.SendAsync(Head(200, "OK", OnDemandPragma, "application/x-mms-framed"));
                    await peer.SendAsync(HeaderChunk(next), DataChunk(7, media.Packets[7]), End());
                    return;
            }
        });

        MmsClientOptions options = Options();
        options.StartPosition = TimeSpan.FromMilliseconds(250);
        await using IMmsSession session = (await ConnectAsync(server.Url("mmsh", "/list"), options)).Session;
        Assert.Equal(0u, (await session.ReadAsync(CancellationToken.None)).LocationId);
        Assert.Equal(MmsReadResultKind.HeaderChanged, (await session.ReadAsync(CancellationToken.None)).Kind);
        Assert.Equal(next, session.HeaderBytes.ToArray());
        Assert.Equal(media.Packets[5], (await session.ReadAsync(CancellationToken.None)).Packet.ToArray());

        await session.SeekAsync(TimeSpan.FromMilliseconds(1500), CancellationToken.None);
        MmsReadResult read = await session.ReadAsync(CancellationToken.None);
        Assert.Equal(7u, read.LocationId); // same header as before the seek: no change reported
        Assert.Equal(MmsReadResultKind.EndOfStream, (await session.ReadAsync(CancellationToken.None)).Kind);
        await session.DisposeAsync();
        await server.VerifyAsync();
    }

    [SharedMediaFact]
    public async Task Http_redirects_are_followed_and_401_is_retried_with_Basic_credentials()
    {
        var media = TestMedia.Wine();
        string? authorization = null;
        await using var server = new ScriptedServer(async (peer, index) =>
        {
            MmshRequest request = await ReadRequestAsync(peer);
            if (request.Path == "/old")
            {
                await peer.SendAsync(Head(302, "Found", string.Empty, "text/html", 0, extra: "Location: /new?x=1\r\n"));
                return;
            }

            Assert.Equal("/new?x=1", request.Target);
            if (request.Headers["Authorization"] is not { } credentials)
            {
                await peer.SendAsync(Head(401, "Unauthorized", string.Empty, "text/html", 0,
                    extra: "WWW-Authenticate: Basic realm=\"media\"\r\n"));
                return;
            }

            authorization = credentials;
            byte[] header = HeaderChunk(media.Header);
            if (request.Kind == MmshRequestKind.Describe)
            {
                await peer.SendAsync(Head(200, "OK", OnDemandPragma, "application/vnd.ms.wms-hdr.asfv1", header.Length));
                await peer.SendAsync(header);
                return;
            }

            await peer.SendAsync(Head(200, "OK", OnDemandPragma, "application/x-mms-framed"));
            await peer.SendAsync(header, DataChunk(0, media.Packets[0]), End());
        });

        var url = new Uri($"mmsh://me:secret@127.0.0.1:{server.Port}/old");
        MmsConnectResult result = await ConnectAsync(url);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("me:secret")), authorization);
        Assert.Collection(result.Attempts,
            first => Assert.Equal(MmsConnectOutcome.Redirected, first.Outcome),
            second => Assert.Equal(MmsConnectOutcome.Connected, second.Outcome));
        Assert.Equal(new Uri($"mmsh://127.0.0.1:{server.Port}/new?x=1"), session.Url);

        // A relative Location keeps the user-info of the URL it resolves against; without any, 401 is reported.
        var e = await Assert.ThrowsAsync<MmsClientException>(() =>
            ConnectAsync(new Uri($"http://127.0.0.1:{server.Port}/new?x=1")));
        Assert.Equal(MmsClientErrorKind.AuthenticationRequired, e.Kind);
        Assert.Equal(MmsClientStep.Describe, e.Step);
        Assert.Equal(401, e.HttpStatusCode);
    }

    public static TheoryData<int, string, string, MmsClientErrorKind> NonMmshAnswers() => new()
    {
        { 404, "text/html", "<html>gone</html>", MmsClientErrorKind.NotFound },
        { 403, "text/html", "<html>no</html>", MmsClientErrorKind.AccessDenied },
        { 500, "text/plain", "oops", MmsClientErrorKind.ServerError },
        { 200, "text/html", "<!DOCTYPE html><html><body>Welcome</body></html>", MmsClientErrorKind.NotMmsServer },
        { 200, "video/x-ms-asf", "<ASX version=\"3.0\"><Entry><Ref href=\"mms://example.com/a\"/></Entry></ASX>", MmsClientErrorKind.Playlist },
        { 200, "video/x-ms-asf", "\uFEFF<?xml version=\"1.0\"?>\r\n<asx version=\"3.0\"></asx>", MmsClientErrorKind.Playlist },
        { 200, "video/x-ms-asf", "[Reference]\r\nRef1=http://example.com/a.asf?MSWMExt=.asf\r\n", MmsClientErrorKind.Playlist },
    };

    [Theory]
    [MemberData(nameof(NonMmshAnswers))]
    public async Task Non_MMSH_answers_are_classified(int status, string contentType, string body, MmsClientErrorKind kind)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            await peer.ReadHttpHeadAsync();
            await peer.SendAsync(Head(status, status == 200 ? "OK" : "Error", string.Empty, contentType));
            await peer.SendAsync(bytes);
        });

        // Classification only: the connector would otherwise resolve the playlist (PlaylistConnectTests).
        MmsClientOptions options = Options();
        options.FollowPlaylists = false;
        var e = await Assert.ThrowsAsync<MmsClientException>(() => ConnectAsync(server.Url("http", "/page"), options));
        Assert.Equal(kind, e.Kind);
        Assert.Equal(MmsClientStep.Describe, e.Step);
        Assert.Equal(status, e.HttpStatusCode);
        if (kind == MmsClientErrorKind.Playlist)
        {
            Assert.Equal(bytes, e.Content.ToArray());
            Assert.Equal(contentType, e.ContentType);
        }
    }

    [SharedMediaFact]
    public async Task A_plain_ASF_download_is_read_as_a_file_or_reported_as_not_MMS()
    {
        byte[] file = File.ReadAllBytes(SharedMedia.Path("asf", "wine_wmvcore_test.wmv"));
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            await peer.ReadHttpHeadAsync();
            await peer.SendAsync(Head(200, "OK", string.Empty, "video/x-ms-wmv", file.Length));
            await peer.SendAsync(file);
        });

        MmsClientOptions raw = Options();
        raw.FollowPlaylists = false;
        var e = await Assert.ThrowsAsync<MmsClientException>(() => ConnectAsync(server.Url("http", "/a.wmv"), raw));
        Assert.Equal(MmsClientErrorKind.NotMmsServer, e.Kind);
        Assert.Contains("plain ASF", e.Message, StringComparison.Ordinal);

        // By default the connector reads it as a download: the same header and packets.
        MmsConnectResult result = await ConnectAsync(server.Url("http", "/a.wmv"));
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Download, session.Protocol);
        Assert.Equal([MmsProtocol.Mmsh, MmsProtocol.Download], result.Attempts.Select(a => a.Protocol));
        var media = TestMedia.Wine();
        Assert.Equal(media.Header, session.HeaderBytes.ToArray());
        for (int i = 0; i < media.Packets.Count; i++)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(media.Packets[i], read.Packet.ToArray());
        }

        Assert.Equal(MmsReadResultKind.EndOfStream, (await session.ReadAsync(CancellationToken.None)).Kind);
    }

    [SharedMediaFact]
    public async Task Selection_replays_at_the_last_send_time_with_the_new_entries()
    {
        var media = TestMedia.Wine();
        uint sendTime = Asf.Packets.AsfPacketParser.ParseHeader(media.Packets[2], media.PacketSize).SendTime;
        await using var server = new ScriptedServer(async (peer, index) =>
        {
            if (index == 0)
            {
                await DescribeAsync(peer, media.Header);
                return;
            }

            MmshRequest play = await ReadRequestAsync(peer);
            await peer.SendAsync(Head(200, "OK", OnDemandPragma, "application/x-mms-framed"));
            if (index == 1)
            {
                await peer.SendAsync(HeaderChunk(media.Header), DataChunk(0, media.Packets[0]),
                    DataChunk(1, media.Packets[1]), DataChunk(2, media.Packets[2]), DataChunk(3, media.Packets[3]));
                await peer.WaitForCloseAsync(TimeSpan.FromSeconds(5));
                return;
            }

            Assert.Equal("ffff:1:2 ffff:2:0", play.StreamSwitchEntries);
            Assert.Equal(sendTime, play.StreamTimeMs);
            await peer.SendAsync(HeaderChunk(media.Header), DataChunk(3, media.Packets[3]), End());
        });

        await using IMmsSession session = (await ConnectAsync(server.Url("mmsh", "/a"))).Session;
        for (uint i = 0; i < 3; i++) Assert.Equal(i, (await session.ReadAsync(CancellationToken.None)).LocationId);
        await session.SelectStreamsAsync([StreamSelection.On(2)], CancellationToken.None);
        Assert.Equal(AsfStreamSet.Of(2), session.SelectedStreams);
        Assert.Equal(3u, (await session.ReadAsync(CancellationToken.None)).LocationId);
        Assert.Equal(MmsReadResultKind.EndOfStream, (await session.ReadAsync(CancellationToken.None)).Kind);
        await session.DisposeAsync();
        await server.VerifyAsync();
    }

    [SharedMediaFact]
    public async Task A_header_in_several_pieces_and_a_chunked_body_trickled_in_small_writes()
    {
        var media = TestMedia.Wine();
        byte[] header = media.Header;
        byte[] Pieces()
        {
            // MS-WMSP flags: first 0x04, middle 0x00, last 0x08 (docs/protocol/mmsh.md#s2.5); vlc and libmms reassemble them.
            var pieces = new List<byte>();
            int[] cuts = [0, 300, 600, header.Length];
            byte[] flags = [MmsDataPacketFlags.HeaderPieceMore, MmsDataPacketFlags.HeaderPieceMiddle, MmsDataPacketFlags.HeaderPieceLast];
            for (int i = 0; i < 3; i++)
            {
                byte[] chunk = new byte[MmshFraming.DataPrefixSize + (cuts[i + 1] - cuts[i])];
                MmshFraming.WriteDataPrefix(chunk, MmshChunkType.Header, (uint)i, 0, flags[i], cuts[i + 1] - cuts[i]);
                header.AsSpan(cuts[i], cuts[i + 1] - cuts[i]).CopyTo(chunk.AsSpan(MmshFraming.DataPrefixSize));
                pieces.AddRange(chunk);
            }

            return [.. pieces];
        }

        await using var server = new ScriptedServer(async (peer, index) =>
        {
            MmshRequest request = await ReadRequestAsync(peer);
            if (index == 0)
            {
                byte[] describe = Pieces();
                await peer.SendAsync(Head(200, "OK", OnDemandPragma, "application/vnd.ms.wms-hdr.asfv1", describe.Length));
                await peer.SendAsync(describe);
                return;
            }

            var body = new List<byte>(Pieces());
            for (int i = 0; i < 6; i++) body.AddRange(DataChunk((uint)i, media.Packets[i]));
            body.AddRange(End());
            byte[] chunked = Chunked([.. body], 777);
            await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: application/x-mms-framed\r\nTransfer-Encoding: chunked\r\n" +
                $"Pragma: {OnDemandPragma}\r\n\r\n");
            for (int offset = 0, n = 0; offset < chunked.Length; offset += 97, n++)
            {
                await peer.SendAsync(chunked[offset..Math.Min(chunked.Length, offset + 97)]);
                if (n % 16 == 0) await Task.Delay(1);
            }

            await peer.WaitForCloseAsync(TimeSpan.FromSeconds(5));
        });

        await using IMmsSession session = (await ConnectAsync(server.Url("mmsh", "/pieces"))).Session;
        Assert.Equal(header, session.HeaderBytes.ToArray());
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(media.Packets[i], (await session.ReadAsync(CancellationToken.None)).Packet.ToArray());
        }

        Assert.Equal(MmsReadResultKind.EndOfStream, (await session.ReadAsync(CancellationToken.None)).Kind);
        await session.DisposeAsync();
        await server.VerifyAsync();
    }
}
