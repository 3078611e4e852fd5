using System.Buffers.Binary;

namespace MmsGateway.Asf.Tests.Packets;

/// <summary>A payload to put in a synthetic packet.</summary>
internal sealed record PayloadSpec(int Stream, bool Key, uint MediaObject, uint Offset, byte[] Replicated, byte[] Data);

/// <summary>The length types and values of a synthetic packet (docs/protocol/asf.md#s4.8); 0 = field absent.</summary>
internal sealed record PacketShape
{
    public bool ErrorCorrection { get; init; } = true;
    public int PacketLengthType { get; init; }
    public int SequenceType { get; init; }
    public int PaddingLengthType { get; init; } = 1;
    public int ReplicatedLengthType { get; init; } = 1;
    public int OffsetLengthType { get; init; } = 3;
    public int MediaObjectLengthType { get; init; } = 1;
    public bool Multiple { get; init; }
    public int PayloadLengthType { get; init; } = 2;
    public uint Sequence { get; init; }
    public uint SendTime { get; init; } = 1234;
    public ushort Duration { get; init; } = 40;
}

/// <summary>Builds ASF data packets byte by byte, independently of the parser under test.</summary>
internal static class TestPackets
{
    /// <summary>Builds a packet whose size is whatever its fields, payloads and <paramref name="padding"/> take.</summary>
    public static byte[] Build(PacketShape shape, int padding, params PayloadSpec[] payloads)
    {
        if (!shape.Multiple && payloads.Length != 1) throw new ArgumentException("single-payload packets hold one payload");
        var body = new List<byte>();
        if (shape.Multiple) body.Add((byte)((shape.PayloadLengthType << 6) | payloads.Length));
        foreach (var p in payloads)
        {
            body.Add((byte)(p.Stream | (p.Key ? 0x80 : 0)));
            body.AddRange(Var(shape.MediaObjectLengthType, p.MediaObject));
            body.AddRange(Var(shape.OffsetLengthType, p.Offset));
            body.AddRange(Var(shape.ReplicatedLengthType, (uint)p.Replicated.Length));
            body.AddRange(p.Replicated);
            if (shape.Multiple) body.AddRange(Var(shape.PayloadLengthType, (uint)p.Data.Length));
            body.AddRange(p.Data);
        }

        var head = new List<byte>();
        if (shape.ErrorCorrection) head.AddRange([0x82, 0, 0]);
        head.Add((byte)((shape.PacketLengthType << 5) | (shape.PaddingLengthType << 3) | (shape.SequenceType << 1) | (shape.Multiple ? 1 : 0)));
        head.Add((byte)((shape.MediaObjectLengthType << 4) | (shape.OffsetLengthType << 2) | shape.ReplicatedLengthType | 0x40));
        var fixedHead = head.Count + Width(shape.PacketLengthType) + Width(shape.SequenceType) + Width(shape.PaddingLengthType) + 6;
        var packetSize = fixedHead + body.Count + padding;
        if (padding > MaxValue(shape.PaddingLengthType)) throw new ArgumentException("padding does not fit its Padding Length field");
        head.AddRange(Var(shape.PacketLengthType, (uint)packetSize));
        head.AddRange(Var(shape.SequenceType, shape.Sequence));
        head.AddRange(Var(shape.PaddingLengthType, (uint)padding));
        head.AddRange(Var(3, shape.SendTime));
        head.AddRange(Var(2, shape.Duration));
        return [.. head, .. body, .. new byte[padding]];
    }

    /// <summary>Replicated data of a normal payload: media object size and presentation time.</summary>
    public static byte[] Replicated(uint objectSize, uint presentationTime)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(b, objectSize);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), presentationTime);
        return b;
    }

    public static byte[] Data(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

    private static long MaxValue(int type) => type switch { 0 => 0, 1 => byte.MaxValue, 2 => ushort.MaxValue, _ => uint.MaxValue };

    public static int Width(int type) => type switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };

    private static byte[] Var(int type, uint value) => Width(type) switch
    {
        0 => [],
        1 => [(byte)value],
        2 => BitConverter.GetBytes((ushort)value),
        _ => BitConverter.GetBytes(value),
    };
}
