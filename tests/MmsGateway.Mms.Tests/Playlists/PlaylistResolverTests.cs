using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Tests.Playlists;

public class PlaylistResolverTests
{
    [Theory]
    [InlineData("mms://media.example.com/live", false)]
    [InlineData("mmst://media.example.com/live", false)]
    [InlineData("mmsh://media.example.com/live", false)]
    [InlineData("mmsu://media.example.com/live", false)]
    [InlineData("rtsp://media.example.com/live", false)]
    [InlineData("http://media.example.com/live?MSWMExt=.asf", true)]
    [InlineData("https://media.example.com/live?a=1&mswmext=.wma", false)]
    public async Task Stream_urls_are_entries_without_any_fetch(string url, bool tryAsMmsh)
    {
        var web = new InMemoryWeb();

        PlaylistEntry entry = Assert.Single(await PlaylistResolver.ResolveAsync(new Uri(url), web.Fetch));

        Assert.Equal(url, Assert.Single(entry.Candidates).Url.OriginalString);
        Assert.Equal(tryAsMmsh, entry.Candidates[0].TryAsMmsh);
        Assert.Empty(web.Fetched);
    }

    [Fact]
    public async Task Entryrefs_are_resolved_in_place_and_in_order()
    {
        var web = new InMemoryWeb()
            .Add("http://h/top.asx", """
                <asx version="3.0">
                  <entry><ref href="mms://h/a"/></entry>
                  <entryref href="lists/middle.asx"/>
                  <entry><ref href="mms://h/d"/></entry>
                </asx>
                """)
            .Add("http://h/lists/middle.asx", """
                <asx version="3.0"><title>ignored</title>
                  <entry><ref href="b.wma"/><ref href="mms://h/b-fallback"/></entry>
                  <entryref href="/leaf.asx"/>
                </asx>
                """)
            .Add("http://h/leaf.asx", "<asx><entry><ref href=\"mms://h/c\"/></entry></asx>");

        IReadOnlyList<PlaylistEntry> entries = await PlaylistResolver.ResolveAsync(new Uri("http://h/top.asx"), web.Fetch);

        Assert.Equal(
            [["mms://h/a"], ["http://h/lists/b.wma", "mms://h/b-fallback"], ["mms://h/c"], ["mms://h/d"]],
            entries.Select(e => e.Candidates.Select(c => c.Url.AbsoluteUri).ToArray()));
        Assert.Equal(new Uri("http://h/lists/middle.asx"), entries[1].Source);
        Assert.All(entries, e => Assert.Null(e.EntryRef));
    }

