using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HuntEngine.Matching;

/// <summary>A literal the screen looks for: UTF-8 compared byte for byte, or ASCII compared ignoring ASCII case.</summary>
internal readonly record struct ScreenLiteral(byte[] Bytes, bool IgnoreCase);

/// <summary>
/// Finds any of a few literals in UTF-8 bytes without widening them: Teddy (Hyperscan's
/// multi-literal SIMD matcher, described in Langdale's notes and Rust's aho-corasick crate), eight
/// buckets, a fingerprint of up to three consecutive bytes per literal, every candidate verified.
/// <para>
/// The fingerprint may sit anywhere in a literal, so it is chosen from a sample of the data being
/// scanned: the window of each literal that occurs least in the sample (JSON is full of <c>"Me</c>
/// and <c>Con</c>; <c>geS</c> of MessageSent is rare). The choice affects speed only: any window
/// of a literal occurs wherever the literal does, and every candidate is checked byte for byte.
/// </para>
/// </summary>
internal sealed class Utf8LiteralScreen
{
    private const int Buckets = 8;
    private const int Window = 3;

    private readonly Entry[] _entries;       // each literal with its window offset and bucket
    private readonly int[][] _byBucket;      // entry indexes per bucket
    private readonly byte[][] _low = new byte[Window][];  // [k][low nibble] → buckets whose byte k may have it
    private readonly byte[][] _high = new byte[Window][]; // [k][high nibble] → likewise
    private readonly Vector256<byte> _low0, _low1, _low2, _high0, _high1, _high2; // both 128-bit lanes hold the table
    private readonly SimdPath _path;

    private readonly record struct Entry(byte[] Bytes, bool IgnoreCase, int Offset);

    /// <summary>Which implementation runs: the widest the machine has, unless a test asks for another.</summary>
    internal enum SimdPath { Auto, Vector256, Vector128, Scalar }

    private Utf8LiteralScreen(Entry[] entries, int[] bucketOf, SimdPath path)
    {
        _entries = entries;
        _byBucket = Enumerable.Range(0, Buckets).Select(b => Enumerable.Range(0, entries.Length).Where(i => bucketOf[i] == b).ToArray()).ToArray();
        for (int k = 0; k < Window; k++)
        {
            _low[k] = new byte[16];
            _high[k] = new byte[16];
        }
        for (int i = 0; i < entries.Length; i++)
        {
            byte bit = (byte)(1 << bucketOf[i]);
            for (int k = 0; k < Window; k++)
            {
                foreach (int b in AcceptedAt(entries[i], k))
                {
                    _low[k][b & 0xF] |= bit;
                    _high[k][b >> 4] |= bit;
                }
            }
        }
        _low0 = Lanes(_low[0]); _low1 = Lanes(_low[1]); _low2 = Lanes(_low[2]);
        _high0 = Lanes(_high[0]); _high1 = Lanes(_high[1]); _high2 = Lanes(_high[2]);
        _path = path switch
        {
            // Both: a Native AOT build for a baseline CPU says Avx2.IsSupported at run time but compiles
            // Vector256 operations as software (a scan 10x slower, measured).
            SimdPath.Auto when Avx2.IsSupported && Vector256.IsHardwareAccelerated => SimdPath.Vector256,
            SimdPath.Auto when Vector128.IsHardwareAccelerated => SimdPath.Vector128,
            SimdPath.Auto => SimdPath.Scalar,
            SimdPath.Vector256 when !Avx2.IsSupported => throw new PlatformNotSupportedException("AVX2"),
            _ => path,
        };
    }

    private static Vector256<byte> Lanes(byte[] table) => Vector256.Create(Vector128.Create(table), Vector128.Create(table));

    /// <summary>
    /// The bytes position <paramref name="k"/> of an entry's window accepts: the literal's byte (both
    /// cases of a letter when case is ignored), or any byte past the end of a literal shorter than
    /// the window.
    /// </summary>
    private static IEnumerable<int> AcceptedAt(Entry e, int k)
    {
        int at = e.Offset + k;
        if (at >= e.Bytes.Length) return Enumerable.Range(0, 256);
        int c = e.Bytes[at];
        return e.IgnoreCase && char.IsAsciiLetter((char)c) ? [c | 0x20, c & ~0x20] : [c];
    }

