using System.Runtime.Intrinsics.X86;
using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Matching;
using Path = HuntEngine.Matching.Utf8LiteralScreen.SimdPath;

namespace HuntEngine.Tests.Matching;

/// <summary>
/// The byte-level multi-literal screen against the obvious search, on every implementation the
/// machine has (AVX2, 128-bit, scalar), with fingerprints tuned to random and hostile samples.
/// </summary>
public sealed class Utf8LiteralScreenTests
{
    // Passed as ints: the enum is internal, test methods are public.
    public static TheoryData<int> Paths()
    {
        var paths = new TheoryData<int> { (int)Path.Scalar, (int)Path.Vector128 };
        if (Avx2.IsSupported) paths.Add((int)Path.Vector256);
        return paths;
    }

    private static List<(int Start, int Length)> Occurrences(byte[] text, IReadOnlyList<ScreenLiteral> literals)
    {
        var found = new List<(int, int)>();
        for (int s = 0; s < text.Length; s++)
            foreach (var l in literals)
            {
                if (s + l.Bytes.Length > text.Length) continue;
                var at = text.AsSpan(s, l.Bytes.Length);
                if (l.IgnoreCase ? Ascii.EqualsIgnoreCase(at, l.Bytes) : at.SequenceEqual(l.Bytes)) found.Add((s, l.Bytes.Length));
            }
        return found;
    }

    // Letters in both cases, and bytes that differ from another only in bit 5 but are not letters
    // ({ [, } ], @ `, | \\): those must never be folded.
    private const string Alphabet = "aAbBcCeE\"\\ .:{}0[]@`|";

    private static byte[] RandomLiteral(Random rng, bool ignoreCase)
    {
        int n = rng.Next(4) == 0 ? rng.Next(7, 31) : rng.Next(1, 7);
        var b = new List<byte>(n + 3);
        for (int i = 0; i < n; i++) b.Add((byte)Alphabet[rng.Next(Alphabet.Length)]);
        // An ordinal literal may hold UTF-8 (the username rule screens for the Kelvin sign).
        if (!ignoreCase && rng.Next(4) == 0) b.InsertRange(rng.Next(b.Count + 1), NonAscii[rng.Next(NonAscii.Length)]);
        return b.ToArray();
    }

    private static readonly byte[][] NonAscii = [[0xE2, 0x84, 0xAA], [0xC3, 0xA9], [0xC4, 0xB0]];

