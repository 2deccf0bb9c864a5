using System.Text;
using HuntEngine.DataGen;
using HuntEngine.Matching;
using HuntEngine.Parsing;
using HuntEngine.Tests.Differential;
using HuntEngine.Tests.Support;

namespace HuntEngine.Tests.Matching;

/// <summary>
/// The raw-bytes prefilter never clears a record that would match: checked record by record
/// against the full parse, on adversarial and generated input, and end to end with it on and off.
/// </summary>
public sealed class PrefilterTests
{
    private static bool MayMatch(string json)
    {
        return RecordPrefilter.Default.MayMatch(Encoding.UTF8.GetBytes(json));
    }

    [Fact]
    public void Requirements_are_derived_from_the_patterns_and_the_kind_catalog()
    {
        var d = RecordPrefilter.Default.Describe();
        Assert.Equal(5, d.Count); // four patterns and the burst's events
        // event names come from the record's text in every kind (the Graph constant holds no Teams verb) ...
        Assert.Contains("event_name: ordinal any of [MessageSent, ChatCreated, MeetingInvited]", d[0]);
        Assert.Contains(d[0], r => r.StartsWith("username: ascii-ci", StringComparison.Ordinal) && r.EndsWith("(or a character lowering into ASCII)", StringComparison.Ordinal));
        // ... but "Sign-in" is in a constant, and user_type is transformed: neither can clear a record.
        Assert.DoesNotContain(d[2], r => r.StartsWith("event_name", StringComparison.Ordinal) || r.StartsWith("user_type", StringComparison.Ordinal) || r.StartsWith("log_source_type", StringComparison.Ordinal));
        // A whole value that only a string can give: searched with its opening quote.
        Assert.Contains("risk_level: ordinal any of [\"high, \"medium]", d[2]);
        // The S3 regex's required suffix is read from the regex; s3.amazonaws.com is implied by it.
        Assert.Contains("remote_host: ascii-ci any of [content.dropboxapi.com, mega.nz, mega.co.nz, amazonaws.com]", d[3]);
        Assert.Equal("amazonaws.com", RecordPrefilter.RequiredSuffix(@"(^|\.)s3[.-]([a-z0-9-]+\.)+amazonaws\.com\z"));
        Assert.Null(RecordPrefilter.RequiredSuffix(@"foo(bar)?"));
        Assert.Null(RecordPrefilter.RequiredSuffix(@"amazonaws\.com+"));
    }

    [Fact]
    public void Equality_literals_are_quoted_only_when_nothing_but_a_string_can_equal_them()
    {
        static string Derived(params string[] values) => RecordPrefilter.Derive(
            [new PatternSpec("p", [new Condition(Column.RiskLevel, MatchOp.EqualsAny, values)])], [], KindCatalog.Kinds).Describe()[0][0];
        Assert.Equal("risk_level: ordinal any of [\"low, \"none]", Derived("low", "none"));
        // A number's, a boolean's or an object's own text is the value too: no quote before those.
        Assert.Equal("risk_level: ordinal any of [low, 12]", Derived("low", "12"));
        Assert.Equal("risk_level: ordinal any of [true]", Derived("true"));
        Assert.Equal("risk_level: ordinal any of [-1e3]", Derived("-1e3"));
        Assert.Equal("risk_level: ordinal any of [{x}]", Derived("{x}"));
    }

