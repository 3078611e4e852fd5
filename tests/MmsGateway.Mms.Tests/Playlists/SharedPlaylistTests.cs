using MmsGateway.Mms.Playlists;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Playlists;

/// <summary>The real playlists in the shared media (MANIFEST.md), read from there, never copied.</summary>
public class SharedPlaylistTests
{
    [SharedMediaFact]
    public void Pukas_wax_is_one_entry_with_the_mms_then_http_rollover_pair()
    {
        var url = new Uri("http://radio.example/pukas.wax");
        byte[] bytes = Read("totem_pukas.wax");
        Assert.Equal(PlaylistKind.Asx, PlaylistSniffer.Sniff(bytes, "audio/x-ms-wax", url.AbsoluteUri));

        AsxPlaylist playlist = AsxParser.Parse(bytes, url);

        Assert.Equal("3.0", playlist.Version);
        Assert.Equal("Pukas", playlist.Title); // the ASX-level TITLE written after the ENTRY
        Assert.Equal("www.pukas.lt", playlist.Author);
        Assert.Equal("UAB Pukas", playlist.Copyright);
        AsxEntry entry = Assert.IsType<AsxEntry>(Assert.Single(playlist.Items));
        Assert.Equal(["mms://82.135.234.195/Pukas", "http://82.135.234.199/Pukas"], entry.Refs.Select(r => r.Href.OriginalString));
        Assert.Equal("Pukas", entry.Title);
        Assert.Equal("UAB Pukas", entry.Copyright);
        Assert.Empty(playlist.Warnings);

        PlaylistEntry flat = Assert.Single(AsxFlattener.Flatten(playlist, 10));
        Assert.Equal(["mms://82.135.234.195/Pukas", "http://82.135.234.199/Pukas"], Urls(flat));
        Assert.All(flat.Candidates, c => Assert.False(c.TryAsMmsh));
    }

    [SharedMediaFact]
    public void Secretagent_asx_is_a_repeat_of_four_entries_despite_mismatched_tag_case()
    {
        var url = new Uri("http://somafm.example/secretagent.asx");
        byte[] bytes = Read("clementine_secretagent.asx");
        Assert.Equal(PlaylistKind.Asx, PlaylistSniffer.Sniff(bytes, "video/x-ms-asf", url.AbsoluteUri));

        AsxPlaylist playlist = AsxParser.Parse(bytes, url);

        AsxRepeat repeat = Assert.IsType<AsxRepeat>(Assert.Single(playlist.Items));
        Assert.Null(repeat.Count); // <repeat> without COUNT: forever
        string[] expected =
        [
            "http://streamer-ntc-aa03.somafm.com/stream/1021", "http://streamer-ntc-aa04.somafm.com/stream/1021",
            "http://streamer-mtc-aa03.somafm.com/stream/1021", "http://ice.somafm.com/secretagent",
        ];
        var entries = repeat.Items.Select(i => Assert.IsType<AsxEntry>(i)).ToList();
        Assert.Equal(expected, entries.Select(e => Assert.Single(e.Refs).Href.AbsoluteUri));
        Assert.All(entries, e =>
        {
            Assert.Equal("SomaFM: Secret Agent", e.Title); // <Title> after <Abstract>...</abstract>
            Assert.Equal("Keep us on the air! Click Support SomaFM above!", e.Author);
            Assert.StartsWith("Loading", e.Abstract, StringComparison.Ordinal);
            Assert.Equal(new AsxParam("HTMLView", "http://somafm.com/wma128/?secretagent"), Assert.Single(e.Params));
        });
        // The HREFs are kept as written (":80" included); Uri normalises the default port away only in AbsoluteUri.
        Assert.Equal("http://streamer-ntc-aa03.somafm.com:80/stream/1021", entries[0].Refs[0].Href.OriginalString);

        IReadOnlyList<PlaylistEntry> flat = AsxFlattener.Flatten(playlist, 10);
        Assert.Equal(expected, flat.Select(e => Assert.Single(e.Candidates).Url.AbsoluteUri));
        Assert.All(flat, e => Assert.True(e.RepeatsForever));
    }

