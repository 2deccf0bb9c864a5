using System.Text;
using System.Text.Json;
using HuntEngine.Parsing;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Parsing;

/// <summary>
/// String values with escapes: the engine's unescaping equals <see cref="Utf8JsonReader.CopyString(Span{byte})"/>
/// wherever that can decode, and a lone surrogate half is U+FFFD whichever field it stands in, so
/// the record is never malformed for it (decisions.md).
/// </summary>
public sealed class JsonStringTextTests
{
    private static byte[] Unescaped(string jsonString)
    {
        var bytes = Encoding.UTF8.GetBytes(jsonString);
        var reader = new Utf8JsonReader(bytes);
        Assert.True(reader.Read());
        var into = new byte[bytes.Length];
        int n = JsonStringText.Copy(ref reader, into);
        return into[..n];
    }

    [Fact]
    public void Equals_the_readers_own_unescaping_on_strings_it_can_decode()
    {
        var rng = new Random(20261207);
        string[] pieces = ["a", "Z", " ", "é", "€", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u20AC", "\\uD83D\\uDE00", "\\ud83d\\ude00", "\\u212a", "\\u0000", "\\uFFFF", "\\uE000"];
        for (int round = 0; round < 3000; round++)
        {
            var sb = new StringBuilder("\"");
            int count = rng.Next(0, 12);
            for (int i = 0; i < count; i++) sb.Append(pieces[rng.Next(pieces.Length)]);
            sb.Append('"');
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            var reader = new Utf8JsonReader(bytes);
            Assert.True(reader.Read());
            var expected = new byte[bytes.Length];
            int n = reader.CopyString(expected);
            var ours = new byte[bytes.Length];
            int m = JsonStringText.UnescapeReplacingLoneSurrogates(reader.ValueSpan, ours);
            Assert.True(expected.AsSpan(0, n).SequenceEqual(ours.AsSpan(0, m)), sb.ToString());
        }
    }

    [Theory]
    [InlineData("\"\\ud800\"", "\uFFFD")]
    [InlineData("\"a\\udc00b\"", "a\uFFFDb")]
    [InlineData("\"\\ud800\\ud800\"", "\uFFFD\uFFFD")]
    [InlineData("\"\\udc00\\ud800\"", "\uFFFD\uFFFD")] // halves in the wrong order are two lone halves
    [InlineData("\"\\ud800\\u0041\"", "\uFFFDA")]
    [InlineData("\"\\ud800\\ud83d\\ude00x\"", "\uFFFD😀x")] // a lone half, then a whole pair
    [InlineData("\"helpdesk\\uDBFF\"", "helpdesk\uFFFD")]
    [InlineData("\"\\ud800\\n\\\\ud800\"", "\uFFFD\n\\ud800")] // an escaped backslash is not an escape
    public void A_lone_surrogate_half_is_the_replacement_character(string json, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(Unescaped(json)));
    }

    [Fact]
    public void A_lone_surrogate_never_makes_a_record_malformed_whichever_field_or_key_holds_it()
    {
        const string Head = "\"CreationTime\":\"2024-01-01T00:00:00\",\"Operation\":\"MessageSent\",\"RecordType\":25,\"Workload\":\"MicrosoftTeams\"";
        string[] lines =
        [
            "{" + Head + ",\"UserId\":\"\\ud800helpdesk@evil.com\"}", // in a value the rule reads
            "{" + Head + ",\"UserId\":\"helpdesk\",\"Comment\":\"\\udc00x\"}", // in a value no rule reads
            "{" + Head + ",\"UserId\":\"helpdesk\",\"ClientIP\":\"\\ud800\"}", // in a column's value
            "{" + Head + ",\"UserId\":\"helpdesk\",\"x\\ud800\":1}", // in a key
            "{" + Head + ",\"UserId\":\"helpdesk\",\"AuditData\":\"{\\\"UserId\\\":\\\"\\\\ud800\\\"}\"}", // in JSON text inside a string
        ];
        foreach (bool prefilter in new[] { true, false })
        {
            var r = EngineProbe.ScanText(string.Join("\n", lines) + "\n", o => o with { Prefilter = prefilter });
            Assert.Equal(0, r.Summary.Malformed);
            Assert.Equal(lines.Length, r.Detections.Count(d => d.DetectionType == "Teams_ITImpersonation"));
        }
        var row = EngineProbe.Normalize("{" + Head + ",\"UserId\":\"\\ud800helpdesk@evil.com\",\"ClientIP\":\"10.0.0.\\udfff\"}");
        Assert.Equal("\uFFFDhelpdesk@evil.com", row[Column.Username]);
        Assert.Equal("10.0.0.\uFFFD", row[Column.SourceIp]);
    }
}
