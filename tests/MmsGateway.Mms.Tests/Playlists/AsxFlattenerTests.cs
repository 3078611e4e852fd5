using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Tests.Playlists;

public class AsxFlattenerTests
{
    private static readonly Uri Base = new("http://media.example.com/station.asx");

    [Fact]
    public void Entries_keep_document_order_and_carry_their_metadata()
    {
        AsxPlaylist playlist = Parse("""
            <asx><title>Station</title><author>Ops</author>
              <entry clientskip="no"><title>Intro</title><ref href="mms://a/intro"/><starttime value="3"/><duration value="10"/></entry>
              <entry><ref href="mms://a/main"/><ref href="http://a/main"/></entry>
            </asx>
            """);

        IReadOnlyList<PlaylistEntry> entries = AsxFlattener.Flatten(playlist, 10);

        Assert.Equal(2, entries.Count);
        Assert.Equal("Intro", entries[0].Title);
        Assert.False(entries[0].ClientSkip);
        Assert.Equal(TimeSpan.FromSeconds(3), entries[0].StartTime);
        Assert.Equal(TimeSpan.FromSeconds(10), entries[0].Duration);
        Assert.Equal("Station", entries[1].Title); // falls back to the playlist's
        Assert.Equal("Ops", entries[1].Author);
        Assert.Equal(["mms://a/main", "http://a/main"], Urls(entries[1]));
        Assert.All(entries, e => Assert.Equal(Base, e.Source));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(50, 10)] // capped by maxRepeatExpansion
    public void Counted_repeat_plays_count_plus_one_times(int count, int plays)
    {
        AsxPlaylist playlist = Parse($"""
            <asx><entry><ref href="mms://a/before"/></entry>
              <repeat count="{count}"><entry><ref href="mms://a/x"/></entry><entry><ref href="mms://a/y"/></entry></repeat>
              <entry><ref href="mms://a/after"/></entry></asx>
            """);

        IReadOnlyList<PlaylistEntry> entries = AsxFlattener.Flatten(playlist, 10);

        string[] expected = ["mms://a/before", .. Enumerable.Repeat<string[]>(["mms://a/x", "mms://a/y"], plays).SelectMany(x => x), "mms://a/after"];
        Assert.Equal(expected, entries.Select(e => Urls(e)[0]));
        Assert.All(entries, e => Assert.False(e.RepeatsForever));
    }

    [Fact]
    public void Endless_repeat_is_listed_once_marked_and_ends_the_list()
    {
        AsxPlaylist playlist = Parse("""
            <asx><entry><ref href="mms://a/intro"/></entry>
              <repeat><entry><ref href="mms://a/x"/></entry><entryref href="more.asx"/></repeat>
              <entry><ref href="mms://a/never"/></entry></asx>
            """);

        IReadOnlyList<PlaylistEntry> entries = AsxFlattener.Flatten(playlist, 10);

        Assert.Equal(3, entries.Count);
        Assert.False(entries[0].RepeatsForever);
        Assert.True(entries[1].RepeatsForever);
        Assert.Equal(new Uri("http://media.example.com/more.asx"), entries[2].EntryRef);
        Assert.Empty(entries[2].Candidates);
        Assert.True(entries[2].RepeatsForever);
    }

    [Fact]
    public void Only_the_first_repeat_of_a_file_repeats()
    {
        AsxPlaylist playlist = Parse("""
            <asx>
              <repeat count="1"><entry><ref href="mms://a/x"/></entry><repeat count="5"><entry><ref href="mms://a/inner"/></entry></repeat></repeat>
              <repeat><entry><ref href="mms://a/y"/></entry></repeat>
              <entry><ref href="mms://a/z"/></entry>
            </asx>
            """);

        IReadOnlyList<PlaylistEntry> entries = AsxFlattener.Flatten(playlist, 10);

        Assert.Equal(["mms://a/x", "mms://a/inner", "mms://a/x", "mms://a/inner", "mms://a/y", "mms://a/z"], entries.Select(e => Urls(e)[0]));
        Assert.All(entries, e => Assert.False(e.RepeatsForever));
    }

    [Fact]
    public void Skipifref_entries_are_dropped_only_when_included_by_an_entryref()
    {
        AsxPlaylist playlist = Parse("""
            <asx><entry skipifref="yes"><ref href="mms://a/banner"/></entry><entry><ref href="mms://a/show"/></entry></asx>
            """);

        Assert.Equal(2, AsxFlattener.Flatten(playlist, 1).Count);
        Assert.Equal(["mms://a/show"], Urls(Assert.Single(AsxFlattener.Flatten(playlist, 1, includedByEntryRef: true))));
    }

    [Fact]
    public void Entries_without_refs_are_left_out()
    {
        AsxPlaylist playlist = Parse("<asx><entry><title>empty</title></entry><entry><ref href=mms://a/b /></entry></asx>");

        Assert.Equal(["mms://a/b"], Urls(Assert.Single(AsxFlattener.Flatten(playlist, 1))));
    }

    [Fact]
    public void Expansion_is_capped()
    {
        string entries = string.Concat(Enumerable.Repeat("<entry><ref href=mms://a/b /></entry>", 9_000));
        AsxPlaylist playlist = Parse($"<asx><repeat count=\"1000\">{entries}</repeat></asx>");

        Assert.Throws<PlaylistFormatException>(() => AsxFlattener.Flatten(playlist, int.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => AsxFlattener.Flatten(playlist, 0));
    }

    [Fact]
    public void Mswmext_http_refs_are_flagged_for_mmsh()
    {
        AsxPlaylist playlist = Parse("<asx><entry><ref href=\"http://a/pub?MSWMExt=.asf\"/><ref href=\"http://a/pub\"/></entry></asx>");

        PlaylistEntry entry = Assert.Single(AsxFlattener.Flatten(playlist, 1));

        Assert.Equal([true, false], entry.Candidates.Select(c => c.TryAsMmsh));
    }

    private static AsxPlaylist Parse(string text) => AsxParser.Parse(text, Base);

    private static string[] Urls(PlaylistEntry entry) => [.. entry.Candidates.Select(c => c.Url.OriginalString)];
}
