using System.Runtime.CompilerServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Mms.Playlists;
using MmsGateway.Testing.Misbehaving;

namespace MmsGateway.Mms.Tests.Playlists;

/// <summary>
/// One property per parser: valid inputs with random mutations (changed, inserted, deleted, duplicated bytes,
/// truncation) either parse or throw the one documented exception, never anything else, and allocate in
/// proportion to the input. Seed, count and the hang watchdog come from <see cref="FuzzRun"/> (tests/README.md,
/// "Fuzzing"); a looping parser ends the run through the watchdog rather than a timed assert.
/// </summary>
public class PlaylistMutationProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(FuzzRun.Cases(500))
        .WithReplay(Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd(FuzzRun.Seed, 1013904223), null)));
    private static readonly Uri Base = new("http://media.example.com/lists/station.asx");

    private static readonly byte[] Interesting =
        "<>/=\"'&;#![]-? \r\n\tAaXx0029WzR{}:."u8.ToArray().Concat(new byte[] { 0x00, 0xFF, 0xFE, 0xEF, 0xBB, 0xBF, 0x30, 0x26 }).ToArray();

    [Fact]
    public void Sniffer() => Check(AllVectors(), data =>
    {
        _ = PlaylistSniffer.Sniff(data, "video/x-ms-asf", "http://a/b.asx");
        _ = PlaylistSniffer.Sniff(data);
    });

    [Fact]
    public void Asx_parser_and_flattener() => Check(AsxVectors(), data =>
    {
        AsxPlaylist playlist = AsxParser.Parse(data, Base);
        _ = AsxFlattener.Flatten(playlist, 3);
        _ = AsxFlattener.Flatten(playlist, 1, includedByEntryRef: true);
    });

    [Fact]
    public void Reference_file_parser() => Check(ReferenceVectors(), data =>
    {
        _ = ReferenceFileParser.Parse(data, Base);
    });

    [Fact]
    public void Asf_redirector_parser() => Check(ReferenceVectors(), data =>
    {
        _ = ReferenceFileParser.ParseAsfRedirector(data, Base);
    });

    [Fact]
    public void Nsc_parser() => Check(NscVectors(), data =>
    {
        NscFile file = NscFile.Parse(data);
        _ = NscFile.Parse(file.ToText(encodeStrings: false)); // what was read can be written and read again
    });

    [Fact]
    public void Msb_parser() => Check(MsbVectors(), data =>
    {
        if (!MsbPacket.IsBeacon(data))
        {
            MsbPacket packet = MsbPacket.Parse(data);
            Assert.Equal(packet.PacketSize, MsbPacket.Parse(packet.ToArray()).PacketSize);
        }
    });

    [Fact]
    public void Resolver_over_mutated_documents()
    {
        // Every fetched document is mutated the same way; only PlaylistResolutionException may come out.
        byte[][] vectors = [.. AsxVectors(), .. ReferenceVectors(), .. NscVectors()];
        Check(vectors, data =>
        {
            Task<PlaylistDocument> Fetch(Uri url, CancellationToken ct) => Task.FromResult(new PlaylistDocument(url, data, null));
            _ = PlaylistResolver.ResolveAsync(Base, Fetch, new PlaylistResolverOptions { MaxFetches = 20 }).GetAwaiter().GetResult();
        }, typeof(PlaylistResolutionException), fetches: 20);
    }

    private static void Check(byte[][] vectors, Action<byte[]> parse, Type? allowed = null, int fetches = 1, [CallerMemberName] string parser = "")
    {
        allowed ??= typeof(PlaylistFormatException);
        Gen<Mutation> mutation =
            from kind in Gen.Choose(0, 5)
            from position in Gen.Choose(0, 1 << 16)
            from length in Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(1, 300)))
            from value in Gen.Frequency((2, Gen.Elements(Interesting)), (1, Gen.Choose(0, 255).Select(i => (byte)i)))
            select new Mutation(kind, position, length, value);

        Gen<byte[]> input =
            from vector in Gen.Elements(vectors)
            from mutations in Gen.Choose(0, 8).SelectMany(n => Gen.ListOf(mutation, n))
            select mutations.Aggregate(vector, (data, m) => m.Apply(data));

        using FuzzTally tally = FuzzRun.Start(parser);
        Property property = Prop.ForAll(input.ToArbitrary(), data =>
        {
            // Text parsers decode the bytes to a string and build lists and URIs from it: a small multiple of
            // the input, plus the fixed cost of a parse (XML reader, regexes, URI objects); the resolver parses
            // each of its fetches (up to MaxFetches) once.
            FuzzRun.Case(tally, data, fetches * (64L * data.Length + (256 << 10)), () => parse(data), allowed);
        });
        FsCheck.Check.One(Runs, property);
    }

    private sealed record Mutation(int Kind, int Position, int Length, byte Value)
    {
        public byte[] Apply(byte[] data)
        {
            if (data.Length == 0)
            {
                return [Value];
            }

            int at = Position % data.Length;
            int length = Math.Min(Length, data.Length - at);
            return Kind switch
            {
                0 or 1 => [.. data[..at], Value, .. data[(at + 1)..]],
                2 => [.. data[..at], .. Enumerable.Repeat(Value, Length), .. data[at..]],
                3 => [.. data[..at], .. data[(at + length)..]],
                4 => data[..at],
                _ => [.. data[..(at + length)], .. data[at..]],
            };
        }
    }

    private static byte[][] AllVectors() =>
        [.. AsxVectors(), .. ReferenceVectors(), .. NscVectors(), .. MsbVectors(), TestAsfHeader.Build()];

    private static byte[][] AsxVectors() => new[]
    {
        "<asx version = \"3.0\">\r\n  <entry>\r\n    <ref href = \"mms://82.135.234.195/Pukas\"/>\r\n" +
            "    <ref href = \"http://82.135.234.199/Pukas\"/>\r\n  <Title>Pukas</Title>\r\n  </entry>\r\n  <LogURL href = \"\"/>\r\n</asx>\r\n",
        "<ASX version=\"3.0\">\n<repeat>\n\t<entry>\n\t\t<ref href=\"http://s.example:80/stream/1021\" />\n" +
            "\t\t<PARAM name=\"HTMLView\" value=\"http://s.example/?x\"/>\n\t\t<Abstract>Loading</abstract>\n\t</entry>\n</repeat>\n</ASX>\n",
        "<?xml version=\"1.0\"?><!-- c --><ASX VERSION=3><TITLE>A &amp; B</TITLE><BASE HREF=http://b/>" +
            "<ENTRY CLIENTSKIP=NO SKIPIFREF=YES><REF HREF='clip.wmv'><DURATION VALUE=\"00:00:05.5\"/></REF>" +
            "<STARTTIME VALUE=\"1:02\"/></ENTRY><REPEAT COUNT=\"2\"><ENTRYREF HREF=\"more.asx\"/><ENTRY><REF HREF=\"mms://a/b\"/></ENTRY></REPEAT>" +
            "<EVENT NAME=\"x\"><ENTRY><REF HREF=\"mms://ad\"/></ENTRY></EVENT><![CDATA[x]]></ASX>",
    }.Select(Encoding.UTF8.GetBytes).ToArray();

    private static byte[][] ReferenceVectors() => new[]
    {
        "[Reference]\r\nRef1=http://195.245.168.21/antena3?MSWMExt=.asf\r\nRef2=http://195.245.168.21:80/antena3?MSWMExt=.asf\r\n",
        "[reference]\nref10 = mms://a/ten\nBandwidth=1\nRef2=relative.wma\n[Other]\nRef1=x\n",
        "ASF http://media.example.com/live.asf\r\nASF mms://b/c\r\n",
    }.Select(Encoding.UTF8.GetBytes).ToArray();

    private static byte[][] NscVectors()
    {
        var file = new NscFile
        {
            Name = "srv, pub",
            FormatVersion = "3.0",
            IpAddress = "239.192.48.179",
            IpPort = 19009,
            TimeToLive = 32,
            DefaultEcc = 10,
            LogUrl = "",
            UnicastUrl = "mms://srv/pub",
            AllowSplitting = true,
            CacheExpirationSeconds = 86400,
            NetworkBufferMilliseconds = 500,
            Formats = [new NscFormat(1, 1, TestAsfHeader.Build()[..120]) { Description = "audio" }],
        };
        return [Encoding.ASCII.GetBytes(file.ToText()), Encoding.ASCII.GetBytes(file.ToText(encodeStrings: false))];
    }

    private static byte[][] MsbVectors() =>
    [
        "MSB "u8.ToArray(),
        new MsbPacket(7, MsbPacket.StreamIdFor(1, true), new byte[40]).ToArray(),
        new MsbPacket(uint.MaxValue, 0, new byte[] { 0x82, 0, 0, 0x11, 0x5D, 1, 2, 3 }).ToArray(),
    ];
}
