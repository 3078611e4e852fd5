using System.CommandLine;
using System.Globalization;
using System.Net;
using MmsGateway.Origin;

namespace MmsGateway.Cli;

/// <summary><c>origin --root DIR ...</c>: the MMS origin server, for tests, the demo and docker-compose.</summary>
internal static class OriginCommand
{
    public static Command Create()
    {
        var root = new Option<string>("--root") { Description = "Folder of ASF files served on demand.", Required = true };
        var address = new Option<string>("--address") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var mmstPort = new Option<int>("--mmst-port") { Description = "MMST TCP port (-1 disables).", DefaultValueFactory = _ => 1755 };
        var httpPort = new Option<int>("--http-port") { Description = "MMSH (HTTP) port (-1 disables).", DefaultValueFactory = _ => 8081 };
        var udpPort = new Option<int?>("--udp-port") { Description = "MMSU resend-request UDP port (-1 disables MMSU; default: the MMST port's number)." };
        var rtspPort = new Option<int>("--rtsp-port") { Description = "MS-RTSP TCP port (-1, the default, disables; 554 is the standard port).", DefaultValueFactory = _ => -1 };
        var live = new Option<string[]>("--live") { Description = "NAME=FILE: loop FILE forever as broadcast NAME (repeatable).", AllowMultipleArgumentsPerToken = false };
        var rate = new Option<long>("--rate") { Description = "Per-session cap in bits/s (0 = none); change it live with /_admin/rate?bps=N." };
        var udpLoss = new Option<double>("--udp-loss") { Description = "Percent of MMSU and RTSP-over-UDP datagrams dropped on purpose (never the resends)." };
        var fault = new Option<string[]>("--fault") { Description = "disconnect-after=S | stall-after=S | garbage-after=S | refuse=mmst,mmsh,mmsu,rtsp | reset-handshake (repeatable)." };
        var auth = new Option<string?>("--auth") { Description = "USER:PASSWORD required over MMST (Basic) and RTSP (Basic or Digest)." };
        var redirect = new Option<string[]>("--redirect") { Description = "NAME=URL: answer NAME with an MMS redirect (repeatable)." };
        var multicast = new Option<string[]>("--multicast") { Description = "NAME=GROUP:PORT: also send live NAME to a multicast group; /NAME.nsc on the HTTP port describes it." };

        var command = new Command("origin", "Run the MMS origin server (MMST, MMSH, MMSU, MS-RTSP) over a folder of ASF files.")
        {
            root, address, mmstPort, httpPort, udpPort, rtspPort, live, rate, udpLoss, fault, auth, redirect, multicast,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            OriginOptions options;
            try
            {
                options = new OriginOptions
                {
                    Root = parse.GetValue(root)!,
                    Address = IPAddress.Parse(parse.GetValue(address)!),
                    MmstPort = parse.GetValue(mmstPort),
                    HttpPort = parse.GetValue(httpPort),
                    UdpPort = parse.GetValue(udpPort),
                    RtspPort = parse.GetValue(rtspPort),
                    Live = Pairs(parse.GetValue(live), "--live"),
                    RateBps = parse.GetValue(rate),
                    UdpLossPercent = parse.GetValue(udpLoss),
                    Faults = ParseFaults(parse.GetValue(fault) ?? []),
                    BasicCredentials = parse.GetValue(auth),
                    Redirects = Pairs(parse.GetValue(redirect), "--redirect"),
                    Multicast = Pairs(parse.GetValue(multicast), "--multicast")
                        .ToDictionary(p => p.Key, p => IPEndPoint.TryParse(p.Value, out var ep) && ep.Port > 0
                            ? ep : throw new ArgumentException($"--multicast {p.Key}: expected GROUP:PORT, got '{p.Value}'")),
                };
                options.Validate();
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"origin: {e.Message}");
                return 2;
            }

            using var loggers = CliLogging.Create();
            try
            {
                await using var server = await OriginServer.StartAsync(options, loggers).ConfigureAwait(false);
                Console.Error.WriteLine($"origin: MMST {server.MmstPort}, MMSH {server.HttpPort}, MMSU {server.UdpPort}, RTSP {server.RtspPort} on {options.Address}");
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return 0;
            }
            catch (OriginListenException e)
            {
                Console.Error.WriteLine($"origin: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Dictionary<string, string> Pairs(string[]? values, string option)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in values ?? [])
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == value.Length - 1) throw new ArgumentException($"{option} expects NAME=VALUE, got '{value}'");
            result[value[..eq]] = value[(eq + 1)..];
        }
        return result;
    }

    internal static OriginFaults ParseFaults(IEnumerable<string> specs)
    {
        var faults = new OriginFaults();
        foreach (var spec in specs)
        {
            var eq = spec.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? spec : spec[..eq];
            var value = eq < 0 ? "" : spec[(eq + 1)..];
            faults = key switch
            {
                "disconnect-after" => faults with { DisconnectAfter = Seconds(value, spec) },
                "stall-after" => faults with { StallAfter = Seconds(value, spec) },
                "garbage-after" => faults with { GarbageAfter = Seconds(value, spec) },
                "refuse" => faults with { Refuse = value.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase) },
                "reset-handshake" => faults with { ResetDuringHandshake = true },
                _ => throw new ArgumentException($"--fault: unknown fault '{spec}'"),
            };
        }
        return faults;
    }

    private static TimeSpan Seconds(string value, string spec) =>
        double.TryParse(value, CultureInfo.InvariantCulture, out var s) && s >= 0
            ? TimeSpan.FromSeconds(s)
            : throw new ArgumentException($"--fault {spec}: expected a number of seconds");
}
