using System.Globalization;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Asf.Files;
using MmsGateway.Mms.Recording;
using MmsGateway.Mms.Tests.Client;
using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Recording;

/// <summary>Checks every recording must pass: decodes without an ffmpeg error, has the asked duration, is seekable.</summary>
internal static class Recordings
{
    public static MmsClientOptions Options(Func<AsfHeader, IReadOnlyList<StreamSelection>>? selection = null) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        HandshakeTimeout = TimeSpan.FromSeconds(6),
        ReadTimeout = TimeSpan.FromSeconds(6),
        MmsuResendInterval = TimeSpan.FromMilliseconds(60),
        InitialSelection = selection,
    };

    public static OriginOptions Origin(string root, double udpLoss = 0) => new()
    {
        Root = root,
        MmstPort = 0,
        HttpPort = 0,
        UdpPort = 0,
        UdpLossPercent = udpLoss,
        UdpBurst = TimeSpan.FromSeconds(2),
        Live = new Dictionary<string, string>
        {
            ["live"] = Path.Combine(root, "single.wmv"),
            ["mbrlive"] = Path.Combine(root, "mbr.asf"),
        },
    };

    public static async Task<AsfRecordResult> RecordAsync(Uri url, string path, TimeSpan? duration = null,
        AsfStreamSet? streams = null, MmsClientOptions? options = null)
    {
        MmsConnectResult connected = await MmsConnector.ConnectAsync(url, options ?? Options(), null, CancellationToken.None);
        await using IMmsSession session = connected.Session;
        return await AsfRecorder.RecordAsync(session, path, new AsfRecordOptions { Duration = duration, Streams = streams },
            CancellationToken.None);
    }

    public static async Task<double> FfprobeDurationAsync(string path)
    {
        ToolResult result = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return double.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Decodes cleanly and lasts <paramref name="seconds"/> ± 1 s (ffprobe); an index and the seekable flag.</summary>
    public static async Task AssertPlayableAsync(string path, double seconds)
    {
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
        Assert.InRange(await FfprobeDurationAsync(path), seconds - 1, seconds + 1);
        using AsfFile file = AsfFile.Open(path);
        Assert.False(file.IsTruncated);
        Assert.False(file.Header.IsBroadcast);
        Assert.NotNull(file.SimpleIndex);
        Assert.True(file.Header.FileProperties.IsSeekable);
        Assert.Equal((ulong)file.PacketCount, file.Header.FileProperties.DataPacketsCount);
    }

    public static double SourceSeconds(string path)
    {
        using AsfFile file = AsfFile.Open(path);
        return file.Header.FileProperties.Duration!.Value.TotalSeconds;
    }
}

/// <summary>On-demand recordings over MMST and MMSH: whole files, single- and multi-bitrate, a subset of streams.</summary>
public sealed class RecordOnDemandTests
{
    [Fact]
    public async Task Whole_files_over_mmst_and_mmsh_are_finished_indexed_and_seekable()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => Recordings.Origin(root));
        string single = Path.Combine(origin.Root, "single.wmv");

        string mmst = Path.Combine(origin.Root, "mmst.asf");
        AsfRecordResult result = await Recordings.RecordAsync(origin.Url("mmst", "single.wmv"), mmst);
        Assert.Equal(AsfRecordEnd.EndOfStream, result.End);
        using (AsfFile source = AsfFile.Open(single)) Assert.Equal(source.PacketCount, result.Packets);
        await Recordings.AssertPlayableAsync(mmst, Recordings.SourceSeconds(single));

        // Multi-bitrate over MMSH, keeping one video stream and the audio: the header lists only those.
        string mmsh = Path.Combine(origin.Root, "mmsh.asf");
        result = await Recordings.RecordAsync(origin.Url("mmsh", "mbr.asf"), mmsh, streams: AsfStreamSet.Of(2, 4),
            options: Recordings.Options(h => [StreamSelection.On(2), StreamSelection.On(4)]));
        Assert.Equal(AsfStreamSet.Of(2, 4), result.Streams);
        await Recordings.AssertPlayableAsync(mmsh, Recordings.SourceSeconds(Path.Combine(origin.Root, "mbr.asf")));
        using AsfFile file = AsfFile.Open(mmsh);
        Assert.Equal(AsfStreamSet.Of(2, 4), file.Header.AllStreams);
    }

    [Fact]
    public async Task A_duration_cuts_an_on_demand_file()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => Recordings.Origin(root));
        string path = Path.Combine(origin.Root, "cut.asf");
        AsfRecordResult result = await Recordings.RecordAsync(origin.Url("mmst", "mbr.asf"), path, TimeSpan.FromSeconds(2));
        Assert.Equal(AsfRecordEnd.Duration, result.End);
        await Recordings.AssertPlayableAsync(path, 2);
    }
}