    private static byte[] RandomText(Random rng, IReadOnlyList<ScreenLiteral> literals, int length)
    {
        var text = new List<byte>(length + 16);
        while (text.Count < length)
        {
            switch (rng.Next(6))
            {
                case 0:
                    // a literal, its case flipped at random (an ordinal literal then often fails)
                    var l = literals[rng.Next(literals.Count)].Bytes;
                    text.AddRange(l.Select(c => rng.Next(4) == 0 && char.IsAsciiLetter((char)c) ? (byte)(c ^ 0x20) : c));
                    break;
                case 1:
                    // most of a literal: a near miss
                    var m = literals[rng.Next(literals.Count)].Bytes;
                    text.AddRange(m.Take(Math.Max(0, m.Length - 1)));
                    break;
                case 2:
                    text.AddRange(new byte[] { 0xC3, 0xA9, 0xE2, 0x84, 0xAA, 0x0A, 0xC4, 0xB0 }.Skip(rng.Next(0, 4)).Take(rng.Next(1, 6)));
                    break;
                default:
                    text.Add((byte)Alphabet[rng.Next(Alphabet.Length)]);
                    break;
            }
        }
        return text.ToArray();
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Find_returns_a_real_occurrence_that_comes_no_later_than_the_end_of_any_other(int simd)
    {
        var path = (Path)simd;
        var rng = new Random(20261128 + (int)path);
        for (int round = 0; round < 400; round++)
        {
            var literals = Enumerable.Range(0, rng.Next(1, 16))
                .Select(_ => rng.Next(2) == 0).Select(ci => new ScreenLiteral(RandomLiteral(rng, ci), ci)).ToList();
            var sample = rng.Next(3) == 0 ? [] : RandomText(rng, literals, rng.Next(0, 400));
            var screen = Utf8LiteralScreen.Create(literals, sample, path);
            var text = RandomText(rng, literals, rng.Next(0, 120));
            var all = Occurrences(text, literals);
            // Which literals occur: exact, every literal of every candidate checked.
            ulong expected = 0;
            for (int i = 0; i < literals.Count; i++)
            {
                var l = literals[i];
                for (int at = 0; at + l.Bytes.Length <= text.Length; at++)
                {
                    var span = text.AsSpan(at, l.Bytes.Length);
                    if (l.IgnoreCase ? Ascii.EqualsIgnoreCase(span, l.Bytes) : span.SequenceEqual(l.Bytes)) { expected |= 1UL << i; break; }
                }
            }
            Assert.Equal(expected, screen.LiteralsIn(text));
            for (int from = 0; from <= text.Length; from++)
            {
                int r = screen.Find(text, from);
                var after = all.Where(o => o.Start >= from).ToList();
                string where = $"round {round}, from {from}, literals [{string.Join(", ", screen.Describe())}], text {Convert.ToHexString(text)}";
                if (after.Count == 0)
                {
                    Assert.True(r == -1, $"invented a hit at {r}: {where}");
                    continue;
                }
                Assert.True(r >= from && after.Any(o => o.Start == r), $"returned {r}, not an occurrence: {where}");
                // The guarantee the sweep relies on: below the end of every occurrence after from.
                Assert.True(after.All(o => r < o.Start + o.Length), $"returned {r}, past the end of another occurrence: {where}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Long_texts_cross_vector_boundaries_and_tails(int simd)
    {
        var path = (Path)simd;
        var rng = new Random(7 + (int)path);
        var literals = new[] { "MessageSent", "\"high", "\\u", "mega.nz" }
            .Select((l, i) => new ScreenLiteral(Encoding.ASCII.GetBytes(l), i == 3)).ToList();
        var screen = Utf8LiteralScreen.Create(literals, [], path);
        for (int round = 0; round < 300; round++)
        {
            // one occurrence at every offset around the 16- and 32-byte steps and the end
            var filler = Encoding.ASCII.GetBytes(new string('x', rng.Next(0, 100)));
            var lit = literals[rng.Next(literals.Count)].Bytes;
            var text = filler.Concat(lit).Concat(Encoding.ASCII.GetBytes(new string('y', rng.Next(0, 40)))).ToArray();
            Assert.Equal(filler.Length, screen.Find(text, 0));
            Assert.Equal(-1, screen.Find(text, filler.Length + 1));
            Assert.Equal(-1, screen.Find(text.AsSpan(0, filler.Length + lit.Length - 1), 0));
        }
    }

    [Fact]
    public void Fingerprints_avoid_what_the_sample_is_full_of()
    {
        var literals = new[] { new ScreenLiteral("MessageSent"u8.ToArray(), false), new ScreenLiteral("content.dropboxapi.com"u8.ToArray(), true) };
        var sample = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"MessageId\":\"1\",\"ContentType\":\"text\",\"dropped\":\"COM1\"}\n", 200)));
        var described = Utf8LiteralScreen.Create(literals, sample).Describe();
        // "Mes", "ess", ..., "age" are everywhere in the sample; "geS" and later windows are not.
        int messageOffset = int.Parse(described[0].Split('@')[1].Split(' ')[0]);
        Assert.True(messageOffset >= 5, described[0]);
        // none of "con", "ont", "dro", "com" (case ignored)
        int contentOffset = int.Parse(described[1].Split('@')[1].Split(' ')[0]);
        Assert.DoesNotContain(contentOffset, new[] { 0, 1, 8, 19 });
    }

    [Fact]
    public void Tuning_reads_past_non_ascii_bytes_in_the_sample()
    {
        var literals = new[] { new ScreenLiteral("content.dropboxapi.com"u8.ToArray(), true), new ScreenLiteral("amazonaws.com"u8.ToArray(), true) };
        // A name with a non-ASCII letter first, then e-mail addresses: "com" is everywhere after it.
        var sample = Encoding.UTF8.GetBytes("{\"u\":\"Björn\"}\n" + string.Concat(Enumerable.Repeat("{\"mail\":\"x@Corp.COM\",\"host\":\"y.com\"}\n", 300)));
        var described = Utf8LiteralScreen.Create(literals, sample).Describe();
        Assert.DoesNotContain("@19 ", described[0]); // not the "com" of content.dropboxapi.com
        Assert.DoesNotContain("@10 ", described[1]); // nor that of amazonaws.com
    }

    [Fact]
    public void More_literals_than_buckets_share_buckets_and_are_all_found()
    {
        var words = Enumerable.Range(0, 20).Select(i => $"lit{i:D2}x").ToArray();
        var literals = words.Select(w => new ScreenLiteral(Encoding.ASCII.GetBytes(w), false)).ToList();
        var screen = Utf8LiteralScreen.Create(literals, Encoding.ASCII.GetBytes(string.Concat(words.Select(w => w[..4] + " "))));
        Assert.Equal(8, screen.Describe().Select(d => d.Split("bucket ")[1]).Distinct().Count());
        foreach (var w in words)
        {
            var text = Encoding.ASCII.GetBytes($"{{\"a\":\"{new string('q', 40)}{w}\"}}");
            Assert.Equal(text.AsSpan().IndexOf(Encoding.ASCII.GetBytes(w)), screen.Find(text, 0));
        }
    }

    [Fact]
    public void A_sweep_clears_exactly_the_lines_that_hold_no_literal()
    {
        var prefilter = RecordPrefilter.Default;
        foreach (var sampleSeed in new[] { 0, 1, 2 })
        {
            // tuned to generated NDJSON, to a hostile sample, and to nothing
            byte[] sample = sampleSeed switch
            {
                0 => [],
                1 => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("\"Message\":\"high\",\"medium\":\"mega amazon\" ", 500))),
                _ => CorpusGenerator.Records(new GeneratorOptions(sampleSeed, 300_000, Mix.Typical)).SelectMany(r => r.Item1.Append((byte)'\n')).ToArray(),
            };
            var tuned = prefilter.TunedTo(sample);
            var lines = CorpusGenerator.Records(new GeneratorOptions(31 + sampleSeed, 400_000, Mix.TeamsHeavy, PlantRate: 0.05))
                .Select(r => r.Item1).ToList();
            var text = lines.SelectMany(l => l.Append((byte)'\n')).ToArray();
            var sweep = new ScreenSweep();
            int start = 0, cleared = 0;
            foreach (var line in lines)
            {
                bool clears = sweep.Clears(tuned, text, start, line.Length);
                Assert.Equal(tuned.NextScreenHit(line, 0) < 0, clears);
                // a record the sweep clears is one MayMatch clears, with either prefilter
                if (clears)
                {
                    cleared++;
                    Assert.False(tuned.MayMatch(line), Encoding.UTF8.GetString(line));
                    Assert.False(prefilter.MayMatch(line), Encoding.UTF8.GetString(line));
                }
                Assert.Equal(tuned.MayMatch(line), prefilter.MayMatch(line));
                start += line.Length + 1;
            }
            Assert.True(cleared > lines.Count / 3, $"cleared {cleared} of {lines.Count}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Literals_in_a_text_with_up_to_64_literals_up_to_its_last_byte(int simd)
    {
        var rng = new Random(1234 + simd);
        const string alphabet = "abAB\"\\u.";
        for (int round = 0; round < 300; round++)
        {
            int n = rng.Next(1, 65);
            var literals = new List<ScreenLiteral>();
            for (int i = 0; i < n; i++)
            {
                bool ci = rng.Next(2) == 0;
                var b = new List<byte>();
                for (int k = rng.Next(1, rng.Next(3) == 0 ? 9 : 4); k > 0; k--) b.Add((byte)alphabet[rng.Next(alphabet.Length)]);
                if (!ci && rng.Next(4) == 0) b.InsertRange(rng.Next(b.Count + 1), NonAscii[rng.Next(NonAscii.Length)]);
                literals.Add(new ScreenLiteral(b.ToArray(), ci));
            }
            var text = new List<byte>();
            for (int length = rng.Next(0, 300); text.Count < length;)
            {
                if (rng.Next(6) == 0) text.AddRange(literals[rng.Next(n)].Bytes.Select(c => rng.Next(3) == 0 && char.IsAsciiLetter((char)c) ? (byte)(c ^ 0x20) : c));
                else if (rng.Next(8) == 0) text.AddRange(NonAscii[rng.Next(NonAscii.Length)]);
                else text.Add((byte)alphabet[rng.Next(alphabet.Length)]);
            }
            var bytes = text.ToArray();
            var screen = Utf8LiteralScreen.Create(literals, rng.Next(2) == 0 ? [] : bytes.Reverse().ToArray(), (Path)simd);
            // A literal is in the first `cut` bytes when its earliest-ending occurrence ends by then.
            var firstEnd = new int[n];
            for (int i = 0; i < n; i++)
                firstEnd[i] = Occurrences(bytes, [literals[i]]).Select(o => o.Start + o.Length).DefaultIfEmpty(int.MaxValue).Min();
            // every length in the last 40 bytes: the vector loop, then the scalar tail
            for (int cut = Math.Max(0, bytes.Length - 40); cut <= bytes.Length; cut++)
            {
                ulong expected = 0;
                for (int i = 0; i < n; i++)
                    if (firstEnd[i] <= cut) expected |= 1UL << i;
                Assert.Equal(expected, screen.LiteralsIn(bytes.AsSpan(0, cut)));
            }
        }
    }
}