    public static TheoryData<string, string?> Adversarial() => new()
    {
        // escapes hide literals: always parsed
        { """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"Message\u0053ent","Workload":"MicrosoftTeams","UserId":"helpdesk@x"}""", "Teams_ITImpersonation" },
        { """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"\u0068elpdesk@x"}""", "Teams_ITImpersonation" },
        { """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","\u0055serId":"helpdesk@x"}""", "Teams_ITImpersonation" },
        // case: the username rule is case-insensitive, the Kelvin sign lowers to k
        { """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"HELPDESK@x"}""", "Teams_ITImpersonation" },
        { "{\"CreationTime\":\"2026-11-20T10:15:30Z\",\"Operation\":\"MessageSent\",\"Workload\":\"MicrosoftTeams\",\"UserId\":\"HELPDES\u212A@x\"}", "Teams_ITImpersonation" },
        // app names are ASCII case-insensitive
        { """{"activityDateTime":"2026-11-20T10:17:00Z","activityDisplayName":"Consent to application","targetResources":[{"displayName":"DROPBOX"}]}""", "SuspiciousOAuthGrant" },
        { """{"activityDateTime":"2026-11-20T10:17:00Z","activityDisplayName":"Consent to application","targetResources":"[{\"displayName\":\"MeGa\"}]"}""", "SuspiciousOAuthGrant" },
        // risky guest: user type transformed from lower case, event name a constant
        { """{"createdDateTime":"2026-11-20T10:18:00Z","userPrincipalName":"g#EXT#@corp","appDisplayName":"Microsoft Teams","userType":"guest","riskLevelDuringSignIn":"high"}""", "RiskyGuestSignin" },
        // hosts are lower-cased from any case, with scheme, user info and port
        { """{"DeviceName":"d","ActionType":"ConnectionSuccess","RemoteIP":"1.2.3.4","Timestamp":"2026-11-20T10:18:00Z","RemoteUrl":"HTTPS://u:p@Bucket.S3.EU-West-1.AmazonAWS.com:443/x","SentBytes":"1.5e7"}""", "CloudStorageExfil" },
        { """{"DeviceName":"d","ActionType":"ConnectionSuccess","RemoteIP":"1.2.3.4","Timestamp":"2026-11-20T10:18:00Z","RemoteUrl":"https:\/\/content.dropboxapi.com\/2","SentBytes":20000000}""", "CloudStorageExfil" },
        // duplicates: the literal sits in the decoy, the real value is last
        { """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"x","UserId":"sysadmin@x"}""", "Teams_ITImpersonation" },
        // lookalikes and keywords in other fields: cleared or parsed, never a detection
        { """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"hеlpdesk@x"}""", null },
        { """{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageRead","Workload":"MicrosoftTeams","UserId":"alice@x","ObjectId":"helpdesk MessageSent"}""", null },
        { """{"createdDateTime":"2026-11-20T10:18:00Z","userPrincipalName":"g","appDisplayName":"Microsoft Teams","userType":"guest","riskLevelDuringSignIn":"High"}""", null },
        // risk level compared whole: found after its quote (escapes force a parse), never by "highlight"
        { """{"createdDateTime":"2026-11-20T10:18:00Z","userPrincipalName":"g#EXT#@corp","appDisplayName":"Microsoft Teams","userType":"Guest","riskLevelDuringSignIn":"medium"}""", "RiskyGuestSignin" },
        { """{"TimeGenerated":"2026-11-20T10:18:00Z","UserPrincipalName":"g#EXT#@corp","AppDisplayName":"Microsoft Teams","UserType":"Guest","RiskLevelDuringSignIn":"high","OperationName":"Sign-in activity"}""", "RiskyGuestSignin" },
        { """{"time":"2026-11-20T10:18:00Z","category":"SignInLogs","operationName":"Sign-in activity","properties":{"appDisplayName":"OneDrive","userType":"Guest","riskLevelDuringSignIn":"\u0068igh"}}""", "RiskyGuestSignin" },
        { """{"createdDateTime":"2026-11-20T10:18:00Z","userPrincipalName":"g","appDisplayName":"Microsoft Teams","userType":"guest","riskLevelDuringSignIn":"highlight","note":"mediums"}""", null },
        // invite events for the burst
        { """{"activityDateTime":"2026-11-20T10:17:00Z","activityDisplayName":"Invite external user","initiatedBy":{"user":{"userPrincipalName":"a@corp"}},"targetResources":[{"userPrincipalName":"x_y.com#EXT#@corp"}]}""", null },
    };

