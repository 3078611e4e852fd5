using BenchmarkDotNet.Running;
using MmsGateway.Benchmarks;
using MmsGateway.Benchmarks.Load;

// Measurement modes by verb; anything else goes to BenchmarkDotNet (micro benchmarks).
if (args.Length > 0)
{
    switch (args[0])
    {
        case "first-byte": return await FirstByteLatency.RunAsync(args[1..]);
        case "hls-latency": return await HlsLatency.RunAsync(args[1..]);
        case "fanout": return await FanOut.RunAsync(args[1..]);
        case "remux": return await RemuxRace.RunAsync(args[1..]);
        case "soak": return await Soak.RunAsync(args[1..]);
    }
}
BenchmarkSwitcher.FromAssembly(typeof(PacketFilterBenchmarks).Assembly).Run(args);
return 0;
