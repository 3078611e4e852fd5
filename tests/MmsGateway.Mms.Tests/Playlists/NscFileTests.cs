using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Asf;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Tests.Playlists;

public class NscFileTests
{
    /// <summary>The check values of docs/protocol/nsc.md#s7.2 (from [MS-MSB]'s examples).</summary>
    public static TheoryData<string, string> SpecVectors => new()
    {
        { "3.0", "029G0000000008Cm0k0300000" },
        { "", "020W0000000002000" },
        { "239.192.48.179", "020G000000000UCW0p03a0BW0n03a0CW0k03G0E00k0340Dm0v0000" },
    };

    [Theory]
    [MemberData(nameof(SpecVectors))]
    public void Spec_vectors_encode_exactly(string value, string encoded) =>
        Assert.Equal(encoded, NscEncodedBlock.EncodeString(value));

    [Theory]
    [MemberData(nameof(SpecVectors))]
    public void Spec_vectors_decode_exactly(string value, string encoded)
    {
        Assert.Equal(value, NscEncodedBlock.DecodeString(encoded));
        (uint key, byte[] data) = NscEncodedBlock.Decode(encoded);
        Assert.Equal(0u, key);
        Assert.Equal([.. Encoding.Unicode.GetBytes(value), 0, 0], data);
    }

    [Fact]
    public void Key_and_length_are_big_endian()
    {
        string encoded = NscEncodedBlock.Encode(0x0102_0304, [0xAA]);

        // Re-derive the raw block bits to see the byte order: CRC, Key BE, Length BE, data.
        byte[] raw = SixBitsToBytes(encoded[2..]);
        Assert.Equal([0x01 ^ 0x02 ^ 0x03 ^ 0x04 ^ 0x01 ^ 0xAA, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x01, 0xAA], raw[..10]);
        (uint key, byte[] data) = NscEncodedBlock.Decode(encoded);
        Assert.Equal(0x0102_0304u, key);
        Assert.Equal([0xAA], data);
    }

    [Fact]
    public void Whole_file_with_spec_values_reads_and_writes_back()
    {
        byte[] header = TestAsfHeader.Build();
        string text = string.Join("\r\n",
            "[Address]",
            "Name=020W0000000002000",
            "NSC Format Version=029G0000000008Cm0k0300000",
            "IP Address=020G000000000UCW0p03a0BW0n03a0CW0k03G0E00k0340Dm0v0000",
            "IP Port=0x00004A41",
            "Time To Live=0x00000020",
            "Default Ecc=0x0000000A",
            "Log URL=020W0000000002000",
            "Unicast URL=mms://server/radio",
            "Allow Splitting=0x00000001",
            "Allow Caching=0x00000000",
            "Cache Expiration Time=0x00015180",
            "Network Buffer Time=0x000001F4",
            "[Formats]",
            "Format1=" + NscEncodedBlock.Encode(7, header),
            "Description1=" + NscEncodedBlock.EncodeString("Radio ♪ 64k"),
            "");

        NscFile file = NscFile.Parse(text);

        Assert.Equal("", file.Name);
        Assert.Equal("3.0", file.FormatVersion);
        Assert.Equal("239.192.48.179", file.IpAddress);
        Assert.Equal(19009, file.IpPort);
        Assert.Equal(0x20u, file.TimeToLive);
        Assert.Equal(10u, file.DefaultEcc);
        Assert.Equal("", file.LogUrl);
        Assert.Equal("mms://server/radio", file.UnicastUrl);
        Assert.True(file.AllowSplitting);
        Assert.False(file.AllowCaching);
        Assert.Equal(86400u, file.CacheExpirationSeconds);
        Assert.Equal(500u, file.NetworkBufferMilliseconds);
        NscFormat format = Assert.Single(file.Formats);
        Assert.Equal((1, 7, "Radio ♪ 64k"), (format.Number, format.FormatId, format.Description));
        Assert.Equal(header, format.Header.ToArray());
        Assert.True(AsfHeaderReader.Parse(format.Header.Span).IsBroadcast);

        // Every string encoded, as WMS writes them: the same text back, apart from the plain Unicast URL.
        string expected = text.Replace("Unicast URL=mms://server/radio", "Unicast URL=" + NscEncodedBlock.EncodeString("mms://server/radio"), StringComparison.Ordinal);
        Assert.Equal(expected, file.ToText());
        Assert.Equal(expected, NscFile.Parse(file.ToText()).ToText());
    }

    [Fact]
    public void Plain_strings_when_asked_and_encoded_when_they_must_be()
    {
        var file = new NscFile { IpAddress = "239.1.2.3", Name = "Ópera", LogUrl = "", UnicastUrl = "02ABC" };

        string text = file.ToText(encodeStrings: false);

        Assert.Contains("IP Address=239.1.2.3\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Name=" + NscEncodedBlock.EncodeString("Ópera") + "\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Log URL=020W0000000002000\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Unicast URL=" + NscEncodedBlock.EncodeString("02ABC") + "\r\n", text, StringComparison.Ordinal);
        NscFile read = NscFile.Parse(text);
        Assert.Equal((file.IpAddress, file.Name, file.LogUrl, file.UnicastUrl), (read.IpAddress, read.Name, read.LogUrl, read.UnicastUrl));
    }

