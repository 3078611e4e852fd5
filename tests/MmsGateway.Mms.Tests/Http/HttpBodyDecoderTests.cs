using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Mms.Http;

namespace MmsGateway.Mms.Tests.Http;

public sealed class HttpBodyDecoderTests
{
    private static readonly byte[] ChunkedWire = Encoding.ASCII.GetBytes(
        "5;name=value\r\nhello\r\n" + "1\r\n \r\n" + "A\r\n0123456789\r\n" + "0\r\nExpires: never\r\nX-Other: 1\r\n\r\n" +
        "HTTP/1.1 200 OK\r\n");

    private static readonly byte[] ChunkedBody = Encoding.ASCII.GetBytes("hello 0123456789");

    [Fact]
    public void Content_length_body_ends_after_its_bytes_and_leaves_what_follows()
    {
        byte[] wire = Encoding.ASCII.GetBytes("0123456789HTTP/1.1");
        BodyFeeder.Result result = BodyFeeder.Feed(HttpBodyDecoder.ContentLength(10), wire, 3, 7, 12);

        Assert.Equal("0123456789", Encoding.ASCII.GetString(result.Body));
        Assert.True(result.Complete);
        Assert.Equal(8, result.Undecoded);
    }

    [Fact]
    public void Content_length_zero_is_complete_before_any_byte()
    {
        HttpBodyDecoder decoder = HttpBodyDecoder.ContentLength(0);

        Assert.True(decoder.IsComplete);
        Assert.False(decoder.TryDecode("abc"u8, out int data, out int framing));
        Assert.Equal((0, 0), (data, framing));
    }

    [Fact]
    public void Close_delimited_body_is_every_byte_and_never_complete()
    {
        byte[] wire = Encoding.ASCII.GetBytes("0\r\n\r\n$H anything");
        BodyFeeder.Result result = BodyFeeder.Feed(HttpBodyDecoder.CloseDelimited, wire, 2, 9);

        Assert.Equal(wire, result.Body);
        Assert.False(result.Complete);
    }

    [Fact]
    public void Chunked_body_with_extensions_and_trailers_decodes_the_same_split_at_any_point()
    {
        for (int cut = 0; cut <= ChunkedWire.Length; cut++)
        {
            BodyFeeder.Result result = BodyFeeder.Feed(HttpBodyDecoder.Chunked, ChunkedWire, cut);

            Assert.Equal(ChunkedBody, result.Body);
            Assert.True(result.Complete, $"cut at {cut}");
            Assert.Equal("HTTP/1.1 200 OK\r\n".Length, result.Undecoded);
        }
    }

    [Fact]
    public void Chunked_body_fed_byte_by_byte_decodes_the_same()
    {
        BodyFeeder.Result result = BodyFeeder.Feed(HttpBodyDecoder.Chunked, ChunkedWire,
            Enumerable.Range(1, ChunkedWire.Length).ToArray());

        Assert.Equal(ChunkedBody, result.Body);
        Assert.True(result.Complete);
    }

    [Fact]
    public void Bare_line_feeds_and_upper_case_sizes_are_accepted()
    {
        byte[] wire = Encoding.ASCII.GetBytes("B\nhello world\n0\n\n");
        BodyFeeder.Result result = BodyFeeder.Feed(HttpBodyDecoder.Chunked, wire);

        Assert.Equal("hello world", Encoding.ASCII.GetString(result.Body));
        Assert.True(result.Complete);
    }

    [Fact]
    public void A_chunk_that_claims_more_than_arrives_streams_what_there_is()
    {
        // A lying size is only a count: nothing is sized by it, the bytes pass as they come.
        byte[] wire = Encoding.ASCII.GetBytes("FFFFFFFF\r\nshort");
        BodyFeeder.Result result = BodyFeeder.Feed(HttpBodyDecoder.Chunked, wire, 4, 12);

        Assert.Equal("short", Encoding.ASCII.GetString(result.Body));
        Assert.False(result.Complete);
        Assert.Equal(0, result.Undecoded);
    }

