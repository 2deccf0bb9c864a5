using HuntEngine.Parsing;

namespace HuntEngine.Matching;

/// <summary>The tests a condition can apply to one column value (a null value never matches).</summary>
internal enum MatchOp : byte
{
    /// <summary>Ordinal substring: the value contains any of the literals (AQL <c>LIKE '%x%'</c>, case-sensitive).</summary>
    Contains,
    /// <summary>Ordinal equality with any of the literals.</summary>
    EqualsAny,
    /// <summary>The value lower-cased as <c>ToLowerInvariant</c> does contains any of the (lower-case ASCII) literals (AQL <c>LOWER(x) MATCHES</c>).</summary>
    LowerInvariantContains,
    /// <summary>ASCII case-insensitive substring (Java regex <c>(?i)</c>: A-Z only).</summary>
    AsciiIgnoreCaseContains,
    /// <summary>A host equal to one of the domains or ending with <c>.</c> + one, or matching the regex.</summary>
    HostInDomains,
    /// <summary>An int64 value greater than the threshold.</summary>
    GreaterThan,
    /// <summary>The value is not null.</summary>
    NotNull,
}

/// <summary>One line of a pattern: a test on one column.</summary>
internal sealed record Condition(Column Column, MatchOp Op, string[] Values, long Threshold = 0, string? Regex = null);

/// <summary>A single-record detection pattern: every condition must hold.</summary>
internal sealed record PatternSpec(string Name, Condition[] AllOf);

/// <summary>
/// "Count per group within a time span, above a threshold": events are the records meeting
/// <see cref="Events"/>; bursts of more than <see cref="MoreThan"/> events within <see cref="Span"/>
/// per group are found greedily (spec §7.3). The shape of Sigma's <c>event_count</c> correlation.
/// </summary>
internal sealed record AggregateSpec(string Name, Condition[] Events, Column[] GroupBy, TimeSpan Span, int MoreThan);

/// <summary>The detection patterns of spec §3 and §7.3 as data, in label order.</summary>
internal static class PatternCatalog
{
    public const string TeamsImpersonation = "Teams_ITImpersonation";
    public const string OAuthGrant = "SuspiciousOAuthGrant";
    public const string RiskyGuest = "RiskyGuestSignin";
    public const string CloudExfil = "CloudStorageExfil";
    public const string InviteBurst = "GuestInviteBurst";

    public static readonly PatternSpec[] Patterns =
    [
        new(TeamsImpersonation,
        [
            new(Column.LogSourceType, MatchOp.Contains, ["Office 365"]),
            new(Column.EventName, MatchOp.Contains, ["MessageSent", "ChatCreated", "MeetingInvited"]),
            new(Column.Username, MatchOp.LowerInvariantContains,
                ["helpdesk", "itsupport", "servicedesk", "techsupport", "itadmin", "sysadmin", "microsoftsupport", "o365support", "m365support"]),
        ]),
        new(OAuthGrant,
        [
            // Extension of the AQL (spec §3): Entra audit records fire too, as the seed's Test 2 expects.
            new(Column.LogSourceType, MatchOp.Contains, ["Office 365", "Azure Active Directory"]),
            new(Column.EventName, MatchOp.Contains, ["Consent to application"]),
            new(Column.AppName, MatchOp.AsciiIgnoreCaseContains, ["dropbox", "mega", "pcloud", "sync.com", "mediafire", "box.com"]),
        ]),
        new(RiskyGuest,
        [
            new(Column.LogSourceType, MatchOp.Contains, ["Azure"]),
            new(Column.EventName, MatchOp.Contains, ["Sign-in"]),
            new(Column.UserType, MatchOp.EqualsAny, ["Guest"]),
            new(Column.RiskLevel, MatchOp.EqualsAny, ["high", "medium"]),
            new(Column.AppDisplayName, MatchOp.Contains, ["Teams", "SharePoint", "OneDrive", "Office 365"]),
        ]),
        new(CloudExfil,
        [
            new(Column.RemoteHost, MatchOp.HostInDomains, ["s3.amazonaws.com", "content.dropboxapi.com", "mega.nz", "mega.co.nz"],
                Regex: @"(^|\.)s3[.-]([a-z0-9-]+\.)+amazonaws\.com\z"),
            new(Column.SentBytes, MatchOp.GreaterThan, [], Threshold: 10_485_760),
        ]),
    ];

    public static readonly AggregateSpec[] Aggregates =
    [
        new(InviteBurst,
        [
            new(Column.LogSourceType, MatchOp.Contains, ["Azure Active Directory"]),
            new(Column.EventName, MatchOp.EqualsAny, ["Invite external user"]),
            new(Column.TargetUser, MatchOp.Contains, ["#EXT#"]),
            new(Column.EventTime, MatchOp.NotNull, []),
            new(Column.Username, MatchOp.NotNull, []),
        ],
        GroupBy: [Column.Username, Column.SourceIp], Span: TimeSpan.FromMinutes(60), MoreThan: 5),
    ];
}
