using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;

namespace HuntEngine.Compare;

/// <summary>
/// The three detection patterns of detection-spec §3, with the record normalization of §2 they
/// need, written as one DuckDB query over the raw NDJSON. Runs in a child process (the hidden
/// <c>duckdb-worker</c> command) so its time and peak memory are measured like every other tool's.
/// <para>
/// Written to follow the spec as closely as DuckDB's built-ins allow; where a built-in differs
/// from the spec (Unicode-aware <c>lower()</c>, RE2's Unicode case folding for <c>(?i)</c>, first
/// duplicate key wins), the query keeps the built-in, because that is what a person writing this
/// hunt in DuckDB would get. bench/README.md lists the differences and the counts they change.
/// </para>
/// </summary>
internal static class DuckDbHunt
{
    /// <summary>Top-level properties whose presence and JSON type recognise a record's kind (spec §2 "has X").</summary>
    private static readonly string[] KindKeys =
    [
        "CreationTime", "Operation", "Workload", "RecordType",          // 1-4   UAL
        "time", "category", "properties",                               // 5-7   Azure Monitor
        "createdDateTime", "userPrincipalName",                         // 8-9   Graph sign-in
        "activityDateTime", "activityDisplayName",                      // 10-11 Graph audit
        "TimeGenerated", "OfficeWorkload",                              // 12-13 Log Analytics OfficeActivity
        "UserPrincipalName", "AppDisplayName",                          // 14-15 Log Analytics SigninLogs
        "OperationName", "TargetResources",                             // 16-17 Log Analytics AuditLogs
    ];

    /// <summary>The value paths the §3 patterns read, extracted with one parse per record.</summary>
    private static readonly string[] ValuePaths =
    [
        "$.UserId",                                   // 1  UAL / OfficeActivity username
        "$.Operation",                                // 2  UAL / OfficeActivity event_name
        "$.operationName",                            // 3  Azure Monitor event_name (sign-in; audit fallback)
        "$.properties.appDisplayName",                // 4  Azure Monitor sign-in
        "$.properties.userType",                      // 5
        "$.properties.riskLevelDuringSignIn",         // 6
        "$.properties.activityDisplayName",           // 7  Azure Monitor audit
        "$.properties.targetResources[0].displayName",// 8
        "$.appDisplayName",                           // 9  Graph sign-in
        "$.userType",                                 // 10
        "$.riskLevelDuringSignIn",                    // 11
        "$.activityDisplayName",                      // 12 Graph audit
        "$.targetResources[0].displayName",           // 13
        "$.OperationName",                            // 14 Log Analytics SigninLogs / AuditLogs
        "$.AppDisplayName",                           // 15
        "$.UserType",                                 // 16
        "$.RiskLevelDuringSignIn",                    // 17
    ];

