using Microsoft.Extensions.Logging;

namespace MmsGateway.Observability;

/// <summary>Source-generated log messages of the observability layer (event ids 9000-9099).</summary>
internal static partial class ObservabilityLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning,
        Message = "Metrics: instrument {Instrument} of meter {Meter} has {Limit} series; new label sets are not exported")]
    public static partial void SeriesLimitReached(ILogger logger, string meter, string instrument, int limit);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Debug,
        Message = "Metrics: instrument {Instrument} of meter {Meter} is not exported: {Family} is already a {ExistingType}")]
    public static partial void FamilyConflict(ILogger logger, string meter, string instrument, string family, string existingType);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning,
        Message = "Metrics: instrument {Instrument} of meter {Meter} has a label set prometheus-net refused; it is not exported")]
    public static partial void SeriesRefused(ILogger logger, string meter, string instrument);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information,
        Message = "Readiness: shutting down, /readyz now answers 503")]
    public static partial void ShuttingDown(ILogger logger);
}
