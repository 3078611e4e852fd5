using System.Buffers.Binary;
using System.Text;
using MmsGateway.Mms.Mmst;
using static MmsGateway.Mms.Tests.Mmst.MmstTestHelpers;

namespace MmsGateway.Mms.Tests.Mmst;

/// <summary>Round trips and client quirks of the messages beyond the golden trace (docs/protocol/mmst.md#s1.5).</summary>
public class MmstMessageTests
{
    [Fact]
    public void ReportConnectedEx_counts_characters_including_the_nul()
    {
        var message = ReportConnectedExMessage.Create("4.1.0.3928") with
        {
            VersionInfo = "9.0",
            VersionUrl = "http://example.invalid/upgrade",
            AuthenPackage = "BASIC",
        };
        byte[] packet = MmstMessageWriter.ToArray(message, 0);
        Assert.Equal(11u, BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(80)));
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(84)));
        Assert.Equal(31u, BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(88)));
        Assert.Equal(6u, BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(92)));
        Assert.Equal(message, ReadSinglePdu(packet).ReadMessage<ReportConnectedExMessage>());
    }

    [Fact]
    public void ReportConnectedEx_string_counts_beyond_the_message_are_malformed()
    {
        byte[] body = new byte[72];
        MmstMessageWriter.ToArray(ReportConnectedExMessage.Create(), 0).AsSpan(40, 72).CopyTo(body);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(40), 1000); // cbServerVersionInfo (message offset 48)
        var error = Assert.Throws<MmsProtocolException>(() => ReportConnectedExMessage.Read(body));
        Assert.Contains("ServerVersionInfo", error.Message, StringComparison.Ordinal);
        Assert.Equal(64, error.Offset); // message offset of the strings
    }

    [Theory]
    [InlineData("NSPlayer/4.1.0.3928; {68c0a090-8797-11d2-a2b3-00a0c9b60551}", "NSPlayer", "4.1.0.3928",
        "{68c0a090-8797-11d2-a2b3-00a0c9b60551}", null)]
    [InlineData("NSPlayer/7.0.0.1956; {0xbabac001-0x11d9-0x2aea-0x771f7f0c567234cd}; Host: example.org:1755",
        "NSPlayer", "7.0.0.1956", "{0xbabac001-0x11d9-0x2aea-0x771f7f0c567234cd}", "example.org:1755")]
    [InlineData("Spooooon!", "Spooooon!", null, null, null)]
    [InlineData("", "", null, null, null)]
    public void Subscriber_names_are_split_without_validating_the_guid(string text, string product, string? version,
        string? guid, string? host)
    {
        MmstSubscriberName name = MmstSubscriberName.Parse(text);
        Assert.Equal(product, name.Product);
        Assert.Equal(version, name.Version?.ToString());
        Assert.Equal(guid, name.ClientGuid);
        Assert.Equal(host, name.Host);
    }

    [Fact]
    public void Connect_stops_at_the_first_nul_of_subscriberName()
    {
        byte[] body = [.. new byte[12], .. Encoding.Unicode.GetBytes("NSPlayer/9.0\0HOST: proxy\0VIA: x\0")];
        Assert.Equal("NSPlayer/9.0", ConnectMessage.Read(body).SubscriberName);
    }

    [Fact]
    public void FunnelInfo_tolerates_ffmpegs_extra_dword()
    {
        byte[] body = Hex.Parse("f0 f0 f0 00 0b 00 04 00");
        FunnelInfoMessage message = FunnelInfoMessage.Read(body);
        Assert.Equal(0x00F0F0F0u, message.PlayIncarnation);
        Assert.Equal(MmstPacketPairRequest.None, message.PacketPairRequest);
        Assert.Equal(MmstPacketPairRequest.HighEntropyUdp,
            RoundTrip(new FunnelInfoMessage(FunnelInfoMessage.HighEntropyPacketPairUdp)).PacketPairRequest);
    }

    [Fact]
    public void ConnectFunnel_ignores_vlcs_junk_after_the_nul()
    {
        byte[] body = [.. Hex.Parse("00 00 00 00 ff ff ff ff 00 00 00 00 00 00 0a 00 02 00 00 00"),
            .. Encoding.Unicode.GetBytes(@"\\192.168.0.1\TCP\1242" + "\0" + "0")];
        ConnectFunnelMessage message = ConnectFunnelMessage.Read(body);
        Assert.Equal(@"\\192.168.0.1\TCP\1242", message.FunnelName);
        Assert.Equal(0x000A0000u, message.MaxBitRate);
        Assert.Equal(MmstFunnelTransport.Tcp, message.Funnel.Transport);
    }

    [Theory]
    [InlineData(@"\\127.0.0.1\UDP\7000", MmstFunnelTransport.Udp, "127.0.0.1", 7000)]
    [InlineData(@"\\192.168.0.129\TCP\1037", MmstFunnelTransport.Tcp, "192.168.0.129", 1037)]
    [InlineData(@"\\10.0.0.1\udp\99999", MmstFunnelTransport.Udp, "10.0.0.1", null)]
    [InlineData(@"\\10.0.0.1\IPX\1", MmstFunnelTransport.Unknown, "10.0.0.1", 1)]
    [InlineData("garbage", MmstFunnelTransport.Unknown, "", null)]
    public void Funnel_names_give_transport_and_port(string text, MmstFunnelTransport transport, string address,
        int? port) =>
        Assert.Equal(new MmstFunnelName(transport, address, port), MmstFunnelName.Parse(text));

    [Fact]
    public void OpenFile_strips_a_leading_slash_and_keeps_the_query()
    {
        var sent = new OpenFileMessage(1, 0xFFFF_FFFF, "/live/stream?x=1", ReadOnlyMemory<byte>.Empty);
        Assert.Equal("live/stream?x=1", RoundTrip(sent).FileName);
    }

    [Fact]
    public void OpenFile_carries_basic_credentials_after_the_file_name()
    {
        OpenFileMessage message = OpenFileMessage.Create("test.wmv").WithBasicCredentials("dXNlcjpwYXNz");
        byte[] packet = MmstMessageWriter.ToArray(message, 0);
        Assert.Equal(18u, BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(48))); // token offset from fileName
        Assert.Equal(13u, BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(52))); // cbtoken with its NUL
        OpenFileMessage read = ReadSinglePdu(packet).ReadMessage<OpenFileMessage>();
        Assert.Equal("dXNlcjpwYXNz", read.BasicCredentials);
        Assert.Equal("test.wmv", read.FileName);
    }

    [Fact]
    public void OpenFile_token_outside_the_message_is_malformed()
    {
        byte[] body = [.. Hex.Parse("01 00 00 00 ff ff ff ff 10 00 00 00 40 00 00 00"), .. Encoding.Unicode.GetBytes("a\0")];
        Assert.Throws<MmsProtocolException>(() => OpenFileMessage.Read(body));
    }

    [Fact]
    public void StreamSwitch_count_larger_than_the_entries_is_malformed()
    {
        byte[] body = Hex.Parse("05 00 00 00 ff ff 01 00 00 00 ff ff 02 00 00 00");
        var error = Assert.Throws<MmsProtocolException>(() => StreamSwitchMessage.Read(body));
        Assert.Contains("cStreamEntries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StreamSwitch_entries_in_both_spec_and_client_off_forms()
    {
        StreamSwitchEntry[] entries = [new(0xFFFF, 3, 2), new(4, 0xFFFF, 0), new(1, 1, 1), new(2, 5, 0)];
        StreamSwitchMessage read = RoundTrip(new StreamSwitchMessage(entries));
        Assert.Equal(entries, read.Entries);
        Assert.Equal([true, true, false, false], read.Entries.Select(e => e.TurnsOff));
        Assert.Equal("ffff:3:2", entries[0].ToString());
    }

    [Theory]
    [InlineData(0.0, 0xFFFF_FFFFu, 105u, MmstStartPointKind.LocationId)] // vlc seek: position 0.0 and the packet
    [InlineData(12.5, 0xFFFF_FFFFu, 105u, MmstStartPointKind.LocationId)]
    [InlineData(12.5, 4000u, 0xFFFF_FFFFu, MmstStartPointKind.AsfOffset)]
    [InlineData(12.5, 0u, 0u, MmstStartPointKind.Position)] // libmms time seek
    [InlineData(double.MaxValue, 0xFFFF_FFFFu, 0xFFFF_FFFFu, MmstStartPointKind.Beginning)]
    [InlineData(double.NaN, 0u, 0u, MmstStartPointKind.Beginning)]
    [InlineData(0.0, 0xFFFF_FFFFu, 0xFFFF_FFFFu, MmstStartPointKind.Beginning)] // every open client's first play
    public void StartPlaying_start_point_prefers_locationId_then_asfOffset_then_position(double position,
        uint asfOffset, uint locationId, MmstStartPointKind kind)
    {
        var message = new StartPlayingMessage(1, StartPlayingMessage.ClientPadding, position, asfOffset, locationId,
            StartPlayingMessage.NoPracticalLimit, 4);
        Assert.Equal(kind, RoundTrip(message).StartPoint.Kind);
    }

    [Fact]
    public void StartPlaying_optional_bandwidth_fields_round_trip()
    {
        StartPlayingMessage withAccel = StartPlayingMessage.FromTime(3.5) with { AccelBandwidth = 500_000, AccelDuration = 2000 };
        Assert.Equal(48, MmstMessageWriter.PacketLength(withAccel) - 32);
        Assert.Equal(withAccel, RoundTrip(withAccel));

        StartPlayingMessage withLink = withAccel with { LinkBandwidth = 1_000_000 };
        Assert.Equal(withLink, RoundTrip(withLink));
        Assert.Equal(new MmstStartPoint(MmstStartPointKind.Position, 0, 0, 3.5), withLink.StartPoint);

        Assert.Equal(StartPlayingMessage.FromPacket(9), RoundTrip(StartPlayingMessage.FromPacket(9)));
    }

    [Fact]
    public void Every_other_message_round_trips()
    {
        Assert.Equal(new StopPlayingMessage(1, 0x001F_FFFF), RoundTrip(new StopPlayingMessage(1, 0x001F_FFFF)));
        Assert.Equal(new CancelReadBlockMessage(2), RoundTrip(new CancelReadBlockMessage(2)));
        Assert.Equal(new PongMessage(1, 0x0100_FFFF), RoundTrip(new PongMessage(1, 0x0100_FFFF)));
        Assert.Equal(new ReportDisconnectedFunnelMessage(MmsHResult.BadParameter, 0),
            RoundTrip(new ReportDisconnectedFunnelMessage(MmsHResult.BadParameter, 0)));
        Assert.Equal(new ReportStartStridingMessage(0, 9, 0), RoundTrip(new ReportStartStridingMessage(0, 9, 0)));
        var change = new ReportStreamChangeMessage(0, 0xFF, 3200, 5000, 128_000, 0);
        Assert.Equal(change, RoundTrip(change));
        Assert.Equal(32, MmstMessageWriter.PacketLength(change) - 32);
        var striding = new StartStridingMessage(1, 0x0001_FFFF, 10, 0xFFFF_FFFF, 0xFFFF_FFFF, 0x00FF_FFFF, 9, -2.0);
        Assert.Equal(striding, RoundTrip(striding));
        var redirect = new ReportRedirectMessage(0, ReportRedirectMessage.OtherUrl, "mmst://other.example:1755/a b");
        Assert.Equal(redirect, RoundTrip(redirect));
        Assert.Equal(ReportOpenFileMessage.Failed(MmsHResult.FileNotFound, 1),
            RoundTrip(ReportOpenFileMessage.Failed(MmsHResult.FileNotFound, 1)));
    }

    [Fact]
    public void Messages_with_opaque_bytes_round_trip()
    {
        byte[] log = Encoding.ASCII.GetBytes("- - 127.0.0.1 -");
        Assert.Equal(log, RoundTrip(new LoggingMessage(log)).ClientLog.ToArray()[..log.Length]);

        SecurityChallengeMessage challenge = RoundTrip(SecurityChallengeMessage.ForBasic(1, 77, "gateway"));
        Assert.Equal("realm=\"gateway\"", challenge.TokenText);
        Assert.Equal(77u, challenge.Cookie);

        SecurityResponseMessage response = RoundTrip(SecurityResponseMessage.ForBasic(1, 77, "dXNlcjpwYXNz"));
        Assert.Equal("dXNlcjpwYXNz", response.BasicCredentials);
        Assert.Equal(13, response.Token.Length);
    }

    [Fact]
    public void ReportFunnelInfo_with_packet_pair_filler_makes_a_512_byte_packet()
    {
        var plain = ReportFunnelInfoMessage.Create(sessionId: 0x1234);
        Assert.Equal(80, MmstMessageWriter.PacketLength(plain));
        Assert.Equal(plain, RoundTrip(plain));

        var pair = plain with { PlayIncarnation = FunnelInfoMessage.PacketPair, PacketPairFiller = new byte[512 - 80] };
        Assert.Equal(512, MmstMessageWriter.PacketLength(pair));
        Assert.Equal(432, RoundTrip(pair).PacketPairFiller.Length);
    }

    [Fact]
    public void A_truncated_body_names_the_message_field_and_offset()
    {
        var error = Assert.Throws<MmsProtocolException>(() => ReportOpenFileMessage.Read(new byte[40]));
        Assert.Contains("ReportOpenFile", error.Message, StringComparison.Ordinal);
        Assert.Contains("unused1", error.Message, StringComparison.Ordinal);
        Assert.Equal(44, error.Offset);
    }

    [Fact]
    public void ReadMessage_of_the_wrong_type_is_a_programming_error()
    {
        MmstPdu pdu = ReadSinglePdu(Hex.Parse(GoldenTrace.Ping));
        Assert.Throws<InvalidOperationException>(() => pdu.ReadMessage<PongMessage>());
        Assert.Equal(MmstDirection.ToClient, MmstDirection.Of(pdu.MessageId));
    }

    [Fact]
    public void The_sequence_number_wraps_as_a_u16()
    {
        byte[] packet = MmstMessageWriter.ToArray(new PongMessage(0, 0), 65536 + 3);
        Assert.Equal(Hex.Parse("03 00 00 00"), packet[20..24]);
    }
}
