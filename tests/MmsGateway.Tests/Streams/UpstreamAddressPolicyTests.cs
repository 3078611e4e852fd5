using System.Net;
using MmsGateway.Streams;

namespace MmsGateway.Tests.Streams;

/// <summary>The address rules of <see cref="UpstreamAddressPolicy"/> on the ranges that matter for SSRF.</summary>
public sealed class UpstreamAddressPolicyTests
{
    private static readonly UpstreamAddressPolicy Strict = new(["media.example.com", "*.radio.example"], []);

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.200.1.1", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.100.100.200", "carrier-grade NAT")]
    [InlineData("169.254.169.254", "cloud metadata")]
    [InlineData("169.254.10.10", "link-local")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("239.1.2.3", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00:ec2::254", "cloud metadata")]
    [InlineData("fd12:3456::1", "unique local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "cloud metadata")]
    [InlineData("64:ff9b::a00:1", "private")]
    [InlineData("2002:c0a8:101::1", "private")]
    public void Special_purpose_addresses_are_refused_with_their_kind(string address, string kind)
    {
        var reason = Strict.CheckAddress(new Uri("mms://media.example.com/live"), IPAddress.Parse(address));
        Assert.NotNull(reason);
        Assert.Contains(kind, reason, StringComparison.Ordinal);
        Assert.Contains("Gateway:Security:AllowedNetworks", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_unicast_addresses_are_allowed(string address) =>
        Assert.Null(Strict.CheckAddress(new Uri("mms://media.example.com/live"), IPAddress.Parse(address)));

    [Fact]
    public void Allowed_networks_open_exactly_their_range()
    {
        var policy = new UpstreamAddressPolicy(null, [IPNetwork.Parse("10.20.0.0/16"), IPNetwork.Parse("::1/128")]);
        var url = new Uri("mms://origin/live");
        Assert.Null(policy.CheckAddress(url, IPAddress.Parse("10.20.3.4")));
        Assert.Null(policy.CheckAddress(url, IPAddress.Parse("::ffff:10.20.3.4")));
        Assert.Null(policy.CheckAddress(url, IPAddress.IPv6Loopback));
        Assert.NotNull(policy.CheckAddress(url, IPAddress.Parse("10.21.0.1")));
        Assert.NotNull(policy.CheckAddress(url, IPAddress.Loopback));
    }

    [Fact]
    public void An_address_written_on_the_host_list_is_allowed_but_a_name_is_not()
    {
        var policy = new UpstreamAddressPolicy(["10.0.0.5", "intranet.example", "[fd00::5]"], []);
        Assert.Null(policy.CheckUrl(new Uri("mms://10.0.0.5/live")));
        Assert.Null(policy.CheckUrl(new Uri("mms://[fd00::5]/live")));
        Assert.Null(policy.CheckAddress(new Uri("mms://10.0.0.5/live"), IPAddress.Parse("::ffff:10.0.0.5")));
        Assert.NotNull(policy.CheckAddress(new Uri("mms://intranet.example/live"), IPAddress.Parse("10.0.0.6")));
        Assert.NotNull(policy.CheckUrl(new Uri("mms://10.0.0.6/live")));
    }

    [Theory]
    [InlineData("mms://media.example.com/live", true)]
    [InlineData("mmsh://MEDIA.example.com:8080/live", true)]
    [InlineData("http://a.radio.example/list.asx", true)]
    [InlineData("http://radio.example/list.asx", false)]
    [InlineData("http://evilradio.example/list.asx", false)]
    [InlineData("mms://media.example.com.evil.net/live", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("ftp://media.example.com/x", false)]
    [InlineData("rtsp://media.example.com/x", true)]
    [InlineData("rtspu://media.example.com/x", true)]
    [InlineData("rtmp://media.example.com/x", false)]
    [InlineData("mms://127.0.0.1/live", false)]
    public void Urls_need_a_streaming_scheme_and_a_listed_host(string url, bool allowed) =>
        Assert.Equal(allowed, Strict.CheckUrl(new Uri(url)) is null);

    [Fact]
    public void A_literal_address_is_judged_at_once_even_with_any_host_allowed()
    {
        var any = new UpstreamAddressPolicy(["*"], []);
        Assert.Null(any.CheckUrl(new Uri("mms://media.example.com/live")));
        Assert.Contains("cloud metadata", any.CheckUrl(new Uri("http://169.254.169.254/latest/meta-data/")), StringComparison.Ordinal);
        Assert.Contains("loopback", any.CheckUrl(new Uri("http://[::1]:8080/x.asx")), StringComparison.Ordinal);
        Assert.Contains("scheme 'file'", any.CheckUrl(new Uri("file:///etc/passwd")), StringComparison.Ordinal);
    }
}