    public static string Query(string path, string compression, bool list = false)
    {
        string keys = string.Join(", ", KindKeys.Select(k => $"'$.{k}'"));
        string paths = string.Join(", ", ValuePaths.Select(p => $"'{p}'"));
        string file = path.Replace("'", "''", StringComparison.Ordinal);
        // "X, else Y": JSON null (json_extract_string gives SQL NULL) and the string '<null>' fall through.
        static string V(int i) => $"nullif(v[{i}], '<null>')";
        // First letter upper-cased (spec: guest -> Guest). DuckDB upper() is Unicode-aware, as .NET's invariant is.
        static string UpperFirst(string x) => $"(upper(left({x}, 1)) || substr({x}, 2))";
        // A path may pass through a string holding JSON text (spec §2; Log Analytics exports write
        // Target and TargetResources that way): such a string is parsed and the path goes on inside.
        static string Through(string property) =>
            $"CASE WHEN json_type(j, '$.{property}') = 'VARCHAR' " +
            $"THEN CASE WHEN json_valid(json_extract_string(j, '$.{property}')) THEN json_extract_string(j, '$.{property}')::JSON END " +
            $"ELSE json_extract(j, '$.{property}') END";
        // UAL / OfficeActivity app_name: the ID of the first Target[] element that is an object whose
        // Type is the number 1. Only evaluated for consent events (inside the CASE below): it walks the array.
        string ualAppName =
            $"nullif(json_extract_string(list_filter(json_extract({Through("Target")}, '$[*]'), e -> json_type(e) = 'OBJECT' " +
            "AND json_type(e, '$.Type') IN ('UBIGINT', 'BIGINT', 'DOUBLE') AND json_extract(e, '$.Type')::DOUBLE = 1)[1], '$.ID'), '<null>')";
        string laAuditAppName = $"nullif(json_extract_string({Through("TargetResources")}, '$[0].displayName'), '<null>')";

        return $"""
            WITH raw AS (
                SELECT json AS j, json_type(json, [{keys}]) AS t
                FROM read_ndjson_objects('{file}', format = 'newline_delimited', compression = '{compression}',
                                         maximum_object_size = 67108864, ignore_errors = true)
            ),
            kinds AS (
                SELECT j, CASE
                    WHEN t[1] IS NOT NULL AND t[2] IS NOT NULL AND (t[3] IS NOT NULL OR t[4] IS NOT NULL) THEN 'ual'
                    WHEN t[5] IS NOT NULL AND t[6] = 'VARCHAR' AND t[7] = 'OBJECT'
                         AND json_extract_string(j, '$.category') IN ('SignInLogs', 'NonInteractiveUserSignInLogs') THEN 'am_signin'
                    WHEN t[5] IS NOT NULL AND t[6] = 'VARCHAR' AND t[7] = 'OBJECT'
                         AND json_extract_string(j, '$.category') = 'AuditLogs' THEN 'am_audit'
                    WHEN t[8] IS NOT NULL AND t[9] IS NOT NULL THEN 'graph_signin'
                    WHEN t[10] IS NOT NULL AND t[11] IS NOT NULL THEN 'graph_audit'
                    WHEN t[12] IS NOT NULL AND t[2] IS NOT NULL AND t[13] IS NOT NULL THEN 'la_office'
                    WHEN t[12] IS NOT NULL AND t[14] IS NOT NULL AND t[15] IS NOT NULL THEN 'la_signin'
                    WHEN t[12] IS NOT NULL AND t[16] IS NOT NULL AND t[17] IS NOT NULL THEN 'la_audit'
                    ELSE NULL END AS kind
                FROM raw
            ),
            vals AS (
                SELECT j, kind, json_extract_string(j, [{paths}]) AS v FROM kinds WHERE kind IS NOT NULL
            ),
            rows AS (
                SELECT j, kind,
                    CASE WHEN kind IN ('ual', 'la_office') THEN 'Microsoft Office 365'
                         ELSE 'Microsoft Azure Active Directory' END AS log_source_type,
                    CASE WHEN kind IN ('ual', 'la_office') THEN {V(1)} END AS username,
                    CASE kind WHEN 'ual' THEN {V(2)} WHEN 'la_office' THEN {V(2)}
                              WHEN 'am_signin' THEN {V(3)}
                              WHEN 'am_audit' THEN coalesce({V(7)}, {V(3)})
                              WHEN 'graph_signin' THEN 'Sign-in activity'
                              WHEN 'graph_audit' THEN {V(12)}
                              WHEN 'la_signin' THEN coalesce({V(14)}, 'Sign-in activity')
                              WHEN 'la_audit' THEN {V(14)} END AS event_name,
                    CASE kind WHEN 'am_audit' THEN {V(8)} WHEN 'graph_audit' THEN {V(13)} END AS audit_app_name,
                    CASE kind WHEN 'am_signin' THEN {V(4)} WHEN 'graph_signin' THEN {V(9)} WHEN 'la_signin' THEN {V(15)} END AS app_display_name,
                    CASE kind WHEN 'am_signin' THEN {UpperFirst(V(5))} WHEN 'graph_signin' THEN {UpperFirst(V(10))}
                              WHEN 'la_signin' THEN {UpperFirst(V(16))} END AS user_type,
                    CASE kind WHEN 'am_signin' THEN {V(6)} WHEN 'graph_signin' THEN {V(11)} WHEN 'la_signin' THEN {V(17)} END AS risk_level
                FROM vals
            ),
            matched AS (
                SELECT j,
                    {PatternFlags($"CASE kind WHEN 'ual' THEN {ualAppName} WHEN 'la_office' THEN {ualAppName} WHEN 'la_audit' THEN {laAuditAppName} ELSE audit_app_name END")}
                FROM rows
            )
            {(list
                ? "SELECT CASE WHEN teams THEN 'Teams_ITImpersonation' WHEN oauth THEN 'SuspiciousOAuthGrant' ELSE 'RiskyGuestSignin' END, j FROM matched WHERE teams OR oauth OR risky"
                : "SELECT count(*) FILTER (WHERE teams), count(*) FILTER (WHERE oauth AND NOT teams), count(*) FILTER (WHERE risky AND NOT teams AND NOT oauth) FROM matched")}
            """;
    }