    /// <summary>
    /// Builds a screen for <paramref name="literals"/> (non-empty, no NUL, ASCII if case is ignored), its fingerprints
    /// chosen from <paramref name="sample"/> (empty: the last window of each literal).
    /// </summary>
    public static Utf8LiteralScreen Create(IReadOnlyList<ScreenLiteral> literals, ReadOnlySpan<byte> sample, SimdPath path = SimdPath.Auto)
    {
        if (literals.Count == 0) throw new ArgumentException("no literal", nameof(literals));
        foreach (var l in literals)
        {
            // Case is ignored for ASCII letters only, so such a literal must be ASCII; an ordinal one
            // may hold any byte but NUL (which stands for "past the end" in the scalar tail).
            if (l.Bytes.Length == 0 || l.Bytes.Contains((byte)0) || (l.IgnoreCase && !System.Text.Ascii.IsValid(l.Bytes)))
                throw new ArgumentException("literals are non-empty, without NUL, and ASCII when case is ignored", nameof(literals));
        }
        // ASCII letters lower-cased, every other byte kept (Ascii.ToLower would stop at the first
        // non-ASCII byte, and names such as Björn are in every real sample).
        byte[] folded = new byte[sample.Length];
        InvariantLowering.LowerAscii(sample, folded);
        var entries = new Entry[literals.Count];
        var cost = new long[literals.Count];
        for (int i = 0; i < literals.Count; i++)
        {
            var (bytes, ignoreCase) = literals[i];
            int best = Math.Max(0, bytes.Length - Window);
            long bestCount = long.MaxValue;
            for (int w = Math.Max(0, bytes.Length - Window); w >= 0; w--)
            {
                long n = CountIn(ignoreCase ? folded : sample, bytes.AsSpan(w, Math.Min(Window, bytes.Length - w)), ignoreCase);
                if (n < bestCount) (best, bestCount) = (w, n);
            }
            entries[i] = new Entry(bytes, ignoreCase, best);
            cost[i] = bestCount;
        }
        return new Utf8LiteralScreen(entries, AssignBuckets(entries, cost, sample), path);
    }

    private static long CountIn(ReadOnlySpan<byte> text, ReadOnlySpan<byte> window, bool ignoreCase)
    {
        Span<byte> w = stackalloc byte[window.Length];
        if (ignoreCase) System.Text.Ascii.ToLower(window, w, out _);
        else window.CopyTo(w);
        long n = 0;
        int at;
        while ((at = text.IndexOf(w)) >= 0)
        {
            n++;
            text = text[(at + 1)..];
        }
        return n;
    }

    /// <summary>
    /// Entries whose windows accept the same nibbles share a bucket. While more groups than buckets
    /// remain, the two whose union adds the fewest expected candidates are merged: a bucket's table
    /// accepts every mix of its members' nibbles, estimated from the sample's byte frequencies.
    /// </summary>
    private static int[] AssignBuckets(Entry[] entries, long[] cost, ReadOnlySpan<byte> sample)
    {
        var byteFreq = new double[256];
        foreach (byte b in sample) byteFreq[b]++;
        for (int b = 0; b < 256; b++) byteFreq[b] = (byteFreq[b] + 1) / (sample.Length + 256);
        var groups = new List<Group>();
        for (int i = 0; i < entries.Length; i++)
        {
            var nibbles = Group.Of(entries[i]);
            int same = groups.FindIndex(g => g.SameNibbles(nibbles));
            if (same >= 0) groups[same] = groups[same].With(i, cost[i]);
            else groups.Add(nibbles with { Members = [i], Cost = cost[i] });
        }
        while (groups.Count > Buckets)
        {
            (int A, int B, double Cost) best = (-1, -1, double.MaxValue);
            for (int a = 0; a < groups.Count; a++)
                for (int b = a + 1; b < groups.Count; b++)
                {
                    double merged = Math.Max(groups[a].Cost + groups[b].Cost, groups[a].Union(groups[b]).Estimate(byteFreq) * sample.Length);
                    double added = merged - groups[a].Cost - groups[b].Cost;
                    if (added < best.Cost) best = (a, b, added);
                }
            var union = groups[best.A].Union(groups[best.B]);
            groups[best.A] = union with { Cost = groups[best.A].Cost + groups[best.B].Cost + best.Cost };
            groups.RemoveAt(best.B);
        }
        var bucketOf = new int[entries.Length];
        for (int g = 0; g < groups.Count; g++)
            foreach (int i in groups[g].Members) bucketOf[i] = g;
        return bucketOf;
    }

    /// <summary>
    /// Literals sharing a bucket: per window position, the low and high nibbles its table accepts
    /// (bit n set: nibble n), so a merge is a union of masks.
    /// </summary>
    private sealed record Group(ushort Low0, ushort High0, ushort Low1, ushort High1, ushort Low2, ushort High2)
    {
        public List<int> Members { get; init; } = [];
        public double Cost { get; init; }

