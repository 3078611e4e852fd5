using System.Text;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Tests.Playlists;

public class AsxParserTests
{
    private static readonly Uri Base = new("http://media.example.com/lists/station.asx");

    [Fact]
    public void Spec_example_parses_to_an_entry_and_an_entryref()
    {
        const string text = """
            <ASX VERSION="3.0">
              <TITLE>Test station</TITLE>
              <ENTRY>
                <TITLE>Live</TITLE>
                <REF HREF="mms://media.example.com/live"/>
                <REF HREF="http://media.example.com/live"/>
              </ENTRY>
              <ENTRYREF HREF="http://media.example.com/more.asx"/>
            </ASX>
            """;

        AsxPlaylist playlist = AsxParser.Parse(text, Base);

        Assert.Equal("Test station", playlist.Title);
        Assert.Equal(2, playlist.Items.Count);
        AsxEntry entry = Assert.IsType<AsxEntry>(playlist.Items[0]);
        Assert.Equal("Live", entry.Title);
        Assert.Equal(["mms://media.example.com/live", "http://media.example.com/live"], Hrefs(entry));
        Assert.Equal(new Uri("http://media.example.com/more.asx"), Assert.IsType<AsxEntryRef>(playlist.Items[1]).Href);
        Assert.Same(Base, playlist.SourceUri);
    }

    [Fact]
    public void Names_in_any_case_spaces_around_equals_and_every_quoting_style()
    {
        const string text = "<aSx VeRsIoN = 3.0 >\r\n<Entry ClientSkip = 'no' SKIPIFREF=yes>\r\n" +
            "<ref href = 'mms://a/one'/>\r\n<REF Href=mms://a/two />\r\n<rEf HREF  =  \"mms://a/three\"></REF>\r\n" +
            "</ENTRY></asx>";

        AsxPlaylist playlist = AsxParser.Parse(text, Base);

        Assert.Equal("3.0", playlist.Version);
        AsxEntry entry = Assert.IsType<AsxEntry>(Assert.Single(playlist.Items));
        Assert.Equal(["mms://a/one", "mms://a/two", "mms://a/three"], Hrefs(entry));
        Assert.False(entry.ClientSkip);
        Assert.True(entry.SkipIfRef);
    }

    [Fact]
    public void Entities_are_decoded_and_stray_ampersands_kept()
    {
        const string text = "<asx><entry><title>Rock &amp; Roll &#38; &#x26; Blues & more &bogus; &lt;live&gt;</title>" +
            "<ref href=\"http://a/s?x=1&amp;y=2&z=3\"/></entry></asx>";

        AsxEntry entry = Assert.IsType<AsxEntry>(Assert.Single(AsxParser.Parse(text, Base).Items));

        Assert.Equal("Rock & Roll & & Blues & more &bogus; <live>", entry.Title);
        Assert.Equal("http://a/s?x=1&y=2&z=3", Assert.Single(entry.Refs).Href.OriginalString);
    }

    [Fact]
    public void Comments_cdata_declarations_and_unknown_elements_are_skipped()
    {
        const string text = """
            <?xml version="1.0" encoding="utf-8"?>
            <!DOCTYPE asx>
            <asx version="3.0">
              <!-- <entry><ref href="mms://commented/out"/></entry> -->
              <LogURL href=""/>
              <test>something <b>bold</b></test>
              <entry><title><![CDATA[A <b> title]]></title><ref href="mms://a/x"/><foo/></entry>
            </asx>
            """;

        AsxPlaylist playlist = AsxParser.Parse(text, Base);

        AsxEntry entry = Assert.IsType<AsxEntry>(Assert.Single(playlist.Items));
        Assert.Equal("A <b> title", entry.Title);
        Assert.Equal(["mms://a/x"], Hrefs(entry));
    }

    [Fact]
    public void Unclosed_elements_are_closed_by_the_next_element_that_cannot_nest_in_them()
    {
        // HTML-style: no '/>' on REF, TITLE never closed, ENTRY never closed, no </ASX>.
        const string text = "<ASX version=3>\n<ENTRY><TITLE>One\n<REF HREF=mms://a/1>\n<REF HREF=mms://a/2>\n" +
            "<ENTRY><REF HREF=mms://b/1>\n<ENTRYREF HREF=more.asx>\n<ENTRY><ref href=mms://c/1>";

        AsxPlaylist playlist = AsxParser.Parse(text, Base);

        Assert.Equal(4, playlist.Items.Count);
        AsxEntry first = Assert.IsType<AsxEntry>(playlist.Items[0]);
        Assert.Equal("One", first.Title);
        Assert.Equal(["mms://a/1", "mms://a/2"], Hrefs(first));
        Assert.Equal(["mms://b/1"], Hrefs(Assert.IsType<AsxEntry>(playlist.Items[1])));
        Assert.Equal("http://media.example.com/lists/more.asx", Assert.IsType<AsxEntryRef>(playlist.Items[2]).Href.AbsoluteUri);
        Assert.Equal(["mms://c/1"], Hrefs(Assert.IsType<AsxEntry>(playlist.Items[3])));
    }

