namespace MmsGateway.Tests.Adaptation;

/// <summary>
/// Tests that judge a link by wall-clock timing (smart streaming, slow viewers) run alone, after the parallel ones:
/// on a 2-core machine busy with the rest of the suite, the gateway's own scheduling delays look like a slow link.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing-sensitive";
}
