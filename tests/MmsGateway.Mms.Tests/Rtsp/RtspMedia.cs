using MmsGateway.Asf.Files;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Rtsp;

/// <summary>Real ASF files of the shared media split into their header and data packets with the Asf library.</summary>
internal static class RtspMedia
{
    /// <summary>The shared files that hold a parseable header and at least one whole data packet.</summary>
    public static readonly string[] Files =
    [
        "mm_elephant.asf", "wine_wmvcore_test.wmv", "audioscan_wmv92-with-audio.wmv", "mutagen_silence-1.wma",
        "audioscan_wma92-vbr.wma",
    ];

    public static (byte[] Header, int PacketSize, byte[][] Packets) Load(string name, int maxPackets = int.MaxValue)
    {
        using var file = AsfFile.Open(SharedMedia.Path("asf", name));
        int count = (int)Math.Min(file.PacketCount, maxPackets);
        var packets = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            packets[i] = new byte[file.PacketSize];
            file.ReadPacket(i, packets[i]);
        }

        return (file.Header.Raw.ToArray(), file.PacketSize, packets);
    }
}
