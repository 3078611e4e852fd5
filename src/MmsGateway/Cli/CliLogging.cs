using Microsoft.Extensions.Logging;

namespace MmsGateway.Cli;

/// <summary>Console logging for the non-host verbs (origin, record); level from MMSGW_LOG_LEVEL (default Information).</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create() => LoggerFactory.Create(builder =>
    {
        var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("MMSGW_LOG_LEVEL"), ignoreCase: true, out var l) ? l : LogLevel.Information;
        builder.SetMinimumLevel(level);
        builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
    });
}
