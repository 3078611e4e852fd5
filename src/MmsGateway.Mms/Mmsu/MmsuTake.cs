namespace MmsGateway.Mms.Mmsu;

/// <summary>What <see cref="MmsuReorderWindow.TryTake"/> found at the head of the reorder window.</summary>
internal enum MmsuTake
{
    /// <summary>The next packet in sequence order (see the out parameters).</summary>
    Packet,

    /// <summary>The next packet has not arrived (or nothing more has): wait for the next arrival.</summary>
    Wait,
}