    [Theory]
    [MemberData(nameof(Adversarial))]
    public void A_record_that_matches_is_never_cleared(string json, string? expected)
    {
        Assert.Equal(expected, EngineProbe.Detect(json));
        bool inviteEvent = json.Contains("Invite external user", StringComparison.Ordinal);
        if (expected is not null || inviteEvent) Assert.True(MayMatch(json), $"cleared a record labelled {expected}");
    }

    [Fact]
    public void Records_with_no_literal_are_cleared()
    {
        Assert.False(MayMatch("""{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MailItemsAccessed","Workload":"Exchange","UserId":"alice@corp.com"}"""));
        Assert.False(MayMatch("""{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"alice@corp.com"}"""));
        Assert.True(MayMatch("""{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"alice@corp.com","Note":"\u00e9"}"""));
    }

    [Theory]
    [InlineData(41)]
    [InlineData(42)]
    public void Generated_and_disguised_records_that_match_always_pass(int seed)
    {
        var disguise = new JsonDisguise(new Random(seed), escapeRate: 0.02, decoyRate: 0.2);
        int cleared = 0, total = 0;
        foreach (var (json, _) in CorpusGenerator.Records(new GeneratorOptions(seed, 1_500_000, Mix.TeamsHeavy, PlantRate: 0.05)))
        {
            string text = Encoding.UTF8.GetString(json);
            foreach (var variant in new[] { text, disguise.Rewrite(text) })
            {
                total++;
                bool may = MayMatch(variant);
                if (!may) cleared++;
                if (EngineProbe.Detect(variant) is { } label) Assert.True(may, $"cleared a {label}: {variant}");
            }
        }
        Assert.True(cleared > total / 4, $"the prefilter should clear most ordinary records ({cleared}/{total})");
    }

    /// <summary>
    /// The test for clearing a record unparsed (one pass: brackets counted, high bits gathered)
    /// against its definition: trimmed, from <c>{</c> to <c>}</c>, valid UTF-8, no more opening
    /// brackets than the depth limit. Random records of brackets, quotes, whitespace, multi-byte and
    /// broken UTF-8, short and long (the 64-byte blocks and the overlapping last block), with depth
    /// limits on both sides of the length rule.
    /// </summary>
    [Fact]
    public void Clearing_a_record_unparsed_agrees_with_its_definition()
    {
        var rng = new Random(3);
        byte[][] pieces = ["{"u8.ToArray(), "["u8.ToArray(), "}"u8.ToArray(), "]"u8.ToArray(), "\""u8.ToArray(), "a"u8.ToArray(),
            " "u8.ToArray(), "\n"u8.ToArray(), "é"u8.ToArray(), "€"u8.ToArray(), [0xC3], [0x80], [0xFF], "{"u8.ToArray()];
        int whole = 0, rejected = 0;
        for (int round = 0; round < 20000; round++)
        {
            var body = new List<byte>();
            int n = rng.Next(4) == 0 ? rng.Next(0, 8) : rng.Next(0, 400);
            for (int i = 0; i < n; i++) body.AddRange(rng.Next(6) == 0 ? pieces[rng.Next(pieces.Length)] : pieces[5]);
            if (rng.Next(4) != 0) { body.Insert(0, (byte)'{'); body.Add((byte)'}'); }
            if (rng.Next(5) == 0) body.InsertRange(0, " \t"u8.ToArray());
            if (rng.Next(5) == 0) body.AddRange("\r\n"u8.ToArray());
            byte[] record = [.. body];
            int maxDepth = rng.Next(2, 120);

            var t = record.AsSpan().Trim(" \t\r\n"u8);
            bool expected = t.Length >= 2 && t[0] == (byte)'{' && t[^1] == (byte)'}' && System.Text.Unicode.Utf8.IsValid(t)
                && (t.Length <= 2 * maxDepth || t.ToArray().Count(b => b is (byte)'{' or (byte)'[') <= maxDepth);
            Assert.True(expected == HuntEngine.Scanning.ScanWorker.LooksWhole(record, maxDepth),
                $"depth {maxDepth}: {Convert.ToHexString(record)}");
            if (expected) whole++; else rejected++;
        }
        Assert.True(whole > 2000 && rejected > 2000, $"both outcomes should be common ({whole} whole, {rejected} not)");
    }

