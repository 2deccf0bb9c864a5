using System.Globalization;

namespace HuntEngine.DataGen;

/// <summary>
/// Planted records (each must fire exactly the detection returned) and near-misses (each must
/// fire nothing), following detection-spec §2, §3 and §7 to the letter. "Tricky" positives
/// exercise what a shortcut would get wrong: JSON escapes, escaped keys, duplicate keys (the
/// last wins), key order, the Kelvin sign, fallbacks and number spellings.
/// </summary>
internal sealed partial class RecordFactory
{
    private const char KelvinSign = '\u212A';

    private static readonly LaTable[] PlantedLaTables =
        [LaTable.OfficeActivity, LaTable.SigninLogs, LaTable.AuditLogs, LaTable.CommonSecurityLog, LaTable.CommonSecurityLog, LaTable.DeviceNetworkEvents];

    private string WritePlanted(JsonRecordWriter w)
    {
        bool tricky = _options.Adversarial && Chance(0.4);
        if (Chance(0.2))
        {
            // A Log Analytics row as a JSON record (the API / JSON export shape).
            string type = PlantLa(Pick(PlantedLaTables), csv: false, tricky);
            WriteLaJson(w);
            return type;
        }

        switch (_random.Next(4))
        {
            case 0:
                PlantTeamsImpersonation(w, tricky);
                return DetectionTypes.TeamsItImpersonation;
            case 1:
                PlantOAuthGrant(w, tricky);
                return DetectionTypes.SuspiciousOAuthGrant;
            case 2:
                PlantRiskyGuestSignIn(w, tricky);
                return DetectionTypes.RiskyGuestSignin;
            default:
                PlantCloudStorageExfil(w, tricky);
                return DetectionTypes.CloudStorageExfil;
        }
    }

    private void WriteNearMiss(JsonRecordWriter w)
    {
        if (Chance(0.2))
        {
            NearMissLa(Pick(PlantedLaTables), csv: false);
            WriteLaJson(w);
            return;
        }

        switch (_random.Next(4))
        {
            case 0: NearMissTeamsImpersonation(w); break;
            case 1: NearMissOAuthGrant(w); break;
            case 2: NearMissRiskyGuestSignIn(w); break;
            default: NearMissCloudStorageExfil(w); break;
        }
    }

    // ---- Teams_ITImpersonation ----

    /// <summary>An impostor UPN whose local part holds a username keyword in some capitalisation.</summary>
    private (string Upn, int KeywordStart, int KeywordIndex) ImpostorUpn()
    {
        int keywordIndex = _random.Next(RecordPools.UsernameKeywords.Length);
        string keyword = _random.Next(3) switch
        {
            0 => RecordPools.UsernameKeywords[keywordIndex],
            1 => RecordPools.KeywordTitleCase[keywordIndex],
            _ => RecordPools.UsernameKeywords[keywordIndex].ToUpperInvariant(),
        };
        string prefix = Pick(["", "", "IT.", "Global.", "Tenant-", "Corp"]);
        string suffix = Pick(["", "", ".Team", "-Admin", "01", "_Desk", ".Alerts"]);
        string domain = Chance(0.8) ? Pick(RecordPools.CleanAttackerDomains) : Pick(RecordPools.KeywordAttackerDomains);
        return (prefix + keyword + suffix + "@" + domain, prefix.Length, keywordIndex);
    }

    private static string DomainOf(string upn) => upn[(upn.LastIndexOf('@') + 1)..];

