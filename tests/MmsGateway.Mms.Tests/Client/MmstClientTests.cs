using System.Diagnostics;
using System.Text;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Mmst;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>MMST client behaviour against scripted servers: errors, authentication, redirects, seeks, playlists.</summary>
public sealed class MmstClientTests
{
    private static MmsClientOptions Options() => MmstGoldenSessionTests.GoldenOptions();

    private static Task<MmsConnectResult> ConnectAsync(Uri url, MmsClientOptions? options = null) =>
        MmsConnector.ConnectAsync(url, options ?? Options(), null, CancellationToken.None);

    [SharedMediaFact]
    public async Task File_not_found_names_the_open_file_step_and_the_HRESULT()
    {
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.ConnectAsync();
            OpenFileMessage open = await script.ReadAsync<OpenFileMessage>();
            Assert.Equal("missing.wmv?x=1", open.FileName);
            await script.SendAsync(ReportOpenFileMessage.Failed(MmsHResult.FileNotFound, open.PlayIncarnation));
            Assert.True(await peer.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        });

        var e = await Assert.ThrowsAsync<MmsClientException>(() => ConnectAsync(server.Url("mmst", "/missing.wmv?x=1")));
        Assert.Equal(MmsClientErrorKind.NotFound, e.Kind);
        Assert.Equal(MmsClientStep.OpenFile, e.Step);
        Assert.Equal(0xC00D001Au, e.ServerHResult);
        Assert.Contains("0xC00D001A", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        await server.VerifyAsync();
    }

