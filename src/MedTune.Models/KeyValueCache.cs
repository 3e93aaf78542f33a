using static TorchSharp.torch;

namespace MedTune.Models;

/// <summary>
/// Keys and values of every layer for the positions already processed ([batch, kv_heads, seq, head_dim]),
/// so that decoding one token attends to the past without recomputing it. Owns its tensors.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    public KeyValueCache(int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Number of positions cached (0 before the first forward pass).</summary>
    public long Length => _keys[0]?.shape[2] ?? 0;

    /// <summary>Appends this step's keys/values for <paramref name="layer"/> and returns the full sequences.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        var allKeys = _keys[layer] is { } k ? cat([k, keys], 2) : keys.alias();
        var allValues = _values[layer] is { } v ? cat([v, values], 2) : values.alias();
        _keys[layer]?.Dispose();
        _values[layer]?.Dispose();
        _keys[layer] = allKeys.DetachFromDisposeScope();
        _values[layer] = allValues.DetachFromDisposeScope();
        return (allKeys, allValues);
    }

    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values)) tensor?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
    }
}
