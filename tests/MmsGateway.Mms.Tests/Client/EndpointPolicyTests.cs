using MmsGateway.Testing;
using System.Collections.Concurrent;
using System.Net;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Playlists;
using MmsGateway.Origin;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// <see cref="MmsClientOptions.EndpointPolicy"/> over real sockets: every hop (the first URL, a playlist and its
/// entries, HTTP and MMS redirects, local files) is asked about, every resolved address checked before a connect, and
/// a refusal is an <see cref="MmsClientErrorKind.AccessDenied"/> carrying <see cref="MmsEndpointRefusedException"/>.
/// </summary>
public sealed class EndpointPolicyTests
{
    /// <summary>Refuses the listed addresses and schemes; records every question.</summary>
    private sealed class RecordingPolicy(params string[] blocked) : IMmsEndpointPolicy
    {
        public ConcurrentQueue<string> Urls { get; } = new();

        public ConcurrentQueue<IPAddress> Addresses { get; } = new();

        public bool RefuseFiles { get; init; } = true;

        public string? CheckUrl(Uri url)
        {
            Urls.Enqueue(url.AbsoluteUri);
            if (RefuseFiles && url.IsFile) return "local files may not be opened";
            return IPAddress.TryParse(url.Host, out var literal) ? CheckAddress(url, literal) : null;
        }

        public string? CheckAddress(Uri url, IPAddress address)
        {
            Addresses.Enqueue(address);
            return blocked.Contains(address.ToString()) || (blocked.Contains("loopback") && IPAddress.IsLoopback(address))
                ? $"{address} is blocked"
                : null;
        }
    }

