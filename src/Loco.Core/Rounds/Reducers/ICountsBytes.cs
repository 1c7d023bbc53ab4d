namespace Loco.Core.Rounds.Reducers;

/// <summary>A reducer that knows how many bytes its workers have sent (a codec, a cluster): what metrics report.</summary>
public interface ICountsBytes
{
    /// <summary>Payload bytes this participant's workers sent since the reducer was made, as encoded.</summary>
    long BytesSent { get; }
}