    private void PlantTeamsImpersonation(JsonRecordWriter w, bool tricky)
    {
        var (upn, keywordStart, keywordIndex) = ImpostorUpn();
        string operation = Pick(["MessageSent", "MessageSent", "MessageSent", "ChatCreated", "ChatCreated", "MeetingInvited"]);
        var shape = new TeamsShape
        {
            OperationJson = Json.Quote(operation),
            UserIdJson = Json.Quote(upn),
            ExternalDomain = DomainOf(upn),
            UserTypeJson = Chance(0.2) ? "10" : "0",
        };
        if (tricky)
        {
            switch (_random.Next(12))
            {
                case 0:
                case 1:
                {
                    // Kelvin sign K (U+212A) lower-cases to ASCII k: "HelpDes\u212A" matches helpdesk.
                    string keyword = Pick(["HelpDesK", "SERVICEDESK", "ServiceDesK", "helpdesK"]).Replace('K', KelvinSign);
                    string kelvinUpn = Pick(["IT.", "", "Corp"]) + keyword + "@" + Pick(RecordPools.CleanAttackerDomains);
                    shape = shape with
                    {
                        UserIdJson = _random.Next(2) == 0 ? Json.Quote(kelvinUpn) : Json.QuoteEscapingAt(kelvinUpn, kelvinUpn.IndexOf(KelvinSign), upperHex: Chance(0.5)),
                        ExternalDomain = DomainOf(kelvinUpn),
                    };
                    break;
                }

                case 2:
                    // \u0048elpdesk: the engine unescapes, so an escaped keyword letter still fires.
                    shape = shape with { UserIdJson = Json.QuoteEscapingAt(upn, keywordStart + _random.Next(RecordPools.UsernameKeywords[keywordIndex].Length), upperHex: Chance(0.5)) };
                    break;
                case 3:
                    shape = shape with { UserIdKey = Pick([@"\u0055serId", @"User\u0049d", @"\u0055\u0073\u0065\u0072\u0049\u0064"]) };
                    break;
                case 4:
                    // Duplicate keys: the last UserId wins.
                    shape = shape with { EarlierUserIdJson = Json.Quote(Member().Upn) };
                    break;
                case 5:
                    shape = shape with { UserFieldsFirst = true, Spaced = true };
                    break;
                case 6:
                    shape = shape with { Workload = null };
                    break;
                case 7:
                    shape = shape with { RecordType = null };
                    break;
                case 8:
                    shape = shape with { OperationJson = Json.QuoteEscapingAt("MessageSent", 7), UserTypeJson = Pick(["\"Guest\"", "10.0", "2"]) };
                    break;
                case 9:
                    shape = shape with { UserIdJson = Json.QuoteFullyEscaped(upn) };
                    break;
                case 10:
                    shape = shape with { DecoyName = Pick(["Ünal Çelik 👋", "Zoë Ørsted – IT", "李雷 (Support)", "Łukasz Żółć"]) };
                    break;
                default:
                    shape = shape with { OperationJson = Json.Quote("MeetingInvited"), UserIdJson = Json.Quote(upn.ToUpperInvariant()) };
                    break;
            }
        }

        WriteTeams(w, shape with { ClientIp = PublicIp() });
    }

    /// <summary>A keyword made unrecognisable by one character a careless matcher might fold: İ, ı, ſ, a Cyrillic lookalike or a separator.</summary>
    private string NearMissImpostorUpn()
    {
        int keywordIndex = _random.Next(RecordPools.UsernameKeywords.Length);
        string keyword = Chance(0.5) ? RecordPools.UsernameKeywords[keywordIndex] : RecordPools.KeywordTitleCase[keywordIndex];
        string mutated = _random.Next(5) switch
        {
            0 => ReplaceFirst(keyword, "iI", "\u0130"), // İ: lower-cases to itself, not to ASCII i
            1 => ReplaceFirst(keyword, "iI", "\u0131"), // dotless ı
            2 => ReplaceFirst(keyword, "sS", "\u017F"), // long s ſ
            3 => CyrillicLookalike(keyword),
            _ => keyword.Insert(keyword.Length / 2, Pick([".", "-", "_", " "])),
        };
        if (string.Equals(mutated, keyword, StringComparison.Ordinal)) mutated = CyrillicLookalike(keyword);
        return Pick(["", "IT.", "Global."]) + mutated + Pick(["", ".Team", "01"]) + "@" + Pick(RecordPools.CleanAttackerDomains);
    }

    private static string ReplaceFirst(string text, string candidates, string replacement)
    {
        int at = text.AsSpan().IndexOfAny(candidates);
        return at < 0 ? text : text[..at] + replacement + text[(at + 1)..];
    }

