using System.Diagnostics;
using Loco.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

if (args.Length > 0 && args[0] == "probe")
{
    foreach (int threads in new[] { 1, 2 })
    {
        set_num_threads(threads);
        using var model = new Llama(LlamaConfig.Preset("tiny", 256, 64), new Generator(1));
        var opt = optim.AdamW(model.parameters(), 1e-3);
        var x = randint(0, 256, [16, 64]);
        var y = randint(0, 256, [16, 64]);
        for (int rep = 0; rep < 3; rep++)
        {
            var sw = Stopwatch.StartNew();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            int n = 10;
            for (int i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                opt.zero_grad();
                var loss = model.Loss(x, y);
                loss.backward();
                opt.step();
            }
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            Console.WriteLine($"threads {threads}: {sw.Elapsed.TotalMilliseconds / n:F1} ms/step wall, {cpu.TotalMilliseconds / n:F1} ms/step cpu");
        }
    }
}
