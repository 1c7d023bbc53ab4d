using System.CommandLine;
using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Cli;

/// <summary>The flags that define a linear-regression problem.</summary>
internal sealed class ProblemOptions
{
    public Option<int?> Dim { get; } = Options.Int("--dim", "D, number of features (≥ 1). Default: 1000. Ignored with --spectrum-file.");

    public Option<double?> SpectrumExp { get; } = Options.Double("--spectrum-exp", "a in λ_i = λ_max·i^(−a), the eigenvalue decay. Default: 1.5.");

    public Option<double?> TargetExp { get; } = Options.Double("--target-exp", "b in θ*_i ~ N(0, i^(−b)), the target's decay. Default: 1.");

    public Option<double?> LambdaMax { get; } = Options.Double("--lambda-max", "λ_max, the largest eigenvalue (> 0). Default: 1.");

    public Option<double?> Noise { get; } = Options.Double("--noise", "σ, label-noise standard deviation (≥ 0); risk floor σ²/2. Default: 0.1.");

    public Option<string?> SpectrumFile { get; } = Options.Text("--spectrum-file",
        "CSV with header 'lambda,theta_star' and one mode per line (eigenvalue, target value); replaces --dim, --spectrum-exp, --target-exp.");

    public Option<ulong?> TargetSeed { get; } = Options.Seed("--target-seed", "Seed of θ* (independent of the data seed). Default: 42.");

    public IEnumerable<Option> All => [Dim, SpectrumExp, TargetExp, LambdaMax, Noise, SpectrumFile, TargetSeed];

    public Loco.Core.Problems.LinearRegressionProblem Read(ParseResult r)
    {
        double noise = r.GetValue(Noise) ?? 0.1;
        string? file = r.GetValue(SpectrumFile);
        return file is not null
            ? Loco.Core.Problems.LinearRegressionProblem.FromSpectrumFile(file, noise)
            : Loco.Core.Problems.LinearRegressionProblem.PowerLaw(
                r.GetValue(Dim) ?? 1000, r.GetValue(SpectrumExp) ?? 1.5, r.GetValue(TargetExp) ?? 1.0, noise,
                r.GetValue(TargetSeed) ?? 42, r.GetValue(LambdaMax) ?? 1.0);
    }
}