    private static MmsClientOptions Options(IMmsEndpointPolicy policy) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
        EndpointPolicy = policy,
    };

    private static Task<TestOrigin> StartOriginAsync(IReadOnlyDictionary<string, string>? redirects = null) =>
        TestOrigin.StartAsync(3, root => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1, Redirects = redirects ?? new Dictionary<string, string>(),
        });

    private static async Task<MmsClientException> RefusedAsync(Uri url, IMmsEndpointPolicy policy)
    {
        var e = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ConnectAsync(url, Options(policy), null, CancellationToken.None));
        Assert.Equal(MmsClientErrorKind.AccessDenied, e.Kind);
        Assert.NotNull(MmsEndpointRefusedException.Find(e));
        return e;
    }

    [Fact]
    public async Task An_asx_entry_on_a_refused_address_is_not_connected_and_an_allowed_one_plays()
    {
        await using TestOrigin origin = await StartOriginAsync();
        await using var web = new PlaylistHttpServer();
        web.Serve("/list.asx", $"""<ASX version="3.0"><Entry><REF HREF="mmst://127.0.0.1:{origin.MmstPort}/single.wmv"/></Entry></ASX>""");
        // The playlist server and the entry share 127.0.0.1; the policy refusing it stops the playlist fetch already.
        var refusing = new RecordingPolicy("127.0.0.1");
        MmsClientException e = await RefusedAsync(web.Url("/list.asx"), refusing);
        Assert.Contains("127.0.0.1 is blocked", e.Message, StringComparison.Ordinal);
        Assert.Empty(web.Requests);

        // An entry naming a second loopback address that the policy refuses: the playlist is fetched, the entry is not opened.
        web.Serve("/other.asx", $"""<ASX version="3.0"><Entry><REF HREF="mmst://127.0.0.2:{origin.MmstPort}/single.wmv"/></Entry></ASX>""");
        var entryRefused = new RecordingPolicy("127.0.0.2");
        e = await RefusedAsync(web.Url("/other.asx"), entryRefused);
        Assert.Equal(["/other.asx"], web.Requests);
        Assert.Contains(entryRefused.Urls, u => u.StartsWith("mmst://127.0.0.2", StringComparison.Ordinal));
        Assert.Contains("127.0.0.2 is blocked", e.Message, StringComparison.Ordinal);

        var allowing = new RecordingPolicy();
        MmsConnectResult result = await MmsConnector.ConnectAsync(web.Url("/list.asx"), Options(allowing), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
        Assert.Contains(allowing.Urls, u => u == $"mmst://127.0.0.1:{origin.MmstPort}/single.wmv");
    }

    [Fact]
    public async Task A_host_name_is_resolved_once_and_a_name_for_loopback_is_refused_before_any_connect()
    {
        await using TestOrigin origin = await StartOriginAsync();
        var policy = new RecordingPolicy("loopback");
        MmsClientException e = await RefusedAsync(new Uri($"mmst://localhost:{origin.MmstPort}/single.wmv"), policy);
        Assert.Contains("is blocked", e.Message, StringComparison.Ordinal);
        Assert.NotEmpty(policy.Addresses);
        Assert.All(policy.Addresses, a => Assert.True(IPAddress.IsLoopback(a)));
        Assert.All(e.Attempts, a => Assert.Equal(MmsClientErrorKind.AccessDenied, a.ErrorKind));

        // Allowed, the session is connected to the checked address (no second resolution).
        var allowing = new RecordingPolicy();
        MmsConnectResult result = await MmsConnector.ConnectAsync(new Uri($"mmst://localhost:{origin.MmstPort}/single.wmv"),
            Options(allowing), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsReadResultKind.Packet, (await session.ReadAsync(CancellationToken.None)).Kind);
        Assert.All(allowing.Addresses, a => Assert.True(IPAddress.IsLoopback(a)));
        Assert.NotEmpty(allowing.Addresses);
    }

    [Fact]
    public async Task An_http_redirect_of_a_playlist_is_checked_before_it_is_followed()
    {
        await using var web = new PlaylistHttpServer();
        await using var target = new PlaylistHttpServer(IPAddress.Parse("127.0.0.2"));
        target.Serve("/real.asx", """<ASX version="3.0"><Entry><REF HREF="mmst://127.0.0.1:1/x.wmv"/></Entry></ASX>""");
        web.Redirect("/moved.asx", target.Url("/real.asx"));
        var policy = new RecordingPolicy("127.0.0.2");
        MmsClientException e = await RefusedAsync(web.Url("/moved.asx"), policy);
        Assert.Equal(MmsClientStep.Playlist, e.Step);
        Assert.Equal(["/moved.asx"], web.Requests);
        Assert.Empty(target.Requests);

        // Without the block the redirect is followed (and the entry, a closed port, simply fails to connect).
        var allowing = new RecordingPolicy();
        var failed = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ConnectAsync(web.Url("/moved.asx"), Options(allowing), null, CancellationToken.None));
        Assert.Null(MmsEndpointRefusedException.Find(failed));
        Assert.Equal(["/real.asx"], target.Requests);
    }

    [Fact]
    public async Task An_mmst_redirect_message_to_a_refused_address_is_not_followed()
    {
        await using TestOrigin origin = await StartOriginAsync(new Dictionary<string, string>
        {
            ["moved.wmv"] = "mmst://127.0.0.2:1755/single.wmv",
        });
        var policy = new RecordingPolicy("127.0.0.2");
        MmsClientException e = await RefusedAsync(new Uri($"mmst://127.0.0.1:{origin.MmstPort}/moved.wmv"), policy);
        Assert.Contains(e.Attempts, a => a.Outcome == MmsConnectOutcome.Redirected);
        Assert.Contains(policy.Urls, u => u.StartsWith("mmst://127.0.0.2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_playlist_entry_naming_a_local_file_is_refused_without_opening_it()
    {
        await using TestOrigin origin = await StartOriginAsync();
        await using var web = new PlaylistHttpServer();
        var file = new Uri(Path.Combine(origin.Root, "single.wmv"));
        web.Serve("/files.asx", $"""<ASX version="3.0"><Entry><REF HREF="{file.AbsoluteUri}"/></Entry></ASX>""");
        var policy = new RecordingPolicy();
        MmsClientException e = await RefusedAsync(web.Url("/files.asx"), policy);
        Assert.Contains("local files may not be opened", e.Message, StringComparison.Ordinal);

        // Without a policy the same playlist plays the file (the behaviour the CLI keeps for local playlists).
        MmsConnectResult open = await MmsConnector.ConnectAsync(web.Url("/files.asx"), new MmsClientOptions(), null, CancellationToken.None);
        await using IMmsSession session = open.Session;
        Assert.Equal(MmsProtocol.Download, session.Protocol);
    }

    [Fact]
    public async Task Playlist_depth_and_size_limits_come_from_the_options()
    {
        await using var web = new PlaylistHttpServer();
        web.Serve("/a.asx", $"""<ASX version="3.0"><ENTRYREF HREF="{web.Url("/b.asx")}"/></ASX>""");
        web.Serve("/b.asx", $"""<ASX version="3.0"><ENTRYREF HREF="{web.Url("/c.asx")}"/></ASX>""");
        web.Serve("/c.asx", """<ASX version="3.0"><Entry><REF HREF="mms://example.invalid/x"/></Entry></ASX>""");
        var deep = new MmsClientOptions { PlaylistLimits = PlaylistResolverOptions.Default with { MaxDepth = 2 } };
        IReadOnlyList<PlaylistEntry> entries = await MmsConnector.ResolvePlaylistAsync(web.Url("/a.asx"), deep, CancellationToken.None);
        Assert.Single(entries);

        var shallow = new MmsClientOptions { PlaylistLimits = PlaylistResolverOptions.Default with { MaxDepth = 1 } };
        var e = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ResolvePlaylistAsync(web.Url("/a.asx"), shallow, CancellationToken.None));
        Assert.Equal(MmsClientStep.Playlist, e.Step);
        Assert.Contains("deep", e.Message, StringComparison.OrdinalIgnoreCase);

        web.Serve("/big.asx", "<ASX version=\"3.0\">" + new string(' ', 10_000) + "<Entry><REF HREF=\"mms://example.invalid/x\"/></Entry></ASX>");
        var small = new MmsClientOptions { MaxPlaylistSize = 4096 };
        e = await Assert.ThrowsAsync<MmsClientException>(() => MmsConnector.ResolvePlaylistAsync(web.Url("/big.asx"), small, CancellationToken.None));
        Assert.Contains("larger than 4096 bytes", e.Message, StringComparison.Ordinal);
    }
}