    [SharedMediaFact]
    public void Clementine_asxini_is_a_reference_file_with_ref1_then_ref2()
    {
        var url = new Uri("http://195.245.168.21/antena3");
        byte[] bytes = Read("clementine_test.asxini");
        Assert.Equal(PlaylistKind.Reference, PlaylistSniffer.Sniff(bytes, "video/x-ms-asf", url.AbsoluteUri));

        ReferenceFile file = ReferenceFileParser.Parse(bytes, url);

        Assert.Equal([1, 2], file.Refs.Select(r => r.Number));
        Assert.Equal(
            ["http://195.245.168.21/antena3?MSWMExt=.asf", "http://195.245.168.21:80/antena3?MSWMExt=.asf"],
            file.Refs.Select(r => r.Url.OriginalString));
        Assert.All(file.Refs, r => Assert.True(r.TryAsMmsh));
        Assert.All(file.Refs, r => Assert.True(StreamUrls.IsStream(r.Url)));
    }

    [SharedMediaFact]
    public void Asf_saved_with_an_asx_suffix_is_sniffed_as_asf()
    {
        byte[] bytes = Read("totem_asf-with-asx-suffix.asx");

        Assert.Equal(PlaylistKind.Asf, PlaylistSniffer.Sniff(bytes, "video/x-ms-asf", "http://a.example/asf-with-asx-suffix.asx"));
        Assert.Equal(PlaylistKind.Asf, PlaylistSniffer.Sniff(bytes.AsSpan(0, 16), "audio/x-ms-wax", "x.asx"));
    }

    [SharedMediaFact]
    public async Task Resolver_turns_each_real_file_into_its_ordered_candidates()
    {
        var files = new Dictionary<string, string>
        {
            ["http://h.example/pukas.wax"] = "totem_pukas.wax",
            ["http://h.example/secretagent.asx"] = "clementine_secretagent.asx",
            ["http://h.example/antena3"] = "clementine_test.asxini",
            ["http://h.example/clip.asx"] = "totem_asf-with-asx-suffix.asx",
        };
        Task<PlaylistDocument> Fetch(Uri u, CancellationToken ct) =>
            Task.FromResult(new PlaylistDocument(u, Read(files[u.AbsoluteUri]), "video/x-ms-asf"));

        var pukas = await PlaylistResolver.ResolveAsync(new Uri("http://h.example/pukas.wax"), Fetch);
        Assert.Equal(["mms://82.135.234.195/Pukas", "http://82.135.234.199/Pukas"], Urls(Assert.Single(pukas)));

        var soma = await PlaylistResolver.ResolveAsync(new Uri("http://h.example/secretagent.asx"), Fetch);
        Assert.Equal(4, soma.Count);
        Assert.All(soma, e => Assert.True(e.RepeatsForever));

        var antena = Assert.Single(await PlaylistResolver.ResolveAsync(new Uri("http://h.example/antena3"), Fetch));
        Assert.Equal(["http://195.245.168.21/antena3?MSWMExt=.asf", "http://195.245.168.21:80/antena3?MSWMExt=.asf"], Urls(antena));
        Assert.All(antena.Candidates, c => Assert.True(c.TryAsMmsh));

        var clip = Assert.Single(await PlaylistResolver.ResolveAsync(new Uri("http://h.example/clip.asx"), Fetch));
        Assert.Equal(["http://h.example/clip.asx"], Urls(clip));
    }

    [SharedMediaFact]
    public void A_real_live_header_round_trips_through_an_nsc_format()
    {
        // audioscan_wma-live.wma is exactly what a live publishing point hands out as its ASF header.
        byte[] header = File.ReadAllBytes(SharedMedia.Path("asf", "audioscan_wma-live.wma"));
        var nsc = new NscFile
        {
            IpAddress = "239.192.48.179",
            IpPort = 19009,
            Formats = [new NscFormat(1, 1, header) { Description = "WMA 128k" }],
        };

        NscFile read = NscFile.Parse(nsc.ToText());

        NscFormat format = Assert.Single(read.Formats);
        Assert.Equal(header, format.Header.ToArray());
        Assert.Equal("WMA 128k", format.Description);
        Assert.True(MmsGateway.Asf.AsfHeaderReader.Parse(format.Header.Span).IsBroadcast);
    }

    private static byte[] Read(string name) => File.ReadAllBytes(SharedMedia.Path("asx", name));

    private static string[] Urls(PlaylistEntry entry) => [.. entry.Candidates.Select(c => c.Url.OriginalString)];
}
