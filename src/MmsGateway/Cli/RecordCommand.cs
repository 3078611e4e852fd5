using System.CommandLine;
using System.Globalization;
using MmsGateway.Adaptation;
using MmsGateway.Asf;
using MmsGateway.Cli.Probe;
using MmsGateway.Cli.Record;
using MmsGateway.Mms.Client;
using MmsGateway.Asf.Files;
using MmsGateway.Mms.Recording;

namespace MmsGateway.Cli;

/// <summary>
/// <c>record URL -o FILE [--duration S] [--max-bitrate BPS] [--streams LIST]</c>: saves a stream as a playable ASF
/// file (<see cref="AsfRecorder"/>): on-demand content as a finished, indexed, seekable file that a second run resumes
/// where the first stopped; live content from a key frame with its times rebased. Progress goes to standard error
/// when it is a terminal; Ctrl+C finishes the file cleanly.
/// </summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("url") { Description = "An mms://, mmst://, mmsu://, mmsh://, rtsp://, rtspt://, rtspu:// or http:// URL, a playlist (.asx, .wax, .nsc), or a local ASF file (copied directly)." };
        var output = new Option<string>("--output", "-o") { Description = "The ASF file to write (an existing partial recording of the same on-demand content is resumed).", Required = true };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds of content." };
        var maxBitrate = new Option<long?>("--max-bitrate") { Description = "Take audio first, then the best video stream that fits (bits/s)." };
        var streams = new Option<string?>("--streams") { Description = "Stream numbers to keep, e.g. 1,4." };
        var timeout = new Option<double>("--timeout") { Description = "Deadline in seconds of every connect, handshake step and read.", DefaultValueFactory = _ => 10 };
        var protocols = new Option<string?>("--protocols") { Description = "Rollover order for mms:// URLs, e.g. rtspu,rtspt,mmst,mmsh (default rtspt,mmst,mmsh)." };
        var command = new Command("record", "Save a stream as a playable, seekable .asf file.")
        {
            target, output, duration, maxBitrate, streams, timeout, protocols,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string source = parse.GetValue(target)!;
            string path = parse.GetValue(output)!;
            MmsClientOptions options;
            AsfRecordOptions record;
            Uri url;
            if (LocalAsfFile(source) is { } file)
                return await RemuxFileAsync(file, path, parse.GetValue(streams), parse.GetValue(maxBitrate), parse.GetValue(duration), cancellationToken).ConfigureAwait(false);
            try
            {
                if (!SourceArguments.TryGetUrl(source, out url))
                    throw new ArgumentException($"{source}: not an mms://, mmst://, mmsu://, mmsh://, rtsp://, rtspt://, rtspu:// or http:// URL or a playlist");
                options = SourceArguments.ClientOptions(parse.GetValue(timeout), parse.GetValue(protocols));
                int[]? keep = ParseStreams(parse.GetValue(streams));
                long? cap = parse.GetValue(maxBitrate);
                if (cap is <= 0) throw new ArgumentException("--max-bitrate must be a positive number of bits per second");
                if (keep is not null && cap is not null) throw new ArgumentException("--streams and --max-bitrate exclude each other");
                double? seconds = parse.GetValue(duration);
                if (seconds is <= 0 or > 1e7 || (seconds is { } s && double.IsNaN(s)))
                    throw new ArgumentException("--duration must be a positive number of seconds");
                // Headers that do not tell which video fits get every stream first, measured before choosing.
                options.InitialSelection = header => cap is not null && RecordStreamChoice.NeedsMeasuring(header)
                    ? header.Streams.Select(s => StreamSelection.On(s.StreamNumber)).ToList()
                    : Selection(header, keep, cap);
                record = new AsfRecordOptions
                {
                    Duration = seconds is { } d ? TimeSpan.FromSeconds(d) : null,
                    Streams = keep is null ? null : AsfStreamSet.Of(keep),
                    Progress = Console.IsErrorRedirected ? null : p => Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
                        $"\rrecording {Path.GetFileName(path)}: {p.Content.TotalSeconds,8:0.0} s, {p.Bytes / 1048576.0,8:0.00} MiB, {p.Packets} packets ")),
                };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"record: {e.Message}");
                return 2;
            }

            try
            {
                MmsConnectResult connected = await MmsConnector.ConnectAsync(url, options, null, cancellationToken).ConfigureAwait(false);
                await using IMmsSession session = await CappedAsync(connected.Session, parse.GetValue(maxBitrate), options.TimeProvider,
                    cancellationToken).ConfigureAwait(false);
                if (parse.GetValue(maxBitrate) is { } cap)
                {
                    // Kept here, not only asked of the server: some (VLC's) send every stream whatever was selected.
                    record = record with { Streams = RecordStreamChoice.Kept(session is PrefetchingSession read
                        ? Selection(session.Header, null, cap, BitrateOf(session.Header, read.Statistics))
                        : Selection(session.Header, null, cap)) };
                }

                AsfRecordResult result = await AsfRecorder.RecordAsync(session, path, record, cancellationToken).ConfigureAwait(false);
                if (record.Progress is not null) Console.Error.WriteLine();
                Console.Out.WriteLine(Summary(result, session));
                if (result.Packets == 0 && result.End != AsfRecordEnd.Interrupted)
                {
                    // Never a success without content: say what was waited for instead.
                    return Fail($"{url}: no packet of streams {result.Streams} was recorded ({Ending(result)}); {path} holds no content");
                }

                return result.End switch
                {
                    AsfRecordEnd.Failed => Fail($"{result.Error!.Message} ({path} was finished with {result.Content.TotalSeconds:0.0} s; run again to resume)"),
                    AsfRecordEnd.Interrupted => 130,
                    _ => 0,
                };
            }
            catch (MmsClientException e)
            {
                return Fail(e.Message);
            }
            catch (OperationCanceledException)
            {
                return Fail($"{source}: interrupted before the recording started", 130);
            }
            catch (ArgumentException e)
            {
                return Fail(e.Message, 2);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or AsfFormatException)
            {
                return Fail($"{path}: {e.Message.ReplaceLineEndings(" ")}");
            }
        });
        return command;
    }

    /// <summary>A local ASF file (a path or a <c>file:</c> URL, not a playlist): copied directly, no MMS session.</summary>
    private static string? LocalAsfFile(string source)
    {
        var path = source.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.IsFile
            ? uri.LocalPath
            : source;
        if (path.Contains("://", StringComparison.Ordinal) || !File.Exists(path)) return null;
        return SourceArguments.TryGetUrl(path, out _) ? null : path; // playlists go through the connector
    }

    /// <summary>
    /// <c>record FILE.asf -o OUT.asf --streams LIST</c>: the file-to-file copy (<see cref="AsfRemux"/>), keeping the
    /// chosen streams, indexed, at disk speed (benchmarks/README.md, "Remux").
    /// </summary>
    private static async Task<int> RemuxFileAsync(string input, string output, string? streams, long? maxBitrate, double? duration, CancellationToken cancellationToken)
    {
        try
        {
            if (duration is not null) throw new ArgumentException("--duration applies to streams, not to a local file copy");
            if (maxBitrate is <= 0) throw new ArgumentException("--max-bitrate must be a positive number of bits per second");
            int[]? keep = ParseStreams(streams);
            if (keep is not null && maxBitrate is not null) throw new ArgumentException("--streams and --max-bitrate exclude each other");
            if (Path.GetFullPath(input) == Path.GetFullPath(output)) throw new ArgumentException("the output must not be the input file");
            AsfHeader header;
            Func<int, long>? bitrateOf = null;
            using (var file = AsfFile.Open(input))
            {
                header = file.Header;
                if (maxBitrate is not null && RecordStreamChoice.NeedsMeasuring(header)) bitrateOf = BitrateOf(header, Measure(file));
            }

            var selected = AsfStreamSet.Of(Selection(header, keep, maxBitrate, bitrateOf).Where(s => s.ThinningLevel != StreamSelection.Off).Select(s => s.StreamNumber));
            var result = await AsfRemux.RemuxAsync(input, output, selected, cancellationToken).ConfigureAwait(false);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{output}: {result.PacketsWritten} packets of {result.PacketsRead} ({result.PacketsDropped} held only dropped streams), streams {selected}, from {input}"));
            return 0;
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message, 2);
        }
        catch (OperationCanceledException)
        {
            return Fail($"{input}: interrupted", 130);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or AsfFormatException)
        {
            return Fail($"{input}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>
    /// With <c>--max-bitrate</c> over a header that does not tell which video fits, the session read ahead for a few
    /// seconds to measure every stream (<see cref="PrefetchingSession"/>); otherwise the session itself.
    /// </summary>
    private static async Task<IMmsSession> CappedAsync(IMmsSession session, long? maxBitrate, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (maxBitrate is null || !RecordStreamChoice.NeedsMeasuring(session.Header)) return session;
        try
        {
            return await PrefetchingSession.ReadAheadAsync(session, StreamProber.MeasureSpan, time, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The first seconds of a file (<see cref="StreamProber.MeasureSpan"/> of send times), per stream.</summary>
    private static AsfStreamStatistics Measure(AsfFile file)
    {
        var stats = new AsfStreamStatistics(file.PacketSize);
        byte[] packet = new byte[file.PacketSize];
        for (long i = 0; i < file.PacketCount && stats.SpanMs < StreamProber.MeasureSpan.TotalMilliseconds; i++)
        {
            file.ReadPacket(i, packet);
            stats.Add(packet);
        }

        return stats;
    }

    /// <summary>A stream's declared bitrate, else the one measured (0: unknown).</summary>
    private static Func<int, long> BitrateOf(AsfHeader header, AsfStreamStatistics measured) => n =>
        header.DeclaredBitrate(n)?.Bitrate ?? measured.MeasuredBitrate(n, measured.SpanMs) ?? 0;

    private static int Fail(string line, int code = 1)
    {
        Console.Error.WriteLine($"record: {line}");
        return code;
    }

    /// <summary><c>--streams</c> as given; <c>--max-bitrate</c> by the adaptation rule; otherwise every stream.</summary>
    /// <param name="bitrateOf">Declared and measured bitrates; null: the declared ones.</param>
    private static IReadOnlyList<StreamSelection> Selection(AsfHeader header, int[]? keep, long? maxBitrate,
        Func<int, long>? bitrateOf = null)
    {
        if (keep is not null)
        {
            bool any = keep.Any(n => header.FindStream(n) is not null);
            return header.Streams.Select(s => new StreamSelection(s.StreamNumber,
                !any || keep.Contains(s.StreamNumber) ? StreamSelection.Full : StreamSelection.Off)).ToList();
        }

        return maxBitrate is { } cap
            ? RecordStreamChoice.Choose(header, cap, bitrateOf ?? (n => header.DeclaredBitrate(n)?.Bitrate ?? 0))
            : header.Streams.Select(s => StreamSelection.On(s.StreamNumber)).ToList();
    }

    private static int[]? ParseStreams(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var numbers = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 127)
                throw new ArgumentException($"--streams: '{part}' is not a stream number (1..127)");
            numbers.Add(n);
        }

        return numbers.Count == 0 ? throw new ArgumentException("--streams names no stream") : numbers.ToArray();
    }

    private static string Ending(AsfRecordResult result) => result.End switch
    {
        AsfRecordEnd.EndOfStream => "end of stream",
        AsfRecordEnd.Duration => "duration reached",
        AsfRecordEnd.Interrupted => "interrupted",
        AsfRecordEnd.HeaderChanged => "the stream changed its header (next entry); stopped there",
        _ => result.Error?.Message ?? "failed",
    };

    private static string Summary(AsfRecordResult result, IMmsSession session)
    {
        string end = result.End == AsfRecordEnd.Failed ? "failed" : Ending(result);
        string resumed = result.ResumedAt > 0 ? $", resumed after packet {result.ResumedAt}" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"{result.Path}: {result.Content.TotalSeconds:0.0} s, {result.Packets} packets, streams {result.Streams}, {session.Protocol.ToString().ToLowerInvariant()}, {(result.Seekable ? "indexed" : "no index")}, {end}{resumed}");
    }
}
