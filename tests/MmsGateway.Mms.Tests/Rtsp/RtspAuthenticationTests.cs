using MmsGateway.Mms.Rtsp;
using Microsoft.Extensions.Time.Testing;

namespace MmsGateway.Mms.Tests.Rtsp;

/// <summary>Basic and Digest (RFC 2617; docs/protocol/rtsp.md#s8): the RFC's own vector, and our client against our server.</summary>
public class RtspAuthenticationTests
{
    private static readonly Dictionary<string, string> Users = new() { ["Mufasa"] = "Circle Of Life" };

    [Fact]
    public void The_digest_of_rfc_2617_section_3_5()
    {
        Assert.Equal("6629fae49393a05397450978507c4ef1", RtspDigest.Response("Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
            "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "auth", "00000001", "0a4f113b"));
    }

    [Fact]
    public void Challenges_parse_several_per_value_and_quoted_strings()
    {
        var challenges = RtspAuthChallenge.Parse(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", stale=TRUE, Basic realm=\"a \\\"q\\\" b\"");
        Assert.Equal(2, challenges.Count);
        var digest = challenges[0];
        Assert.True(digest.IsDigest);
        Assert.Equal("testrealm@host.com", digest.Realm);
        Assert.Equal(["auth", "auth-int"], digest.Qop);
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41", digest.Opaque);
        Assert.True(digest.Stale);
        Assert.True(challenges[1].IsBasic);
        Assert.Equal("a \"q\" b", challenges[1].Realm);
        Assert.Equal(challenges[1] with { Qop = challenges[1].Qop }, RtspAuthChallenge.Parse(challenges[1].Format())[0] with { Qop = challenges[1].Qop });
        Assert.Throws<MmsProtocolException>(() => RtspAuthChallenge.Parse("Digest realm=\"unterminated"));
    }

    [Fact]
    public void Our_client_passes_our_server_with_digest_and_nc_counts()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 8, 1, 0, 0, TimeSpan.Zero));
        var server = new RtspServerAuthenticator("MmsGateway", u => Users.GetValueOrDefault(u), time);
        var client = new RtspClientAuthenticator("Mufasa", "Circle Of Life");
        Assert.Null(client.Authorize("DESCRIBE", "rtsp://h/a.wmv"));
        Assert.Equal(RtspAuthResult.Missing, server.Verify(null, "DESCRIBE", out _));

        Assert.True(client.OnChallenge(Unauthorized(server.Challenges())));
        string first = client.Authorize("DESCRIBE", "rtsp://h/a.wmv")!;
        Assert.StartsWith("Digest ", first);
        Assert.Contains("nc=00000001", first);
        Assert.Equal(RtspAuthResult.Accepted, server.Verify(first, "DESCRIBE", out string? user));
        Assert.Equal("Mufasa", user);
        string second = client.Authorize("SETUP", "rtsp://h/a.wmv/stream=1")!;
        Assert.Contains("nc=00000002", second);
        Assert.Equal(RtspAuthResult.Accepted, server.Verify(second, "SETUP", out _));
        Assert.Equal(RtspAuthResult.Rejected, server.Verify(second, "PLAY", out _)); // the method is in the hash

        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(RtspAuthResult.Stale, server.Verify(client.Authorize("PLAY", "rtsp://h/a.wmv"), "PLAY", out _));
        Assert.True(client.OnChallenge(Unauthorized(server.Challenges(stale: true))));
        Assert.Equal(RtspAuthResult.Accepted, server.Verify(client.Authorize("PLAY", "rtsp://h/a.wmv"), "PLAY", out _));
    }

    [Fact]
    public void Wrong_passwords_foreign_nonces_and_no_qop_clients()
    {
        var time = new FakeTimeProvider();
        var server = new RtspServerAuthenticator("MmsGateway", u => Users.GetValueOrDefault(u), time);
        var wrong = new RtspClientAuthenticator("Mufasa", "wrong");
        Assert.True(wrong.OnChallenge(Unauthorized(server.Challenges())));
        Assert.Equal(RtspAuthResult.Rejected, server.Verify(wrong.Authorize("DESCRIBE", "rtsp://h/a"), "DESCRIBE", out _));
        Assert.False(wrong.OnChallenge(Unauthorized(server.Challenges()))); // refused once on a fresh nonce: do not loop

        var other = new RtspServerAuthenticator("MmsGateway", u => Users.GetValueOrDefault(u), time);
        var right = new RtspClientAuthenticator("Mufasa", "Circle Of Life");
        right.OnChallenge(Unauthorized(other.Challenges()));
        Assert.Equal(RtspAuthResult.Rejected, server.Verify(right.Authorize("DESCRIBE", "rtsp://h/a"), "DESCRIBE", out _)); // another secret's nonce

        // A client that ignores qop (RFC 2069 form) still passes.
        var challenge = RtspAuthChallenge.Parse(server.Challenges()[0])[0];
        string response = RtspDigest.Response("Mufasa", "MmsGateway", "Circle Of Life", "OPTIONS", "*", challenge.Nonce!, null, null, null);
        string noQop = $"Digest username=\"Mufasa\", realm=\"MmsGateway\", nonce=\"{challenge.Nonce}\", uri=\"*\", response=\"{response}\"";
        Assert.Equal(RtspAuthResult.Accepted, server.Verify(noQop, "OPTIONS", out _));
        Assert.Equal(RtspAuthResult.Rejected, server.Verify("Digest garbage", "OPTIONS", out _));
        Assert.Equal(RtspAuthResult.Rejected, server.Verify("Digest username=\"x\"", "OPTIONS", out _));
    }

    [Fact]
    public void Basic_is_used_only_when_no_digest_is_offered_and_can_be_turned_off()
    {
        var time = new FakeTimeProvider();
        var server = new RtspServerAuthenticator("r", u => Users.GetValueOrDefault(u), time);
        var client = new RtspClientAuthenticator("Mufasa", "Circle Of Life");
        Assert.True(client.OnChallenge(Unauthorized([server.Challenges()[1]])));
        string basic = client.Authorize("DESCRIBE", "rtsp://h/a")!;
        Assert.Equal("Basic TXVmYXNhOkNpcmNsZSBPZiBMaWZl", basic);
        Assert.Equal(new RtspAuthCredentials { Scheme = "Basic", UserName = "Mufasa", BasicPassword = "Circle Of Life" }, RtspAuthCredentials.Parse(basic));
        Assert.Equal(RtspAuthResult.Accepted, server.Verify(basic, "DESCRIBE", out _));

        var digestOnly = new RtspServerAuthenticator("r", u => Users.GetValueOrDefault(u), time, allowBasic: false);
        Assert.Single(digestOnly.Challenges());
        Assert.Equal(RtspAuthResult.Rejected, digestOnly.Verify(basic, "DESCRIBE", out _));

        var both = new RtspClientAuthenticator("Mufasa", "Circle Of Life");
        Assert.True(both.OnChallenge(Unauthorized(server.Challenges().Reverse())));
        Assert.StartsWith("Digest ", both.Authorize("DESCRIBE", "rtsp://h/a"));
        Assert.False(new RtspClientAuthenticator("a", "b").OnChallenge(Unauthorized(["NTLM", "Negotiate"])));
    }

    private static RtspHeaders Unauthorized(IEnumerable<string> challenges)
    {
        var headers = new RtspHeaders().Add("CSeq", "1");
        foreach (string c in challenges) headers.Add("WWW-Authenticate", c);
        return headers;
    }
}