    private static string CyrillicLookalike(string keyword)
    {
        // е а о р с і look like e a o p c i.
        const string latin = "eaopciEAOPCI";
        const string cyrillic = "\u0435\u0430\u043E\u0440\u0441\u0456\u0415\u0410\u041E\u0420\u0421\u0406";
        int at = keyword.AsSpan().IndexOfAny(latin);
        return keyword[..at] + cyrillic[latin.IndexOf(keyword[at])] + keyword[(at + 1)..];
    }

    private void NearMissTeamsImpersonation(JsonRecordWriter w, bool ualOnly = false)
    {
        string impostor = ImpostorUpn().Upn;
        string clean = Member().Upn;
        var shape = new TeamsShape
        {
            OperationJson = Json.Quote("MessageSent"),
            UserIdJson = Json.Quote(clean),
            ClientIp = PublicIp(),
        };
        switch (_random.Next(ualOnly ? 10 : 11))
        {
            case 0:
            case 1:
                string lookalike = NearMissImpostorUpn();
                shape = shape with { UserIdJson = Json.Quote(lookalike), ExternalDomain = DomainOf(lookalike) };
                break;
            case 2:
                // The keyword is only in other fields (ObjectId, UserKey, display and chat names).
                shape = shape with
                {
                    OperationJson = Json.Quote("ChatCreated"),
                    ObjectIdJson = Json.Quote(impostor),
                    UserKeyJson = Json.Quote(impostor),
                    DecoyName = "IT HelpDesk (" + impostor + ")",
                };
                break;
            case 3:
                shape = shape with { Workload = "Exchange", RecordType = 2 };
                break;
            case 4:
                shape = shape with
                {
                    UserIdJson = Json.Quote(impostor),
                    OperationJson = Json.Quote(Pick(["MessagesListed", "ChatRetrieved", "MemberAdded", "MessageDeleted", "messagesent", "Message Sent", "MessageRead", "MeetingParticipantDetail"])),
                };
                break;
            case 5:
                shape = shape with { EarlierUserIdJson = Json.Quote(impostor) };
                break;
            case 6:
                shape = shape with { UserIdJson = Pick(["\"<null>\"", "null"]), UserKeyJson = Json.Quote(impostor), ObjectIdJson = Json.Quote(impostor) };
                break;
            case 7:
                // Not a UAL record: no CreationTime (CreationDate instead) ...
                shape = shape with { UserIdJson = Json.Quote(impostor), HasCreationTime = false };
                break;
            case 8:
                // ... or neither Workload nor RecordType.
                shape = shape with { UserIdJson = Json.Quote(impostor), Workload = null, RecordType = null };
                break;
            case 9:
                // Property names are case-sensitive: "UserID" / "userId" is not UserId.
                shape = shape with { UserIdJson = Json.Quote(impostor), UserIdKey = Pick(["UserID", "userId", "UserId "]) };
                break;
            default:
                WriteQRadarEvent(w, impostor);
                return;
        }

        WriteTeams(w, shape);
    }

    // ---- SuspiciousOAuthGrant ----

    private void PlantOAuthGrant(JsonRecordWriter w, bool tricky, bool ualOnly = false)
    {
        string app = Pick(RecordPools.StorageConsentApps);
        string appJson = Json.Quote(app);
        int flavour = ualOnly ? 0 : _random.Next(3); // 0 UAL, 1 Azure Monitor audit, 2 Graph audit
        int trick = tricky ? _random.Next(8) : -1;
        if (trick == 0) appJson = Json.QuoteEscapingAt(app, 0, upperHex: Chance(0.5));

        if (flavour == 0 || trick is 1 or 2)
        {
            WriteUalDirectoryChange(w, new UalDirectoryShape
            {
                OperationJson = trick == 1 ? Json.QuoteEscapingAt("Consent to application.", 18, upperHex: false) : Json.Quote(trick == 2 ? "Consent to application" : "Consent to application."),
                Actor = Member(),
                AppJson = appJson,
                // A Type 2 entry that looks like an app does not count; the Type 1 entry does.
                Type2DecoyJson = trick == 2 ? Json.Quote(Pick(RecordPools.BenignConsentApps)) : null,
                Spaced = trick == 2,
            });
            return;
        }

        var shape = new AuditShape
        {
            AzureMonitor = flavour == 1,
            ActivityJson = Json.Quote("Consent to application"),
            TargetDisplayNameJson = appJson,
            Initiator = Member(),
            Spaced = flavour == 1 && Chance(0.3),
        };
        shape = trick switch
        {
            // Azure Monitor audit: activityDisplayName null or "<null>" falls back to operationName.
            3 => shape with { AzureMonitor = true, ActivityJson = Pick(["null", "\"<null>\""]), OperationNameJson = Json.Quote("Consent to application") },
            4 => shape with { EarlierActivityJson = Json.Quote("Add delegated permission grant") },
            5 => shape with { EarlierTargetDisplayNameJson = Json.Quote(Pick(RecordPools.BenignConsentApps)) },
            6 => shape with { InitiatedByApp = true, Spaced = true },
            7 => shape with { ActivityJson = Json.QuoteEscapingAt("Consent to application", 0) },
            _ => shape,
        };
        WriteDirectoryAudit(w, shape);
    }

