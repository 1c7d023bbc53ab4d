using Loco.Core.Family;
using Loco.Core.Optimizers;

namespace Loco.Core.Tests;

public class SettingsTests
{
    [Fact]
    public void PresetsAreSettingsOfTheOneFamily()
    {
        FamilyConfig sgd = new FamilySettings { Preset = Preset.Sgd }.Resolve();
        Assert.Equal((1, 1.0, 0.0, 1, OuterKind.Plain), (sgd.InnerSteps, sgd.OuterLr, sgd.OuterMomentum, sgd.Workers, sgd.OuterKind));

        FamilyConfig la = new FamilySettings { Preset = Preset.La }.Resolve();
        Assert.Equal((1, 0.0, OuterKind.Plain), (la.Workers, la.OuterMomentum, la.OuterKind));

        FamilyConfig laDiloco = new FamilySettings { Preset = Preset.LaDiloco, Workers = 8 }.Resolve();
        Assert.Equal((8, 0.0), (laDiloco.Workers, laDiloco.OuterMomentum));

        FamilyConfig sla = new FamilySettings { Preset = Preset.Sla, OuterKind = OuterKind.HeavyBall }.Resolve();
        Assert.Equal((OuterKind.HeavyBall, 0.9), (sla.OuterKind, sla.OuterMomentum));

        FamilyConfig diloco = new FamilySettings { Preset = Preset.Diloco }.Resolve();
        Assert.Equal((InnerKind.AdamW, OuterKind.Nesterov, 0.7, 0.9), (diloco.InnerKind, diloco.OuterKind, diloco.OuterLr, diloco.OuterMomentum));
    }

    [Theory]
    [InlineData(Preset.Sgd, "--workers")]
    [InlineData(Preset.Sgd, "--outer-lr")]
    [InlineData(Preset.La, "--workers")]
    [InlineData(Preset.La, "--outer-momentum")]
    [InlineData(Preset.LaDiloco, "--outer")]
    [InlineData(Preset.Sla, "--outer")]
    [InlineData(Preset.Diloco, "--inner")]
    public void FlagsThatContradictAPresetAreRejectedByName(Preset preset, string flag)
    {
        FamilySettings s = new() { Preset = preset };
        s = flag switch
        {
            "--workers" => s with { Workers = 3 },
            "--outer-lr" => s with { OuterLr = 0.5 },
            "--outer-momentum" => s with { OuterMomentum = 0.5 },
            "--outer" => s with { OuterKind = preset == Preset.Sla ? OuterKind.Plain : OuterKind.Nesterov },
            _ => s with { InnerKind = InnerKind.Sgd },
        };
        var ex = Assert.Throws<InvalidInputException>(s.Resolve);
        Assert.Equal(flag, ex.Subject);
    }

    [Theory]
    [InlineData("--inner-lr", 0.0)]
    [InlineData("--inner-lr", -1.0)]
    [InlineData("--inner-lr", double.NaN)]
    [InlineData("--inner-lr", double.PositiveInfinity)]
    [InlineData("--outer-lr", 0.0)]
    [InlineData("--outer-lr", double.NegativeInfinity)]
    [InlineData("--outer-momentum", 1.0)]
    [InlineData("--outer-momentum", -0.1)]
    [InlineData("--outer-momentum", double.NaN)]
    [InlineData("--inner-steps", 0.0)]
    [InlineData("--workers", 0.0)]
    [InlineData("--batch", -4.0)]
    [InlineData("--restart-period", -1.0)]
    [InlineData("--weight-decay", -0.1)]
    public void InvalidValuesNameTheirFlag(string flag, double value)
    {
        FamilySettings s = flag switch
        {
            "--inner-lr" => new() { InnerLr = value },
            "--outer-lr" => new() { OuterLr = value },
            "--outer-momentum" => new() { OuterMomentum = value, OuterKind = OuterKind.Nesterov },
            "--inner-steps" => new() { InnerSteps = (int)value },
            "--workers" => new() { Workers = (int)value },
            "--batch" => new() { BatchSize = (int)value },
            "--restart-period" => new() { RestartPeriod = (int)value },
            _ => new() { WeightDecay = value },
        };
        var ex = Assert.Throws<InvalidInputException>(s.Resolve);
        Assert.Equal(flag, ex.Subject);
    }