    [Fact]
    public void Lenient_reading()
    {
        const string text = "\uFEFF[address]\nip address = 239.1.2.3\nIP PORT = 4660\nip port=0x1\nStation Id=42\n" +
            "[Other]\nIP Address=1.1.1.1\n[FORMATS]\nformat2=020W0000000002000\nDescription2=Plain text\nDescription9=orphan\nJunk line\n";

        NscFile file = NscFile.Parse(text);

        Assert.Equal("239.1.2.3", file.IpAddress);
        Assert.Equal(4660, file.IpPort); // decimal accepted, the first line of a name wins
        Assert.Equal([new NscProperty("Station Id", "42")], file.OtherProperties);
        NscFormat format = Assert.Single(file.Formats);
        Assert.Equal((2, 0, "Plain text"), (format.Number, format.FormatId, format.Description));
        Assert.Equal([0, 0], format.Header.ToArray());
    }

    [Fact]
    public void Header_round_trips_for_every_length_and_format_id()
    {
        byte[] header = TestAsfHeader.Build();
        for (int length = 0; length <= 40; length++)
        {
            var file = new NscFile { Formats = [new NscFormat(1, length * 50, header[..length])] };
            NscFormat back = Assert.Single(NscFile.Parse(file.ToText()).Formats);
            Assert.Equal(header[..length], back.Header.ToArray());
            Assert.Equal(length * 50, back.FormatId);
        }
    }

    [Fact]
    public void Encode_decode_property()
    {
        Gen<(int Key, byte[] Data)> blocks =
            from key in Gen.Choose(0, NscFile.MaxFormatId)
            from data in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
            select (key, data);
        Property property = Prop.ForAll(blocks.ToArbitrary(), sample =>
        {
            (uint key, byte[] data) = NscEncodedBlock.Decode(NscEncodedBlock.Encode((uint)sample.Key, sample.Data));
            return key == (uint)sample.Key && data.AsSpan().SequenceEqual(sample.Data);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    [Theory]
    [InlineData("020W0000000002004", "CRC")] // a data bit of the last character flips (its last 2 bits are padding)
    [InlineData("021W0000000002000", "CRC")]
    [InlineData("020W00000000020-0", "alphabet")]
    [InlineData("020W00000000020 0", "alphabet")]
    [InlineData("020W0000000004000", "overruns")] // Length 4 with 2 data bytes
    [InlineData("020W00000000020000", "characters")] // one character too many
    [InlineData("020W000000", "header")]
    [InlineData("0", "02")]
    [InlineData("03W0000000002000", "02")]
    public void Bad_blocks_are_format_errors(string encoded, string messagePart)
    {
        var error = Assert.Throws<PlaylistFormatException>(() => NscEncodedBlock.Decode(encoded));
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IP Port=0x0001FFFF", "IP Port")]
    [InlineData("IP Port=0xZZ", "IP Port")]
    [InlineData("Time To Live=0x123456789", "Time To Live")]
    [InlineData("Default Ecc=-1", "Default Ecc")]
    [InlineData("Log URL=020W0000000002004", "Log URL")]
    public void Bad_address_values_are_format_errors_naming_the_line(string line, string name)
    {
        var error = Assert.Throws<PlaylistFormatException>(() => NscFile.Parse("[Address]\r\nIP Address=239.1.1.1\r\n" + line + "\r\n"));
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_formats_are_format_errors()
    {
        string tooHighId = NscEncodedBlock.Encode(2048, [1, 2]);
        Assert.Contains("2048", Assert.Throws<PlaylistFormatException>(() => NscFile.Parse($"[Address]\n[Formats]\nFormat1={tooHighId}\n")).Message, StringComparison.Ordinal);
        Assert.Throws<PlaylistFormatException>(() => NscFile.Parse("[Address]\n[Formats]\nFormat1=not encoded\n"));
        Assert.Throws<PlaylistFormatException>(() => NscFile.Parse("[Address]\n[Formats]\nFormat1=020W0000000002004\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("IP Address=239.1.1.1")]
    [InlineData("[Reference]\r\nRef1=http://a/b")]
    [InlineData("[Formats]\r\n[Address]")]
    public void Without_address_first_it_is_not_an_nsc_file(string text) =>
        Assert.Throws<PlaylistFormatException>(() => NscFile.Parse(text));

    [Fact]
    public void Writing_rejects_impossible_values()
    {
        Assert.Throws<InvalidOperationException>(() => new NscFile { IpPort = 70000 }.ToText());
        Assert.Throws<InvalidOperationException>(() => new NscFile { Formats = [new NscFormat(1, 2048, new byte[1])] }.ToText());
    }

    private static byte[] SixBitsToBytes(string chars)
    {
        const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz{}";
        var bits = new StringBuilder();
        foreach (char c in chars)
        {
            bits.Append(Convert.ToString(alphabet.IndexOf(c, StringComparison.Ordinal), 2).PadLeft(6, '0'));
        }

        var bytes = new byte[bits.Length / 8];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = Convert.ToByte(bits.ToString(i * 8, 8), 2);
        }

        return bytes;
    }
}
