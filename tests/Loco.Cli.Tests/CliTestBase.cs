namespace Loco.Cli.Tests;

/// <summary>What every command-line test class shares: a temporary folder of its own and a way to run <c>loco</c> in process.</summary>
public abstract class CliTestBase : IDisposable
{
    /// <summary>Creates the class's temporary folder, named loco-<paramref name="prefix"/>-….</summary>
    protected CliTestBase(string prefix) => Folder = Directory.CreateTempSubdirectory($"loco-{prefix}-").FullName;

    /// <summary>This test's temporary folder (deleted afterwards).</summary>
    protected string Folder { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs <c>loco</c> with <paramref name="args"/>, not on a terminal: (exit code, standard output, standard error).</summary>
    protected static (int Code, string Out, string Err) Loco(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = LocoApp.Run(args, stdout, stderr, interactive: false);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The CSV that <c>loco</c> <paramref name="args"/> (a simulate or theory command) writes with <c>--csv</c>; the run must succeed.</summary>
    protected string CurveOf(params string[] args)
    {
        string csv = PathOf($"curve-{Guid.NewGuid():N}.csv");
        var (code, _, err) = Loco([.. args, "--csv", csv]);
        Assert.True(code == 0, err);
        return File.ReadAllText(csv);
    }

    /// <summary>Asserts that <c>loco</c> <paramref name="args"/> exits 2, names <paramref name="named"/> on standard error and creates no <paramref name="outFolder"/>.</summary>
    protected static void AssertRefused(string[] args, string named, string outFolder)
    {
        var (code, _, err) = Loco(args);
        Assert.Equal(2, code);
        Assert.Contains(named, err);
        Assert.False(Directory.Exists(outFolder));
    }

    /// <summary>A path inside <see cref="Folder"/>.</summary>
    protected string PathOf(string name) => Path.Combine(Folder, name);
}
