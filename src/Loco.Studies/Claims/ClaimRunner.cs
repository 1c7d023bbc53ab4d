namespace Loco.Studies.Claims;

/// <summary>Runs one claim on a list of problems and judges it.</summary>
public static class ClaimRunner
{
    /// <summary>
    /// Runs <paramref name="claim"/> on each of <paramref name="problems"/>: the first writes into <paramref name="folder"/>,
    /// each other into <c>folder/&lt;problem slug&gt;</c>; then asks the claim for its verdict over the runs.
    /// </summary>
    public static ClaimReport Run(IClaim claim, IReadOnlyList<ClaimProblem> problems, string folder, bool quick, IProgress<string>? progress,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
        {
            throw new ArgumentException("at least one problem is needed", nameof(problems));
        }

        var runs = new List<ClaimRun>();
        for (int i = 0; i < problems.Count; i++)
        {
            ClaimProblem problem = problems[i];
            if (problem.Problem() is string why)
            {
                throw new ArgumentException(why, nameof(problems));
            }

            string target = i == 0 ? folder : Path.Combine(folder, problem.Slug);
            Directory.CreateDirectory(target);
            var labelled = progress is null ? null : new Prefixed(progress, problems.Count == 1 ? "" : $"[{problem.Label}] ");
            ClaimResult result = claim.Run(new ClaimContext(target, quick, labelled, cancellation) { Problem = problem });
            runs.Add(new ClaimRun(problem, result));
        }

        return new ClaimReport(claim, runs, claim.Judge(runs));
    }

    /// <summary>
    /// The usual judgement: the registered criterion on each problem decides (<see cref="Verdicts.FromProblems"/>), and
    /// the paragraph lists where it held and where it failed, followed by <paramref name="explanation"/>.
    /// </summary>
    public static ClaimVerdict ByProblems(IReadOnlyList<ClaimRun> runs, string explanation)
    {
        ArgumentNullException.ThrowIfNull(runs);
        Verdict verdict = Verdicts.FromProblems([.. runs.Select(r => r.Result.Held)]);
        string held = string.Join("; ", runs.Where(r => r.Result.Held).Select(r => r.Problem.Label));
        string failed = string.Join("; ", runs.Where(r => !r.Result.Held).Select(r => r.Problem.Label));
        string where = verdict switch
        {
            Verdict.Reproduced => $"The registered criterion held on every problem run ({held}).",
            Verdict.ReproducedUnderConditions => $"The registered criterion held on {held}, and failed on {failed}.",
            _ => $"The registered criterion failed on every problem run ({failed}).",
        };
        return new ClaimVerdict(verdict, $"{where} {explanation}".Trim());
    }

    private sealed class Prefixed(IProgress<string> inner, string prefix) : IProgress<string>
    {
        public void Report(string value) => inner.Report(prefix + value);
    }
}
