using System.Diagnostics;
using Loco.Torch.Data;
using Loco.Torch.Training;

namespace Loco.Studies.Sweep;

/// <summary>
/// Trains one sweep cell with the language-model training loop (<see cref="LanguageModelTraining.Train"/>): validation
/// loss of the initial weights, all rounds, validation loss of the final weights. A non-finite training loss
/// (<see cref="TrainingDivergedException"/>) ends the run as diverged, with its round; it is a result, not a failure.
/// </summary>
/// <remarks>
/// Runs on the calling thread with one TorchSharp intra-op thread; everything the run draws comes from generators
/// seeded by the sweep's seed, so a cell's result depends only on its settings. Do not run two of these at once in one
/// process (see <see cref="StabilitySweep"/>).
/// </remarks>
public static class SweepCellRunner
{
    /// <summary>Trains <paramref name="cell"/> of the sweep <paramref name="options"/> on <paramref name="corpus"/>.</summary>
    public static SweepCellResult Run(TokenCorpus corpus, SweepOptions options, SweepCell cell, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        TrainingOptions training = options.Training(cell, corpus.VocabularySize);
        using LanguageModelTraining run = LanguageModelTraining.Create(corpus, training);
        TrainingOutcome outcome = run.Train(cancellationToken: cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        long? divergedRound = outcome.Diverged?.Round;
        double initial = outcome.InitialValidationLoss;
        double final = divergedRound is null ? outcome.FinalValidationLoss : double.NaN;
        bool stable = options.Criterion.IsStable(initial, final, divergedRound is not null);
        return new SweepCellResult(cell, initial, final, outcome.FinalTrainLoss, run.Trainer.CompletedRounds, stable, divergedRound, clock.Elapsed.TotalSeconds);
    }
}
