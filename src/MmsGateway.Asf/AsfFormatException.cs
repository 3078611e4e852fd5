namespace MmsGateway.Asf;

/// <summary>
/// The one exception the ASF readers throw for malformed input: it names the object (or packet part) and the
/// byte offset where the data stopped making sense, so an operator can tell a truncated capture from a lying
/// length field.
/// </summary>
public sealed class AsfFormatException : Exception
{
    public AsfFormatException(string objectName, long offset, string problem)
        : base($"{objectName} at offset {offset}: {problem}")
    {
        ObjectName = objectName;
        Offset = offset;
        Problem = problem;
    }

    public AsfFormatException() : this("ASF", 0, "malformed data") { }

    public AsfFormatException(string message) : this("ASF", 0, message) { }

    public AsfFormatException(string message, Exception innerException) : base(message, innerException)
    {
        ObjectName = "ASF";
        Problem = message;
    }

    /// <summary>Which object or structure was malformed (for example "Stream Properties").</summary>
    public string ObjectName { get; }

    /// <summary>Byte offset, from the start of the buffer handed to the reader, where the problem was found.</summary>
    public long Offset { get; }

    public string Problem { get; }
}