    private void NearMissOAuthGrant(JsonRecordWriter w, bool ualOnly = false)
    {
        string storageApp = Pick(RecordPools.StorageConsentApps);
        string benignApp = Pick(RecordPools.BenignConsentApps);
        int variant = _random.Next(9);
        bool ual = ualOnly || variant <= 2 && Chance(0.5) || variant is 3 or 4;
        if (ual)
        {
            var shape = new UalDirectoryShape
            {
                OperationJson = Json.Quote("Consent to application."),
                Actor = Member(),
                AppJson = Json.Quote(Pick(RecordPools.StorageConsentNearMissApps)),
            };
            shape = variant switch
            {
                // The first Type 1 entry decides; a later storage-app entry does not count.
                3 => shape with { EarlierType1Json = Json.Quote(benignApp), AppJson = Json.Quote(storageApp) },
                // Storage names only in Type 2 entries and service principal names.
                4 => shape with { AppJson = Json.Quote(benignApp), Type2DecoyJson = Json.Quote(storageApp), ServicePrincipalNames = NewUuid() + ";https://www.dropbox.com" },
                1 => shape with { AppJson = Json.Quote(storageApp), OperationJson = Json.Quote(Pick(["consent to application.", "Add delegated permission grant.", "Consent to app.", "Revoke consent."])) },
                _ => shape,
            };
            WriteUalDirectoryChange(w, shape);
            return;
        }

        var audit = new AuditShape
        {
            AzureMonitor = Chance(0.5),
            ActivityJson = Json.Quote("Consent to application"),
            TargetDisplayNameJson = Json.Quote(Pick(RecordPools.StorageConsentNearMissApps)),
            Initiator = Member(),
        };
        audit = variant switch
        {
            1 => audit with { TargetDisplayNameJson = Json.Quote(storageApp), ActivityJson = Json.Quote(Pick(["Add delegated permission grant", "consent to application", "Consent to app", "Revoke consent"])) },
            2 => audit with { AzureMonitor = true, PropertiesAsString = true, TargetDisplayNameJson = Json.Quote(storageApp) },
            5 => audit with { TargetDisplayNameJson = Json.Quote(benignApp), SecondTargetDisplayNameJson = Json.Quote(storageApp) },
            6 => audit with { EarlierTargetDisplayNameJson = Json.Quote(storageApp), TargetDisplayNameJson = Json.Quote(benignApp) },
            7 => audit with { EarlierActivityJson = Json.Quote("Consent to application"), ActivityJson = Json.Quote("Add delegated permission grant"), TargetDisplayNameJson = Json.Quote(storageApp) },
            8 => audit with { AzureMonitor = false, ActivityJson = "null", TargetDisplayNameJson = Json.Quote(storageApp) },
            _ => audit,
        };
        WriteDirectoryAudit(w, audit);
    }

    // ---- RiskyGuestSignin ----

