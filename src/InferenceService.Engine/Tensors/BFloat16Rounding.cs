using InferenceService.OnnxRuntime;

namespace InferenceService.Engine.Tensors;

/// <summary>Correctly rounded conversion from <see cref="double"/> to <see cref="BFloat16"/>.</summary>
internal static class BFloat16Rounding
{
    /// <summary>
    /// Rounds <paramref name="value"/> to the nearest bfloat16, ties to even, as a single rounding. Rounding to float
    /// first and then to bfloat16 rounds twice and can go the wrong way (1.0039062500000002 is just above the
    /// midpoint between 1 and 1.0078125, but rounds to the midpoint as a float, and then to 1). So the first step rounds
    /// to odd instead: with float's 16 spare bits that keeps the information the second rounding needs.
    /// Values beyond the bfloat16 range become infinity; the caller decides what that means.
    /// </summary>
    public static BFloat16 FromDouble(double value)
    {
        var single = (float)value;
        if (!float.IsFinite(single) || single == value)
        {
            return (BFloat16)single;
        }
        var bits = BitConverter.SingleToUInt32Bits(single);
        if ((bits & 1) == 0)
        {
            // Round to nearest picked the even neighbour; round to odd wants the other one, one unit toward the value.
            // Sign and magnitude bits: adding one moves away from zero, subtracting moves toward it.
            bits = Math.Abs(value) > Math.Abs(single) ? bits + 1 : bits - 1;
        }
        return (BFloat16)BitConverter.UInt32BitsToSingle(bits);
    }
}
