using Loco.Torch.Models;
using Loco.Torch.Training;

namespace Loco.Torch.Tests;

public class CollectionPauseTests
{
    /// <summary>
    /// TorchSharp 0.107 does not keep the scalars it converts implicitly alive during native calls. Without
    /// <see cref="CollectionPause"/>, training like this (TorchSharp's own AdamW, or this model's forward) aborted the
    /// process within 200–2,000 steps in every try while another thread allocated; a failure here kills the test host.
    /// </summary>
    [Fact]
    public void TrainingSurvivesAnotherThreadAllocating()
    {
        var data = TestModels.Batches(8, 2, 8, 17, seed: 5);
        using Llama model = TestModels.NewMicro(21);
        using var worker = new ModuleWorker(0, model, new ListLoss(model, data), ModuleOptimizers.AdamW(weightDecay: 0.1),
            new InnerLoopOptions(LearningRateSchedule.Constant(1e-3), ClipNorm: 1.0));
        worker.BeginRound(TestModels.Weights(model));
        bool stop = false;
        long garbage = 0;
        var allocator = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                for (int k = 0; k < 1000; k++)
                {
                    garbage += new byte[1024].Length;
                }
            }
        }) { IsBackground = true };
        int collections = GC.CollectionCount(0);
        allocator.Start();
        try
        {
            for (int step = 0; step < 3000; step++)
            {
                worker.InnerStep();
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            allocator.Join();
        }

        Assert.True(double.IsFinite(worker.RoundMeanLoss));
        Assert.True(GC.CollectionCount(0) > collections, "the allocating thread should have forced collections");
        Assert.True(garbage > 0);
    }
}