    [SharedMediaFact]
    public async Task Refused_funnel_is_a_server_error_at_the_funnel_step()
    {
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.ReadAsync<ConnectMessage>();
            await script.SendAsync(ReportConnectedExMessage.Create());
            await script.ReadAsync<ConnectFunnelMessage>();
            await script.SendAsync(new ReportDisconnectedFunnelMessage(MmsHResult.NetworkBusy, 0));
        });

        var e = await Assert.ThrowsAsync<MmsClientException>(() => ConnectAsync(server.Url("mmst")));
        Assert.Equal(MmsClientErrorKind.ServerError, e.Kind);
        Assert.Equal(MmsClientStep.Funnel, e.Step);
        Assert.Equal(MmsHResult.NetworkBusy, e.ServerHResult);
    }

    [SharedMediaFact]
    public async Task Security_challenge_without_credentials_is_authentication_required()
    {
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.ConnectAsync();
            OpenFileMessage open = await script.ReadAsync<OpenFileMessage>();
            await script.SendAsync(SecurityChallengeMessage.ForBasic(open.PlayIncarnation, 77, "media"));
        });

        var e = await Assert.ThrowsAsync<MmsClientException>(() => ConnectAsync(server.Url("mmst", "/secret.wmv")));
        Assert.Equal(MmsClientErrorKind.AuthenticationRequired, e.Kind);
        Assert.Equal(MmsClientStep.OpenFile, e.Step);
    }

    [SharedMediaFact]
    public async Task Security_challenge_is_answered_with_Basic_credentials_from_the_url()
    {
        var media = TestMedia.Wine();
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.ConnectAsync();
            OpenFileMessage open = await script.ReadAsync<OpenFileMessage>();
            Assert.Equal("secret.wmv", open.FileName);
            await script.SendAsync(SecurityChallengeMessage.ForBasic(open.PlayIncarnation, 77, "media"));
            SecurityResponseMessage response = await script.ReadAsync<SecurityResponseMessage>();
            Assert.Equal(open.PlayIncarnation, response.PlayIncarnation);
            Assert.Equal(77u, response.Cookie);
            Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("user:p@ss")), response.BasicCredentials);
            await script.SendAsync(ReportOpenFileMessage.Create(response.PlayIncarnation, MmstFileAttributes.OnDemand,
                2, (uint)media.PacketSize, 14, 100_000, (uint)media.Header.Length));
            await script.SendHeaderAsync(media.Header);
            await script.SwitchAsync();
            StartPlayingMessage start = await script.StartAsync();
            await script.SendDataAsync(0, (byte)start.PlayIncarnation, 0, media.Packets[0]);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        var url = new Uri($"mmst://user:p%40ss@127.0.0.1:{server.Port}/secret.wmv");
        await using IMmsSession session = (await ConnectAsync(url)).Session;
        Assert.Equal(server.Url("mmst", "/secret.wmv"), session.Url); // no credentials in what is shown
        MmsReadResult read = await session.ReadAsync(CancellationToken.None);
        Assert.Equal(media.Packets[0], read.Packet.ToArray());
    }

    [SharedMediaFact]
    public async Task Report_redirect_is_followed_to_the_new_server()
    {
        var media = TestMedia.Wine();
        await using var target = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.ConnectAsync();
            OpenFileMessage open = await script.OpenAsync(media.Header, media.PacketSize);
            Assert.Equal("other.wmv", open.FileName);
            await script.SendHeaderAsync(media.Header);
            await script.SwitchAsync();
            StartPlayingMessage start = await script.StartAsync();
            await script.SendDataAsync(0, (byte)start.PlayIncarnation, 0, media.Packets[0]);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });
        await using var origin = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.ConnectAsync();
            await script.ReadAsync<OpenFileMessage>();
            await script.SendAsync(new ReportRedirectMessage(MmsHResult.Ok, ReportRedirectMessage.OtherUrl,
                target.Url("mmst", "/other.wmv").ToString()));
        });

        MmsConnectResult result = await ConnectAsync(origin.Url("mmst", "/first.wmv"));
        await using IMmsSession session = result.Session;
        Assert.Equal(target.Url("mmst", "/other.wmv"), session.Url);
        Assert.Collection(result.Attempts,
            first =>
            {
                Assert.Equal(MmsConnectOutcome.Redirected, first.Outcome);
                Assert.Equal(target.Url("mmst", "/other.wmv"), first.RedirectedTo);
            },
            second => Assert.Equal(MmsConnectOutcome.Connected, second.Outcome));
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
        await session.DisposeAsync();
        await target.VerifyAsync();
    }

    [Fact]
    public async Task Redirect_loops_stop_after_MaxRedirects()
    {
        ScriptedServer? self = null;
        await using var server = self = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.ConnectAsync();
            await script.ReadAsync<OpenFileMessage>();
            await script.SendAsync(new ReportRedirectMessage(MmsHResult.Ok, ReportRedirectMessage.OtherUrl,
                self!.Url("mmst", "/again").ToString()));
        });

        var e = await Assert.ThrowsAsync<MmsClientException>(() => ConnectAsync(server.Url("mmst", "/start")));
        Assert.Equal(MmsClientErrorKind.TooManyRedirects, e.Kind);
        Assert.Equal(6, e.Attempts.Count);
        Assert.All(e.Attempts, a => Assert.Equal(MmsConnectOutcome.Redirected, a.Outcome));
    }

    [SharedMediaFact]
    public async Task Seek_stops_restarts_with_a_new_incarnation_and_drops_stale_packets()
    {
        var media = TestMedia.Wine();
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            StartPlayingMessage start = await script.HandshakeAsync(media.Header, media.PacketSize);
            Assert.Equal(4u, start.PlayIncarnation);
            await script.SendDataAsync(0, 4, 0, media.Packets[0]);

            StopPlayingMessage stop = await script.ReadAsync<StopPlayingMessage>();
            Assert.Equal(4u, stop.PlayIncarnation);
            await script.SendDataAsync(1, 4, 1, media.Packets[1]); // already in flight: stale
            await script.SendAsync(new ReportEndOfStreamMessage(MmsHResult.Ok, 4));

            StartPlayingMessage seek = await script.ReadAsync<StartPlayingMessage>();
            Assert.Equal(5u, seek.PlayIncarnation);
            Assert.Equal(1.5, seek.Position);
            Assert.Equal(MmstStartPointKind.Position, seek.StartPoint.Kind);
            await script.SendDataAsync(2, 4, 2, media.Packets[2]); // stale incarnation again
            await script.SendAsync(new ReportStartedPlayingMessage(MmsHResult.Ok, 5, 1, 0));
            await script.SendDataAsync(9, 4, 3, media.Packets[3]); // stale
            await script.SendDataAsync(10, 5, 0, media.Packets[10]);
            await script.SendAsync(new ReportEndOfStreamMessage(MmsHResult.Ok, 5));
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        await using IMmsSession session = (await ConnectAsync(server.Url("mmst", "/a.wmv"))).Session;
        Assert.Equal(0u, (await session.ReadAsync(CancellationToken.None)).LocationId);
        await session.SeekAsync(TimeSpan.FromSeconds(1.5), CancellationToken.None);
        MmsReadResult read = await session.ReadAsync(CancellationToken.None);
        Assert.Equal(MmsReadResultKind.Packet, read.Kind);
        Assert.Equal(10u, read.LocationId);
        Assert.Equal(media.Packets[10], read.Packet.ToArray());
        Assert.Equal(MmsReadResultKind.EndOfStream, (await session.ReadAsync(CancellationToken.None)).Kind);
        await session.DisposeAsync();
        await server.VerifyAsync();
    }

    [SharedMediaFact]
    public async Task Playlist_entry_change_reports_a_new_header_and_reselects_streams()
    {
        var media = TestMedia.Wine();
        byte[] next = media.HeaderPaddedTo(media.Header.Length + 100);
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.HandshakeAsync(media.Header, media.PacketSize);
            await script.SendDataAsync(0, 4, 0, media.Packets[0]);

            // docs/protocol/mmst.md#s1.6.4: ReportEndOfStream hr 1, ReportStreamChange, header pieces with byte 4 = 0xFF, data goes on.
            await script.SendAsync(new ReportEndOfStreamMessage(MmsHResult.EntryFinished, 4));
            await script.SendAsync(new ReportStreamChangeMessage(MmsHResult.Ok, 0xFF, (uint)media.PacketSize,
                (uint)next.Length, 100_000, 0));
            await script.SendHeaderPiecesAsync(next, 0xFF, pieceSize: 500);
            IReadOnlyList<StreamSwitchEntry> entries = await script.SwitchAsync();
            Assert.Equal([StreamSwitchEntry.Select(1), StreamSwitchEntry.Select(2)], entries);
            await script.SendDataAsync(0, 4, 1, media.Packets[1]);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        await using IMmsSession session = (await ConnectAsync(server.Url("mmst", "/list.asx"))).Session;
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
        Assert.Equal(MmsReadResultKind.HeaderChanged, (await session.ReadAsync(CancellationToken.None)).Kind);
        Assert.Equal(next, session.HeaderBytes.ToArray());
        MmsReadResult read = await session.ReadAsync(CancellationToken.None);
        Assert.Equal(media.Packets[1], read.Packet.ToArray());
        await session.DisposeAsync();
        await server.VerifyAsync();
    }

    [SharedMediaFact]
    public async Task Short_packets_are_re_padded_to_the_file_packet()
    {
        var media = TestMedia.Wine();
        int index = media.PaddedPacketIndex();
        byte[] stripped = media.Stripped(index, out int padding);
        Assert.True(padding > 0);
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.HandshakeAsync(media.Header, media.PacketSize);
            await script.SendDataAsync((uint)index, 4, 0, stripped);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        await using IMmsSession session = (await ConnectAsync(server.Url("mmst", "/a.wmv"))).Session;
        MmsReadResult read = await session.ReadAsync(CancellationToken.None);
        Assert.Equal(media.PacketSize, read.Packet.Length);
        Assert.Equal(media.Packets[index], read.Packet.ToArray());
    }

    [SharedMediaFact]
    public async Task Selection_sends_every_stream_and_the_acknowledgement_is_checked_by_the_reader()
    {
        var media = TestMedia.Wine();
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.HandshakeAsync(media.Header, media.PacketSize);
            IReadOnlyList<StreamSwitchEntry> entries = await script.SwitchAsync();
            Assert.Equal([StreamSwitchEntry.Select(1, StreamSwitchEntry.KeyFramesOnly), StreamSwitchEntry.Deselect(2)],
                entries);
            await script.SendDataAsync(0, 4, 0, media.Packets[0]);
            entries = await script.SwitchAsync(MmsHResult.BadParameter);
            Assert.Equal([StreamSwitchEntry.Deselect(1), StreamSwitchEntry.Select(2)], entries);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        await using IMmsSession session = (await ConnectAsync(server.Url("mmst", "/a.wmv"))).Session;
        await session.SelectStreamsAsync([new StreamSelection(1, StreamSelection.KeyFramesOnly)], CancellationToken.None);
        Assert.Equal(AsfStreamSet.Of(1), session.SelectedStreams);
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);

        await session.SelectStreamsAsync([StreamSelection.On(2)], CancellationToken.None);
        var e = await Assert.ThrowsAsync<MmsClientException>(async () => await session.ReadAsync(CancellationToken.None));
        Assert.Equal(MmsClientStep.StreamSelection, e.Step);
        Assert.Equal(MmsHResult.BadParameter, e.ServerHResult);

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await session.SelectStreamsAsync([StreamSelection.On(9)], CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await session.SelectStreamsAsync([new StreamSelection(1, StreamSelection.Off)], CancellationToken.None));
        await session.DisposeAsync();
        await server.VerifyAsync();
    }

    [SharedMediaFact]
    public async Task Stalled_stream_fails_within_the_read_timeout()
    {
        var media = TestMedia.Wine();
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.HandshakeAsync(media.Header, media.PacketSize, MmstFileAttributes.Broadcast);
            await script.SendDataAsync(0, 4, 0, media.Packets[0]);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        MmsClientOptions options = Options();
        options.ReadTimeout = TimeSpan.FromMilliseconds(700);
        await using IMmsSession session = (await ConnectAsync(server.Url("mmst", "/live"), options)).Session;
        Assert.True(session.IsBroadcast);
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MmsClientException>(async () => await session.ReadAsync(CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.TimedOut, e.Kind);
        Assert.Equal(MmsClientStep.Read, e.Step);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3));

        var seek = await Assert.ThrowsAsync<MmsClientException>(async () =>
            await session.SeekAsync(TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.NotSupported, seek.Kind);
    }

    [Fact]
    public async Task An_HTTP_server_on_the_MMST_port_is_not_an_MMS_server()
    {
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            await peer.ReadExactAsync(32);
            await peer.SendAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        });

        var e = await Assert.ThrowsAsync<MmsClientException>(() => ConnectAsync(server.Url("mmst")));
        Assert.Equal(MmsClientErrorKind.NotMmsServer, e.Kind);
        Assert.Equal(MmsClientStep.Handshake, e.Step);
    }

    [Fact]
    public async Task Cancellation_ends_a_pending_read_and_dispose_ends_the_session()
    {
        var media = TestMedia.Load(SharedMedia.IsAvailable
            ? SharedMedia.Path("asf", "wine_wmvcore_test.wmv")
            : await GeneratedMedia.AudioOnlyAsync(2));
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            await script.HandshakeAsync(media.Header, media.PacketSize);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        IMmsSession session = (await ConnectAsync(server.Url("mmst", "/a"))).Session;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await session.ReadAsync(cancel.Token));

        ValueTask<MmsReadResult> pending = session.ReadAsync(CancellationToken.None);
        await session.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pending);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await session.ReadAsync(CancellationToken.None));
    }

    [SharedMediaFact]
    public async Task FunnelInfo_is_sent_when_asked_and_limits_are_enforced()
    {
        var media = TestMedia.Wine();
        byte[] bigHeader = media.HeaderPaddedTo(5000);
        await using var server = new ScriptedServer(async (peer, index) =>
        {
            var script = new MmstServerScript(peer);
            await script.ReadAsync<ConnectMessage>();
            await script.SendAsync(ReportConnectedExMessage.Create());
            FunnelInfoMessage info = await script.ReadAsync<FunnelInfoMessage>();
            Assert.Equal(MmstPacketPairRequest.None, info.PacketPairRequest);
            await script.SendAsync(ReportFunnelInfoMessage.Create(1234));
            await script.ReadAsync<ConnectFunnelMessage>();
            await script.SendAsync(ReportConnectedFunnelMessage.Accepted());
            if (index == 0)
            {
                // A header above MaxHeaderSize.
                await script.OpenAsync(bigHeader, media.PacketSize);
                await script.SendHeaderAsync(bigHeader, pieceSize: 1000);
                return;
            }

            // A data packet longer than the header's packet size.
            await script.OpenAsync(media.Header, media.PacketSize);
            await script.SendHeaderAsync(media.Header);
            await script.SwitchAsync();
            await script.StartAsync();
            await script.SendDataAsync(0, 4, 0, new byte[media.PacketSize + 1]);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        MmsClientOptions options = Options();
        options.SendFunnelInfo = true;
        options.MaxHeaderSize = 4096;
        var tooBig = await Assert.ThrowsAsync<MmsClientException>(() => ConnectAsync(server.Url("mmst", "/big"), options));
        Assert.Equal(MmsClientErrorKind.MalformedReply, tooBig.Kind);
        Assert.Equal(MmsClientStep.Header, tooBig.Step);
        Assert.Contains("MaxHeaderSize", tooBig.Message, StringComparison.Ordinal);

        await using IMmsSession session = (await ConnectAsync(server.Url("mmst", "/long"), options)).Session;
        var tooLong = await Assert.ThrowsAsync<MmsClientException>(async () => await session.ReadAsync(CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.MalformedReply, tooLong.Kind);
        Assert.Equal(MmsClientStep.Read, tooLong.Step);
    }

    [SharedMediaFact]
    public async Task StartPosition_goes_into_the_first_StartPlaying()
    {
        var media = TestMedia.Wine();
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            var script = new MmstServerScript(peer);
            StartPlayingMessage start = await script.HandshakeAsync(media.Header, media.PacketSize);
            Assert.Equal(2.5, start.Position);
            Assert.Equal(4u, start.PlayIncarnation);
            await script.SendDataAsync(5, 4, 0, media.Packets[5]);
            await peer.HoldAsync(TimeSpan.FromSeconds(5));
        });

        MmsClientOptions options = Options();
        options.StartPosition = TimeSpan.FromSeconds(2.5);
        await using IMmsSession session = (await ConnectAsync(server.Url("mmst", "/a.wmv"), options)).Session;
        Assert.Equal(5u, (await session.ReadAsync(CancellationToken.None)).LocationId);
        await session.DisposeAsync();
        await server.VerifyAsync();
    }
}