        public static Group Of(Entry e)
        {
            Span<ushort> low = stackalloc ushort[Window], high = stackalloc ushort[Window];
            for (int k = 0; k < Window; k++)
                foreach (int b in AcceptedAt(e, k))
                {
                    low[k] |= (ushort)(1 << (b & 0xF));
                    high[k] |= (ushort)(1 << (b >> 4));
                }
            return new Group(low[0], high[0], low[1], high[1], low[2], high[2]);
        }

        public bool SameNibbles(Group o) =>
            (Low0, High0, Low1, High1, Low2, High2) == (o.Low0, o.High0, o.Low1, o.High1, o.Low2, o.High2);

        public Group With(int member, long cost) => this with { Members = [.. Members, member], Cost = Cost + cost };

        public Group Union(Group o) => new((ushort)(Low0 | o.Low0), (ushort)(High0 | o.High0), (ushort)(Low1 | o.Low1),
            (ushort)(High1 | o.High1), (ushort)(Low2 | o.Low2), (ushort)(High2 | o.High2)) { Members = [.. Members, .. o.Members] };

        /// <summary>The chance that a position is a candidate of this bucket, bytes taken as independent.</summary>
        public double Estimate(double[] byteFreq) =>
            Accepting(Low0, High0, byteFreq) * Accepting(Low1, High1, byteFreq) * Accepting(Low2, High2, byteFreq);

        private static double Accepting(ushort low, ushort high, double[] byteFreq)
        {
            double p = 0;
            for (int h = 0; h < 16; h++)
            {
                if ((high >> h & 1) == 0) continue;
                for (int l = 0; l < 16; l++)
                    if ((low >> l & 1) != 0) p += byteFreq[h << 4 | l];
            }
            return p;
        }
    }

    /// <summary>Per literal: its window (offset and text) and bucket, for tests and reports.</summary>
    public IReadOnlyList<string> Describe() =>
        _entries.Select((e, i) => $"{System.Text.Encoding.UTF8.GetString(e.Bytes)} @{e.Offset} bucket {Array.FindIndex(_byBucket, b => b.Contains(i))}").ToList();

    /// <summary>
    /// The start of an occurrence of a literal at or after <paramref name="from"/>, or -1 when there
    /// is none. Of all occurrences it returns one whose fingerprint comes first, so when any
    /// occurrence lies wholly inside <c>[from, end)</c> the result is below <c>end</c>: a caller can
    /// test a run of records with one search, and search again only past a record that had a hit.
    /// </summary>
    public int Find(ReadOnlySpan<byte> text, int from)
    {
        if ((uint)from > (uint)text.Length) throw new ArgumentOutOfRangeException(nameof(from));
        var first = new FirstHit { Start = -1 };
        Scan(text, from, ref first);
        return first.Start;
    }

    /// <summary>
    /// Which literals occur in <paramref name="text"/>: bit i for the i-th literal the screen was
    /// created with (at most 64 literals). Every candidate is verified against every literal of its
    /// buckets, so the set is exact.
    /// </summary>
    public ulong LiteralsIn(ReadOnlySpan<byte> text)
    {
        if (_entries.Length > 64) throw new InvalidOperationException("more than 64 literals");
        var held = new HeldLiterals();
        Scan(text, 0, ref held);
        return held.Bits;
    }

    /// <summary>Told of each verified occurrence, in order of fingerprint position; returns true to stop the scan.</summary>
    private interface IHitVisitor
    {
        bool OnHit(int start, int literal);
    }

    private struct FirstHit : IHitVisitor
    {
        public int Start;

        public bool OnHit(int start, int literal)
        {
            Start = start;
            return true;
        }
    }

    private struct HeldLiterals : IHitVisitor
    {
        public ulong Bits;

        public bool OnHit(int start, int literal)
        {
            Bits |= 1UL << literal;
            return false;
        }
    }

