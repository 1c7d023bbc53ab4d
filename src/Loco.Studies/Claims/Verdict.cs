namespace Loco.Studies.Claims;

/// <summary>What a claim's runs show, in the words of the report.</summary>
public enum Verdict
{
    /// <summary>The registered criterion held on every problem it was run on.</summary>
    Reproduced,

    /// <summary>It held only under conditions the report names (some problems, some cells, a model's analogue of the claim).</summary>
    ReproducedUnderConditions,

    /// <summary>The criterion failed on every problem it was run on.</summary>
    NotReproduced,

    /// <summary>The claim concerns something this model cannot run; the report says what was run instead.</summary>
    NotTestable,
}

/// <summary>Names of <see cref="Verdict"/> as the report and the command line print them.</summary>
public static class Verdicts
{
    /// <summary>"reproduced", "reproduced under conditions", "not reproduced", "not testable in this model".</summary>
    public static string Name(this Verdict verdict) => verdict switch
    {
        Verdict.Reproduced => "reproduced",
        Verdict.ReproducedUnderConditions => "reproduced under conditions",
        Verdict.NotReproduced => "not reproduced",
        Verdict.NotTestable => "not testable in this model",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };

    /// <summary>
    /// The verdict that follows from whether the criterion held on each problem: on all of them, reproduced; on some,
    /// reproduced under conditions (those problems); on none, not reproduced.
    /// </summary>
    public static Verdict FromProblems(IReadOnlyList<bool> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        if (held.Count == 0)
        {
            throw new ArgumentException("at least one problem's result is needed", nameof(held));
        }

        return held.All(h => h) ? Verdict.Reproduced : held.Any(h => h) ? Verdict.ReproducedUnderConditions : Verdict.NotReproduced;
    }
}