    private void PlantRiskyGuestSignIn(JsonRecordWriter w, bool tricky)
    {
        bool azureMonitor = Chance(0.6);
        string risk = Chance(0.5) ? "high" : "medium";
        var shape = new SignInShape
        {
            AzureMonitor = azureMonitor,
            User = Guest(),
            UserTypeJson = Json.Quote(azureMonitor && Chance(0.5) ? "Guest" : "guest"),
            RiskDuringJson = Json.Quote(risk),
            AppDisplayNameJson = Json.Quote(Pick(RecordPools.CollaborationSignInApps)),
            Category = Chance(0.3) ? "NonInteractiveUserSignInLogs" : "SignInLogs",
            Spaced = azureMonitor && Chance(0.3),
            Failed = Chance(0.2),
        };
        if (tricky)
        {
            shape = _random.Next(6) switch
            {
                0 => shape with { AzureMonitor = true, OperationNameJson = Json.QuoteEscapingAt("Sign-in activity", 4) },
                1 => shape with { UserTypeJson = Json.QuoteEscapingAt("guest", 0, upperHex: false) },
                2 => shape with { RiskDuringJson = Json.QuoteEscapingAt(risk, 1) },
                3 => shape with { EarlierRiskDuringJson = Json.Quote("none") },
                4 => shape with { User = Member(), AppDisplayNameJson = Json.QuoteFullyEscaped(Pick(RecordPools.CollaborationSignInApps)) },
                _ => shape with { AzureMonitor = false, UserTypeJson = Json.Quote("Guest") },
            };
        }

        WriteSignIn(w, shape);
    }

    private void NearMissRiskyGuestSignIn(JsonRecordWriter w)
    {
        bool azureMonitor = Chance(0.6);
        var shape = new SignInShape
        {
            AzureMonitor = azureMonitor,
            User = Guest(),
            UserTypeJson = Json.Quote("guest"),
            RiskDuringJson = Json.Quote("high"),
            AppDisplayNameJson = Json.Quote(Pick(RecordPools.CollaborationSignInApps)),
        };
        switch (_random.Next(9))
        {
            case 0:
                shape = shape with { RiskDuringJson = Json.Quote(Pick(["High", "MEDIUM", "Medium", "low", "none", "hidden", "high "])) };
                break;
            case 1:
                shape = shape with { UserTypeJson = Pick(["\"member\"", "\"Member\"", "\"GUEST\"", "10", "\"guest \"", "\"Guests\""]) };
                break;
            case 2:
                shape = shape with { AppDisplayNameJson = Json.Quote(Pick(RecordPools.CollaborationNearMissApps)) };
                break;
            case 3:
                shape = shape with { AzureMonitor = true, Category = Pick(["ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs", "signinlogs", "SignInLog"]) };
                break;
            case 4:
                shape = shape with { AzureMonitor = true, PropertiesAsString = true };
                break;
            case 5:
                shape = shape with { AzureMonitor = true, OperationNameJson = Pick([null, "\"Sign in activity\"", "\"sign-in activity\"", "null"]) };
                break;
            case 6:
                shape = shape with { EarlierRiskDuringJson = Json.Quote("high"), RiskDuringJson = Json.Quote("low") };
                break;
            case 7:
                shape = shape with { User = Member(), UserTypeJson = Json.Quote("member"), RiskDuringJson = Json.Quote("high") };
                break;
            default:
                WriteUalGuestSignInLookalike(w);
                return;
        }

        WriteSignIn(w, shape);
    }

    /// <summary>
    /// A UAL record with UserType 10 (Guest) and sign-in-looking fields: it is a UAL record, so its
    /// log source is Microsoft Office 365 and RiskyGuestSignin (which needs Azure) cannot fire.
    /// </summary>
    private void WriteUalGuestSignInLookalike(JsonRecordWriter w)
    {
        Person guest = Guest();
        w.Reset();
        w.StartObject();
        w.PTime("CreationTime"u8, Time(), UalTimeStyle());
        w.PUuid("Id"u8, NewUuid());
        w.P("Operation"u8, "Sign-in activity"u8);
        w.PUuid("OrganizationId"u8, _home.Id);
        w.P("RecordType"u8, 15);
        w.P("ResultStatus"u8, "Success"u8);
        w.PUuid("UserKey"u8, guest.ObjectId);
        w.P("UserType"u8, 10);
        w.P("Version"u8, 1);
        w.P("Workload"u8, "AzureActiveDirectory"u8);
        w.PIp("ClientIP"u8, guest.HomeIp);
        w.P("UserId"u8, guest.Upn);
        w.P("userType"u8, "guest"u8);
        w.P("appDisplayName"u8, Pick(RecordPools.CollaborationSignInApps));
        w.P("riskLevelDuringSignIn"u8, "high"u8);
        w.P("riskState"u8, "atRisk"u8);
        w.Name("ExtendedProperties"u8);
        w.StartArray();
        WriteNameValue(w, "UserAgent", Pick(RecordPools.UserAgents));
        WriteNameValue(w, "RequestType", "OAuth2:Authorize");
        w.EndArray();
        w.PUuid("ActorContextId"u8, guest.HomeTenant);
        w.PUuid("TargetContextId"u8, _home.Id);
        w.EndObject();
    }