    /// <summary>
    /// The username rule lower-cases with the invariant culture, which turns the Kelvin sign into k:
    /// a record holding that character is parsed, while other non-ASCII text (names such as Björn)
    /// no longer forces a parse. Checked against the engine on random usernames.
    /// </summary>
    [Fact]
    public void Usernames_with_non_ascii_letters_are_cleared_unless_a_letter_could_lower_into_a_keyword()
    {
        string[] keywords = ["helpdesk", "itsupport", "servicedesk", "techsupport", "itadmin", "sysadmin", "microsoftsupport", "o365support", "m365support"];
        string[] noise = ["é", "İ", "ſ", "Ω", "ß", "ı", "\u212A", "е"]; // the last one is Cyrillic
        var rng = new Random(11);
        int detected = 0, detectedViaKelvin = 0, clearedNonAscii = 0;
        for (int i = 0; i < 3000; i++)
        {
            var user = new StringBuilder();
            if (rng.Next(2) == 0) user.Append(noise[rng.Next(noise.Length)]);
            string word = rng.Next(3) == 0 ? "alice" : keywords[rng.Next(keywords.Length)];
            bool kelvin = false;
            foreach (char c in word)
            {
                if (c == 'k' && rng.Next(2) == 0) { user.Append('\u212A'); kelvin = true; }
                else if (rng.Next(10) == 0 && c != 'k') user.Append(noise[rng.Next(noise.Length)]); // breaks the keyword
                else user.Append(rng.Next(2) == 0 ? char.ToUpperInvariant(c) : c);
            }
            if (rng.Next(2) == 0) user.Append(noise[rng.Next(noise.Length)]);
            user.Append("@corp.com");
            string json = $$"""{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"{{user}}","Members":[{"DisplayName":"Björn Zoë"}]}""";
            bool may = MayMatch(json);
            if (EngineProbe.Detect(json) is { } label)
            {
                Assert.True(may, $"cleared a {label}: {json}");
                detected++;
                if (kelvin) detectedViaKelvin++;
            }
            else if (!may) clearedNonAscii++;
        }
        Assert.True(detected > 300 && detectedViaKelvin > 50, $"{detected} detections, {detectedViaKelvin} through the Kelvin sign");
        Assert.True(clearedNonAscii > 300, $"non-ASCII records without a keyword should be cleared ({clearedNonAscii})");
    }

