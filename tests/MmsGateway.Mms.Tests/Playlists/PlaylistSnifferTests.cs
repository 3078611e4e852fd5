using System.Text;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Tests.Playlists;

public class PlaylistSnifferTests
{
    private static readonly byte[] AsfGuid = [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C];

    [Theory]
    [InlineData("<ASX version=\"3.0\">", PlaylistKind.Asx)]
    [InlineData("<asx>", PlaylistKind.Asx)]
    [InlineData("  \r\n\t<Asx\r\nversion=3>", PlaylistKind.Asx)]
    [InlineData("\uFEFF<ASX VERSION=\"3.0\">", PlaylistKind.Asx)]
    [InlineData("<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<asx version=\"3.0\">", PlaylistKind.Asx)]
    [InlineData("<asxfoo>", PlaylistKind.Unknown)]
    [InlineData("[Reference]\r\nRef1=http://a/b\r\n", PlaylistKind.Reference)]
    [InlineData("  [reference]\nRef1=http://a/b", PlaylistKind.Reference)]
    [InlineData("[Address]\r\nIP Address=239.1.2.3\r\n", PlaylistKind.Nsc)]
    [InlineData("ASF http://media.example.com/live.asf\r\n", PlaylistKind.AsfRedirector)]
    [InlineData("asf\tmms://media.example.com/live", PlaylistKind.AsfRedirector)]
    [InlineData("ASF is a container", PlaylistKind.Unknown)]
    [InlineData("<html><body>404</body></html>", PlaylistKind.Unknown)]
    [InlineData("", PlaylistKind.Unknown)]
    public void Content_signatures(string text, PlaylistKind expected) =>
        Assert.Equal(expected, PlaylistSniffer.Sniff(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Asf_header_guid_is_media_whatever_the_extension_and_mime_say()
    {
        byte[] content = [.. AsfGuid, .. new byte[100]];

        Assert.Equal(PlaylistKind.Asf, PlaylistSniffer.Sniff(content, "video/x-ms-asf", "http://a/b.asx"));
        Assert.Equal(PlaylistKind.Asf, PlaylistSniffer.Sniff(content, "audio/x-ms-wax", "b.wax"));
        Assert.Equal(PlaylistKind.Asf, PlaylistSniffer.Sniff(AsfGuid));
        Assert.Equal(PlaylistKind.Unknown, PlaylistSniffer.Sniff(AsfGuid.AsSpan(0, 15)));
    }

    [Fact]
    public void Content_wins_over_hints()
    {
        byte[] asx = "<ASX version=\"3.0\"></ASX>"u8.ToArray();
        byte[] reference = "[Reference]\r\nRef1=http://a/b\r\n"u8.ToArray();

        Assert.Equal(PlaylistKind.Asx, PlaylistSniffer.Sniff(asx, "video/x-ms-wmv", "http://a/b.wmv"));
        Assert.Equal(PlaylistKind.Reference, PlaylistSniffer.Sniff(reference, "video/x-ms-asf", "http://a/b.asx"));
    }

    [Theory]
    [InlineData(null, "http://a/b.asx?x=1", PlaylistKind.Asx)]
    [InlineData(null, "C:\\lists\\radio.WAX", PlaylistKind.Asx)]
    [InlineData("video/x-ms-wvx; charset=utf-8", null, PlaylistKind.Asx)]
    [InlineData(null, "http://a/station.nsc", PlaylistKind.Nsc)]
    [InlineData("application/x-mms-framed", null, PlaylistKind.Asf)]
    [InlineData(null, "/srv/media/clip.wmv", PlaylistKind.Asf)]
    [InlineData("video/x-ms-asf", "http://a/b", PlaylistKind.Unknown)] // ambiguous: .asf and .asx share it
    [InlineData("text/html", "http://a/b.html", PlaylistKind.Unknown)]
    public void Hints_decide_only_when_the_content_has_no_signature(string? contentType, string? url, PlaylistKind expected) =>
        Assert.Equal(expected, PlaylistSniffer.Sniff("not a signature"u8, contentType, url));

    [Fact]
    public void Asx_after_a_long_prologue_is_found_with_the_ambiguous_mime_type()
    {
        byte[] content = Encoding.UTF8.GetBytes("<!-- generated " + new string('x', 100) + "\n<p>stray</p>\n<asx version=\"3.0\">");

        Assert.Equal(PlaylistKind.Asx, PlaylistSniffer.Sniff(content, "video/x-ms-asf"));
        Assert.Equal(PlaylistKind.Unknown, PlaylistSniffer.Sniff(content));
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    public void Utf16_text_with_a_bom_is_sniffed(string encodingName)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        byte[] content = [.. encoding.GetPreamble(), .. encoding.GetBytes("<ASX VERSION=\"3.0\">")];

        Assert.Equal(PlaylistKind.Asx, PlaylistSniffer.Sniff(content));
    }

    [Theory]
    [InlineData("http://a/b/clip.ASX?x=.wmv", ".asx")]
    [InlineData("http://a/b.c/clip", "")]
    [InlineData("file.wax", ".wax")]
    [InlineData("/srv/x.y/z", "")]
    public void Extension_of_a_url_or_path(string urlOrPath, string expected) =>
        Assert.Equal(expected, PlaylistSniffer.ExtensionOf(urlOrPath));
}