    // ---- CloudStorageExfil ----

    private string BigSentBytes() => _random.NextInt64(ExfilThresholdBytes + 1, 4_000_000_000).ToString(CultureInfo.InvariantCulture);

    private void PlantCloudStorageExfil(JsonRecordWriter w, bool tricky)
    {
        string url = Pick(RecordPools.ExfilRemoteUrls);
        var shape = new NetworkShape
        {
            RemoteUrlJson = Json.Quote(url),
            SentBytesJson = BigSentBytes(),
            Process = Pick(RecordPools.ExfilProcesses),
            ActionType = Chance(0.8) ? "ConnectionSuccess" : "ConnectionRequest",
            Spaced = Chance(0.1),
        };
        if (tricky)
        {
            shape = _random.Next(7) switch
            {
                0 => shape with { SentBytesJson = Json.Quote(BigSentBytes()) },
                1 => shape with { SentBytesJson = Pick(["1.5e7", "\"1.5e7\"", "1.6E7", "2.5e+7", "10485761", "\"10485761\"", "1E8"]) },
                2 => shape with { RemoteUrlJson = Json.Quote(url).Replace("/", "\\/", StringComparison.Ordinal) },
                3 => shape with { EarlierSentBytesJson = "1024" },
                4 => shape with { HuntingExport = true },
                5 => shape with { HuntingExport = true, SentBytesJson = Json.Quote(BigSentBytes()) },
                _ => shape with { RemoteUrlJson = Json.QuoteEscapingAt(url, url.IndexOf('.')) },
            };
        }

        WriteNetwork(w, shape);
    }

    private void NearMissCloudStorageExfil(JsonRecordWriter w)
    {
        var shape = new NetworkShape
        {
            RemoteUrlJson = Json.Quote(Pick(RecordPools.ExfilRemoteUrls)),
            SentBytesJson = "10485760",
            Process = Pick(RecordPools.ExfilProcesses),
        };
        switch (_random.Next(8))
        {
            case 0:
                shape = shape with { SentBytesJson = Pick(["10485760", "\"10485760\"", "1e7", "1048576", "0", "1.048576e7", "10380902"]) };
                break;
            case 1:
            case 2:
                shape = shape with { RemoteUrlJson = Json.Quote(Pick(RecordPools.ExfilNearMissUrls)), SentBytesJson = BigSentBytes() };
                break;
            case 3:
                // A value that is no whole non-negative int64, or no SentBytes at all.
                shape = shape with { SentBytesJson = Chance(0.2) ? null : Pick(["12345678.5", "-52428800", "\"50MB\"", "1e30", "\"\"", "true", "null", "\"52428800 bytes\""]) };
                break;
            case 4:
                shape = shape with { SentBytesJson = BigSentBytes(), Category = Pick(["AdvancedHunting-DeviceEvents", "AdvancedHunting-DeviceNetworkInfo"]) };
                break;
            case 5:
                shape = shape with { SentBytesJson = BigSentBytes(), PropertiesAsString = true };
                break;
            case 6:
                // Duplicate keys: the last SentBytes (small) wins.
                shape = shape with { EarlierSentBytesJson = BigSentBytes(), SentBytesJson = "4096" };
                break;
            default:
                if (Chance(0.5))
                {
                    shape = shape with { RemoteUrlJson = "null", SentBytesJson = BigSentBytes() };
                    break;
                }

                WriteSysmonEvent(w, Pick(["s3.amazonaws.com", "content.dropboxapi.com"]));
                return;
        }

        WriteNetwork(w, shape);
    }
}