    /// <summary>
    /// Made-up catalogs exercise what the shipped one does not: first literals shared by several
    /// patterns, the same text ordinal and ignoring case, single-condition patterns, more patterns
    /// than a screen serves (64). The screened answer must equal testing every requirement.
    /// </summary>
    [Fact]
    public void Screened_answer_equals_testing_every_requirement_on_made_up_catalogs()
    {
        var rng = new Random(99);
        string[] vocab = ["Alpha", "alpha", "ALPHA", "Beta", "beta", "gam", "Gamma", "del", "delta", "eps", "x", "yy", "zzz", "Mega", "mega"];
        Column[] columns = [Column.EventName, Column.AppName, Column.AppDisplayName, Column.Username];
        MatchOp[] ops = [MatchOp.Contains, MatchOp.AsciiIgnoreCaseContains, MatchOp.LowerInvariantContains];
        int screened = 0;
        for (int round = 0; round < 200; round++)
        {
            int patternCount = rng.Next(4) == 0 ? rng.Next(60, 70) : rng.Next(1, 8);
            var patterns = new List<PatternSpec>();
            for (int p = 0; p < patternCount; p++)
            {
                var conditions = new List<Condition>();
                for (int c = rng.Next(1, 4); c > 0; c--)
                {
                    var op = ops[rng.Next(ops.Length)];
                    var column = op == MatchOp.LowerInvariantContains ? Column.Username : columns[rng.Next(columns.Length)];
                    var values = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => vocab[rng.Next(vocab.Length)])
                        .Select(v => op == MatchOp.Contains ? v : v.ToLowerInvariant()).Distinct().ToArray();
                    conditions.Add(new Condition(column, op, values));
                }
                patterns.Add(new PatternSpec("p" + p, conditions.ToArray()));
            }
            var prefilter = RecordPrefilter.Derive(patterns, [], KindCatalog.Kinds);
            if (prefilter.HasScreen) screened++;
            for (int t = 0; t < 100; t++)
            {
                var text = new StringBuilder("{");
                for (int i = rng.Next(0, 8); i > 0; i--)
                {
                    string v = vocab[rng.Next(vocab.Length)];
                    if (rng.Next(3) == 0) v = new string(v.Select(ch => rng.Next(2) == 0 ? char.ToUpperInvariant(ch) : char.ToLowerInvariant(ch)).ToArray());
                    text.Append(v);
                    if (rng.Next(20) == 0) text.Append("\\u");
                    if (rng.Next(10) == 0) text.Append('\u212A');
                    if (rng.Next(3) == 0) text.Append(' ');
                }
                var bytes = Encoding.UTF8.GetBytes(text.Append('}').ToString());
                Assert.True(prefilter.MayMatchWithoutScreen(bytes) == prefilter.MayMatch(bytes),
                    $"round {round}: {text}\n{string.Join("\n", prefilter.Describe().Select(a => string.Join(" AND ", a)))}");
            }
        }
        Assert.True(screened > 40, $"many made-up catalogs should get a screen ({screened} of 200)");
    }

    /// <summary>
    /// Every code point, put in place of each keyword letter it lower-cases to (the spec lowers with
    /// <c>ToLowerInvariant</c>): the matcher's lowering agrees with the runtime's wherever either gives
    /// ASCII, and a username the engine detects is never cleared.
    /// </summary>
    [Fact]
    public void Every_code_point_that_lowers_into_a_keyword_letter_is_parsed()
    {
        string[] keywords = ["helpdesk", "itsupport", "servicedesk", "techsupport", "itadmin", "sysadmin", "microsoftsupport", "o365support", "m365support"];
        Span<byte> lowered = stackalloc byte[16];
        int substituted = 0;
        for (int cp = 0x80; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            string s = char.ConvertFromUtf32(cp);
            string spec = s.ToLowerInvariant();
            string mine = Encoding.UTF8.GetString(lowered[..InvariantLowering.Lower(Encoding.UTF8.GetBytes(s), lowered)]);
            if (spec.Any(c => c < 0x80) || mine.Any(c => c < 0x80)) Assert.True(spec == mine, $"U+{cp:X4}: runtime {spec}, matcher {mine}");
            if (!spec.Any(c => c < 0x80)) continue;
            foreach (var keyword in keywords)
                for (int i = 0; i < keyword.Length; i++)
                {
                    if (!spec.Contains(keyword[i])) continue;
                    string json = $$"""{"CreationTime":"2026-11-20T10:15:30Z","Operation":"MessageSent","Workload":"MicrosoftTeams","UserId":"{{keyword[..i] + s + keyword[(i + 1)..]}}@corp.com"}""";
                    Assert.Equal("Teams_ITImpersonation", EngineProbe.Detect(json));
                    Assert.True(MayMatch(json), json);
                    substituted++;
                }
        }
        Assert.True(substituted > 0, "the Kelvin sign lowers to k on this runtime");
    }
}