    /// <summary>
    /// The <c>duckdb-worker</c> command: runs the query and prints one JSON line of counts; with
    /// <paramref name="list"/>, prints each matching record as <c>label TAB json</c> instead (to
    /// find why counts differ); with <paramref name="printQuery"/>, only prints the SQL.
    /// </summary>
    public static int RunWorker(string path, int threads, string compression, bool printQuery, bool list) =>
        RunSql(Query(path, compression, list), threads, printQuery, list);

    /// <summary>The three §3 patterns as the boolean columns teams, oauth and risky over normalized columns.</summary>
    private static string PatternFlags(string appName) => $"""
        coalesce(log_source_type LIKE '%Office 365%'
                            AND (event_name LIKE '%MessageSent%' OR event_name LIKE '%ChatCreated%' OR event_name LIKE '%MeetingInvited%')
                            AND regexp_matches(lower(username), 'helpdesk|itsupport|servicedesk|techsupport|itadmin|sysadmin|microsoftsupport|o365support|m365support'),
                            false) AS teams,
                        coalesce((log_source_type LIKE '%Office 365%' OR log_source_type LIKE '%Azure Active Directory%')
                            AND event_name LIKE '%Consent to application%'
                            AND regexp_matches({appName}, '(?i)dropbox|mega|pcloud|sync\.com|mediafire|box\.com'),
                            false) AS oauth,
                        coalesce(log_source_type LIKE '%Azure%'
                            AND event_name LIKE '%Sign-in%'
                            AND user_type = 'Guest'
                            AND risk_level IN ('high', 'medium')
                            AND (app_display_name LIKE '%Teams%' OR app_display_name LIKE '%SharePoint%'
                                 OR app_display_name LIKE '%OneDrive%' OR app_display_name LIKE '%Office 365%'),
                            false) AS risky
        """;

    /// <summary>
    /// The same three patterns over a Parquet store (<c>hunt convert --format parquet</c>): the columns
    /// are normalized already, so this is what an analyst who converted once would run in DuckDB.
    /// </summary>
    public static string StoreQuery(string storeDirectory)
    {
        string glob = Path.Combine(storeDirectory, "*.parquet").Replace("'", "''", StringComparison.Ordinal);
        return $"""
            WITH matched AS (
                SELECT
                    {PatternFlags("app_name")}
                FROM read_parquet('{glob}')
            )
            SELECT count(*) FILTER (WHERE teams), count(*) FILTER (WHERE oauth AND NOT teams), count(*) FILTER (WHERE risky AND NOT teams AND NOT oauth) FROM matched
            """;
    }

    public static int RunSql(string sql, int threads, bool printQuery, bool list)
    {
        if (printQuery)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SET threads = {threads};"));
            Console.WriteLine(sql + ";");
            return 0;
        }
        var clock = Stopwatch.StartNew();
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using (var set = connection.CreateCommand())
        {
            set.CommandText = string.Create(CultureInfo.InvariantCulture, $"SET threads = {threads}");
            set.ExecuteNonQuery();
        }
        string version;
        using (var v = connection.CreateCommand())
        {
            v.CommandText = "SELECT version()";
            version = Convert.ToString(v.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "?";
        }
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        if (list)
        {
            while (reader.Read()) Console.WriteLine($"{reader.GetString(0)}\t{reader.GetString(1)}");
            return 0;
        }
        reader.Read();
        long teams = reader.GetInt64(0), oauth = reader.GetInt64(1), risky = reader.GetInt64(2);
        var result = new WorkerResult(teams + oauth + risky, new Dictionary<string, long>
        {
            ["Teams_ITImpersonation"] = teams,
            ["SuspiciousOAuthGrant"] = oauth,
            ["RiskyGuestSignin"] = risky,
        }, "DuckDB " + version, clock.Elapsed.TotalSeconds);
        Console.WriteLine(JsonSerializer.Serialize(result, WorkerResultJson.Default.WorkerResult));
        return 0;
    }
}

/// <summary>What a worker child reports on its last stdout line.</summary>
internal sealed record WorkerResult(long Detections, Dictionary<string, long> ByType, string Version, double Seconds);

[System.Text.Json.Serialization.JsonSerializable(typeof(WorkerResult))]
internal sealed partial class WorkerResultJson : System.Text.Json.Serialization.JsonSerializerContext;
