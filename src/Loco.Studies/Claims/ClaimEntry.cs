using Loco.Reports.Html;

namespace Loco.Studies.Claims;

/// <summary>A claim's report over its problems, as an entry of <c>report.html</c>.</summary>
public static class ClaimEntry
{
    /// <summary>
    /// The entry: the verdict and its tone; sections for the paper's sentence, our reading, the registered criterion, its
    /// measurement on each problem, why, the first edition's criterion and its measurement on each problem, and notes.
    /// </summary>
    public static ReportEntry Of(ClaimReport report, bool quick)
    {
        ArgumentNullException.ThrowIfNull(report);
        IClaim claim = report.Claim;
        var sections = new List<ReportSection>
        {
            new("Claim", $"{claim.Quote} ({claim.Paper}, abstract)"),
            new("Our reading", claim.Reading),
            new("Criterion, registered before the runs that judge it", claim.Criterion),
            new("Problems", string.Join("; ", report.Runs.Select((r, i) =>
                $"{r.Problem.Label}{(i == 0 ? "" : $" (files in {r.Problem.Slug}/)")}{(r.Problem == ClaimProblem.Explored ? " — the problem the first edition's criteria were explored on" : "")}"))),
        };
        foreach (ClaimRun run in report.Runs)
        {
            sections.Add(new($"Measured on {run.Problem.Label}", $"{run.Result.Measured} → criterion {(run.Result.Held ? "held" : "failed")}"));
        }

        sections.Add(new($"Verdict: {report.Verdict.Verdict.Name()}", report.Verdict.Why));
        sections.Add(new("First-edition criterion (kept as a finding)", claim.FirstEditionCriterion));
        foreach (ClaimRun run in report.Runs)
        {
            sections.Add(new($"First edition on {run.Problem.Label}", $"{run.Result.FirstEdition.Measured} → {(run.Result.FirstEdition.Held ? "PASS" : "FAIL")}"));
        }

        foreach (ClaimRun run in report.Runs.Where(r => !string.IsNullOrWhiteSpace(r.Result.Notes)))
        {
            sections.Add(new($"Notes on {run.Problem.Label}", run.Result.Notes!));
        }

        string summary = string.Join("; ", report.Runs.Select(r => $"{r.Problem.Label}: {(r.Result.Held ? "held" : "failed")}")) +
            $" (first edition: {string.Join(", ", report.Runs.Select(r => r.Result.FirstEdition.Held ? "pass" : "fail"))})";
        return new ReportEntry(claim.Id, claim.Title, claim.Paper, report.Verdict.Verdict.Name(), Tone(report.Verdict.Verdict), summary, sections,
            [.. report.Runs.SelectMany(r => r.Result.Figures)], [.. report.Runs.SelectMany(r => r.Result.Tables)], TimeSpan.Zero, $"loco reproduce {claim.Id}", quick);
    }

    /// <summary>The entry of a claim whose run threw: no verdict, the error in its place.</summary>
    public static ReportEntry Failed(IClaim claim, Exception error, bool quick)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(error);
        return new ReportEntry(claim.Id, claim.Title, claim.Paper, "error (no verdict)", ReportTone.Bad, $"error: {error.GetType().Name}: {error.Message}",
            [new("Claim", claim.Quote), new("Criterion, registered before the runs that judge it", claim.Criterion), new("Error", error.ToString())],
            [], [], TimeSpan.Zero, $"loco reproduce {claim.Id}", quick);
    }

    /// <summary>Green for reproduced, amber under conditions, red not reproduced, grey not testable.</summary>
    public static ReportTone Tone(Verdict verdict) => verdict switch
    {
        Verdict.Reproduced => ReportTone.Good,
        Verdict.ReproducedUnderConditions => ReportTone.Partial,
        Verdict.NotReproduced => ReportTone.Bad,
        _ => ReportTone.Neutral,
    };
}
