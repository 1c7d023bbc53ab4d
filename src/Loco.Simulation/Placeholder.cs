namespace Loco.Simulation; internal static class Placeholder {}
