namespace MmsGateway.Mms.Client;

/// <summary>The MMS transports (protocol.md §1 MMST, §1.8 MMSU, §2 MMSH; rollover order §8).</summary>
public enum MmsProtocol
{
    /// <summary>MMS over TCP: control and data on one TCP connection, port 1755 (MS-MMSP).</summary>
    Mmst,

    /// <summary>MMS over HTTP (MS-WMSP): Describe and Play requests, <c>$</c>-framed bodies, port 80.</summary>
    Mmsh,

    /// <summary>MMS with data over UDP (MS-MMSP, protocol.md §1.8). Not implemented by this client yet.</summary>
    Mmsu,
}
