using System.CommandLine;
using Loco.Reports.Tables;
using Loco.Torch.Training;

namespace Loco.Cli.Commands;

/// <summary><c>loco export CHECKPOINT --out model.safetensors</c>: a trained model's weights for PyTorch.</summary>
internal sealed class ExportCommand
{
    private readonly Argument<string> _checkpoint = new("CHECKPOINT") { Description = "A `loco train` run folder (--out) or its checkpoint folder." };
    private readonly Option<string?> _out = Options.Text("--out",
        "The safetensors file to write; the model's shape goes beside it with the extension .json. Default: model.safetensors.");
    private readonly Option<bool> _json = Options.Flag("--json", "Print what was written as JSON.");

    public Command Build(Terminal terminal)
    {
        var command = new Command("export",
            "Writes a checkpoint's global weights as named tensors in the module layout of the PyTorch reference (bench/reference/llama_diloco.py: " +
            "embedding.weight, blocks.{i}.attention.wq.weight, …, norm.weight; fp32, safetensors) and the model's shape (vocab, hidden, layers, heads, " +
            "ffn, max_context, norm_eps, rope_theta) as JSON beside it, so that PyTorch loads the trained model: " +
            "model.load_state_dict(safetensors.torch.load_file(PATH), strict=False).");
        command.Arguments.Add(_checkpoint);
        command.Options.Add(_out);
        command.Options.Add(_json);
        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        string weights = r.GetValue(_out) ?? "model.safetensors";
        ModelExport.Result result = Output.Files.Write("--out", () => ModelExport.Export(r.GetValue(_checkpoint)!, weights, (path, body) => OutputFile.Write(path, body)));
        if (r.GetValue(_json))
        {
            var o = new System.Text.Json.Nodes.JsonObject
            {
                ["weights"] = result.Weights, ["config"] = result.Config, ["round"] = result.Round, ["tensors"] = result.Tensors, ["parameters"] = result.Parameters,
            };
            terminal.Out.WriteLine(o.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            terminal.Out.WriteLine($"loco export: round {result.Round}'s global weights ({result.Parameters:N0} in {result.Tensors} tensors) to {result.Weights}; the model's shape to {result.Config}.");
        }

        return ExitCodes.Ok;
    }
}
