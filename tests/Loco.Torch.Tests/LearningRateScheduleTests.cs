using Loco.Core.Family;
using Loco.Torch.Training;

namespace Loco.Torch.Tests;

/// <summary>The inner learning-rate schedules against their closed forms, written out here point by point.</summary>
public class LearningRateScheduleTests
{
    private const double Peak = 2e-3, Floor = 2e-4; // MinFraction 0.1
    private const int Warmup = 10, Total = 110;     // 100 steps after warmup: step 10 is progress 0, step 109 progress 1

    private static LearningRateSchedule Of(ScheduleKind kind, double decay = 0.2) =>
        new(Peak, Warmup, Total, 0.1) { Kind = kind, DecayFraction = decay };

    [Theory]
    [InlineData(ScheduleKind.Constant)]
    [InlineData(ScheduleKind.Cosine)]
    [InlineData(ScheduleKind.Linear)]
    [InlineData(ScheduleKind.Wsd)]
    public void EveryScheduleWarmsUpLinearlyToThePeak(ScheduleKind kind)
    {
        LearningRateSchedule s = Of(kind);
        Assert.Equal(Peak / Warmup, s.At(0), 15);
        Assert.Equal(Peak * 5 / Warmup, s.At(4), 15);
        Assert.Equal(Peak, s.At(Warmup), 15);
    }

    [Fact]
    public void ShapesAfterWarmupFollowTheirClosedForms()
    {
        double P(long step) => (step - Warmup) / 99.0;
        foreach (long t in new long[] { 10, 30, 59, 60, 95, 109, 500 })
        {
            double p = Math.Min(1, P(t));
            Assert.Equal(Peak, Of(ScheduleKind.Constant).At(t), 15);
            Assert.Equal(Floor + (Peak - Floor) * (1 + Math.Cos(Math.PI * p)) / 2, Of(ScheduleKind.Cosine).At(t), 15);
            Assert.Equal(Peak + (Floor - Peak) * p, Of(ScheduleKind.Linear).At(t), 15);
            double wsd = p <= 0.7 ? Peak : Peak + (Floor - Peak) * (p - 0.7) / 0.3;
            Assert.Equal(wsd, Of(ScheduleKind.Wsd, 0.3).At(t), 15);
        }

        Assert.Equal(Floor, Of(ScheduleKind.Linear).At(Total - 1), 15);
        Assert.Equal(Floor, Of(ScheduleKind.Wsd).At(Total - 1), 15);
    }

    [Theory]
    [InlineData("cosine", ScheduleKind.Cosine, 0.2)]
    [InlineData(" WSD:0.5 ", ScheduleKind.Wsd, 0.5)]
    [InlineData("linear", ScheduleKind.Linear, 0.2)]
    [InlineData("constant", ScheduleKind.Constant, 0.2)]
    public void NamesParse(string text, ScheduleKind kind, double decay)
    {
        Assert.Equal((kind, decay), LearningRateSchedule.Parse(text));
    }

    [Theory]
    [InlineData("cos")]
    [InlineData("wsd:0")]
    [InlineData("wsd:1.5")]
    [InlineData("linear:0.2")]
    public void BadNamesAreRefusedNamingTheFlag(string text)
    {
        Assert.Equal("--lr-schedule", Assert.Throws<InvalidInputException>(() => LearningRateSchedule.Parse(text)).Subject);
    }
}
