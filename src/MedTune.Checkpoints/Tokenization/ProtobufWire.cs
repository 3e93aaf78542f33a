using System.Text;

namespace MedTune.Checkpoints.Tokenization;

/// <summary>
/// The few protocol-buffer wire-format pieces a SentencePiece <c>tokenizer.model</c> needs (varint, 32-bit float,
/// length-delimited). Hand-written so that no generated code is needed for one small, stable message.
/// </summary>
internal sealed class ProtobufWriter
{
    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, byte[] value)
    {
        Tag(field, WireType.LengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void Message(int field, ProtobufWriter message) => Bytes(field, message.ToArray());

    public void Int32(int field, int value)
    {
        Tag(field, WireType.Varint);
        Varint(unchecked((ulong)(long)value)); // negative int32 is sign-extended to 10 bytes, as protobuf does
    }

    public void Bool(int field, bool value)
    {
        Tag(field, WireType.Varint);
        Varint(value ? 1UL : 0UL);
    }

    public void Float(int field, float value)
    {
        Tag(field, WireType.Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
    }

    private void Tag(int field, WireType type) => Varint((ulong)(field << 3 | (int)type));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}

internal enum WireType { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 }

/// <summary>One field read from a protocol-buffer message: its number, wire type and raw value.</summary>
internal readonly record struct ProtobufField(int Number, WireType Type, ulong Scalar, ReadOnlyMemory<byte> Payload)
{
    public string AsString() => Encoding.UTF8.GetString(Payload.Span);
    public float AsFloat() => BitConverter.Int32BitsToSingle(unchecked((int)Scalar));
    public int AsInt32() => unchecked((int)Scalar);
    public bool AsBool() => Scalar != 0;
}

/// <summary>Reads the fields of one message in order; unknown fields are returned too so callers can skip them.</summary>
internal static class ProtobufReader
{
    public static IEnumerable<ProtobufField> Fields(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message.Span, ref position);
            var number = (int)(tag >> 3);
            var type = (WireType)(tag & 7);
            switch (type)
            {
                case WireType.Varint:
                    yield return new ProtobufField(number, type, ReadVarint(message.Span, ref position), default);
                    break;
                case WireType.Fixed32:
                    Require(message.Length, position, 4);
                    yield return new ProtobufField(number, type, BitConverter.ToUInt32(message.Span.Slice(position, 4)), default);
                    position += 4;
                    break;
                case WireType.Fixed64:
                    Require(message.Length, position, 8);
                    yield return new ProtobufField(number, type, BitConverter.ToUInt64(message.Span.Slice(position, 8)), default);
                    position += 8;
                    break;
                case WireType.LengthDelimited:
                    var length = (int)ReadVarint(message.Span, ref position);
                    Require(message.Length, position, length);
                    yield return new ProtobufField(number, type, 0, message.Slice(position, length));
                    position += length;
                    break;
                default:
                    throw new InvalidDataException($"unsupported protobuf wire type {(int)type} at byte {position}");
            }
        }
    }

    private static void Require(int total, int position, int count)
    {
        if (count < 0 || position + count > total)
            throw new InvalidDataException($"protobuf field at byte {position} runs past the end of its message");
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length) throw new InvalidDataException("protobuf varint runs past the end of the data");
            var b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new InvalidDataException($"protobuf varint longer than 10 bytes at byte {position}");
    }
}
