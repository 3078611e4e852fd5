using System.Buffers;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;

namespace MmsGateway.Mms.Sessions;

/// <summary>
/// Collects the ASF header pieces of MMST header data packets or MMSH <c>$H</c> chunks (docs/protocol/mmst.md#s1.3, docs/protocol/mmsh.md#s2.9) into
/// one buffer, bounded by <see cref="MmsClientOptions.MaxHeaderSize"/>, and parses the result.
/// </summary>
internal sealed class MmsHeaderAssembler(int maxSize, Uri url)
{
    private byte[] _bytes = new byte[8 * 1024];

    public int Length { get; private set; }

    public int Pieces { get; private set; }

    public void Reset()
    {
        Length = 0;
        Pieces = 0;
    }

    public void Append(ReadOnlySequence<byte> piece, MmsClientStep step)
    {
        if (Length + piece.Length > maxSize)
        {
            throw new MmsClientException(MmsClientErrorKind.MalformedReply, step, url,
                $"the ASF header exceeds the {maxSize}-byte limit (MaxHeaderSize)");
        }

        int needed = Length + (int)piece.Length;
        if (needed > _bytes.Length) Array.Resize(ref _bytes, Math.Min(maxSize, Math.Max(needed, _bytes.Length * 2)));
        piece.CopyTo(_bytes.AsSpan(Length));
        Length = needed;
        Pieces++;
    }

    /// <summary>The bytes collected so far equal <paramref name="other"/>.</summary>
    public bool SameAs(ReadOnlySpan<byte> other) => _bytes.AsSpan(0, Length).SequenceEqual(other);

    /// <summary>
    /// Parses the collected header. The result's bytes are the Header Object and the 50 Data Object bytes as
    /// received; a server that sent only the Header Object gets the 50 bytes made up (File ID from File Properties,
    /// Data Object Size 50 as for live content, docs/protocol/asf.md#s4.1) so the bytes always start a playable file.
    /// </summary>
    public (AsfHeader Header, byte[] Bytes) Build(MmsClientStep step)
    {
        if (Length == 0)
        {
            throw new MmsClientException(MmsClientErrorKind.MalformedReply, step, url, "no ASF header was received");
        }

        try
        {
            ReadOnlySpan<byte> received = _bytes.AsSpan(0, Length);
            AsfHeader header = AsfHeaderReader.Parse(received);
            int headerObjectSize = header.Raw.Length;
            byte[] bytes;
            if (received.Length >= headerObjectSize + AsfDataObjectHeader.Size)
            {
                AsfDataObjectHeader.TryRead(received[headerObjectSize..], headerObjectSize, out _);
                bytes = received[..(headerObjectSize + AsfDataObjectHeader.Size)].ToArray();
            }
            else
            {
                bytes = new byte[headerObjectSize + AsfDataObjectHeader.Size];
                header.Raw.Span.CopyTo(bytes);
                ulong packets = header.IsBroadcast ? 0 : header.FileProperties.DataPacketsCount;
                AsfDataObjectHeader.Write(bytes.AsSpan(headerObjectSize), header.FileProperties.FileId,
                    header.IsBroadcast ? AsfDataObjectHeader.Size : AsfDataObjectHeader.Size + (packets * (ulong)header.PacketSize),
                    packets);
            }

            return (header, bytes);
        }
        catch (AsfFormatException e)
        {
            throw new MmsClientException(MmsClientErrorKind.MalformedReply, step, url,
                $"the ASF header does not parse: {e.Message}", e);
        }
    }
}
