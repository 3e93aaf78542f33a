using System.Buffers.Binary;
using System.Text;

namespace MedTune.Checkpoints.Tests;

/// <summary>Builds safetensors files byte by byte, valid or deliberately broken.</summary>
internal static class SafetensorsTestFiles
{
    public static byte[] Build(string headerJson, int dataBytes, long? declaredHeaderLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, declaredHeaderLength ?? header.Length);
        header.CopyTo(bytes, 8);
        for (var i = 0; i < dataBytes; i++) bytes[8 + header.Length + i] = (byte)(i * 7);
        return bytes;
    }

    /// <summary>Two F32 tensors: a [2, 3] (24 bytes) then b [4] (16 bytes).</summary>
    public const string ValidHeader =
        """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[4],"data_offsets":[24,40]}}""";

    public const int ValidDataBytes = 40;
}
