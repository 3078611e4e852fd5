using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Tests.Playlists;

public class ReferenceFileParserTests
{
    private static readonly Uri Base = new("http://195.134.224.231/wma/file.wma");

    [Fact]
    public void Spec_example_with_crlf()
    {
        const string text = "[Reference]\r\nRef1=http://195.134.224.231/wma/file.wma?MSWMExt=.asf\r\n" +
            "Ref2=http://195.134.224.231:80/wma/file.wma?MSWMExt=.asf\r\n";

        ReferenceFile file = ReferenceFileParser.Parse(text, Base);

        Assert.Equal(
            ["http://195.134.224.231/wma/file.wma?MSWMExt=.asf", "http://195.134.224.231:80/wma/file.wma?MSWMExt=.asf"],
            file.Refs.Select(r => r.Url.OriginalString));
        Assert.All(file.Refs, r => Assert.True(r.TryAsMmsh));
    }

    [Fact]
    public void Ordered_by_number_with_spaces_case_unknown_keys_comments_and_other_sections()
    {
        const string text = "\uFEFF  [reference]\nref10 = mms://a/ten\n; a comment\nBandwidth=28800\nREF2=mms://a/two\n" +
            "Ref2=mms://a/duplicate\n\nRefX=mms://a/not-a-number\nRef3\n[Other]\nRef1=mms://a/other-section\n[Reference]\nRef1=mms://a/one";

        ReferenceFile file = ReferenceFileParser.Parse(text, Base);

        Assert.Equal([1, 2, 10], file.Refs.Select(r => r.Number));
        Assert.Equal(["mms://a/one", "mms://a/two", "mms://a/ten"], file.Refs.Select(r => r.Url.OriginalString));
        Assert.All(file.Refs, r => Assert.False(r.TryAsMmsh)); // only http:// is to be tried as MMSH
    }

    [Fact]
    public void Relative_and_unusable_urls()
    {
        ReferenceFile file = ReferenceFileParser.Parse("[Reference]\rRef1=other.wma\rRef2=\rRef3=http://[x\rRef4=https://a/b", Base);

        Assert.Equal(["http://195.134.224.231/wma/other.wma", "https://a/b"], file.Refs.Select(r => r.Url.AbsoluteUri));
        Assert.True(file.Refs[0].TryAsMmsh);
        Assert.False(file.Refs[1].TryAsMmsh);
    }

    [Fact]
    public void Empty_reference_section_is_an_empty_file()
    {
        Assert.Empty(ReferenceFileParser.Parse("[Reference]\r\n", Base).Refs);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Ref1=http://a/b\r\n[Reference]")]
    [InlineData("<asx><entry><ref href=\"http://a/b\"/></entry></asx>")]
    [InlineData("[Address]\r\nIP Address=239.1.1.1")]
    public void Without_the_reference_header_it_is_a_format_error(string text) =>
        Assert.Throws<PlaylistFormatException>(() => ReferenceFileParser.Parse(text, Base));

    [Fact]
    public void One_line_asf_redirector()
    {
        ReferenceFile file = ReferenceFileParser.ParseAsfRedirector("ASF http://media.example.com/live.asf\r\n", Base);

        ReferenceEntry entry = Assert.Single(file.Refs);
        Assert.Equal("http://media.example.com/live.asf", entry.Url.OriginalString);
        Assert.True(entry.TryAsMmsh);
        Assert.Throws<PlaylistFormatException>(() => ReferenceFileParser.ParseAsfRedirector("ASF nothing here", Base));
    }

    [Fact]
    public void Number_too_large_is_an_unknown_key()
    {
        ReferenceFile file = ReferenceFileParser.Parse("[Reference]\nRef99999999999=mms://a/huge\nRef1=mms://a/one", Base);

        Assert.Equal([1], file.Refs.Select(r => r.Number));
    }
}
