using MmsGateway.Observability;

namespace MmsGateway.Tests.Observability;

public class LogRedactionTests
{
    [Theory]
    // User-info goes, whatever the scheme.
    [InlineData("mms://user:secret@media.example.net/live", "mms://media.example.net/live")]
    [InlineData("mmsh://user@media.example.net:8080/live.asf", "mmsh://media.example.net:8080/live.asf")]
    [InlineData("http://u:p@[2001:db8::1]:8080/a.asx", "http://[2001:db8::1]:8080/a.asx")]
    // Signature and credential parameters keep their names, lose their values; others stay.
    [InlineData("http://cdn.example.net/live.asx?sig=abc123&expires=1700000000&q=1",
        "http://cdn.example.net/live.asx?sig=REDACTED&expires=REDACTED&q=1")]
    [InlineData("mms://h/p?Signature=x&Token=y&keep=z", "mms://h/p?Signature=REDACTED&Token=REDACTED&keep=z")]
    [InlineData("https://s3.example.net/b/o.wmv?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff&X-Amz-Security-Token=t&X-Amz-Expires=60",
        "https://s3.example.net/b/o.wmv?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Expires=60")]
    [InlineData("http://h/a?access_token=t&password=p&api_key=k&hdnts=st%3D1~hmac%3D2",
        "http://h/a?access_token=REDACTED&password=REDACTED&api_key=REDACTED&hdnts=REDACTED")]
    // A fragment can carry a token too: dropped.
    [InlineData("http://h/player#access_token=abc", "http://h/player")]
    // Nothing secret: unchanged (a parameter without a value included).
    [InlineData("mms://media.example.net/live", "mms://media.example.net/live")]
    [InlineData("mmst://h:1755/a.wmv?flag&x=1", "mmst://h:1755/a.wmv?flag&x=1")]
    public void Urls_lose_user_info_and_signatures(string url, string expected) =>
        Assert.Equal(expected, LogRedaction.Url(url));

    [Theory]
    // What System.Uri does not take still gets the same treatment as text.
    [InlineData("mms://us er:pw@bad host/x?token=1", "mms://bad host/x?token=REDACTED")]
    [InlineData("media/file.wmv", "media/file.wmv")]
    [InlineData("/srv/media/a.asf", "/srv/media/a.asf")]
    [InlineData("", "")]
    public void Unparsable_text_is_still_redacted(string text, string expected) =>
        Assert.Equal(expected, LogRedaction.Url(text));

    [Fact]
    public void Null_is_empty()
    {
        Assert.Equal("", LogRedaction.Url((string?)null));
        Assert.Equal("", LogRedaction.Url((Uri?)null));
    }

    [Fact]
    public void Uri_overload_redacts_like_the_string_one() =>
        Assert.Equal("mms://h/live?sig=REDACTED", LogRedaction.Url(new Uri("mms://a:b@h/live?sig=1#frag")));

    [Theory]
    [InlineData("sig", true)]
    [InlineData("SIGNATURE", true)]
    [InlineData("expires", true)]
    [InlineData("auth_token", true)]
    [InlineData("stream", false)]
    [InlineData("maxBitrate", false)]
    [InlineData("start", false)]
    public void Sensitive_parameter_names(string name, bool sensitive) =>
        Assert.Equal(sensitive, LogRedaction.IsSensitiveParameter(name));
}
