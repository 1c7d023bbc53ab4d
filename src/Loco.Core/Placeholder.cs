namespace Loco.Core; internal static class Placeholder {}