    /// <summary>
    /// Visits the occurrences starting at or after <paramref name="from"/> whose fingerprints lie at
    /// or after it, in fingerprint order; a generic struct visitor, so each use compiles to its own loop.
    /// </summary>
    private void Scan<TVisitor>(ReadOnlySpan<byte> text, int from, ref TVisitor visitor) where TVisitor : struct, IHitVisitor
    {
        int p = from;
        ref byte start = ref MemoryMarshal.GetReference(text);
        if (_path == SimdPath.Vector256)
        {
            for (; p + 32 + Window - 1 <= text.Length; p += 32)
            {
                var r = Candidates256(ref Unsafe.Add(ref start, p));
                if (r == Vector256<byte>.Zero) continue;
                uint mask = ~Vector256.Equals(r, Vector256<byte>.Zero).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int j = BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    if (VerifyAt(text, from, p + j, r.GetElement(j), ref visitor)) return;
                }
            }
        }
        else if (_path == SimdPath.Vector128)
        {
            for (; p + 16 + Window - 1 <= text.Length; p += 16)
            {
                var r = Candidates128(ref Unsafe.Add(ref start, p));
                if (r == Vector128<byte>.Zero) continue;
                uint mask = ~Vector128.Equals(r, Vector128<byte>.Zero).ExtractMostSignificantBits() & 0xFFFF;
                while (mask != 0)
                {
                    int j = BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    if (VerifyAt(text, from, p + j, r.GetElement(j), ref visitor)) return;
                }
            }
        }
        // The last few positions (and the scalar path): the same tables a byte at a time, a byte
        // past the end read as 0, which no literal holds (a window running past a short literal
        // accepts it, and verification checks the real bounds).
        for (; p < text.Length; p++)
        {
            int bits = 0xFF;
            for (int k = 0; k < Window && bits != 0; k++)
            {
                int b = p + k < text.Length ? text[p + k] : 0;
                bits &= _low[k][b & 0xF] & _high[k][b >> 4];
            }
            if (bits != 0 && VerifyAt(text, from, p, bits, ref visitor)) return;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<byte> Candidates256(ref byte at)
    {
        var nibble = Vector256.Create((byte)0x0F);
        var v0 = Vector256.LoadUnsafe(ref at);
        var v1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref at, 1));
        var v2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref at, 2));
        // vpshufb looks up within each 128-bit lane, which is why both lanes hold the table.
        return Avx2.Shuffle(_low0, v0 & nibble) & Avx2.Shuffle(_high0, Vector256.ShiftRightLogical(v0.AsUInt16(), 4).AsByte() & nibble)
            & Avx2.Shuffle(_low1, v1 & nibble) & Avx2.Shuffle(_high1, Vector256.ShiftRightLogical(v1.AsUInt16(), 4).AsByte() & nibble)
            & Avx2.Shuffle(_low2, v2 & nibble) & Avx2.Shuffle(_high2, Vector256.ShiftRightLogical(v2.AsUInt16(), 4).AsByte() & nibble);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<byte> Candidates128(ref byte at)
    {
        var nibble = Vector128.Create((byte)0x0F);
        var v0 = Vector128.LoadUnsafe(ref at);
        var v1 = Vector128.LoadUnsafe(ref Unsafe.Add(ref at, 1));
        var v2 = Vector128.LoadUnsafe(ref Unsafe.Add(ref at, 2));
        return Vector128.ShuffleNative(_low0.GetLower(), v0 & nibble) & Vector128.ShuffleNative(_high0.GetLower(), Vector128.ShiftRightLogical(v0.AsUInt16(), 4).AsByte() & nibble)
            & Vector128.ShuffleNative(_low1.GetLower(), v1 & nibble) & Vector128.ShuffleNative(_high1.GetLower(), Vector128.ShiftRightLogical(v1.AsUInt16(), 4).AsByte() & nibble)
            & Vector128.ShuffleNative(_low2.GetLower(), v2 & nibble) & Vector128.ShuffleNative(_high2.GetLower(), Vector128.ShiftRightLogical(v2.AsUInt16(), 4).AsByte() & nibble);
    }

    /// <summary>Checks each literal of the candidate's buckets byte for byte and tells the visitor of each one found; true when it says stop.</summary>
    private bool VerifyAt<TVisitor>(ReadOnlySpan<byte> text, int from, int window, int bits, ref TVisitor visitor) where TVisitor : struct, IHitVisitor
    {
        while (bits != 0)
        {
            int bucket = BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            foreach (int i in _byBucket[bucket])
            {
                var e = _entries[i];
                int s = window - e.Offset;
                if (s < from || s + e.Bytes.Length > text.Length) continue;
                var candidate = text.Slice(s, e.Bytes.Length);
                if ((e.IgnoreCase ? System.Text.Ascii.EqualsIgnoreCase(candidate, e.Bytes) : candidate.SequenceEqual(e.Bytes))
                    && visitor.OnHit(s, i)) return true;
            }
        }
        return false;
    }
}
