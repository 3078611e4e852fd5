using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace MmsGateway.Observability;

/// <summary>
/// Console log format switch (structured logs, with a JSON switch for log collectors). ASP.NET Core already honours
/// <c>Logging:Console:FormatterName</c> (simple, json, systemd); <c>Gateway:LogFormat</c> is the gateway's own
/// shorter key for the same choice (<c>Gateway__LogFormat=json</c> in a container) and wins when both are set.
/// </summary>
public static class GatewayLogging
{
    /// <summary>The configuration key of the log format.</summary>
    public const string LogFormatKey = "Gateway:LogFormat";

    /// <summary>The console formatter for a <c>Gateway:LogFormat</c> value, or null when unknown.</summary>
    public static string? FormatterFor(string? logFormat) => logFormat?.Trim().ToLowerInvariant() switch
    {
        "json" => ConsoleFormatterNames.Json,
        "simple" or "text" => ConsoleFormatterNames.Simple,
        "systemd" => ConsoleFormatterNames.Systemd,
        _ => null,
    };

    internal static void Configure(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ConsoleLoggerOptions>(options =>
        {
            var formatter = FormatterFor(configuration[LogFormatKey]);
            if (formatter is not null) options.FormatterName = formatter;
        });
        services.Configure<JsonConsoleFormatterOptions>(options =>
        {
            // Log collectors sort and join on the timestamp: ISO 8601 in UTC unless the operator chose a format.
            if (options.TimestampFormat is null)
            {
                options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                options.UseUtcTimestamp = true;
            }
        });
        // A bad value stops start-up with one line naming the key (docs/design.md#configuration).
        services.AddOptions<LogFormatOptions>()
            .Configure(o => o.LogFormat = configuration[LogFormatKey])
            .Validate(o => string.IsNullOrWhiteSpace(o.LogFormat) || FormatterFor(o.LogFormat) is not null,
                $"{LogFormatKey}: expected simple, json or systemd")
            .ValidateOnStart();
    }

    internal sealed class LogFormatOptions
    {
        public string? LogFormat { get; set; }
    }
}
