using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Mms.Http;
using MmsGateway.Testing.Misbehaving;

namespace MmsGateway.Mms.Tests.Http;

/// <summary>
/// The fuzz property of <see cref="HttpBodyDecoder"/> (tests/README.md, "Fuzzing"): valid bodies of every framing with
/// random mutations (byte changes, insertions, deletions, truncation, duplicated ranges), fed in random pieces, make
/// the decoder throw nothing but <see cref="MmsProtocolException"/>, every feeding loop ends (a step that says it
/// decoded something always takes bytes), and no case allocates out of proportion to its input (a lying chunk size
/// must not size anything). Seed, count and the hang watchdog come from <see cref="FuzzRun"/>.
/// </summary>
public sealed class HttpBodyDecoderProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(FuzzRun.Cases(500))
        .WithReplay(Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd(FuzzRun.Seed, 1013904223), null)));

    private static readonly byte[] Interesting =
        [0x00, 0xFF, (byte)'\r', (byte)'\n', (byte)';', (byte)' ', (byte)'0', (byte)'9', (byte)'a', (byte)'f',
            (byte)'F', (byte)'g', (byte)'=', (byte)':', (byte)'-', (byte)'$'];

    [Fact]
    public void Http_body_decoder() => Run("Http_body_decoder");

    private static void Run(string parser)
    {
        (HttpBodyFraming Framing, long Length, byte[] Wire)[] vectors = Vectors();
        Gen<Mutation> mutation =
            from kind in Gen.Choose(0, 5)
            from position in Gen.Choose(0, 1 << 16)
            from length in Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(1, 300)))
            from value in Gen.Frequency((1, Gen.Elements(Interesting)), (1, Gen.Choose(0, 255).Select(i => (byte)i)))
            select new Mutation(kind, position, length, value);

        Gen<(int Vector, byte[] Wire, int[] Cuts)> input =
            from vector in Gen.Choose(0, vectors.Length - 1)
            from mutations in Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(mutation, n))
            from cuts in Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Choose(1, 1 << 12), n))
            select (vector, mutations.Aggregate(vectors[vector].Wire, (data, m) => m.Apply(data)), cuts);

        using FuzzTally tally = FuzzRun.Start(parser);
        Property property = Prop.ForAll(input.ToArbitrary(), sample =>
        {
            (HttpBodyFraming framing, long length, _) = vectors[sample.Vector];
            FuzzRun.Case(tally, sample.Wire, MutationProperties.AllocationBound(sample.Wire.Length),
                () => BodyFeeder.Feed(HttpBodyDecoder.For(framing, length), sample.Wire, sample.Cuts),
                typeof(MmsProtocolException));
        });
        Check.One(Runs, property);
    }

    private static (HttpBodyFraming, long, byte[])[] Vectors()
    {
        byte[] packets = new byte[700];
        for (int i = 0; i < packets.Length; i++) packets[i] = (byte)(i * 7);
        return
        [
            (HttpBodyFraming.Chunked, 0, HttpBodyDecoderTests.Encode(packets, [100, 250, 1])),
            (HttpBodyFraming.Chunked, 0, Encoding.ASCII.GetBytes("5;a=b\r\nhello\r\n0\r\nT: 1\r\nU: 2\r\n\r\nHTTP/1.1")),
            (HttpBodyFraming.Chunked, 0, Encoding.ASCII.GetBytes("fffffff\nab\n")),
            (HttpBodyFraming.ContentLength, 10, Encoding.ASCII.GetBytes("0123456789after")),
            (HttpBodyFraming.ContentLength, 1L << 40, packets),
            (HttpBodyFraming.CloseDelimited, 0, packets),
        ];
    }

    private sealed record Mutation(int Kind, int Position, int Length, byte Value)
    {
        public byte[] Apply(byte[] data)
        {
            if (data.Length == 0) return [Value];
            int at = Position % data.Length;
            int length = Math.Min(Length, data.Length - at);
            return Kind switch
            {
                0 or 1 => [.. data[..at], Value, .. data[(at + 1)..]], // change a byte
                2 => [.. data[..at], .. Enumerable.Repeat(Value, Length), .. data[at..]], // insert
                3 => [.. data[..at], .. data[(at + length)..]], // delete
                4 => data[..at], // truncate
                _ => [.. data[..(at + length)], .. data[at..]], // duplicate a range
            };
        }
    }
}
