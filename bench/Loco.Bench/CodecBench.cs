using System.Diagnostics;
using Loco.Core.Codecs;
using Spectre.Console;

/// <summary>
/// <c>--codecs</c>: encode + decode throughput of each codec on one thread, in GB/s of fp32 input, against a plain copy
/// of the same bytes measured in the same run (the ratio is the claim; the absolute speed is this machine's).
/// </summary>
internal static class CodecBench
{
    public static int Run(bool quick, string simd)
    {
        int n = quick ? 1 << 20 : 1 << 24;
        int reps = quick ? 2 : 5;
        var rng = new Random(1);
        float[] x = [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * 1e-3f)];
        float[] back = new float[n];
        float[] copy = new float[n];
        double gb = 4.0 * n / 1e9;

        double Best(Action body)
        {
            body(); // warm-up (JIT, tiering, page faults)
            double best = double.MaxValue;
            for (int i = 0; i < reps; i++)
            {
                var watch = Stopwatch.StartNew();
                body();
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }

            return best;
        }

        double copySeconds = Best(() => x.AsSpan().CopyTo(copy));
        AnsiConsole.MarkupLine($"Codec throughput, {n:N0} fp32 values ({gb * 1000:F0} MB), one thread, {Markup.Escape(simd)}; plain copy {gb / copySeconds:F2} GB/s");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("codec", "bytes per value", "encode GB/s", "decode GB/s", "encode + decode GB/s", "× copy", "max |error| / max |x|");
        foreach (string name in new[] { "bf16", "fp16", "int8", "int4" })
        {
            foreach (bool stochastic in new[] { false, true })
            {
                CodecSpec spec = CodecSpec.Parse(name, stochastic);
                ICodec codec = spec.Create();
                byte[] bytes = new byte[codec.EncodedBytes(n)];
                double encode = Best(() => codec.Encode(x, bytes, 7));
                double decode = Best(() => codec.Decode(bytes, back));
                double worst = 0;
                for (int i = 0; i < n; i++)
                {
                    worst = Math.Max(worst, Math.Abs(back[i] - x[i]));
                }

                double both = encode + decode;
                table.AddRow(spec.ToString(), $"{(double)bytes.Length / n:F3}", $"{gb / encode:F2}", $"{gb / decode:F2}", $"{gb / both:F2}",
                    $"{copySeconds / both:F2}", $"{worst / 1e-3:E2}");
            }
        }

        AnsiConsole.Write(table);
        return 0;
    }
}
