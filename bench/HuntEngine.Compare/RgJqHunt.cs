using System.Globalization;
using System.Text.Json;

namespace HuntEngine.Compare;

/// <summary>
/// The three §3 patterns as a hunter would run them with ripgrep and jq: <c>rg -i -F</c> keeps the
/// lines holding any of the patterns' keywords, and jq recognises each kept record's kind (§2),
/// normalizes the fields the patterns read, and counts the matches by pattern. The same kinds and
/// fields as the DuckDB query (<see cref="DuckDbHunt"/>), written plainly in jq 1.6.
/// <para>
/// Where it differs from the spec, it keeps what the tools do, since that is what a person gets:
/// the keyword filter reads raw bytes, so a keyword written with a JSON escape
/// (<c>\u0048elpdesk</c>) never reaches jq; jq's <c>ascii_downcase</c> lower-cases A–Z only (the
/// Kelvin sign stays); a duplicate key keeps the last value, as the spec says. A value of the
/// wrong JSON type is read as its JSON text (spec §2, as DuckDB's <c>json_extract_string</c> does);
/// a line that is not JSON is skipped, as DuckDB's <c>ignore_errors</c> skips it.
/// </para>
/// </summary>
internal static class RgJqHunt
{
    /// <summary>Every literal a §3 match needs at least one of, for <c>rg -i -F</c>.</summary>
    public static readonly string[] Keywords =
    [
        "helpdesk", "itsupport", "servicedesk", "techsupport", "itadmin", "sysadmin", "microsoftsupport", "o365support", "m365support",
        "Consent to application", "guest",
    ];

    /// <summary>The jq program: reads every kept record and prints one object of counts by pattern.</summary>
    public const string Program = """
        def s: if type == "string" then (if . == "<null>" then null else . end) elif type == "null" then null else tojson end;
        def v(f): (try f catch null) | s;
        def present(k): type == "object" and has(k);
        def through(f): (try f catch null) | if type == "string" then (try fromjson catch null) else . end;
        def upfirst: if . == null then null else (.[0:1] | ascii_upcase) + .[1:] end;
        def any_of($xs): . as $t | any($xs[]; . as $x | $t | contains($x));
        def kind:
          if present("CreationTime") and present("Operation") and (present("Workload") or present("RecordType")) then "ual"
          elif present("time") and (.properties | type) == "object" and (.category == "SignInLogs" or .category == "NonInteractiveUserSignInLogs") then "am_signin"
          elif present("time") and (.properties | type) == "object" and .category == "AuditLogs" then "am_audit"
          elif present("createdDateTime") and present("userPrincipalName") then "graph_signin"
          elif present("activityDateTime") and present("activityDisplayName") then "graph_audit"
          elif present("TimeGenerated") and present("Operation") and present("OfficeWorkload") then "la_office"
          elif present("TimeGenerated") and present("UserPrincipalName") and present("AppDisplayName") then "la_signin"
          elif present("TimeGenerated") and present("OperationName") and present("TargetResources") then "la_audit"
          else null end;
        def ual_app: [through(.Target) | if type == "array" then .[] else empty end
                      | select(type == "object" and (.Type | type) == "number" and .Type == 1)] | .[0] | v(.ID);
        def pattern:
          kind as $k
          | (if $k == "ual" or $k == "la_office" then "Microsoft Office 365" elif $k == null then "" else "Microsoft Azure Active Directory" end) as $src
          | (if $k == "ual" or $k == "la_office" then v(.UserId) else null end) as $user
          | (if $k == "ual" or $k == "la_office" then v(.Operation)
             elif $k == "am_signin" then v(.operationName)
             elif $k == "am_audit" then (v(.properties.activityDisplayName) // v(.operationName))
             elif $k == "graph_signin" then "Sign-in activity"
             elif $k == "graph_audit" then v(.activityDisplayName)
             elif $k == "la_signin" then (v(.OperationName) // "Sign-in activity")
             elif $k == "la_audit" then v(.OperationName) else null end // "") as $event
          | (if $k == "ual" or $k == "la_office" then ual_app
             elif $k == "am_audit" then v(.properties.targetResources[0].displayName)
             elif $k == "graph_audit" then v(.targetResources[0].displayName)
             elif $k == "la_audit" then (through(.TargetResources) | v(.[0].displayName)) else null end) as $app
          | (if $k == "am_signin" then v(.properties.appDisplayName) elif $k == "graph_signin" then v(.appDisplayName)
             elif $k == "la_signin" then v(.AppDisplayName) else null end // "") as $appdisp
          | (if $k == "am_signin" then v(.properties.userType) elif $k == "graph_signin" then v(.userType)
             elif $k == "la_signin" then v(.UserType) else null end | upfirst) as $utype
          | (if $k == "am_signin" then v(.properties.riskLevelDuringSignIn) elif $k == "graph_signin" then v(.riskLevelDuringSignIn)
             elif $k == "la_signin" then v(.RiskLevelDuringSignIn) else null end) as $risk
          | if ($src | contains("Office 365")) and ($event | any_of(["MessageSent", "ChatCreated", "MeetingInvited"])) and $user != null
               and ($user | ascii_downcase | test("helpdesk|itsupport|servicedesk|techsupport|itadmin|sysadmin|microsoftsupport|o365support|m365support"))
            then "Teams_ITImpersonation"
            elif (($src | contains("Office 365")) or ($src | contains("Azure Active Directory"))) and ($event | contains("Consent to application"))
               and $app != null and ($app | ascii_downcase | test("dropbox|mega|pcloud|sync\\.com|mediafire|box\\.com"))
            then "SuspiciousOAuthGrant"
            elif ($src | contains("Azure")) and ($event | contains("Sign-in")) and $utype == "Guest" and ($risk == "high" or $risk == "medium")
               and ($appdisp | any_of(["Teams", "SharePoint", "OneDrive", "Office 365"]))
            then "RiskyGuestSignin"
            else empty end;
        reduce (inputs | (try fromjson catch empty) | pattern) as $p ({"Teams_ITImpersonation": 0, "SuspiciousOAuthGrant": 0, "RiskyGuestSignin": 0}; .[$p] += 1)
        """;

    /// <summary>The shell pipeline for one file (<c>rg -z</c> runs the file's decompressor).</summary>
    public static (string FileName, string[] Arguments) Command(string rg, string jq, string programFile, string file, bool compressed)
    {
        string keywords = string.Join(' ', Keywords.Select(k => $"-e '{k}'"));
        // -a: one NUL byte would make rg call the file binary and print no line at all. jq reads raw
        // lines (-R) and skips one that is not JSON (or nests past its 256 levels) instead of stopping.
        string script = $"set -o pipefail; \"$1\" {(compressed ? "-z " : "")}-a -i -F --no-line-number {keywords} \"$3\" | \"$2\" -R -n -c -f \"$4\"";
        return ("/bin/bash", ["-c", script, "rg-jq", rg, jq, file, programFile]);
    }

    /// <summary>The counts jq printed: one JSON object, pattern to count.</summary>
    public static ToolCount? Read(string stdout)
    {
        string? last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (last is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(last);
            var byType = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            return new ToolCount(byType.Values.Sum(), byType);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>rg exits 1 when no line matched; jq then counts nothing, which is a result too.</summary>
    public static bool Succeeded(int code) => code is 0 or 1;

    internal static string Describe(IReadOnlyDictionary<string, long> byType) =>
        string.Join(", ", byType.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value}")));
}
