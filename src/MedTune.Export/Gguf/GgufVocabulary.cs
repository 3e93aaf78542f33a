using System.Text.Json.Nodes;
using MedTune.Checkpoints;
using MedTune.Checkpoints.Tokenization;

namespace MedTune.Export.Gguf;

/// <summary>
/// The tokenizer embedded in a GGUF file (<c>tokenizer.ggml.*</c>), so llama.cpp and Ollama tokenize by themselves:
/// a SentencePiece BPE <c>tokenizer.model</c> becomes llama.cpp's <c>llama</c> vocabulary (pieces, scores, types);
/// a byte-level BPE <c>tokenizer.json</c> becomes its <c>gpt2</c> vocabulary (tokens, types, merges, GPT-2 word splitting).
/// </summary>
public static class GgufVocabulary
{
    // llama.cpp token types (llama_token_type / gguf TokenType).
    private const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5;

    public static List<GgufMetadata> Build(string modelDirectory, ModelConfig config)
    {
        var tokenizer = TextTokenizer.Load(modelDirectory);
        var modelPath = Path.Combine(modelDirectory, TextTokenizer.SentencePieceFile);
        var jsonPath = Path.Combine(modelDirectory, TextTokenizer.TokenizerJsonFile);
        var metadata = File.Exists(modelPath) && (config.Family == ModelFamily.Llama || !File.Exists(jsonPath))
            ? SentencePiece(modelPath, config)
            : File.Exists(jsonPath)
                ? ByteLevelBpe(jsonPath, config)
                : throw new CheckpointException($"{modelDirectory}: no tokenizer.model or tokenizer.json to embed in the GGUF file.");

        if (tokenizer.BosId is { } bos) metadata.Add(GgufMetadata.UInt32("tokenizer.ggml.bos_token_id", (uint)bos));
        if (tokenizer.EosIds.Count > 0) metadata.Add(GgufMetadata.UInt32("tokenizer.ggml.eos_token_id", (uint)tokenizer.EosIds[0]));
        metadata.Add(GgufMetadata.UInt32("tokenizer.ggml.padding_token_id", (uint)tokenizer.PadId));
        metadata.Add(GgufMetadata.Bool("tokenizer.ggml.add_bos_token", tokenizer.AddsBos));
        metadata.Add(GgufMetadata.Bool("tokenizer.ggml.add_eos_token", false));
        return metadata;
    }

    private static List<GgufMetadata> SentencePiece(string path, ModelConfig config)
    {
        var model = SentencePieceModel.Parse(File.ReadAllBytes(path));
        if (model.ModelType != SentencePieceModel.ModelTypeBpe)
            throw new NotSupportedException($"{path}: a SentencePiece unigram model cannot be embedded as llama.cpp's 'llama' vocabulary (it merges by score, like SentencePiece BPE); export this model to ONNX only.");
        if (model.HasPrecompiledCharsMap)
            throw new NotSupportedException($"{path}: the model normalises text with a precompiled character map, which llama.cpp's 'llama' vocabulary does not apply; export this model to ONNX only.");
        var tokens = new List<string>();
        var scores = new List<float>();
        var types = new List<int>();
        foreach (var piece in model.Pieces)
        {
            tokens.Add(piece.Piece);
            scores.Add(piece.Score);
            types.Add((int)piece.Type);
        }
        for (var id = tokens.Count; id < config.VocabSize; id++)
        {
            tokens.Add($"[PAD{id}]");
            scores.Add(-1000f);
            types.Add(Unused);
        }
        return
        [
            GgufMetadata.String("tokenizer.ggml.model", "llama"),
            GgufMetadata.String("tokenizer.ggml.pre", "default"),
            GgufMetadata.Strings("tokenizer.ggml.tokens", tokens),
            GgufMetadata.Floats("tokenizer.ggml.scores", scores),
            GgufMetadata.Int32s("tokenizer.ggml.token_type", types),
            GgufMetadata.UInt32("tokenizer.ggml.unknown_token_id", (uint)model.UnknownId),
            GgufMetadata.Bool("tokenizer.ggml.add_space_prefix", model.AddDummyPrefix),
        ];
    }

    private static List<GgufMetadata> ByteLevelBpe(string path, ModelConfig config)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new CheckpointException($"{path}: expected a JSON object.");
        var model = root["model"] as JsonObject ?? throw new CheckpointException($"{path}: 'model' is missing.");
        if (model["type"]?.GetValue<string>() != "BPE" || model["byte_fallback"]?.GetValue<bool>() == true)
            throw new NotSupportedException($"{path}: only byte-level BPE tokenizer.json files can be embedded as llama.cpp's 'gpt2' vocabulary.");
        if (root["pre_tokenizer"]?["type"]?.GetValue<string>() != "ByteLevel" || root["pre_tokenizer"]?["use_regex"]?.GetValue<bool>() == false)
            throw new NotSupportedException($"{path}: pre_tokenizer is not GPT-2's ByteLevel word splitting, which is the only one medtune maps to llama.cpp (tokenizer.ggml.pre 'gpt-2').");

        var byId = new Dictionary<int, (string Token, int Type)>();
        foreach (var (token, id) in model["vocab"] as JsonObject ?? throw new CheckpointException($"{path}: 'model.vocab' is missing."))
            byId[id!.GetValue<int>()] = (token, Normal);
        foreach (var node in root["added_tokens"] as JsonArray ?? [])
        {
            var special = node!["special"]?.GetValue<bool>() ?? false;
            byId[node["id"]!.GetValue<int>()] = (node["content"]!.GetValue<string>(), special ? Control : UserDefined);
        }
        var size = Math.Max(config.VocabSize, byId.Count == 0 ? 0 : byId.Keys.Max() + 1);
        var tokens = new List<string>(size);
        var types = new List<int>(size);
        for (var id = 0; id < size; id++)
        {
            var (token, type) = byId.TryGetValue(id, out var entry) ? entry : ($"[PAD{id}]", Unused);
            tokens.Add(token);
            types.Add(type);
        }
        var merges = new List<string>();
        foreach (var merge in model["merges"] as JsonArray ?? [])
        {
            merges.Add(merge switch
            {
                JsonValue v => v.GetValue<string>(),
                JsonArray { Count: 2 } pair => pair[0]!.GetValue<string>() + " " + pair[1]!.GetValue<string>(),
                _ => throw new CheckpointException($"{path}: merge {merges.Count} is neither \"a b\" nor [\"a\", \"b\"]."),
            });
        }
        return
        [
            GgufMetadata.String("tokenizer.ggml.model", "gpt2"),
            GgufMetadata.String("tokenizer.ggml.pre", "gpt-2"),
            GgufMetadata.Strings("tokenizer.ggml.tokens", tokens),
            GgufMetadata.Int32s("tokenizer.ggml.token_type", types),
            GgufMetadata.Strings("tokenizer.ggml.merges", merges),
        ];
    }
}
