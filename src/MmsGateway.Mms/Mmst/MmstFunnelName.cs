using System.Globalization;

namespace MmsGateway.Mms.Mmst;

public enum MmstFunnelTransport
{
    Unknown,
    Tcp,
    Udp,
}

/// <summary>
/// The ConnectFunnel funnelName <c>\\&lt;ip&gt;\TCP\&lt;port&gt;</c> or <c>\\&lt;ip&gt;\UDP\&lt;port&gt;</c>
/// (docs/protocol/mmst.md#s1.5.4). Only the transport word and, for UDP, the port matter: the server sends UDP to the address
/// the TCP connection came from, never to the address written here (MS-MMSP 3.2.5.5).
/// </summary>
public readonly record struct MmstFunnelName(MmstFunnelTransport Transport, string Address, int? Port)
{
    /// <summary>Never throws; a name of another shape has transport <see cref="MmstFunnelTransport.Unknown"/>.</summary>
    public static MmstFunnelName Parse(string funnelName)
    {
        ArgumentNullException.ThrowIfNull(funnelName);
        string[] parts = funnelName.TrimStart('\\').Split('\\');
        if (parts.Length != 3)
        {
            return new MmstFunnelName(MmstFunnelTransport.Unknown, string.Empty, null);
        }

        MmstFunnelTransport transport = parts[1].ToUpperInvariant() switch
        {
            "TCP" => MmstFunnelTransport.Tcp,
            "UDP" => MmstFunnelTransport.Udp,
            _ => MmstFunnelTransport.Unknown,
        };
        int? port = int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            && value <= ushort.MaxValue ? value : null;
        return new MmstFunnelName(transport, parts[0], port);
    }

    public string Format()
    {
        string word = Transport == MmstFunnelTransport.Udp ? "UDP" : "TCP";
        return string.Create(CultureInfo.InvariantCulture, $@"\\{Address}\{word}\{Port ?? 0}");
    }
}
