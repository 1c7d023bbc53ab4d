using Loco.Core.Family;

namespace Loco.Cli;

/// <summary>
/// Refuses, before any work and naming the flag, a <c>simulate</c> or <c>theory</c> run whose arrays cannot fit in
/// memory: the bytes are counted from the sizes the flags give (fp64 everywhere), not discovered by running out.
/// </summary>
internal static class ResultMemory
{
    /// <summary>The memory this process may use (the machine's, or its container's limit).</summary>
    public static long Available => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// <c>loco simulate</c>: per run a risk curve of rounds + 1 values (and rounds·H inner-step values with
    /// <paramref name="innerCurve"/>), kept for the standard error; per thread the M workers' seven D-vectors and the
    /// round's four; the problem's four D-vectors.
    /// </summary>
    public static void EnsureSimulationFits(long dim, long runs, long rounds, FamilyConfig family, bool innerCurve, int threads, long? available = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        double perPoint = innerCurve ? 1.0 + family.InnerSteps : 1.0;
        double curves = 8.0 * runs * (rounds + 1) * perPoint + 8.0 * 2 * (rounds + 1) * perPoint;
        double vectors = 8.0 * dim * (Math.Min(threads, runs) * (7.0 * family.Workers + 4) + 4);
        Refuse("simulate", curves, vectors, runs, rounds, available);
    }

    /// <summary>
    /// <c>loco theory</c>: about ten values per mode or atom (<paramref name="modes"/>), a few curves of rounds + 1
    /// values (times H + 1 with <paramref name="innerCurve"/>), rounds × modes with <paramref name="recordModes"/>,
    /// and, with a simulation to compare (<paramref name="compareRuns"/> runs), the simulation's own arrays.
    /// </summary>
    public static void EnsureTheoryFits(long modes, long rounds, FamilyConfig family, bool innerCurve, bool recordModes, int? compareRuns, long dim, int threads, long? available = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        double perPoint = innerCurve ? 1.0 + family.InnerSteps : 1.0;
        double curves = 8.0 * 6 * (rounds + 1) * perPoint + (recordModes ? 8.0 * (rounds + 1) * modes : 0);
        double vectors = 8.0 * 10 * modes;
        if (compareRuns is int runs)
        {
            curves += 8.0 * runs * (rounds + 1) * perPoint;
            vectors += 8.0 * dim * (Math.Min(threads, runs) * (7.0 * family.Workers + 4) + 4);
        }

        Refuse("theory", curves, vectors, compareRuns ?? 1, rounds, available, recordModes ? "--modes" : null);
    }

    private static void Refuse(string command, double curves, double vectors, long runs, long rounds, long? available, string? alsoFlag = null)
    {
        long room = available ?? Available;
        if (room <= 0 || curves + vectors <= room)
        {
            return;
        }

        // Name the flag whose size dominates: the dimension for the vectors, else the longer of runs and rounds.
        string flag = vectors >= curves ? "--dim" : runs > rounds ? "--runs" : "--rounds";
        string more = alsoFlag is not null && flag == "--rounds" ? $" (or drop {alsoFlag})" : "";
        throw new InvalidInputException(flag,
            $"the {command} run needs about {Size(curves + vectors)} of memory ({Size(curves)} of curves, {Size(vectors)} of vectors), " +
            $"but {Size(room)} is available; choose a smaller {flag}{more}.");
    }

    private static string Size(double bytes) => bytes >= 1L << 40 ? $"{bytes / (1L << 40):N1} TiB" : bytes >= 1L << 30 ? $"{bytes / (1L << 30):N1} GiB" : $"{bytes / (1L << 20):N1} MiB";
}
