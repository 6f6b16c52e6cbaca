using System.Globalization;

namespace InferenceService.Client;

/// <summary>
/// A bfloat16 value: the upper 16 bits of an IEEE single (sign, 8 exponent bits, 7 mantissa bits), as the BF16
/// datatype holds it. .NET has no such type; this one converts to and from <see cref="float"/>, rounding to nearest
/// even (and keeping NaN a NaN), as ONNX Runtime and the server do.
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    private BFloat16(ushort bits) => Bits = bits;

    /// <summary>The value's 16 bits.</summary>
    public ushort Bits { get; }

    public static BFloat16 FromBits(ushort bits) => new(bits);

    public static explicit operator BFloat16(float value) => FromSingle(value);

    public static explicit operator float(BFloat16 value) => value.ToSingle();

    public static BFloat16 FromSingle(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            // A quiet NaN with the sign kept: truncation could clear every mantissa bit left and make an infinity.
            return new BFloat16((ushort)((bits >> 16) | 0x0040));
        }
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return new BFloat16((ushort)((bits + rounding) >> 16));
    }

    public float ToSingle() => BitConverter.UInt32BitsToSingle((uint)Bits << 16);

    public bool Equals(BFloat16 other) => Bits == other.Bits;

    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    public override int GetHashCode() => Bits;

    public override string ToString() => ToSingle().ToString(CultureInfo.InvariantCulture);

    public static bool operator ==(BFloat16 left, BFloat16 right) => left.Equals(right);

    public static bool operator !=(BFloat16 left, BFloat16 right) => !left.Equals(right);
}
