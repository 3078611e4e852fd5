using MmsGateway.Mms.Http;

namespace MmsGateway.Mms.Tests.Http;

/// <summary>
/// Feeds wire bytes to an <see cref="HttpBodyDecoder"/> the way the connection does: pieces arrive, the bytes not
/// decoded yet stay in front, data is kept and framing dropped. Checks on every step that the decoder either passes
/// data or drops framing, never both, never more than it was given, and always makes progress when it says so.
/// </summary>
internal static class BodyFeeder
{
    public sealed record Result(byte[] Body, bool Complete, int Undecoded);

    /// <summary>Feeds <paramref name="wire"/> cut at <paramref name="cuts"/> (positions, any order).</summary>
    public static Result Feed(HttpBodyDecoder decoder, byte[] wire, params int[] cuts)
    {
        int[] ends = cuts.Where(c => c > 0 && c < wire.Length).Distinct().Order().Append(wire.Length).ToArray();
        byte[] pending = new byte[wire.Length];
        byte[] body = new byte[wire.Length];
        int pendingLength = 0;
        int bodyLength = 0;
        int fed = 0;
        foreach (int end in ends)
        {
            wire.AsSpan(fed, end - fed).CopyTo(pending.AsSpan(pendingLength));
            pendingLength += end - fed;
            fed = end;
            while (decoder.TryDecode(pending.AsSpan(0, pendingLength), out int data, out int framing))
            {
                Assert.True((data > 0) != (framing > 0), $"data {data} and framing {framing} in one step");
                Assert.True(data + framing <= pendingLength);
                pending.AsSpan(0, data).CopyTo(body.AsSpan(bodyLength));
                bodyLength += data;
                pending.AsSpan(data + framing, pendingLength - data - framing).CopyTo(pending);
                pendingLength -= data + framing;
            }

            if (decoder.IsComplete) return new Result(body[..bodyLength], true, pendingLength + wire.Length - fed);
        }

        return new Result(body[..bodyLength], false, pendingLength);
    }
}