    [Fact]
    public void Stray_close_tags_are_ignored()
    {
        const string text = "<asx></entry></ref><entry></title><ref href=mms://a/1 /></foo></entry></asx></asx>";

        AsxEntry entry = Assert.IsType<AsxEntry>(Assert.Single(AsxParser.Parse(text, Base).Items));

        Assert.Equal(["mms://a/1"], Hrefs(entry));
    }

    [Fact]
    public void Unterminated_quote_ends_at_the_line()
    {
        const string text = "<asx>\n<entry><ref href=\"mms://a/broken/>\n<ref href=\"mms://a/good\"/></entry>\n</asx>";

        AsxEntry entry = Assert.IsType<AsxEntry>(Assert.Single(AsxParser.Parse(text, Base).Items));

        Assert.Equal(["mms://a/broken/", "mms://a/good"], Hrefs(entry));
    }

    [Theory]
    [InlineData("clip.wmv", "http://media.example.com/lists/clip.wmv")]
    [InlineData("../media/clip.wmv", "http://media.example.com/media/clip.wmv")]
    [InlineData("/root.asf", "http://media.example.com/root.asf")]
    [InlineData("//other.example/x.asf", "http://other.example/x.asf")]
    [InlineData("mms://abs.example/live", "mms://abs.example/live")]
    [InlineData("  http://abs.example/a b  ", "http://abs.example/a%20b")]
    public void Relative_hrefs_resolve_against_the_metafile_url(string href, string expected)
    {
        string text = $"<asx><entry><ref href=\"{href}\"/></entry><entryref href=\"{href}\"/></asx>";

        AsxPlaylist playlist = AsxParser.Parse(text, Base);

        Assert.Equal(expected, Assert.Single(Assert.IsType<AsxEntry>(playlist.Items[0]).Refs).Href.AbsoluteUri);
        Assert.Equal(expected, Assert.IsType<AsxEntryRef>(playlist.Items[1]).Href.AbsoluteUri);
    }

    [Fact]
    public void Relative_hrefs_resolve_against_an_mms_base_too()
    {
        AsxPlaylist playlist = AsxParser.Parse("<asx><entry><ref href=\"b.wma\"/></entry></asx>", new Uri("mms://host/dir/a.asx"));

        Assert.Equal("mms://host/dir/b.wma", Assert.Single(Assert.IsType<AsxEntry>(playlist.Items[0]).Refs).Href.AbsoluteUri);
    }

    [Fact]
    public void Refs_without_a_usable_href_are_skipped_with_a_warning()
    {
        const string text = "<asx>\n<entry>\n<ref/>\n<ref href=\"\"/>\n<ref href=\"http://[bad\"/>\n<ref href=mms://a/ok/>\n</entry>\n" +
            "<entry><ref href=\"\"/></entry>\n<entryref/>\n</asx>";

        AsxPlaylist playlist = AsxParser.Parse(text, Base);

        Assert.Equal(2, playlist.Items.Count); // the ENTRYREF without HREF is dropped
        Assert.Equal(["mms://a/ok/"], Hrefs(Assert.IsType<AsxEntry>(playlist.Items[0])));
        Assert.Empty(Assert.IsType<AsxEntry>(playlist.Items[1]).Refs);
        Assert.Contains(playlist.Warnings, w => w.StartsWith("line 3:", StringComparison.Ordinal));
        Assert.Contains(playlist.Warnings, w => w.StartsWith("line 5:", StringComparison.Ordinal) && w.Contains("http://[bad", StringComparison.Ordinal));
        Assert.Contains(playlist.Warnings, w => w.StartsWith("line 9:", StringComparison.Ordinal) && w.Contains("ENTRYREF", StringComparison.Ordinal));
    }

    [Fact]
    public void Metadata_params_base_and_times()
    {
        const string text = """
            <ASX VERSION="3.0">
              <TITLE> Station </TITLE><AUTHOR>Ops</AUTHOR><COPYRIGHT>(c) 2003</COPYRIGHT><ABSTRACT>About</ABSTRACT>
              <BASE HREF="http://flip.example/pages"/>
              <PARAM NAME="Prebuffer" VALUE="true"/><PARAM VALUE="nameless"/>
              <ENTRY>
                <BASE HREF="http://flip.example/entry/"/>
                <REF HREF="mms://a/clip"><DURATION VALUE="5"/><STARTTIME VALUE="1.5"/></REF>
                <STARTTIME VALUE="01:02:03.25"/>
                <DURATION VALUE="1:30"/>
              </ENTRY>
            </ASX>
            """;

        AsxPlaylist playlist = AsxParser.Parse(text, Base);

        Assert.Equal(("Station", "Ops", "(c) 2003", "About"), (playlist.Title, playlist.Author, playlist.Copyright, playlist.Abstract));
        Assert.Equal("http://flip.example/pages/", playlist.Base?.AbsoluteUri);
        Assert.Equal([new AsxParam("Prebuffer", "true")], playlist.Params);
        AsxEntry entry = Assert.IsType<AsxEntry>(Assert.Single(playlist.Items));
        Assert.Equal("http://flip.example/entry/", entry.Base?.AbsoluteUri);
        Assert.Equal(new TimeSpan(0, 1, 2, 3, 250), entry.StartTime);
        Assert.Equal(TimeSpan.FromSeconds(90), entry.Duration);
        AsxRef reference = Assert.Single(entry.Refs);
        Assert.Equal(TimeSpan.FromSeconds(5), reference.Duration);
        Assert.Equal(TimeSpan.FromSeconds(1.5), reference.StartTime);
    }

