using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedTune.Checkpoints;

namespace MedTune.Export;

/// <summary>
/// Writes <c>genai_config.json</c> so that ONNX Runtime GenAI (Microsoft.ML.OnnxRuntimeGenAI) can run the
/// exported decoder: input/output names, head geometry, special token ids and greedy search defaults.
/// </summary>
public static class GenAiConfigWriter
{
    public const string FileName = "genai_config.json";

    /// <summary>
    /// GenAI picks its runtime by model type; our graphs keep the Llama-style signature for both families,
    /// so GPT-NeoX is declared as <c>llama</c> too (GenAI has no gpt_neox type).
    /// </summary>
    public static string GenAiModelType(ModelFamily family) => "llama";

    public static JsonObject Build(ModelConfig config, string modelFileName)
    {
        var eos = config.EosTokenIds.Count switch
        {
            0 => (JsonNode?)null,
            1 => JsonValue.Create(config.EosTokenIds[0]),
            _ => new JsonArray(config.EosTokenIds.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray()),
        };
        var padId = config.PadTokenId ?? (config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : 0);
        return new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = GenAiModelType(config.Family),
                ["bos_token_id"] = config.BosTokenId ?? padId,
                ["eos_token_id"] = eos ?? padId,
                ["pad_token_id"] = padId,
                ["vocab_size"] = config.VocabSize,
                ["context_length"] = config.MaxPositionEmbeddings,
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["filename"] = modelFileName,
                    ["head_size"] = config.HeadDim,
                    ["hidden_size"] = config.HiddenSize,
                    ["num_attention_heads"] = config.NumAttentionHeads,
                    ["num_key_value_heads"] = config.NumKeyValueHeads,
                    ["num_hidden_layers"] = config.NumLayers,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = DecoderGraphBuilder.InputIds,
                        ["attention_mask"] = DecoderGraphBuilder.AttentionMask,
                        ["position_ids"] = DecoderGraphBuilder.PositionIds,
                        ["past_key_names"] = "past_key_values.%d.key",
                        ["past_value_names"] = "past_key_values.%d.value",
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = DecoderGraphBuilder.Logits,
                        ["present_key_names"] = "present.%d.key",
                        ["present_value_names"] = "present.%d.value",
                    },
                },
            },
            ["search"] = new JsonObject
            {
                ["do_sample"] = false,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["max_length"] = config.MaxPositionEmbeddings,
                ["min_length"] = 0,
                ["early_stopping"] = true,
                ["length_penalty"] = 1.0,
                ["repetition_penalty"] = 1.0,
                ["no_repeat_ngram_size"] = 0,
                ["diversity_penalty"] = 0.0,
                ["temperature"] = 1.0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
                ["past_present_share_buffer"] = false,
            },
        };
    }

    public static void Write(ModelConfig config, string outputDirectory, string modelFileName)
    {
        var text = Build(config, modelFileName).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        OnnxModelWriter.WriteAtomically(Path.Combine(outputDirectory, FileName), s => s.Write(Encoding.UTF8.GetBytes(text)));
    }
}
