using System.Runtime.InteropServices;

namespace Loco.Torch.Checkpoints;

/// <summary>Element types this project stores in safetensors files (the names are the format's own).</summary>
public enum SafeTensorDType
{
    /// <summary>32-bit IEEE float.</summary>
    F32,
    /// <summary>64-bit IEEE float.</summary>
    F64,
    /// <summary>32-bit signed integer.</summary>
    I32,
    /// <summary>64-bit signed integer.</summary>
    I64,
}

/// <summary>One named tensor: element type, shape and raw little-endian bytes (row-major).</summary>
public sealed class SafeTensor
{
    /// <summary>A tensor over raw bytes; <paramref name="data"/> length must equal the element count × element size.</summary>
    public SafeTensor(string name, SafeTensorDType dtype, long[] shape, byte[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (shape.Any(d => d < 0)) throw new ArgumentException("Dimensions must not be negative.", nameof(shape));
        long elements = shape.Aggregate(1L, (a, d) => checked(a * d));
        if (data.LongLength != elements * ElementSize(dtype))
            throw new ArgumentException($"Tensor '{name}' of shape [{string.Join(", ", shape)}] {dtype} needs {elements * ElementSize(dtype)} bytes, got {data.LongLength}.", nameof(data));
        Name = name;
        DType = dtype;
        Shape = shape;
        Data = data;
    }

    /// <summary>The tensor's key in the file.</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public SafeTensorDType DType { get; }

    /// <summary>Dimensions (empty for a scalar).</summary>
    public long[] Shape { get; }

    /// <summary>Raw little-endian bytes, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Data.LongLength / ElementSize(DType);

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F32 or SafeTensorDType.I32 => 4,
        SafeTensorDType.F64 or SafeTensorDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>An F32 tensor; the shape defaults to [values.Length].</summary>
    public static SafeTensor Of(string name, ReadOnlySpan<float> values, params long[] shape) => Create(name, SafeTensorDType.F32, values, shape);

    /// <summary>An F64 tensor; the shape defaults to [values.Length].</summary>
    public static SafeTensor Of(string name, ReadOnlySpan<double> values, params long[] shape) => Create(name, SafeTensorDType.F64, values, shape);

    /// <summary>An I32 tensor; the shape defaults to [values.Length].</summary>
    public static SafeTensor Of(string name, ReadOnlySpan<int> values, params long[] shape) => Create(name, SafeTensorDType.I32, values, shape);

    /// <summary>An I64 tensor; the shape defaults to [values.Length].</summary>
    public static SafeTensor Of(string name, ReadOnlySpan<long> values, params long[] shape) => Create(name, SafeTensorDType.I64, values, shape);

    /// <summary>The elements as F32; throws if the tensor is another type.</summary>
    public float[] ToFloats() => Values<float>(SafeTensorDType.F32);

    /// <summary>The elements as F64; throws if the tensor is another type.</summary>
    public double[] ToDoubles() => Values<double>(SafeTensorDType.F64);

    /// <summary>The elements as I32; throws if the tensor is another type.</summary>
    public int[] ToInt32s() => Values<int>(SafeTensorDType.I32);

    /// <summary>The elements as I64; throws if the tensor is another type.</summary>
    public long[] ToInt64s() => Values<long>(SafeTensorDType.I64);

    private T[] Values<T>(SafeTensorDType expected) where T : unmanaged
    {
        if (DType != expected) throw new InvalidOperationException($"Tensor '{Name}' is {DType}, not {expected}.");
        RequireLittleEndian();
        return MemoryMarshal.Cast<byte, T>(Data).ToArray();
    }

    private static SafeTensor Create<T>(string name, SafeTensorDType dtype, ReadOnlySpan<T> values, long[] shape) where T : unmanaged
    {
        RequireLittleEndian();
        return new SafeTensor(name, dtype, shape.Length == 0 ? [values.Length] : shape, MemoryMarshal.AsBytes(values).ToArray());
    }

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O here assumes a little-endian machine.");
    }
}