    [Theory]
    [InlineData("5", 0, 0, 5, 0)]
    [InlineData("90", 0, 1, 30, 0)]
    [InlineData("2:05", 0, 2, 5, 0)]
    [InlineData("75:00", 1, 15, 0, 0)]
    [InlineData("1:00:00.5", 1, 0, 0, 500)]
    [InlineData(" 00:00:01.123 ", 0, 0, 1, 123)]
    public void Times_read_as_hh_mm_ss_fract(string value, int hours, int minutes, int seconds, int milliseconds)
    {
        Assert.True(AsxTime.TryParse(value, out TimeSpan time));
        Assert.Equal(new TimeSpan(0, hours, minutes, seconds, milliseconds), time);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1:2:3:4")]
    [InlineData("1:60")]
    [InlineData("-5")]
    [InlineData("5.")]
    [InlineData("1.2.3")]
    [InlineData("99999999999")]
    public void Bad_times_are_rejected(string value) => Assert.False(AsxTime.TryParse(value, out _));

    [Fact]
    public void A_bad_time_is_a_warning_not_an_error()
    {
        AsxPlaylist playlist = AsxParser.Parse("<asx><entry><ref href=mms://a/b /><duration value=\"soon\"/></entry></asx>", Base);

        Assert.Null(Assert.IsType<AsxEntry>(Assert.Single(playlist.Items)).Duration);
        Assert.Contains(playlist.Warnings, w => w.Contains("DURATION", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("COUNT=\"3\"", 3)]
    [InlineData("count=0", 0)]
    [InlineData("", null)]
    [InlineData("COUNT=\"99999999999999\"", null)]
    [InlineData("COUNT=\"three\"", 0)]
    public void Repeat_count(string attribute, int? expected)
    {
        AsxPlaylist playlist = AsxParser.Parse($"<asx><repeat {attribute}><entry><ref href=mms://a/b /></entry></repeat></asx>", Base);

        Assert.Equal(expected, Assert.IsType<AsxRepeat>(Assert.Single(playlist.Items)).Count);
    }

    [Fact]
    public void Event_entries_are_not_part_of_the_sequence()
    {
        const string text = "<asx><event name=\"ad\" whendone=\"resume\"><entry><ref href=mms://ads/1 /></entry></event>" +
            "<entry><ref href=mms://a/main /></entry></asx>";

        Assert.Equal(["mms://a/main"], Hrefs(Assert.IsType<AsxEntry>(Assert.Single(AsxParser.Parse(text, Base).Items))));
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    public void Byte_input_in_unicode_encodings(string encodingName)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        byte[] bytes = [.. encoding.GetPreamble(), .. encoding.GetBytes("<asx><entry><title>Ópera ♪</title><ref href=mms://a/b /></entry></asx>")];

        Assert.Equal("Ópera ♪", Assert.IsType<AsxEntry>(Assert.Single(AsxParser.Parse(bytes, Base).Items)).Title);
    }

    [Fact]
    public void Latin1_bytes_that_are_not_utf8_still_read()
    {
        byte[] bytes = [.. "<asx><entry><title>Caf"u8, 0xE9, .. "</title><ref href=mms://a/b /></entry></asx>"u8];

        Assert.Equal("Café", Assert.IsType<AsxEntry>(Assert.Single(AsxParser.Parse(bytes, Base).Items)).Title);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[Reference]\r\nRef1=http://a/b")]
    [InlineData("<html><body>not found</body></html>")]
    [InlineData("<asxy></asxy>")]
    public void No_asx_element_is_a_format_error(string text)
    {
        var error = Assert.Throws<PlaylistFormatException>(() => AsxParser.Parse(text, Base));
        Assert.Contains("<ASX>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_input_and_deep_nesting_are_format_errors()
    {
        Assert.Throws<PlaylistFormatException>(() => AsxParser.Parse("<asx>" + new string(' ', AsxParser.MaxTextLength), Base));
        Assert.Throws<PlaylistFormatException>(() => AsxParser.Parse(new byte[AsxParser.MaxTextLength + 1], Base));

        string deep = "<asx>" + string.Concat(Enumerable.Repeat("<x>", 100));
        var error = Assert.Throws<PlaylistFormatException>(() => AsxParser.Parse(deep, Base));
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);

        string many = "<asx>" + string.Concat(Enumerable.Repeat("<x/>", 30_000));
        Assert.Throws<PlaylistFormatException>(() => AsxParser.Parse(many, Base));
    }

    [Fact]
    public void Relative_base_uri_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => AsxParser.Parse("<asx/>", new Uri("a.asx", UriKind.Relative)));

    internal static string[] Hrefs(AsxEntry entry) => [.. entry.Refs.Select(r => r.Href.OriginalString)];
}
