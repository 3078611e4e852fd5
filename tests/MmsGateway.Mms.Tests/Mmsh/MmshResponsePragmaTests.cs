using System.Buffers;
using System.Text;
using MmsGateway.Mms.Mmsh;
using static MmsGateway.Mms.Tests.Mmsh.MmshTestHelpers;

namespace MmsGateway.Mms.Tests.Mmsh;

/// <summary>The Pragma value of the server's responses, which the origin writes and the gateway sets on Kestrel's response.</summary>
public class MmshResponsePragmaTests
{
    [Fact]
    public void The_streaming_forms_live_on_demand_and_reset()
    {
        Assert.Equal("no-cache,client-id=7,features=\"broadcast\",timeout=60000",
            MmshResponsePragma.Format(new MmshResponseInfo(7, MmshFeatures.LiveBroadcast)));
        Assert.Equal("no-cache,client-id=4294967295,features=\"seekable,stridable\",timeout=60000",
            MmshResponsePragma.Format(new MmshResponseInfo(uint.MaxValue, MmshFeatures.OnDemand)));
        Assert.Equal("no-cache,client-id=1,xResetStrm=1,features=\"\",timeout=5",
            MmshResponsePragma.Format(new MmshResponseInfo(1, []) { ResetStream = true, Timeout = 5 }));
    }

    [Fact]
    public void The_empty_answer_form_has_no_features()
    {
        Span<byte> value = stackalloc byte[64];
        Assert.True(MmshResponsePragma.TryWriteEmpty(value, new MmshResponseInfo(3456789, MmshFeatures.OnDemand), out var written));
        Assert.Equal("client-id=3456789,timeout=60000", Encoding.ASCII.GetString(value[..written]));
    }

    [Fact]
    public void The_longest_value_fits_in_max_length_and_one_byte_less_is_refused()
    {
        var info = new MmshResponseInfo(uint.MaxValue, [MmshFeatures.Seekable, MmshFeatures.Stridable, MmshFeatures.Playlist])
        {
            ResetStream = true,
            Timeout = uint.MaxValue,
        };
        var exact = Encoding.ASCII.GetByteCount(MmshResponsePragma.Format(info));
        Assert.Equal(MmshResponsePragma.MaxLength(info), exact);
        var buffer = new byte[exact];
        Assert.True(MmshResponsePragma.TryWrite(buffer, info, out var written));
        Assert.Equal(exact, written);
        Assert.False(MmshResponsePragma.TryWrite(buffer.AsSpan(0, exact - 1), info, out _));
    }

    [Fact]
    public void What_the_writer_puts_in_the_head_is_what_a_client_reads_back()
    {
        var info = new MmshResponseInfo(2338761264, MmshFeatures.LiveBroadcast) { ResetStream = true };
        var writer = new ArrayBufferWriter<byte>();
        MmshResponseWriter.WritePlay(writer, info);
        MmshResponse response = ParseResponse(Text(writer));
        Assert.Equal(MmshResponsePragma.Format(info), response.Headers["Pragma"]);
        Assert.Equal(2338761264u, response.ClientId);
        Assert.True(response.ResetStream);
        Assert.True(response.IsBroadcast);
    }

    [Theory]
    [InlineData("a,b")]
    [InlineData("a\"")]
    [InlineData("a\r\nX-Injected: 1")]
    [InlineData("caf\u00e9")]
    public void Features_that_would_break_the_list_or_the_head_are_refused(string feature)
    {
        Assert.Throws<ArgumentException>(() => MmshResponsePragma.Format(new MmshResponseInfo(1, [feature])));
        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => MmshResponseWriter.WriteDescribe(writer, new MmshResponseInfo(1, [feature]), 10));
    }
}