    [Theory]
    [InlineData(5, 5, true)]
    [InlineData(5, 6, false)]
    [InlineData(1, 1, true)]
    [InlineData(1, 2, false)]
    [InlineData(0, 1, false)]
    public async Task Depth_limit(int maxDepth, int chainLength, bool resolves)
    {
        // top.asx -> l1.asx -> ... -> l{chainLength}.asx, which holds the only entry.
        var web = new InMemoryWeb().Add("http://h/l0.asx", "<asx><entryref href=\"l1.asx\"/></asx>");
        for (int level = 1; level < chainLength; level++)
        {
            web.Add($"http://h/l{level}.asx", $"<asx><entryref href=\"l{level + 1}.asx\"/></asx>");
        }

        web.Add($"http://h/l{chainLength}.asx", "<asx><entry><ref href=\"mms://h/deep\"/></entry></asx>");
        var options = new PlaylistResolverOptions { MaxDepth = maxDepth };

        Task<IReadOnlyList<PlaylistEntry>> resolve = PlaylistResolver.ResolveAsync(new Uri("http://h/l0.asx"), web.Fetch, options);

        if (resolves)
        {
            Assert.Equal("mms://h/deep", Assert.Single(await resolve).Candidates[0].Url.AbsoluteUri);
        }
        else
        {
            var error = await Assert.ThrowsAsync<PlaylistResolutionException>(() => resolve);
            Assert.Equal(maxDepth + 1, error.Depth);
            Assert.Equal(new Uri($"http://h/l{maxDepth + 1}.asx"), error.Url);
            Assert.Contains($"http://h/l{maxDepth + 1}.asx (depth {maxDepth + 1})", error.Message, StringComparison.Ordinal);
            Assert.Contains($"deeper than {maxDepth}", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_playlist_that_includes_itself_is_a_loop_error()
    {
        var web = new InMemoryWeb().Add("http://h/self.asx",
            "<asx><entry><ref href=\"mms://h/a\"/></entry><entryref href=\"http://h/self.asx\"/></asx>");

        var error = await Assert.ThrowsAsync<PlaylistResolutionException>(
            () => PlaylistResolver.ResolveAsync(new Uri("http://h/self.asx"), web.Fetch));

        Assert.Equal(1, error.Depth);
        Assert.Contains("loop", error.Message, StringComparison.Ordinal);
        Assert.Contains("http://h/self.asx (depth 1)", error.Message, StringComparison.Ordinal);
        Assert.Single(web.Fetched);
    }

    [Fact]
    public async Task An_indirect_loop_is_found_too()
    {
        var web = new InMemoryWeb()
            .Add("http://h/a.asx", "<asx><entryref href=\"b.asx\"/></asx>")
            .Add("http://h/b.asx", "<asx><entryref href=\"c.asx\"/></asx>")
            .Add("http://h/c.asx", "<asx><entryref href=\"A.asx\"/><entryref href=\"a.asx\"/></asx>")
            .Add("http://h/A.asx", "<asx><entry><ref href=\"mms://h/fine\"/></entry></asx>");

        var error = await Assert.ThrowsAsync<PlaylistResolutionException>(
            () => PlaylistResolver.ResolveAsync(new Uri("http://h/a.asx"), web.Fetch));

        Assert.Equal(3, error.Depth);
        Assert.Contains("http://h/a.asx -> http://h/b.asx -> http://h/c.asx -> http://h/a.asx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_list_twice_side_by_side_is_not_a_loop_and_is_fetched_once()
    {
        var web = new InMemoryWeb()
            .Add("http://h/top.asx", "<asx><entryref href=\"ad.asx\"/><entry><ref href=\"mms://h/show\"/></entry><entryref href=\"ad.asx\"/></asx>")
            .Add("http://h/ad.asx", "<asx><entry><ref href=\"mms://h/ad\"/></entry></asx>");

        IReadOnlyList<PlaylistEntry> entries = await PlaylistResolver.ResolveAsync(new Uri("http://h/top.asx"), web.Fetch);

        Assert.Equal(["mms://h/ad", "mms://h/show", "mms://h/ad"], entries.Select(e => e.Candidates[0].Url.AbsoluteUri));
        Assert.Equal(2, web.Fetched.Count);
    }

    [Fact]
    public async Task Redirects_give_the_base_for_relative_hrefs_and_take_part_in_loop_detection()
    {
        var web = new InMemoryWeb()
            .Redirect("http://short/x", "http://cdn.example/lists/real.asx",
                "<asx><entry><ref href=\"clip.wmv\"/></entry><entryref href=\"http://short/y\"/></asx>")
            .Redirect("http://short/y", "http://cdn.example/lists/real.asx", "<asx></asx>");

        var error = await Assert.ThrowsAsync<PlaylistResolutionException>(
            () => PlaylistResolver.ResolveAsync(new Uri("http://short/x"), web.Fetch));
        Assert.Contains("loop", error.Message, StringComparison.Ordinal);

        web.Redirect("http://short/y", "http://cdn.example/other.asx", "<asx></asx>");
        var entries = await PlaylistResolver.ResolveAsync(new Uri("http://short/x"), web.Fetch);
        Assert.Equal("http://cdn.example/lists/clip.wmv", Assert.Single(entries).Candidates[0].Url.AbsoluteUri);
    }

    [Fact]
    public async Task Skipifref_entries_of_included_lists_are_skipped()
    {
        var web = new InMemoryWeb()
            .Add("http://h/top.asx", "<asx><entry skipifref=\"yes\"><ref href=\"mms://h/top-intro\"/></entry><entryref href=\"inc.asx\"/></asx>")
            .Add("http://h/inc.asx", "<asx><entry skipifref=\"YES\"><ref href=\"mms://h/inc-intro\"/></entry><entry><ref href=\"mms://h/inc\"/></entry></asx>");

        IReadOnlyList<PlaylistEntry> entries = await PlaylistResolver.ResolveAsync(new Uri("http://h/top.asx"), web.Fetch);

        Assert.Equal(["mms://h/top-intro", "mms://h/inc"], entries.Select(e => e.Candidates[0].Url.AbsoluteUri));
    }

    [Fact]
    public async Task Reference_files_and_asf_redirectors_become_one_entry_tried_as_mmsh()
    {
        var web = new InMemoryWeb()
            .Add("http://h/top.asx", "<asx><entryref href=\"http://wms/pub\"/><entryref href=\"http://old/x.asf\"/></asx>")
            .Add("http://wms/pub", "[Reference]\r\nRef1=http://wms/pub?MSWMExt=.asf\r\nRef2=http://wms:80/pub?MSWMExt=.asf\r\n", "video/x-ms-asf")
            .Add("http://old/x.asf", "ASF http://old/x.asf\r\n");

        IReadOnlyList<PlaylistEntry> entries = await PlaylistResolver.ResolveAsync(new Uri("http://h/top.asx"), web.Fetch);

        Assert.Equal(2, entries.Count);
        Assert.Equal(["http://wms/pub?MSWMExt=.asf", "http://wms:80/pub?MSWMExt=.asf"], entries[0].Candidates.Select(c => c.Url.OriginalString));
        Assert.Equal(["http://old/x.asf"], entries[1].Candidates.Select(c => c.Url.OriginalString));
        Assert.All(entries.SelectMany(e => e.Candidates), c => Assert.True(c.TryAsMmsh));
        Assert.Equal(3, web.Fetched.Count); // the Ref URLs themselves are not fetched
    }

    [Fact]
    public async Task A_url_that_returns_asf_is_the_media_itself()
    {
        byte[] asf = TestAsfHeader.Build();
        var web = new InMemoryWeb().Add("http://h/clip.asx", asf, "video/x-ms-asf");

        PlaylistEntry entry = Assert.Single(await PlaylistResolver.ResolveAsync(new Uri("http://h/clip.asx"), web.Fetch));

        Assert.Equal("http://h/clip.asx", Assert.Single(entry.Candidates).Url.AbsoluteUri);
        Assert.False(entry.Candidates[0].TryAsMmsh);
    }

    [Fact]
    public async Task An_nsc_file_is_the_station_then_its_unicast_url()
    {
        var station = new NscFile
        {
            Name = "srv, radio",
            IpAddress = "239.192.48.179",
            IpPort = 19009,
            UnicastUrl = "mms://srv/radio",
            Formats = [new NscFormat(1, 1, TestAsfHeader.Build())],
        };
        var web = new InMemoryWeb().Add("http://h/radio.nsc", station.ToText());

        PlaylistEntry entry = Assert.Single(await PlaylistResolver.ResolveAsync(new Uri("http://h/radio.nsc"), web.Fetch));

        Assert.Equal(2, entry.Candidates.Count);
        Assert.Equal("239.192.48.179", entry.Candidates[0].Station?.IpAddress);
        Assert.Equal("http://h/radio.nsc", entry.Candidates[0].Url.AbsoluteUri);
        Assert.Equal("mms://srv/radio", entry.Candidates[1].Url.AbsoluteUri);
        Assert.Equal("srv, radio", entry.Title);
    }

    [Fact]
    public async Task Endless_repeat_in_an_included_list_ends_the_whole_list()
    {
        var web = new InMemoryWeb()
            .Add("http://h/top.asx", """
                <asx><entry><ref href="mms://h/intro"/></entry>
                  <repeat count="1"><entryref href="loop.asx"/><entry><ref href="mms://h/never1"/></entry></repeat>
                  <entry><ref href="mms://h/never2"/></entry></asx>
                """)
            .Add("http://h/loop.asx", "<asx><entry><ref href=\"mms://h/once\"/></entry><repeat><entry><ref href=\"mms://h/loop\"/></entry></repeat></asx>");

        IReadOnlyList<PlaylistEntry> entries = await PlaylistResolver.ResolveAsync(new Uri("http://h/top.asx"), web.Fetch);

        Assert.Equal(["mms://h/intro", "mms://h/once", "mms://h/loop"], entries.Select(e => e.Candidates[0].Url.AbsoluteUri));
        Assert.Equal([false, false, true], entries.Select(e => e.RepeatsForever));
    }

    [Fact]
    public async Task Endless_repeat_around_an_entryref_marks_the_included_entries()
    {
        var web = new InMemoryWeb()
            .Add("http://h/top.asx", "<asx><entry><ref href=\"mms://h/intro\"/></entry><repeat><entryref href=\"inc.asx\"/></repeat></asx>")
            .Add("http://h/inc.asx", "<asx><entry><ref href=\"mms://h/a\"/></entry><entry><ref href=\"mms://h/b\"/></entry></asx>");

        IReadOnlyList<PlaylistEntry> entries = await PlaylistResolver.ResolveAsync(new Uri("http://h/top.asx"), web.Fetch);

        Assert.Equal([false, true, true], entries.Select(e => e.RepeatsForever));
    }

    [Fact]
    public async Task Errors_name_the_url_and_the_depth()
    {
        var web = new InMemoryWeb()
            .Add("http://h/top.asx", "<asx><entryref href=\"missing.asx\"/></asx>")
            .Add("http://h/bad.asx", "<asx><entryref href=\"page.html\"/></asx>")
            .Add("http://h/page.html", "<html>Sorry</html>", "text/html")
            .Add("http://h/broken.asx", "<asx><entryref href=\"nsc.nsc\"/></asx>")
            .Add("http://h/nsc.nsc", "[Address]\r\nIP Port=lots\r\n");

        var missing = await Assert.ThrowsAsync<PlaylistResolutionException>(() => PlaylistResolver.ResolveAsync(new Uri("http://h/top.asx"), web.Fetch));
        Assert.Equal((new Uri("http://h/missing.asx"), 1), (missing.Url, missing.Depth));
        Assert.IsType<HttpRequestException>(missing.InnerException);
        Assert.Contains("404", missing.Message, StringComparison.Ordinal);

        var html = await Assert.ThrowsAsync<PlaylistResolutionException>(() => PlaylistResolver.ResolveAsync(new Uri("http://h/bad.asx"), web.Fetch));
        Assert.Contains("http://h/page.html (depth 1): neither a playlist nor ASF media (Content-Type text/html", html.Message, StringComparison.Ordinal);

        var nsc = await Assert.ThrowsAsync<PlaylistResolutionException>(() => PlaylistResolver.ResolveAsync(new Uri("http://h/broken.asx"), web.Fetch));
        Assert.IsType<PlaylistFormatException>(nsc.InnerException);
        Assert.Contains("http://h/nsc.nsc (depth 1)", nsc.Message, StringComparison.Ordinal);
        Assert.Contains("IP Port", nsc.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_playlist_with_nothing_playable_is_an_error()
    {
        var web = new InMemoryWeb().Add("http://h/empty.asx", "<asx><entry><title>no refs</title></entry></asx>");

        var error = await Assert.ThrowsAsync<PlaylistResolutionException>(() => PlaylistResolver.ResolveAsync(new Uri("http://h/empty.asx"), web.Fetch));

        Assert.Equal(0, error.Depth);
        Assert.Contains("no playable entry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entry_and_fetch_caps()
    {
        string many = "<asx>" + string.Concat(Enumerable.Range(0, 50).Select(i => $"<entry><ref href=\"mms://h/{i}\"/></entry>")) + "</asx>";
        var web = new InMemoryWeb().Add("http://h/many.asx", many);
        var tooMany = await Assert.ThrowsAsync<PlaylistResolutionException>(
            () => PlaylistResolver.ResolveAsync(new Uri("http://h/many.asx"), web.Fetch, new PlaylistResolverOptions { MaxEntries = 49 }));
        Assert.Contains("more than 49 entries", tooMany.Message, StringComparison.Ordinal);

        string wide = "<asx>" + string.Concat(Enumerable.Range(0, 5).Select(i => $"<entryref href=\"l{i}.asx\"/>")) + "</asx>";
        web.Add("http://h/wide.asx", wide);
        for (int i = 0; i < 5; i++)
        {
            web.Add($"http://h/l{i}.asx", "<asx><entry><ref href=\"mms://h/x\"/></entry></asx>");
        }

        Assert.Equal(5, (await PlaylistResolver.ResolveAsync(new Uri("http://h/wide.asx"), web.Fetch, new PlaylistResolverOptions { MaxFetches = 6 })).Count);
        var tooWide = await Assert.ThrowsAsync<PlaylistResolutionException>(
            () => PlaylistResolver.ResolveAsync(new Uri("http://h/wide.asx"), web.Fetch, new PlaylistResolverOptions { MaxFetches = 5 }));
        Assert.Contains("more than 5 playlist documents", tooWide.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entryref_expansions_are_capped_even_when_every_document_is_fetched_once()
    {
        // 3 ENTRYREFs to b, each with 3 ENTRYREFs to c: 12 expansions of 2 documents (lists that include each
        // other many times over would otherwise multiply the work at each level).
        var web = new InMemoryWeb()
            .Add("http://h/a.asx", "<asx><entry><ref href=\"mms://h/x\"/></entry>" + string.Concat(Enumerable.Repeat("<entryref href=\"b.asx\"/>", 3)) + "</asx>")
            .Add("http://h/b.asx", "<asx>" + string.Concat(Enumerable.Repeat("<entryref href=\"c.asx\"/>", 3)) + "</asx>")
            .Add("http://h/c.asx", "<asx></asx>");

        Assert.Single(await PlaylistResolver.ResolveAsync(new Uri("http://h/a.asx"), web.Fetch, new PlaylistResolverOptions { MaxEntryRefs = 12 }));
        var error = await Assert.ThrowsAsync<PlaylistResolutionException>(
            () => PlaylistResolver.ResolveAsync(new Uri("http://h/a.asx"), web.Fetch, new PlaylistResolverOptions { MaxEntryRefs = 11 }));
        Assert.Contains("more than 11 ENTRYREFs", error.Message, StringComparison.Ordinal);
        Assert.Equal(6, web.Fetched.Count); // three documents, once per resolution
    }

    [Fact]
    public async Task Counted_repeat_of_an_entryref_resolves_it_each_time()
    {
        var web = new InMemoryWeb()
            .Add("http://h/top.asx", "<asx><repeat count=\"2\"><entryref href=\"inc.asx\"/></repeat></asx>")
            .Add("http://h/inc.asx", "<asx><entry><ref href=\"mms://h/a\"/></entry></asx>");

        IReadOnlyList<PlaylistEntry> entries = await PlaylistResolver.ResolveAsync(
            new Uri("http://h/top.asx"), web.Fetch, new PlaylistResolverOptions { MaxRepeatExpansion = 5 });

        Assert.Equal(3, entries.Count);
        Assert.Equal(2, web.Fetched.Count);
    }

    [Fact]
    public async Task Cancellation_is_not_wrapped()
    {
        var web = new InMemoryWeb().Add("http://h/top.asx", "<asx><entryref href=\"a.asx\"/></asx>");
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => PlaylistResolver.ResolveAsync(new Uri("http://h/top.asx"), web.Fetch, cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task Bad_arguments()
    {
        var web = new InMemoryWeb();
        await Assert.ThrowsAsync<ArgumentException>(() => PlaylistResolver.ResolveAsync(new Uri("a.asx", UriKind.Relative), web.Fetch));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => PlaylistResolver.ResolveAsync(new Uri("http://h/a"), web.Fetch, new PlaylistResolverOptions { MaxDepth = -1 }));
    }
}
