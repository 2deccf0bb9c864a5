using HuntEngine.Framing;

namespace HuntEngine.Tests.Framing;

/// <summary>
/// The 64-byte framing scanners (JSON values, quoted CSV cells) against their own walks, on inputs
/// made mostly of the bytes that change their state (quotes, backslashes, brackets, control and
/// high bytes, long runs), values at random offsets, 1-byte refills, calls after a value ended,
/// and CSV buffers whose kept bytes move to a new array with a new base at every refill, as the
/// framer's do. Written for a review of the change.
/// </summary>
public sealed class FramingFuzzTests
{
    static readonly byte[] JAlpha = [(byte)'"', (byte)'\\', (byte)'{', (byte)'[', (byte)'}', (byte)']', 0x01, 0x1f, 0x00, 0x20, 0x7f, 0x80, 0xdb, 0xfb, 0xfd, 0x5c, (byte)'a', (byte)'n', (byte)',', (byte)':'];

    static byte[] JsonBytes(Random rng)
    {
        int len = rng.Next(0, rng.Next(3) == 0 ? 600 : 160);
        var list = new List<byte>();
        if (rng.Next(3) > 0) list.Add(rng.Next(3) switch { 0 => (byte)'{', 1 => (byte)'[', _ => (byte)'"' });
        while (list.Count < len)
        {
            int r = rng.Next(10);
            if (r < 2) { int run = rng.Next(1, 130); byte b = rng.Next(2) == 0 ? (byte)'x' : (byte)rng.Next(256); for (int k = 0; k < run; k++) list.Add(b); }
            else if (r < 3) list.Add((byte)rng.Next(256));
            else list.Add(JAlpha[rng.Next(rng.Next(2) == 0 ? 6 : JAlpha.Length)]);
        }
        return list.ToArray();
    }

    [Fact]
    public void Json_values_built_from_the_bytes_that_matter_scan_like_the_walk_under_any_refill()
    {
        var rng = new Random(20261128);
        long checks = 0; int seedRounds = 60000;
        int[] st = new int[3];
        for (int round = 0; round < seedRounds; round++)
        {
            var value = JsonBytes(rng);
            var (data, lead, maxDepth, strict, mine, oracle) = JsonValueScannerTests.Setup(rng, value, maxLead: 130, minDepthLimit: 0);
            int pos = lead, opos = lead, available = lead;
            int mode = rng.Next(3);
            int continuesAfterEnd = rng.Next(3);
            while (true)
            {
                int add = mode switch { 0 => 1, 1 => rng.Next(1, 200), _ => rng.Next(4) == 0 ? data.Length : rng.Next(1, 70) };
                available = Math.Min(data.Length, available + add);
                bool final = available == data.Length && rng.Next(4) > 0;
                var a = mine.Advance(data.AsSpan(0, available), ref pos, final);
                var b = oracle.Advance(data.AsSpan(0, available), ref opos, final);
                checks++;
                string where = $"round {round} lead {lead} avail {available} md {maxDepth} strict {strict}: {Convert.ToHexString(value)}";
                Assert.True(a == b, $"status {a} vs {b}; {where}");
                Assert.True(pos == opos, $"pos {pos} vs {opos}; {where}");
                Assert.True(mine.Depth == oracle.Depth, $"depth {mine.Depth} vs {oracle.Depth}; {where}");
                if (a != ScanStatus.NeedMore)
                {
                    st[(int)a]++;
                    if (continuesAfterEnd-- > 0 && pos < data.Length) continue; // keep calling without Reset
                    if (continuesAfterEnd-- > -2 && pos < data.Length) { mine.Reset(); oracle.Reset(); continue; } // next value
                    break;
                }
                if (available == data.Length && final) break;
                if (available == data.Length) { if (rng.Next(2) == 0) break; }
            }
        }
        Assert.True(st[0] > 1000 && st[2] > 1000, $"{st[0]} {st[1]} {st[2]} checks {checks}");
    }

    static readonly byte[] CAlpha = [(byte)'"', (byte)'"', (byte)'"', (byte)',', (byte)'\n', (byte)'\r', (byte)'a'];

    static byte[] CsvBytes(Random rng)
    {
        int len = rng.Next(0, rng.Next(3) == 0 ? 1500 : 200);
        var list = new List<byte>();
        while (list.Count < len)
        {
            int r = rng.Next(10);
            if (r < 2) { int run = rng.Next(1, 140); for (int k = 0; k < run; k++) list.Add((byte)'x'); }
            else if (r < 3) { int run = rng.Next(1, 70); for (int k = 0; k < run; k++) list.Add((byte)'"'); }
            else if (r < 4) list.Add((byte)rng.Next(256));
            else list.Add(CAlpha[rng.Next(CAlpha.Length)]);
        }
        return list.ToArray();
    }


    [Fact]
    public void Csv_rows_scan_like_the_walk_when_kept_bytes_move_to_new_buffers()
    {
        var rng = new Random(77);
        int rows = 0, unterm = 0, escapedCells = 0;
        for (int round = 0; round < 12000; round++)
        {
            var data = CsvBytes(rng);
            var blocks = new CsvRowScanner();
            var walk = new CsvRowScanner(byteAtATime: true);
            long pos = 0, wpos = 0;
            long available = 0;
            int mode = rng.Next(3);
            // each scanner has its own buffer copy, with the same base, moved on every NeedMore
            long bas = 0; byte[] buf = [];
            byte[] Make(long b, long avail) { var x = new byte[avail - b + rng.Next(0, 3)]; data.AsSpan((int)b, (int)(avail - b)).CopyTo(x); return x; }
            bool done = false;
            while (!done)
            {
                long rowStart = pos;
                blocks.Begin(); walk.Begin();
                while (true)
                {
                    if (available < data.Length || buf.Length == 0)
                    {
                        int add = mode switch { 0 => 1, 1 => rng.Next(1, 200), _ => rng.Next(4) == 0 ? data.Length : rng.Next(1, 80) };
                        available = Math.Min(data.Length, available + add);
                    }
                    bas = rng.Next(2) == 0 ? rowStart : Math.Max(0, rowStart - rng.Next(0, 5));
                    buf = Make(bas, available);
                    var window = buf.AsSpan(0, (int)(available - bas));
                    bool eof = available == data.Length;
                    var a = blocks.Advance(window, bas, ref pos, eof, out long end);
                    var b = walk.Advance(window, bas, ref wpos, eof, out long wend);
                    string where = $"round {round} avail {available} base {bas}: {Convert.ToHexString(data)}";
                    Assert.True(a == b, $"status {a} vs {b}; {where}");
                    Assert.True(pos == wpos, $"pos {pos} vs {wpos}; {where}");
                    if (a == CsvScanStatus.NeedMore) continue;
                    Assert.True(end == wend, where);
                    Assert.Equal(walk.Cells.ToArray(), blocks.Cells.ToArray());
                    foreach (var c in blocks.Cells)
                        if (c.Escaped) escapedCells++;
                    if (a == CsvScanStatus.Unterminated) { unterm++; done = true; }
                    else rows++;
                    if (pos >= data.Length && eof) done = true;
                    break;
                }
            }
        }
        Assert.True(rows > 5000 && unterm > 100 && escapedCells > 1000, $"{rows} {unterm} {escapedCells}");
    }
}
