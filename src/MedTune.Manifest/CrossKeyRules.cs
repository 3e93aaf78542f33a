namespace MedTune.Manifest;

/// <summary>Rules that involve more than one key, or a key and a fixed list that is not an enum.</summary>
internal sealed class CrossKeyRules(ManifestDiagnostics diagnostics)
{
    public void Check(ExperimentManifest m)
    {
        CheckBuiltinName(m.Model);
        CheckTargetModules(m.Lora);
        CheckDatasets(m.Datasets.Train, "datasets.train", ["alpaca", "exam"], "training reads instruction records or exam questions paired with their answers");
        CheckDatasets(m.Datasets.Eval, "datasets.eval", ["exam"], "evaluation reads exam questions");
        // Without any datasets section the missing datasets.eval is the one error worth reporting.
        if (m.Evaluate.Models.Contains("tuned") && m.Datasets.Train.Count == 0 && diagnostics.IsWritten("datasets") && !diagnostics.HasTypeError("datasets.train"))
            diagnostics.Add("datasets.train", "evaluate.models includes 'tuned' but there is no training data",
                "add a datasets.train entry, or evaluate only [base]");
        if (m.Evaluate.Shots > 0 && m.Evaluate.FewshotPath is null && !diagnostics.HasTypeError("evaluate.fewshot_path"))
            diagnostics.Add("evaluate.shots", $"shots is {m.Evaluate.Shots} but evaluate.fewshot_path is not set",
                "set evaluate.fewshot_path to a .jsonl file of exemplars in exam record format, or set shots: 0");
        if (!m.Export.Formats.Contains("onnx") && !diagnostics.HasTypeError("export.formats"))
            diagnostics.Add("export.formats", "formats must include onnx: evaluation runs the ONNX model",
                "write [onnx] or [onnx, gguf]");
        var blockSize = m.Model.Quantization.BlockSize;
        if (m.Model.Quantization.IsQuantized && !QuantizationSection.BlockSizes.Contains(blockSize) && !diagnostics.HasTypeError("model.quantization.block_size"))
            diagnostics.Add("model.quantization.block_size", $"block_size {blockSize} is not one of bitsandbytes' block sizes",
                $"use one of {string.Join(", ", QuantizationSection.BlockSizes)} (64 is the QLoRA default)");
        if (m.Train.MaxSteps is { } maxSteps && m.Train.WarmupSteps > maxSteps)
            diagnostics.Add("train.warmup_steps", $"warmup_steps ({m.Train.WarmupSteps}) is more than max_steps ({maxSteps})");
    }

    private void CheckBuiltinName(ModelSection model)
    {
        if (!model.IsBuiltin || ModelSection.BuiltinNames.Contains(model.Base)) return;
        var suggestion = DidYouMean.Suggest(model.Base, ModelSection.BuiltinNames);
        diagnostics.Add("model.base", $"unknown builtin model '{model.Base}'; builtin models are {string.Join(", ", ModelSection.BuiltinNames)}",
            suggestion is null ? "or give the path of a Hugging Face checkpoint directory" : $"did you mean '{suggestion}'?");
    }

    private void CheckTargetModules(LoraSection lora)
    {
        if (lora.TargetModules.Contains("all-linear") && lora.TargetModules.Count > 1)
            diagnostics.Add("lora.target_modules", "all-linear already adapts every linear layer; it cannot be combined with module names",
                "write [all-linear] or list the module names");
    }

    private void CheckDatasets(List<DatasetSpec> specs, string listPath, string[] formats, string why)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var path = $"{listPath}[{i}]";
            if (!formats.Contains(spec.Format) && !diagnostics.HasTypeError($"{path}.format"))
                diagnostics.Add($"{path}.format", $"format must be {string.Join(" or ", formats.Select(f => $"'{f}'"))} here ({why}), got '{spec.Format}'");
            if (string.IsNullOrEmpty(spec.Name)) continue;
            if (names.TryGetValue(spec.Name, out var first))
                diagnostics.Add($"{path}.name", $"dataset name '{spec.Name}' is already used by {listPath}[{first}]",
                    "give each dataset a distinct name: reports are keyed by it");
            else names[spec.Name] = i;
        }
    }
}