/// <summary>Live recordings over MMST and MMSH: start at a key frame, rebased times, a finished file.</summary>
public sealed class RecordLiveTests
{
    [Theory]
    [InlineData("mmst", "mbrlive")]
    [InlineData("mmsh", "live")]
    public async Task Live_is_recorded_for_the_asked_duration(string scheme, string name)
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(4, root => Recordings.Origin(root));
        string path = Path.Combine(origin.Root, $"{scheme}-{name}.asf");
        AsfRecordResult result = await Recordings.RecordAsync(origin.Url(scheme, name), path, TimeSpan.FromSeconds(3));
        Assert.Equal(AsfRecordEnd.Duration, result.End);
        await Recordings.AssertPlayableAsync(path, 3);
        using AsfFile file = AsfFile.Open(path);
        byte[] first = new byte[file.PacketSize];
        file.ReadPacket(0, first);
        Assert.InRange(Asf.Packets.AsfPacketParser.ParseHeader(first, file.PacketSize).SendTime, 0u, 1000u); // rebased
    }
}

/// <summary>MMSU recordings (data over UDP, 5 % loss on purpose): on demand and live.</summary>
public sealed class RecordMmsuTests
{
    [Fact]
    public async Task On_demand_and_live_over_mmsu()
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(3, root => Recordings.Origin(root, udpLoss: 5));
        string single = Path.Combine(origin.Root, "single.wmv");
        string whole = Path.Combine(origin.Root, "mmsu.asf");
        Task<AsfRecordResult> onDemand = Recordings.RecordAsync(origin.Url("mmsu", "single.wmv"), whole);
        string live = Path.Combine(origin.Root, "mmsu-live.asf");
        Task<AsfRecordResult> broadcast = Recordings.RecordAsync(origin.Url("mmsu", "mbrlive"), live, TimeSpan.FromSeconds(3));

        AsfRecordResult result = await onDemand;
        Assert.Equal(AsfRecordEnd.EndOfStream, result.End);
        using (AsfFile source = AsfFile.Open(single)) Assert.Equal(source.PacketCount, result.Packets);
        await Recordings.AssertPlayableAsync(whole, Recordings.SourceSeconds(single));
        Assert.Equal(AsfRecordEnd.Duration, (await broadcast).End);
        await Recordings.AssertPlayableAsync(live, 3);
    }
}

/// <summary>A recording from VLC's MMSH server, a peer this project did not write.</summary>
public sealed class RecordVlcTests
{
    [Fact]
    public async Task Vlc_mmsh_stream_is_recorded()
    {
        if (!VlcMmshServer.IsAvailable) return;
        await using VlcMmshServer vlc = await VlcMmshServer.StartAsync(await GeneratedMedia.SingleBitrateAsync(30));
        string path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-record-vlc-").FullName, "vlc.asf");
        AsfRecordResult result = await Recordings.RecordAsync(vlc.Url, path, TimeSpan.FromSeconds(3));
        Assert.Equal(AsfRecordEnd.Duration, result.End);
        await Recordings.AssertPlayableAsync(path, 3);
    }
}