    [Fact]
    public void A_chunk_longer_than_its_size_is_refused_at_its_end()
    {
        var e = Assert.Throws<MmsProtocolException>(() =>
            BodyFeeder.Feed(HttpBodyDecoder.Chunked, Encoding.ASCII.GetBytes("3\r\nhello\r\n0\r\n\r\n")));
        Assert.Contains("not followed by CRLF", e.Message);
    }

    [Theory]
    [InlineData("100000000\r\n", "above 8 hex digits")]
    [InlineData("\r\n", "empty")]
    [InlineData("-5\r\n", "0x2D")]
    [InlineData("5g\r\n", "0x67")]
    [InlineData(";ext\r\n", "empty")]
    public void Malformed_chunk_sizes_are_refused(string wire, string message)
    {
        var e = Assert.Throws<MmsProtocolException>(() =>
            BodyFeeder.Feed(HttpBodyDecoder.Chunked, Encoding.ASCII.GetBytes(wire)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_size_line_without_end_waits_up_to_the_limit_then_is_refused()
    {
        HttpBodyDecoder decoder = HttpBodyDecoder.Chunked;
        byte[] line = Encoding.ASCII.GetBytes("1;" + new string('x', HttpBodyDecoder.MaxLine - 3));

        Assert.False(decoder.TryDecode(line, out _, out _)); // one byte short of the limit: more may come
        Assert.Throws<MmsProtocolException>(() => decoder.TryDecode([.. line, (byte)'x'], out _, out _));
    }

    [Fact]
    public void A_trailer_line_without_end_is_refused_at_the_limit()
    {
        byte[] wire = [.. "0\r\n"u8, .. Encoding.ASCII.GetBytes(new string('t', HttpBodyDecoder.MaxLine))];
        Assert.Throws<MmsProtocolException>(() => BodyFeeder.Feed(HttpBodyDecoder.Chunked, wire));
    }

    [Fact]
    public void Decoding_allocates_nothing()
    {
        byte[] wire = Encoding.ASCII.GetBytes("400\r\n" + new string('d', 1024) + "\r\n");
        HttpBodyDecoder decoder = HttpBodyDecoder.Chunked;
        Drain(ref decoder, wire); // first call: JIT and statics
        decoder = HttpBodyDecoder.Chunked;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) Drain(ref decoder, wire);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void Drain(ref HttpBodyDecoder decoder, byte[] wire)
        {
            ReadOnlySpan<byte> rest = wire;
            while (decoder.TryDecode(rest, out int data, out int framing)) rest = rest[(data + framing)..];
        }
    }

    /// <summary>Any body, cut into any chunks, sent in any pieces, comes out as it went in.</summary>
    [Fact]
    public void Any_chunking_and_any_split_give_the_body_back()
    {
        Gen<(byte[] Body, int[] Chunks, int[] Cuts, bool Bare)> cases =
            from body in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
            from chunks in Gen.ArrayOf(Gen.Choose(1, 300))
            from cuts in Gen.ArrayOf(Gen.Choose(0, 2000))
            from bare in Gen.Elements(true, false)
            select (body, chunks, cuts, bare);
        Property property = Prop.ForAll(cases.ToArbitrary(), c =>
        {
            byte[] wire = Encode(c.Body, c.Chunks, c.Bare ? "\n" : "\r\n");
            BodyFeeder.Result result = BodyFeeder.Feed(HttpBodyDecoder.Chunked, wire, c.Cuts);
            Assert.Equal(c.Body, result.Body);
            Assert.True(result.Complete);
            Assert.Equal(0, result.Undecoded);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    internal static byte[] Encode(byte[] body, int[] chunks, string newline = "\r\n")
    {
        var wire = new List<byte>();
        int at = 0;
        for (int i = 0; at < body.Length; i++)
        {
            int size = Math.Min(body.Length - at, chunks.Length == 0 ? body.Length : chunks[i % chunks.Length]);
            wire.AddRange(Encoding.ASCII.GetBytes(size.ToString(i % 2 == 0 ? "x" : "X") + (i % 3 == 0 ? ";e=1" : "") + newline));
            wire.AddRange(body.AsSpan(at, size).ToArray());
            wire.AddRange(Encoding.ASCII.GetBytes(newline));
            at += size;
        }

        wire.AddRange(Encoding.ASCII.GetBytes("0" + newline + "T: v" + newline + newline));
        return [.. wire];
    }
}
