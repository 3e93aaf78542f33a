using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedTune.Training;

/// <summary>
/// A resumable training state in the stage's work directory, one folder <c>checkpoint-NNNNNNNN</c> per saved step:
/// <list type="bullet">
/// <item><c>adapter_model.safetensors</c> — LoRA weights (PEFT names, float32)</item>
/// <item><c>optimizer.safetensors</c> — AdamW <c>exp_avg</c>/<c>exp_avg_sq</c> per LoRA tensor</item>
/// <item><c>trainer_state.json</c> — step, data position, per-tensor AdamW step, dropout generator state, thread count</item>
/// <item><c>train_log.jsonl</c> — the log lines up to this step</item>
/// </list>
/// A folder is written under a temporary name and renamed when complete, so a kill never leaves a partial checkpoint
/// under a final name; older checkpoints are deleted after a newer one is in place.
/// </summary>
public sealed record TrainingCheckpoint(string Directory, int Step)
{
    public const int FormatVersion = 1;
    private const string Prefix = "checkpoint-";
    private const string StateFile = "trainer_state.json";
    private const string AdapterFile = "adapter_model.safetensors";
    private const string OptimizerFile = "optimizer.safetensors";
    public const string LogFile = "train_log.jsonl";

    public string LogPath => Path.Combine(Directory, LogFile);

    /// <summary>The newest complete checkpoint in <paramref name="workDirectory"/>, or null.</summary>
    public static TrainingCheckpoint? FindLatest(string workDirectory)
    {
        if (!System.IO.Directory.Exists(workDirectory)) return null;
        return System.IO.Directory.EnumerateDirectories(workDirectory, Prefix + "*")
            .Select(d => (Dir: d, Step: int.TryParse(Path.GetFileName(d)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : -1))
            .Where(c => c.Step >= 0)
            .OrderByDescending(c => c.Step)
            .Select(c => new TrainingCheckpoint(c.Dir, c.Step))
            .FirstOrDefault();
    }

    public static TrainingCheckpoint Save(string workDirectory, int step, TrainingPosition position, LoraInjection lora, AdamW optimizer, string logPath)
    {
        var final = Path.Combine(workDirectory, $"{Prefix}{step:D8}");
        var temporary = Path.Combine(workDirectory, $".{Prefix}{step:D8}.{Guid.NewGuid():N}.tmp");
        System.IO.Directory.CreateDirectory(temporary);
        try
        {
            var named = lora.NamedParameters().ToList();
            SafetensorsWriter.Write(Path.Combine(temporary, AdapterFile), LoraAdapter.TensorData(lora));
            var states = AdamStates(optimizer, named.Count);
            SafetensorsWriter.Write(Path.Combine(temporary, OptimizerFile), named.SelectMany((p, i) => new[]
            {
                LoraAdapter.ToTensorData(p.PeftName + ".exp_avg", states[i].exp_avg),
                LoraAdapter.ToTensorData(p.PeftName + ".exp_avg_sq", states[i].exp_avg_sq),
            }));
            using var generatorState = lora.DropoutGenerator.get_state();
            var json = new JsonObject
            {
                ["format_version"] = FormatVersion,
                ["step"] = step,
                ["epoch"] = position.Epoch,
                ["index_in_epoch"] = position.IndexInEpoch,
                ["adam_steps"] = new JsonArray(states.Select(s => (JsonNode)JsonValue.Create(s.step)!).ToArray()),
                ["dropout_generator_state"] = Convert.ToBase64String(generatorState.data<byte>().ToArray()),
                ["torch_threads"] = get_num_threads(),
            };
            File.WriteAllText(Path.Combine(temporary, StateFile), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            if (File.Exists(logPath)) File.Copy(logPath, Path.Combine(temporary, LogFile));
            if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, recursive: true);
            System.IO.Directory.Move(temporary, final);
        }
        catch
        {
            System.IO.Directory.Delete(temporary, recursive: true);
            throw;
        }
        foreach (var older in System.IO.Directory.EnumerateDirectories(workDirectory, Prefix + "*").Where(d => d != final).ToList())
            System.IO.Directory.Delete(older, recursive: true);
        return new TrainingCheckpoint(final, step);
    }

    /// <summary>Restores LoRA weights, optimizer moments and the dropout generator. Returns the thread count the checkpoint was written with.</summary>
    public int Restore(LoraInjection lora, AdamW optimizer)
    {
        var statePath = Path.Combine(Directory, StateFile);
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(statePath)) as JsonObject ?? throw Corrupt("expected a JSON object");
            if (json["format_version"]?.GetValue<int>() != FormatVersion) throw Corrupt($"format_version is not {FormatVersion}");
            if (json["step"]?.GetValue<int>() != Step) throw Corrupt("its step does not match the folder name");
            var named = lora.NamedParameters().ToList();
            var adamSteps = (json["adam_steps"] as JsonArray ?? throw Corrupt("adam_steps is missing")).Select(n => n!.GetValue<long>()).ToList();
            if (adamSteps.Count != named.Count) throw Corrupt($"it has optimizer state for {adamSteps.Count} tensors, this run trains {named.Count}");

            using (var adapter = SafetensorsFile.Open(Path.Combine(Directory, AdapterFile)))
            using (var moments = SafetensorsFile.Open(Path.Combine(Directory, OptimizerFile)))
            using (no_grad())
            {
                var states = AdamStates(optimizer, named.Count);
                for (var i = 0; i < named.Count; i++)
                {
                    var (name, parameter) = named[i];
                    if (!adapter.Tensors.ContainsKey(name)) throw Corrupt($"tensor {name} is missing (the LoRA targets changed?)");
                    LoraAdapter.CopyInto(parameter, adapter.ReadFloat32(name));
                    LoraAdapter.CopyInto(states[i].exp_avg, moments.ReadFloat32(name + ".exp_avg"));
                    LoraAdapter.CopyInto(states[i].exp_avg_sq, moments.ReadFloat32(name + ".exp_avg_sq"));
                    states[i].step = adamSteps[i];
                }
            }
            var generatorBytes = Convert.FromBase64String(json["dropout_generator_state"]?.GetValue<string>() ?? throw Corrupt("dropout_generator_state is missing"));
            using var generatorState = tensor(generatorBytes, dtype: ScalarType.Byte);
            lora.DropoutGenerator.set_state(generatorState);
            return json["torch_threads"]?.GetValue<int>() ?? 0;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException
                                   || (e is CheckpointException && !e.Message.StartsWith(Directory, StringComparison.Ordinal)))
        {
            throw Corrupt(e.Message, e);
        }
    }

    private CheckpointException Corrupt(string problem, Exception? inner = null) =>
        new($"{Directory}: training checkpoint is unusable ({problem}). Delete the folder to restart training from the previous checkpoint or from scratch.", inner);

    private static AdamW.State[] AdamStates(AdamW optimizer, int expected)
    {
        var states = optimizer.state_dict().State.Cast<AdamW.State>().ToArray();
        if (states.Length != expected) throw new InvalidOperationException($"the optimizer holds {states.Length} tensors, expected {expected}");
        return states;
    }
}

/// <summary>Where in the data a step count puts training (for the checkpoint's record; the step count determines it).</summary>
public sealed record TrainingPosition(int Epoch, int IndexInEpoch);