    [Fact]
    public void UnknownPresetIsRejected()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Presets.Parse("adam"));
        Assert.Equal("--preset", ex.Subject);
        Assert.Contains("la-diloco", ex.Problem);
        Assert.Equal(Preset.LaDiloco, Presets.Parse("LA-DiLoCo"));
    }

    [Fact]
    public void MomentumWithoutAnOuterKindMeansNesterov()
    {
        Assert.Equal(OuterKind.Nesterov, new FamilySettings { OuterMomentum = 0.5 }.Resolve().OuterKind);
        Assert.Equal(OuterKind.Plain, new FamilySettings().Resolve().OuterKind);
    }

    public static TheoryData<string, FamilySettings> InertOrContradictory => new()
    {
        { "--inner-steps", new FamilySettings { Preset = Preset.Sgd, InnerSteps = 8 } },
        { "--restart-period", new FamilySettings { RestartPeriod = 3, OuterKind = OuterKind.Plain } },
        { "--restart-period", new FamilySettings { Preset = Preset.La, RestartPeriod = 2 } },
        { "--restart", new FamilySettings { Restart = new OpposedRestart() } },
        { "--restart", new FamilySettings { Preset = Preset.Sla, RestartPeriod = 3, Restart = RestartSchedule.Every(3) } },
        { "--inner-momentum", new FamilySettings { InnerKind = InnerKind.Sgd, InnerMomentum = 0.5 } },
        { "--inner-momentum", new FamilySettings { Preset = Preset.Diloco, InnerMomentum = 0.5 } },
        { "--outer-form", new FamilySettings { OuterKind = OuterKind.Plain, OuterForm = OuterForm.Ema } },
    };

    [Theory]
    [MemberData(nameof(InertOrContradictory))]
    public void FlagsTheMemberWouldIgnoreAreRefusedByName(string flag, FamilySettings settings)
    {
        var ex = Assert.Throws<InvalidInputException>(settings.Resolve);
        Assert.Equal(flag, ex.Subject);
    }

    [Fact]
    public void MeaningfulRestartsAndInnerMomentumStillResolve()
    {
        Assert.Equal(RestartSchedule.Every(3), new FamilySettings { Preset = Preset.Sla, RestartPeriod = 3 }.Resolve().Restart);
        Assert.Equal(RestartSchedule.Never, new FamilySettings { RestartPeriod = 0 }.Resolve().Restart);
        Assert.Equal(new OpposedRestart(-0.5), new FamilySettings { OuterKind = OuterKind.HeavyBall, Restart = new OpposedRestart(-0.5) }.Resolve().Restart);
        Assert.Equal(0.5, new FamilySettings { InnerKind = InnerKind.Nesterov, InnerMomentum = 0.5 }.Resolve().InnerMomentum);
        Assert.Equal(3, new FamilySettings { Preset = Preset.Sla, RestartPeriod = 3 }.Resolve().RestartPeriod);
    }

    [Theory]
    [InlineData(Preset.Sgd, "sgd")]
    [InlineData(Preset.La, "la")]
    [InlineData(Preset.LaDiloco, "la-diloco")]
    [InlineData(Preset.Sla, "sla")]
    [InlineData(Preset.Diloco, "diloco")]
    public void EachPresetIsLabelledByItsName(Preset preset, string label) =>
        Assert.Equal(label, Presets.Label(new FamilySettings { Preset = preset }.Resolve()));

    [Fact]
    public void TheLabelFollowsTheSettingsNotTheDefaults()
    {
        // loco train's default is DiLoCo; with inner SGD it is SLA (outer Nesterov over SGD), not "diloco".
        FamilyConfig diloco = new FamilySettings { Preset = Preset.Diloco }.Resolve();
        Assert.Equal("sla", Presets.Label(diloco with { InnerKind = InnerKind.Sgd }));
        Assert.Equal("custom", Presets.Label(diloco with { OuterKind = OuterKind.HeavyBall }));
        Assert.Equal("la-diloco", Presets.Label(new FamilySettings { Workers = 3 }.Resolve()));
        Assert.Equal("la", Presets.Label(new FamilySettings { InnerSteps = 1, OuterLr = 0.5 }.Resolve()));
    }
}
