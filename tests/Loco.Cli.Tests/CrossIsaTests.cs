using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Loco.Cli.Tests;

/// <summary>
/// The same study gives the same bytes on every instruction set: the built <c>loco</c> runs in child processes with the
/// runtime's ISA switches turned off one level at a time (AVX-512, then AVX2 and FMA, then every hardware intrinsic), and
/// each child's CSV must equal the default child's byte for byte. The JIT's own list of the methods it compiled shows
/// which vector width each child really ran, so the comparison cannot pass by every child taking the same path.
/// </summary>
public sealed partial class CrossIsaTests() : CliTestBase("isa")
{
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(2);

    // Name, environment. .NET 10 reads DOTNET_EnableAVX512 (DOTNET_EnableAVX512F alone no longer turns AVX-512 off);
    // DOTNET_EnableAVX2=0 also turns off FMA; DOTNET_PreferredVectorBitWidth=256 keeps AVX-512 instructions on 256-bit vectors.
    private static readonly (string Name, string[] Environment)[] Isas =
    [
        ("default", []),
        ("avx2", ["DOTNET_EnableAVX512=0", "DOTNET_EnableAVX512F=0"]),
        ("256-bit", ["DOTNET_PreferredVectorBitWidth=256"]),
        ("sse", ["DOTNET_EnableAVX2=0"]),
        ("scalar", ["DOTNET_EnableHWIntrinsic=0"]),
    ];

    private static readonly (string Name, string[] Args)[] Studies =
    [
        ("simulate", ["simulate", "--preset", "sla", "--dim", "203", "--rounds", "6", "--runs", "6", "--seed", "3", "--workers", "2"]),
        ("theory", ["theory", "--preset", "sla", "--dim", "1003", "--rounds", "25", "--workers", "3", "--restart-period", "4", "--inner-curve"]),
        ("theory-atoms", ["theory", "--preset", "la-diloco", "--dim", "100000", "--atoms", "300", "--rounds", "10"]),
        ("theory-threads", ["theory", "--preset", "sla", "--dim", "50005", "--rounds", "4", "--threads", "2"]),
        ("codec-int8", ["simulate", "--preset", "diloco", "--dim", "203", "--rounds", "5", "--runs", "4", "--seed", "3", "--compress", "int8:64"]),
        ("codec-bf16", ["simulate", "--preset", "diloco", "--dim", "203", "--rounds", "5", "--runs", "4", "--seed", "3", "--compress", "bf16", "--error-feedback"]),
        ("codec-fp16", ["simulate", "--preset", "diloco", "--dim", "203", "--rounds", "5", "--runs", "4", "--seed", "3", "--compress", "fp16"]),
    ];

    [Fact]
    public void SimulateAndTheoryWriteTheSameBytesOnEveryInstructionSet()
    {
        string loco = Path.Combine(AppContext.BaseDirectory, "loco.dll");
        Assert.True(File.Exists(loco), $"{loco} is missing: the test project must reference Loco.Cli");
        var widths = new Dictionary<string, HashSet<string>>();
        foreach ((string isa, string[] environment) in Isas)
        {
            var used = new HashSet<string>();
            foreach ((string study, string[] args) in Studies)
            {
                string csv = PathOf($"{study}-{isa}.csv");
                string jit = PathOf($"{study}-{isa}.jit.txt");
                RunChild(loco, [.. args, "--csv", csv], environment, jit);
                string compiled = File.ReadAllText(jit);
                foreach (Match m in LaneKernel().Matches(compiled))
                {
                    used.Add(m.Groups[1].Value);
                }

                if (isa != "default")
                {
                    byte[] expected = File.ReadAllBytes(PathOf($"{study}-default.csv"));
                    byte[] actual = File.ReadAllBytes(csv);
                    Assert.True(expected.AsSpan().SequenceEqual(actual), $"{study}: the {isa} child ({string.Join(' ', environment)}) wrote different bytes from the default one");
                }
            }

            widths[isa] = used;
        }

        // What each child ran. Without hardware intrinsics only the scalar paths exist; every x64 CPU .NET runs on has SSE2.
        Assert.Equal(["Lanes64"], widths["scalar"]);
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            Assert.Contains("Lanes128", widths["sse"]); // the dot product (no FMA needed); the FMA kernels go scalar
            Assert.DoesNotContain("Lanes256", widths["sse"]);
            Assert.DoesNotContain("Lanes512", widths["avx2"]);
            Assert.DoesNotContain("Lanes512", widths["256-bit"]);
            Assert.True(widths["default"].Overlaps(["Lanes256", "Lanes512"]), $"default ran {string.Join(", ", widths["default"])}");
            Assert.True(widths.Values.Select(w => string.Join(",", w.Order())).Distinct().Count() >= 3, "the switches did not change the vector paths");
        }
    }

    // Generic kernel instantiations in the JIT's summary, e.g. "Loco.Core.Numerics.FixedOrder:Dot[Loco.Core.Numerics.Lanes256,float]"
    // or "Loco.Core.Numerics.RoundKernel:Pass[Loco.Core.Numerics.Lanes512]".
    [GeneratedRegex(@"(?:FixedOrder:Dot|FixedOrder:AddWeightedRows|RoundKernel:Pass)\[Loco\.Core\.Numerics\.(Lanes\d+)[,\]]")]
    private static partial Regex LaneKernel();

    private static void RunChild(string loco, string[] args, string[] environment, string jitSummary)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(loco);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        // The child starts from the default ISA whatever this process runs under, then takes its own switches.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_Enable", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("DOTNET_PreferredVectorBitWidth", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("DOTNET_Jit", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (string pair in environment)
        {
            string[] kv = pair.Split('=');
            start.Environment[kv[0]] = kv[1];
        }

        start.Environment["DOTNET_JitDisasmSummary"] = "1";
        start.Environment["DOTNET_JitStdOutFile"] = jitSummary;
        using Process child = Process.Start(start)!;
        Task<string> stdout = child.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(ChildTimeout))
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail($"loco {string.Join(' ', args)} with {string.Join(' ', environment)} did not finish within {ChildTimeout.TotalSeconds} s (pid {child.Id}, killed)");
        }

        child.WaitForExit();
        Assert.True(child.ExitCode == 0, $"loco {string.Join(' ', args)} with {string.Join(' ', environment)} exited {child.ExitCode}: {stderr.Result}{stdout.Result}");
    }
}
