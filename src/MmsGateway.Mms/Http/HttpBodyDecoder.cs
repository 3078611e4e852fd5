namespace MmsGateway.Mms.Http;

/// <summary>
/// Takes an HTTP/1.x message body apart from its framing (RFC 9112 §6.3, §7.1): a pure function over the received
/// bytes, in the manner of Kestrel's parsers. Each <see cref="TryDecode"/> looks at the front of the bytes not decoded
/// yet and says how many of them are body data, to be kept as they are, or framing (a chunk-size line, the CRLF after
/// chunk data, trailer fields), to be dropped; it returns false when it needs more bytes or the body is complete.
/// It keeps no bytes itself, so the connection can decode in place in its receive buffer and a packet path allocates
/// nothing. Sizes are never trusted for anything but counting: a chunk that claims 4 GiB is streamed like any other.
/// Malformed framing throws <see cref="MmsProtocolException"/>.
/// </summary>
internal struct HttpBodyDecoder
{
    /// <summary>Longest chunk-size or trailer line accepted (with its extensions and CRLF).</summary>
    public const int MaxLine = 4096;

    /// <summary>At most 8 hex digits: a chunk below 4 GiB, enough for any MMSH server (a <c>$</c> packet is below 64 KiB).</summary>
    private const int MaxSizeDigits = 8;

    private readonly HttpBodyFraming _framing;
    private ChunkState _state;
    private long _remaining;

    private HttpBodyDecoder(HttpBodyFraming framing, long contentLength)
    {
        _framing = framing;
        _remaining = contentLength;
        _state = ChunkState.SizeLine;
        IsComplete = framing == HttpBodyFraming.ContentLength && contentLength == 0;
    }

    private enum ChunkState
    {
        SizeLine,
        Data,

        /// <summary>The CRLF that ends a chunk's data.</summary>
        DataEnd,
        Trailer,
    }

    public HttpBodyFraming Framing => _framing;

    /// <summary>The body has ended by its own framing (all Content-Length bytes, or the last chunk and its trailer).</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Every received byte is body data; the body never completes by itself.</summary>
    public static HttpBodyDecoder Raw => new(HttpBodyFraming.Raw, 0);

    /// <summary>A body that ends when the connection closes.</summary>
    public static HttpBodyDecoder CloseDelimited => new(HttpBodyFraming.CloseDelimited, 0);

    /// <summary>The HTTP/1.1 chunked transfer coding.</summary>
    public static HttpBodyDecoder Chunked => new(HttpBodyFraming.Chunked, 0);

    /// <summary>A body of exactly <paramref name="contentLength"/> bytes.</summary>
    public static HttpBodyDecoder ContentLength(long contentLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(contentLength);
        return new HttpBodyDecoder(HttpBodyFraming.ContentLength, contentLength);
    }

    public static HttpBodyDecoder For(HttpBodyFraming framing, long contentLength = 0) => framing switch
    {
        HttpBodyFraming.ContentLength => ContentLength(contentLength),
        HttpBodyFraming.Chunked => Chunked,
        HttpBodyFraming.CloseDelimited => CloseDelimited,
        _ => Raw,
    };

    /// <summary>
    /// Decodes the front of <paramref name="input"/>, the received bytes not decoded yet: either its first
    /// <paramref name="data"/> bytes are body data, or its first <paramref name="framing"/> bytes are framing to drop
    /// (never both at once). False, with both 0, when nothing can be decoded before more bytes arrive, or the body is
    /// complete (<see cref="IsComplete"/>; whatever follows it is not part of this body).
    /// </summary>
    /// <exception cref="MmsProtocolException">The chunked framing is malformed.</exception>
    public bool TryDecode(ReadOnlySpan<byte> input, out int data, out int framing)
    {
        data = 0;
        framing = 0;
        if (IsComplete || input.IsEmpty) return false;
        switch (_framing)
        {
            case HttpBodyFraming.ContentLength:
                data = (int)Math.Min(_remaining, input.Length);
                _remaining -= data;
                IsComplete = _remaining == 0;
                return true;
            case HttpBodyFraming.Chunked:
                return TryDecodeChunked(input, out data, out framing);
            default:
                data = input.Length;
                return true;
        }
    }

    private bool TryDecodeChunked(ReadOnlySpan<byte> input, out int data, out int framing)
    {
        data = 0;
        framing = 0;
        if (_state == ChunkState.Data)
        {
            data = (int)Math.Min(_remaining, input.Length);
            _remaining -= data;
            if (_remaining == 0) _state = ChunkState.DataEnd;
            return true;
        }

        // Lines end in LF; a CR before it is dropped (RFC 9112 §2.2 lets a recipient accept a bare LF).
        int lineFeed = input[..Math.Min(input.Length, MaxLine)].IndexOf((byte)'\n');
        if (lineFeed < 0)
        {
            if (input.Length >= MaxLine) throw new MmsProtocolException($"a chunk-size or trailer line longer than {MaxLine} bytes");
            return false;
        }

        ReadOnlySpan<byte> line = input[..lineFeed];
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        switch (_state)
        {
            case ChunkState.DataEnd:
                if (!line.IsEmpty) throw new MmsProtocolException("chunk data not followed by CRLF");
                _state = ChunkState.SizeLine;
                break;
            case ChunkState.SizeLine:
                _remaining = ParseChunkSize(line);
                _state = _remaining == 0 ? ChunkState.Trailer : ChunkState.Data;
                break;
            default: // trailer fields are dropped; the empty line ends the body (RFC 9112 §7.1.2)
                if (line.IsEmpty) IsComplete = true;
                break;
        }

        framing = lineFeed + 1;
        return true;
    }

    /// <summary>chunk-size [ chunk-ext ] (RFC 9112 §7.1.1): hex digits, extensions after a semicolon ignored.</summary>
    private static long ParseChunkSize(ReadOnlySpan<byte> line)
    {
        int semicolon = line.IndexOf((byte)';');
        if (semicolon >= 0) line = line[..semicolon];
        line = line.Trim((byte)' ');
        if (line.IsEmpty || line.Length > MaxSizeDigits)
        {
            throw new MmsProtocolException($"a chunk size that is empty or above {MaxSizeDigits} hex digits");
        }

        long size = 0;
        foreach (byte b in line)
        {
            int digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => throw new MmsProtocolException($"a chunk size with the byte 0x{b:X2}"),
            };
            size = (size * 16) + digit;
        }

        return size;
    }
}
