using System.Text;
using HuntEngine.Framing;

namespace HuntEngine.Tests.Csv;

/// <summary>
/// The CSV row scanner reads quoted cells 64 bytes at a time; rows, cells, escapes and the places
/// it stops for more bytes must be exactly those of its one-search-per-quote walk, however the
/// buffer is refilled.
/// </summary>
public sealed class CsvRowScannerTests
{
    private static readonly string[] Pieces =
    [
        "\"", "\"\"", "\"\"\"", ",", "\n", "\r\n", "\r", "a", "abc,def", "\"{\"\"Operation\"\":\"\"MessageSent\"\",\"\"UserId\"\":\"\"x@y\"\"}\"",
        "\"quoted, with comma\"", "plain text that runs for a while without any quote at all", "é", " ",
    ];

    [Fact]
    public void Quoted_cells_read_64_bytes_at_a_time_give_the_rows_of_the_walk()
    {
        var rng = new Random(20261128);
        int rows = 0, unterminated = 0;
        for (int round = 0; round < 4000; round++)
        {
            var sb = new StringBuilder();
            int target = rng.Next(0, rng.Next(2) == 0 ? 200 : 3000);
            while (sb.Length < target)
            {
                // long quoted runs, as AuditData cells are
                if (rng.Next(6) == 0) sb.Append('"').Append(new string('q', rng.Next(0, 130))).Append("\"\"").Append(new string('r', rng.Next(0, 70)));
                else sb.Append(Pieces[rng.Next(Pieces.Length)]);
            }
            var data = Encoding.UTF8.GetBytes(sb.ToString());
            var blocks = new CsvRowScanner();
            var walk = new CsvRowScanner(byteAtATime: true);
            long pos = 0, walkPos = 0;
            int available = 0;
            while (pos < data.Length)
            {
                blocks.Begin();
                walk.Begin();
                while (true)
                {
                    available = Math.Min(data.Length, available + (rng.Next(4) == 0 ? data.Length : rng.Next(1, 200)));
                    bool eof = available == data.Length;
                    var window = data.AsSpan(0, available);
                    var a = blocks.Advance(window, 0, ref pos, eof, out long end);
                    var b = walk.Advance(window, 0, ref walkPos, eof, out long walkEnd);
                    string where = $"round {round}, available {available}: {sb}";
                    Assert.True(b == a, $"status {a}, expected {b}; {where}");
                    Assert.True(walkPos == pos, $"position {pos}, expected {walkPos}; {where}");
                    if (a == CsvScanStatus.NeedMore) continue;
                    Assert.Equal(walkEnd, end);
                    Assert.Equal(walk.Cells.ToArray(), blocks.Cells.ToArray());
                    if (a == CsvScanStatus.Unterminated) unterminated++;
                    else rows++;
                    break;
                }
                if (available == data.Length && pos >= data.Length) break;
                if (unterminated > 0 && pos >= data.Length) break;
            }
        }
        Assert.True(rows > 10000 && unterminated > 500, $"{rows} rows, {unterminated} unterminated");
    }
}
