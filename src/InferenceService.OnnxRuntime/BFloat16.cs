using System.Runtime.InteropServices;

namespace InferenceService.OnnxRuntime;

/// <summary>
/// The bfloat16 element type: the upper 16 bits of an IEEE 754 single. Converting from float rounds to nearest even
/// and keeps NaN a NaN, as ONNX Runtime does.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 2)]
public readonly record struct BFloat16(ushort Bits)
{
    public static explicit operator BFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return new BFloat16((ushort)((bits >> 16) | 0x0040)); // quiet NaN, sign kept
        }
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return new BFloat16((ushort)((bits + roundingBias) >> 16));
    }

    public static explicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.Bits << 16);

    public float ToSingle() => (float)this;

    public static BFloat16 FromSingle(float value) => (BFloat16)value;

    public override string ToString() => ((float)this).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
