namespace MmsGateway.Mms.Mmsu;

/// <summary>What <see cref="MmsuReorderWindow.Accept"/> did with a media datagram.</summary>
internal enum MmsuArrival
{
    /// <summary>Not of the current play (another incarnation, or no play running): not from this session's server.</summary>
    NotPlaying,

    /// <summary>Of the current play, but already taken or already in the window.</summary>
    Duplicate,

    /// <summary>Too far ahead of the reader; it is asked for again once the window has moved on.</summary>
    OutOfWindow,

    /// <summary>Kept in the window, behind a packet still missing.</summary>
    Stored,

    /// <summary>Kept, and it is the one the reader waits for: wake it.</summary>
    AtHead,
}
