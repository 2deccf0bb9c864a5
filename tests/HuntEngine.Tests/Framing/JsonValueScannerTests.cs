using System.Text;
using HuntEngine.Framing;

namespace HuntEngine.Tests.Framing;

/// <summary>
/// The framer's value scanner reads 64 bytes at a time; it must end, break and need more exactly
/// where its walk from one quote, backslash or bracket to the next does (the scanner it replaced,
/// still used for the last bytes), on any bytes, however the buffer is refilled.
/// </summary>
public sealed class JsonValueScannerTests
{
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", "\"", "\\", "\\\"", "\\\\", ":", ",", " ", "\n", "\t", "\u0001", "\u001f",
        "\"key\":", "\"value\"", "\"a\\\"b\"", "\"x\\\\\"", "123", "true", "null", "é", "{\"a\":[1,{\"b\":\"}\"}]}",
        "\"UserId\":\"helpdesk@x\",", "abcdefghijklmnopqrstuvwxyz0123456789",
    ];

    // Without backslashes, 64 bytes at a time are read by the running parity of the quotes.
    private static readonly string[] TokensWithoutEscapes = Tokens.Where(t => !t.Contains('\\')).ToArray();

    private static byte[] RandomValue(Random rng)
    {
        var sb = new StringBuilder();
        // Mostly values that start like a container or string, as the framer hands them over.
        sb.Append(rng.Next(10) switch { < 6 => "{", < 8 => "[", 8 => "\"", _ => "12" });
        int target = rng.Next(0, rng.Next(2) == 0 ? 80 : 700);
        var tokens = rng.Next(2) == 0 ? Tokens : TokensWithoutEscapes;
        while (sb.Length < target) sb.Append(tokens[rng.Next(tokens.Length)]);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// The value after random bytes (a value need not start at the buffer's start), a random depth
    /// limit and strictness, and a scanner reading 64 bytes at a time with one walking.
    /// </summary>
    internal static (byte[] Data, int Lead, int MaxDepth, bool Strict, JsonValueScanner Blocks, JsonValueScanner Walk) Setup(
        Random rng, byte[] value, int maxLead, int minDepthLimit)
    {
        int lead = rng.Next(0, maxLead);
        var data = new byte[lead + value.Length];
        rng.NextBytes(data.AsSpan(0, lead));
        value.CopyTo(data, lead);
        int maxDepth = rng.Next(3) == 0 ? rng.Next(minDepthLimit, 6) : 512;
        bool strict = rng.Next(2) == 0;
        return (data, lead, maxDepth, strict, new JsonValueScanner(maxDepth, strict), new JsonValueScanner(maxDepth, strict, byteAtATime: true));
    }

    [Fact]
    public void Block_scanner_ends_breaks_and_resumes_where_the_token_scanner_does()
    {
        var rng = new Random(20261128);
        int complete = 0, broken = 0, needMore = 0;
        for (int round = 0; round < 40000; round++)
        {
            var value = RandomValue(rng);
            var (data, lead, maxDepth, strict, mine, oracle) = Setup(rng, value, maxLead: 70, minDepthLimit: 1);
            int pos = lead, oraclePos = lead, available = lead;
            while (true)
            {
                // Refill by a random amount (sometimes all at once), as the framer does.
                available = Math.Min(data.Length, available + (rng.Next(4) == 0 ? data.Length : rng.Next(1, 150)));
                bool final = available == data.Length;
                var a = mine.Advance(data.AsSpan(0, available), ref pos, final);
                var b = oracle.Advance(data.AsSpan(0, available), ref oraclePos, final);
                string where = $"round {round}, lead {lead}, available {available}, depth limit {maxDepth}, strict {strict}: {Encoding.UTF8.GetString(value)}";
                Assert.True(b == a, $"status {a}, expected {b}; {where}");
                Assert.True(oraclePos == pos, $"position {pos}, expected {oraclePos}; {where}");
                Assert.True(oracle.Depth == mine.Depth, $"depth {mine.Depth}, expected {oracle.Depth}; {where}");
                if (a == ScanStatus.Complete) { complete++; break; }
                if (a == ScanStatus.Broken) { broken++; break; }
                if (final) { needMore++; break; }
            }
        }
        Assert.True(complete > 1000 && broken > 1000 && needMore > 1000, $"{complete} complete, {broken} broken, {needMore} cut short");
    }

    [Fact]
    public void Escapes_and_brackets_at_every_offset_around_the_64_byte_steps()
    {
        // A string whose escape or closing quote lands on every position near a block edge.
        foreach (string tail in new[] { "\\\"x\"}", "\\\\\"}", "\"}", "\\u0041\"}", "]\"}" })
            for (int pad = 0; pad < 140; pad++)
            {
                var text = Encoding.ASCII.GetBytes("{\"k\":\"" + new string('a', pad) + tail + " trailing");
                foreach (bool strict in new[] { true, false })
                {
                    var mine = new JsonValueScanner(512, strict);
                    var oracle = new JsonValueScanner(512, strict, byteAtATime: true);
                    int p = 0, q = 0;
                    Assert.Equal(oracle.Advance(text, ref q, final: true), mine.Advance(text, ref p, final: true));
                    Assert.Equal(q, p);
                }
            }
    }
}
