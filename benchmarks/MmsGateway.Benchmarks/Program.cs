using BenchmarkDotNet.Running;
using MmsGateway.Benchmarks;

// `first-byte` runs the join-latency measurement, `hls-latency` the cold-start HLS one; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "first-byte") return await FirstByteLatency.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "hls-latency") return await HlsLatency.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(PacketFilterBenchmarks).Assembly).Run(args);
return 0;
