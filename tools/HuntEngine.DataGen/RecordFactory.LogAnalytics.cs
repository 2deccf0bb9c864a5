using System.Globalization;

namespace HuntEngine.DataGen;

/// <summary>
/// Microsoft Sentinel / Log Analytics rows (<c>OfficeActivity</c>, <c>SigninLogs</c>, <c>AuditLogs</c>,
/// <c>CommonSecurityLog</c>, <c>DeviceNetworkEvents</c>), filled into an <see cref="LaRow"/> so that the
/// same content can be written as a JSON record (dynamic columns as JSON text) or as a portal CSV row.
/// Planted and near-miss variants say what they fire for the rendering they are written in: a few
/// differ, because a CSV export cannot tell an empty string from a missing value (spec §2).
/// </summary>
internal sealed partial class RecordFactory
{
    private readonly LaRow _row = new();

    /// <summary>The Log Analytics workspace id (<c>TenantId</c> column), fixed per factory.</summary>
    private string Workspace => _workspace ??= new Uuid(_home.Id.Low ^ 0x5A5A_0000_0000_0000UL, _home.Id.High ^ 0x0000_0000_A5A5_0000UL).ToString();

    private string? _workspace;

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The value of a JSON string literal the generator wrote with <see cref="Json.Quote"/> (null for <c>null</c>).</summary>
    private static string? Unquote(string json) =>
        json == "null" ? null
        : json.Contains('\\', StringComparison.Ordinal) ? System.Text.Json.JsonDocument.Parse(json).RootElement.GetString()
        : json[1..^1];

    // ---- ordinary rows ----

    /// <summary>An ordinary row of the table, filled into <see cref="_row"/>.</summary>
    private void FillOrdinaryLa(LaTable table)
    {
        switch (table)
        {
            case LaTable.OfficeActivity: FillOfficeActivity(OfficeShape.Ordinary(this)); break;
            case LaTable.SigninLogs: FillSigninLogs(LaSignInShape.Ordinary(this)); break;
            case LaTable.AuditLogs: FillAuditLogs(LaAuditShape.Ordinary(this)); break;
            case LaTable.CommonSecurityLog: FillCommonSecurityLog(CefShape.Ordinary(this)); break;
            default: FillDeviceNetworkEvents(DneShape.Ordinary(this)); break;
        }
    }

    /// <summary>An ordinary Log Analytics row written as a JSON record, now and then with numbers as strings or dynamic columns embedded.</summary>
    private void WriteOrdinaryLaJson(JsonRecordWriter w, LaTable table)
    {
        FillOrdinaryLa(table);
        WriteLaJson(w);
    }

    private void WriteLaJson(JsonRecordWriter w)
    {
        _row.NumbersAsStrings |= Chance(0.25);
        _row.EmbedDynamic |= Chance(0.15);
        _row.WriteJson(w, spaced: Chance(0.1));
    }

    // ---- OfficeActivity ----

    private sealed record OfficeShape
    {
        /// <summary><c>MicrosoftTeams</c>, <c>Exchange</c>, <c>SharePoint</c>, <c>OneDrive</c> or <c>AzureActiveDirectory</c>.</summary>
        public required string Workload { get; init; }
        public required string Operation { get; init; }
        /// <summary>The <c>UserId</c> cell (null: a null cell; <c>&lt;null&gt;</c> allowed).</summary>
        public required string? UserId { get; init; }
        public required Person Actor { get; init; }
        public string UserType { get; init; } = "Regular";
        public string? UserKey { get; init; }
        public string? DecoyName { get; init; }
        /// <summary>JSON text of a <c>Target</c> array, written by JSON renderings only (the table has no such column).</summary>
        public string? TargetJson { get; init; }
        /// <summary>Leaves <c>OfficeWorkload</c> out of a JSON rendering (the record is then no OfficeActivity row).</summary>
        public bool OmitWorkload { get; init; }

        public static OfficeShape Ordinary(RecordFactory f)
        {
            Person user = f.Member();
            int bucket = f._random.Next(100);
            (string workload, string operation) = bucket switch
            {
                < 35 => ("Exchange", f.Pick(["MailItemsAccessed", "MailItemsAccessed", "Send", "MoveToDeletedItems", "SoftDelete", "New-InboxRule", "Set-Mailbox"])),
                < 55 => ("SharePoint", f.Pick(["FileAccessed", "FileAccessed", "FileModified", "FileUploaded", "PageViewed", "SharingSet"])),
                < 65 => ("OneDrive", f.Pick(["FileAccessed", "FileSyncDownloadedFull", "FileDownloaded", "FileUploaded"])),
                < 90 => ("MicrosoftTeams", f.Pick(OrdinaryTeamsOperations)),
                _ => ("AzureActiveDirectory", f.Pick(["UserLoggedIn", "UserLoggedIn", "Update user.", "Add member to group.", "Consent to application."])),
            };
            string? target = workload == "AzureActiveDirectory" && operation.StartsWith("Consent", StringComparison.Ordinal) && f.Chance(0.5)
                ? UalTargetJson(f.Pick(RecordPools.BenignConsentApps))
                : null;
            return new OfficeShape
            {
                Workload = workload,
                Operation = operation,
                UserId = user.Upn,
                Actor = user,
                UserType = operation is "Set-Mailbox" or "New-InboxRule" && f.Chance(0.3) ? "Admin" : "Regular",
                TargetJson = target,
            };
        }
    }

    /// <summary>A UAL <c>Target</c> array: a Type 2 service principal entry, then the Type 1 entry holding <paramref name="type1Id"/>.</summary>
    private static string UalTargetJson(string type1Id, string type1Json = "1") =>
        "[{\"ID\":\"ServicePrincipal_" + Math.Abs(type1Id.Length * 7919) + "\",\"Type\":2},{\"ID\":" + Json.Quote(type1Id) + ",\"Type\":" + type1Json + "}]";

    private void FillOfficeActivity(OfficeShape s)
    {
        var r = _row;
        Person user = s.Actor;
        long t = Time();
        uint ip = Chance(0.85) ? user.HomeIp : PublicIp();
        r.Reset(LaSchema.OfficeActivity);
        r.S("TenantId", Workspace);
        r.S("SourceSystem", "OfficeActivityManager");
        r.T("TimeGenerated", t);
        r.S("RecordType", s.Workload switch
        {
            "MicrosoftTeams" => "MicrosoftTeams",
            "Exchange" => s.Operation == "MailItemsAccessed" ? "ExchangeItemAggregated" : s.Operation.Contains('-', StringComparison.Ordinal) ? "ExchangeAdmin" : "ExchangeItem",
            "SharePoint" or "OneDrive" => s.Operation == "SharingSet" ? "SharePointSharingOperation" : "SharePointFileOperation",
            _ => s.Operation == "UserLoggedIn" ? "AzureActiveDirectoryStsLogon" : "AzureActiveDirectory",
        });
        r.S("Operation", s.Operation);
        r.S("OrganizationId", _home.Id.ToString());
        r.S("UserType", s.UserType);
        r.S("UserKey", s.UserKey ?? user.Puid);
        if (s.OmitWorkload) r.Absent("OfficeWorkload");
        else r.S("OfficeWorkload", s.Workload);
        r.S("ResultStatus", s.Workload == "Exchange" ? "Succeeded" : s.Workload == "AzureActiveDirectory" ? "Success" : null);
        r.S("UserId", s.UserId);
        r.S("ClientIP", IpText(ip));
        r.S("OrganizationName", _home.InitialDomain);
        switch (s.Workload)
        {
            case "Exchange":
                r.S("ClientInfoString", Pick(["Client=OWA;Action=ViaProxy", "Client=REST;Client=RESTSystem;;", "Client=MSExchangeRPC"]));
                r.S("MailboxGuid", NewUuid().ToString());
                r.S("MailboxOwnerUPN", s.DecoyName ?? user.Upn);
                r.S("ExternalAccess", "false");
                r.S("OriginatingServer", "DM6PR" + _random.Next(10, 99) + "MB" + _random.Next(1000, 9999) + " (15.20." + _random.Next(7000, 8500) + ".000)");
                if (s.Operation.Contains('-', StringComparison.Ordinal))
                {
                    r.S("Parameters", "[{\"Name\":\"Identity\",\"Value\":" + Json.Quote(user.Upn) + "},{\"Name\":\"AuditEnabled\",\"Value\":\"True\"}]");
                    r.S("OfficeObjectId", user.Upn);
                }
                else if (s.Operation == "MailItemsAccessed")
                {
                    r.S("Folders", "[{\"FolderItems\":[{\"InternetMessageId\":\"<" + NewUuid().ToHex(24, upper: true) + "@DM6PR11MB4012.namprd11.prod.outlook.com>\",\"SizeInBytes\":" + _random.Next(2000, 400000) + "}],\"Path\":\"\\\\Inbox\"}]");
                }
                else
                {
                    r.S("Item", "{\"Id\":\"RgAAAAD" + NewUuid().ToHex(32, upper: true) + "\",\"Subject\":" + Json.Quote(Pick(RecordPools.MailSubjects)) + ",\"ParentFolder\":{\"Path\":\"\\\\Inbox\"}}");
                }

                break;
            case "SharePoint":
            case "OneDrive":
            {
                string file = Pick(RecordPools.FileNames);
                string site = s.Workload == "OneDrive"
                    ? "https://" + _home.Domain.Split('.')[0] + "-my.sharepoint.com/personal/" + user.Upn.Replace('@', '_').Replace('.', '_') + "/"
                    : "https://" + _home.Domain.Split('.')[0] + ".sharepoint.com/sites/" + Pick(RecordPools.SiteNames) + "/";
                r.S("Site_Url", site);
                r.S("SourceRelativeUrl", "Shared Documents");
                r.S("SourceFileName", file);
                r.S("SourceFileExtension", file[(file.LastIndexOf('.') + 1)..]);
                r.S("OfficeObjectId", site + "Shared Documents/" + file);
                r.S("EventSource", "SharePoint");
                r.S("ItemType", s.Operation == "PageViewed" ? "Page" : "File");
                r.S("UserAgent", Pick(RecordPools.UserAgents));

                break;
            }
            case "MicrosoftTeams":
            {
                bool creates = s.Operation is "ChatCreated" or "MeetingInvited" or "MemberAdded";
                string members = "[" + string.Join(",", Enumerable.Range(0, 2 + _random.Next(3)).Select(i =>
                {
                    Person m = Member();
                    string name = i == 0 && s.DecoyName is not null ? s.DecoyName : m.DisplayName;
                    return "{\"DisplayName\":" + Json.Quote(name) + ",\"Role\":1,\"UPN\":" + Json.Quote(m.Upn) + "}";
                })) + "]";
                if (creates || Chance(0.3)) r.D("Members", members);
                r.S("TeamName", creates ? null : s.DecoyName ?? Pick(RecordPools.TeamNames));
                r.S("TeamGuid", "19:" + NewUuid().ToHex(32, upper: false) + "@thread.skype");
                r.S("ChatThreadId", "19:" + NewUuid().ToHex(32, upper: false) + "@thread.v2");
                r.S("ChatName", creates ? s.DecoyName ?? Pick(RecordPools.TeamNames) : null);
                r.S("CommunicationType", creates || Chance(0.3) ? "GroupChat" : "OneOnOne");
                r.S("MessageId", N(1_767_000_000_000L + _random.NextInt64(31_536_000_000L)));
                r.S("AppId", "5e3ce6c0-2b1f-4285-8d4b-75ee78787346");
                break;
            }
            default:
                r.S("AzureActiveDirectory_EventType", s.Operation == "UserLoggedIn" ? "AzureActiveDirectoryStsLogon" : "AzureApplicationAuditEvent");
                r.S("ExtendedProperties", "[{\"Name\":\"UserAgent\",\"Value\":" + Json.Quote(Pick(RecordPools.UserAgents)) + "},{\"Name\":\"RequestType\",\"Value\":\"OAuth2:Authorize\"}]");
                r.S("ModifiedProperties", "[]");
                r.S("Actor", "[{\"ID\":" + Json.Quote(user.Upn) + ",\"Type\":5},{\"ID\":\"" + user.ObjectId + "\",\"Type\":2}]");
                r.S("ActorContextId", _home.Id.ToString());
                r.S("ActorIpAddress", IpText(ip));
                r.S("AADTarget", s.DecoyName);
                r.S("TargetContextId", _home.Id.ToString());
                r.S("OfficeObjectId", NewUuid().ToString());
                break;
        }

        r.S("ClientAppId", Chance(0.5) ? NewUuid().ToString() : null);
        r.S("OfficeId", NewUuid().ToString());
        r.S("SourceRecordId", NewUuid().ToString());
        r.S("OfficeTenantId", _home.Id.ToString());
        r.S("Type", "OfficeActivity");
        if (s.TargetJson is not null) r.Extras.Add(("Target", new Cell(CellKind.Dynamic, s.TargetJson)));
    }

    // ---- SigninLogs ----

    private sealed record LaSignInShape
    {
        public required Person User { get; init; }
        public required string? UserType { get; init; }
        public required string? Risk { get; init; }
        public required string App { get; init; }
        /// <summary>Null: a null cell, so event_name falls back to <c>Sign-in activity</c>.</summary>
        public string? OperationName { get; init; } = "Sign-in activity";
        public string? RiskAggregated { get; init; }
        public bool Failed { get; init; }
        public string Type { get; init; } = "SigninLogs";

        public static LaSignInShape Ordinary(RecordFactory f)
        {
            var shape = SignInShape.Ordinary(f, azureMonitor: true);
            string risk = Unquote(shape.RiskDuringJson)!;
            return new LaSignInShape
            {
                User = shape.User,
                UserType = shape.User.IsGuest ? "Guest" : "Member",
                Risk = risk,
                App = Unquote(shape.AppDisplayNameJson)!,
                Failed = shape.Failed,
                Type = shape.Category == "SignInLogs" ? "SigninLogs" : "AADNonInteractiveUserSignInLogs",
            };
        }
    }

    private void FillSigninLogs(LaSignInShape s)
    {
        var r = _row;
        Person user = s.User;
        long t = Time();
        uint ip = Chance(0.8) ? user.HomeIp : PublicIp();
        var location = user.Location;
        r.Reset(LaSchema.SigninLogs);
        r.S("TenantId", Workspace);
        r.S("SourceSystem", "Azure AD");
        r.T("TimeGenerated", t + _random.Next(0, 5) * TimeSpan.TicksPerSecond);
        r.S("ResourceId", "/tenants/" + _home.Id + "/providers/Microsoft.aadiam");
        r.S("OperationName", s.OperationName);
        r.S("OperationVersion", "1");
        r.S("Category", s.Type == "SigninLogs" ? "SignInLogs" : "NonInteractiveUserSignInLogs");
        r.S("ResultType", s.Failed ? "50126" : "0");
        r.S("ResultSignature", "None");
        r.S("ResultDescription", s.Failed ? "Error validating credentials due to invalid username or password." : null);
        r.N("DurationMs", 0);
        r.S("CorrelationId", NewUuid().ToString());
        r.S("Resource", "Microsoft.aadiam");
        r.S("ResourceGroup", "Microsoft.aadiam");
        r.S("Level", "4");
        r.S("Location", location.Country);
        r.S("AppDisplayName", s.App);
        r.S("AppId", NewUuid().ToString());
        r.S("AuthenticationContextClassReferences", "[{\"id\":\"urn:microsoft:req1\",\"detail\":\"previouslySatisfied\"}]");
        r.S("AuthenticationDetails", "[{\"authenticationStepDateTime\":\"" + Timestamps.ToText(t, TimeStyle.Offset0) + "\",\"authenticationMethod\":"
            + Json.Quote(Pick(["Password", "Previously satisfied", "Mobile app notification"])) + ",\"succeeded\":" + (s.Failed ? "false" : "true")
            + ",\"authenticationStepRequirement\":\"Primary authentication\",\"StatusSequence\":0,\"RequestSequence\":0}]");
        r.D("AuthenticationProcessingDetails", "[{\"key\":\"Legacy TLS (TLS 1.0, 1.1, 3DES)\",\"value\":\"False\"},{\"key\":\"Is CAE Token\",\"value\":\"False\"}]");
        r.S("AuthenticationRequirement", Chance(0.6) ? "multiFactorAuthentication" : "singleFactorAuthentication");
        r.S("AuthenticationRequirementPolicies", "[]");
        r.S("ClientAppUsed", Pick(["Browser", "Mobile Apps and Desktop clients"]));
        r.S("ConditionalAccessStatus", Chance(0.6) ? "success" : "notApplied");
        r.T("CreatedDateTime", t);
        bool managed = Chance(0.5);
        r.D("DeviceDetail", "{\"deviceId\":" + Json.Quote(managed ? NewUuid().ToString() : "") + ",\"operatingSystem\":" + Json.Quote(Pick(RecordPools.OperatingSystems))
            + ",\"browser\":" + Json.Quote(Pick(RecordPools.Browsers)) + (managed ? ",\"isCompliant\":true,\"isManaged\":true,\"trustType\":\"Azure AD joined\"" : "") + "}");
        r.B("IsInteractive", s.Type == "SigninLogs");
        r.S("Id", NewUuid().ToString());
        r.S("IPAddress", IpText(ip));
        r.D("LocationDetails", "{\"city\":" + Json.Quote(location.City) + ",\"state\":" + Json.Quote(location.State) + ",\"countryOrRegion\":\"" + location.Country
            + "\",\"geoCoordinates\":{\"latitude\":" + location.Latitude.ToString("R", CultureInfo.InvariantCulture) + ",\"longitude\":" + location.Longitude.ToString("R", CultureInfo.InvariantCulture) + "}}");
        r.S("NetworkLocationDetails", "[]");
        r.S("OriginalRequestId", NewUuid().ToString());
        r.S("ProcessingTimeInMilliseconds", N(_random.Next(40, 6000)));
        r.S("RiskDetail", "none");
        r.S("RiskEventTypes", s.Risk is "none" or null ? "[]" : "[\"unfamiliarFeatures\"]");
        r.S("RiskEventTypes_V2", s.Risk is "none" or null ? "[]" : "[\"unfamiliarFeatures\"]");
        r.S("RiskLevelAggregated", s.RiskAggregated ?? "none");
        r.S("RiskLevelDuringSignIn", s.Risk);
        r.S("RiskState", s.Risk is "none" or null ? "none" : "atRisk");
        r.S("ResourceDisplayName", Pick(["Microsoft Graph", "Office 365 Exchange Online", "Windows Azure Service Management API", "Microsoft Teams Services"]));
        r.S("ResourceIdentity", NewUuid().ToString());
        r.S("ResourceServicePrincipalId", NewUuid().ToString());
        r.D("Status", s.Failed ? "{\"errorCode\":50126,\"failureReason\":\"Error validating credentials due to invalid username or password.\"}" : "{\"errorCode\":0}");
        r.S("TokenIssuerType", "AzureAD");
        r.S("UserAgent", Pick(RecordPools.UserAgents));
        r.S("UserDisplayName", user.DisplayName);
        r.S("UserId", user.ObjectId.ToString());
        r.S("UserPrincipalName", user.Upn);
        r.S("AADTenantId", _home.Id.ToString());
        r.S("UserType", s.UserType);
        r.S("ResourceTenantId", _home.Id.ToString());
        r.S("HomeTenantId", user.HomeTenant.ToString());
        r.S("UniqueTokenIdentifier", NewUuid().ToHex(22, upper: false));
        r.S("SessionLifetimePolicies", "[]");
        r.N("AutonomousSystemNumber", _random.Next(1000, 65000));
        r.S("AuthenticationProtocol", "none");
        r.S("CrossTenantAccessType", user.IsGuest ? "b2bCollaboration" : "none");
        r.D("AppliedConditionalAccessPolicies", "[]");
        r.S("Type", s.Type);
    }

    // ---- AuditLogs ----

    private sealed record LaAuditShape
    {
        public required string OperationName { get; init; }
        /// <summary>The <c>ActivityDisplayName</c> column, which the spec does not read for LA rows; null: the operation name.</summary>
        public string? ActivityDisplayName { get; init; }
        public required Person Initiator { get; init; }
        public bool InitiatedByApp { get; init; }
        /// <summary>JSON text of <c>InitiatedBy.user.ipAddress</c>; null: the initiator's usual address.</summary>
        public string? IpJson { get; init; }
        /// <summary>JSON text of <c>InitiatedBy.user.userPrincipalName</c>; null: the initiator's UPN.</summary>
        public string? InitiatorUpnJson { get; init; }
        public string? TargetDisplayName { get; init; }
        public string TargetType { get; init; } = "ServicePrincipal";
        public string? TargetUpn { get; init; }
        public string? SecondTargetDisplayName { get; init; }
        public string Category { get; init; } = "ApplicationManagement";
        public string LoggedByService { get; init; } = "Core Directory";
        public string AadOperationType { get; init; } = "Assign";
        /// <summary>A fixed time (planted invitations); null: a random one.</summary>
        public long? Ticks { get; init; }

        public static LaAuditShape Ordinary(RecordFactory f)
        {
            var a = AuditShape.Ordinary(f, azureMonitor: false);
            string? displayName = Unquote(a.TargetDisplayNameJson);
            return new LaAuditShape
            {
                OperationName = Unquote(a.ActivityJson)!,
                Initiator = a.Initiator,
                InitiatedByApp = a.InitiatedByApp,
                IpJson = a.InitiatorIp != 0 ? Json.Quote(IpText(a.InitiatorIp)) : null,
                TargetDisplayName = displayName,
                TargetType = a.TargetType,
                TargetUpn = a.TargetUpn,
                Category = a.Category,
                LoggedByService = a.LoggedByService,
                AadOperationType = a.OperationType,
            };
        }
    }

    private void FillAuditLogs(LaAuditShape s)
    {
        var r = _row;
        long t = s.Ticks ?? Time();
        Uuid correlation = NewUuid();
        string ipJson = s.IpJson ?? Json.Quote(IpText(Chance(0.8) ? s.Initiator.HomeIp : PublicIp()));
        r.Reset(LaSchema.AuditLogs);
        r.S("TenantId", Workspace);
        r.S("SourceSystem", "Azure AD");
        r.T("TimeGenerated", t);
        r.S("ResourceId", "/tenants/" + _home.Id + "/providers/Microsoft.aadiam");
        r.S("OperationName", s.OperationName);
        r.S("OperationVersion", "1.0");
        r.S("Category", "Audit");
        r.S("ResultType", "");
        r.S("ResultSignature", "None");
        r.N("DurationMs", 0);
        r.S("CorrelationId", correlation.ToString());
        r.S("Resource", "Microsoft.aadiam");
        r.S("ResourceGroup", "Microsoft.aadiam");
        r.S("Identity", s.InitiatedByApp ? "Managed Service Identity" : s.Initiator.DisplayName);
        r.S("Level", "4");
        r.S("Location", s.Initiator.Location.Country);
        string details = "[{\"key\":\"User-Agent\",\"value\":" + Json.Quote(Pick(RecordPools.UserAgents)) + "}";
        if (s.LoggedByService == "Invited Users" && s.TargetUpn is not null)
        {
            details += ",{\"key\":\"invitedUserEmailAddress\",\"value\":" + Json.Quote(s.TargetUpn.Split("#EXT#")[0].Replace('_', '@')) + "},{\"key\":\"InvitationId\",\"value\":\"" + NewUuid() + "\"}";
        }

        r.D("AdditionalDetails", details + "]");
        r.S("Id", (s.LoggedByService == "Invited Users" ? "Invited Users_" : "Directory_") + correlation + "_" + NewUuid().ToHex(5, upper: true) + "_" + _random.Next(100000000, 999999999));
        r.D("InitiatedBy", s.InitiatedByApp
            ? "{\"app\":{\"appId\":null,\"displayName\":\"Managed Service Identity\",\"servicePrincipalId\":\"" + NewUuid() + "\",\"servicePrincipalName\":null}}"
            : "{\"user\":{\"id\":\"" + s.Initiator.ObjectId + "\",\"displayName\":null,\"userPrincipalName\":" + (s.InitiatorUpnJson ?? Json.Quote(s.Initiator.Upn))
              + ",\"ipAddress\":" + ipJson + ",\"roles\":[]}}");
        r.S("LoggedByService", s.LoggedByService);
        r.S("Result", "success");
        r.S("ResultReason", "");
        string target = "{\"id\":\"" + NewUuid() + "\",\"displayName\":" + (s.TargetDisplayName is null ? "null" : Json.Quote(s.TargetDisplayName))
            + ",\"type\":" + Json.Quote(s.TargetType) + (s.TargetUpn is null ? "" : ",\"userPrincipalName\":" + Json.Quote(s.TargetUpn))
            + ",\"modifiedProperties\":" + (s.TargetType == "ServicePrincipal"
                ? "[{\"displayName\":\"ConsentContext.IsAdminConsent\",\"oldValue\":null,\"newValue\":\"\\\"False\\\"\"}]"
                : "[]")
            + ",\"administrativeUnits\":[]}";
        if (s.SecondTargetDisplayName is not null)
        {
            target += ",{\"id\":\"" + NewUuid() + "\",\"displayName\":" + Json.Quote(s.SecondTargetDisplayName) + ",\"type\":\"ServicePrincipal\",\"modifiedProperties\":[]}";
        }

        r.D("TargetResources", "[" + target + "]");
        r.S("AADTenantId", _home.Id.ToString());
        r.S("ActivityDisplayName", s.ActivityDisplayName ?? s.OperationName);
        r.T("ActivityDateTime", t);
        r.S("AADOperationType", s.AadOperationType);
        r.S("Type", "AuditLogs");
        if (s.OperationName == "Invite external user" && !s.InitiatedByApp && s.InitiatorUpnJson is null
            && s.TargetUpn?.Contains("#EXT#", StringComparison.Ordinal) == true)
        {
            // An ordinary invitation (a fresh address each time): an event that never forms a burst by itself.
            LastInvite = new InviteEvent(InviteEvent.UnixMs(t), s.Initiator.Upn, Unquote(ipJson));
        }
    }

    // ---- CommonSecurityLog ----

    private sealed record CefShape
    {
        /// <summary>The <c>DeviceVendor</c> cell: null gives <c>CEF</c> alone.</summary>
        public required string? Vendor { get; init; }
        public required string Product { get; init; }
        public required Cell RequestUrl { get; init; }
        public required Cell DestinationHost { get; init; }
        public required Cell SentBytes { get; init; }
        public long ReceivedBytes { get; init; } = -1;
        public string? Activity { get; init; }
        public string? SourceUserName { get; init; }
        public bool NoComputer { get; init; }

        /// <summary>A web proxy or firewall that forwards CEF to Sentinel: its DeviceVendor and DeviceProduct.</summary>
        public static (string Vendor, string Product) Proxy(RecordFactory f) => f._random.Next(4) switch
        {
            0 => ("Zscaler", "NSSWeblog"),
            1 => ("Palo Alto Networks", "PAN-OS"),
            2 => ("Fortinet", "Fortigate"),
            _ => ("Check Point", "URL Filtering"),
        };

        /// <summary>A proxy's line for an upload to cloud storage; <paramref name="sentBytes"/> is drawn after the URL (the draws' order makes the corpus).</summary>
        public static CefShape StorageUpload(RecordFactory f, Func<string> sentBytes)
        {
            var (vendor, product) = Proxy(f);
            string url = f.Pick(RecordPools.ExfilRemoteUrls);
            return new CefShape
            {
                Vendor = vendor,
                Product = product,
                RequestUrl = new Cell(CellKind.String, url),
                DestinationHost = new Cell(CellKind.String, HostOf(url)),
                SentBytes = new Cell(CellKind.Number, sentBytes()),
            };
        }

        public static CefShape Ordinary(RecordFactory f)
        {
            var (vendor, product) = Proxy(f);
            bool storage = f.Chance(0.1);
            string host = f.Pick(storage ? RecordPools.StorageRemoteHosts : RecordPools.OrdinaryRemoteHosts);
            long sent = storage
                ? f._random.NextInt64(ExfilThresholdBytes + 1)
                : f.Chance(0.05) ? f._random.NextInt64(ExfilThresholdBytes, 300_000_000) : f._random.NextInt64(0, 600_000);
            return new CefShape
            {
                Vendor = vendor,
                Product = product,
                RequestUrl = f.Chance(0.8) ? new Cell(CellKind.String, "https://" + host + "/" + f.Pick(["", "api/v1/items", "upload", "search?q=report"])) : default,
                DestinationHost = new Cell(CellKind.String, host),
                SentBytes = new Cell(CellKind.Number, N(sent)),
            };
        }
    }

    private void FillCommonSecurityLog(CefShape s)
    {
        var r = _row;
        long t = Time();
        Person user = Member();
        string host = LaRow.CsvText(s.DestinationHost) ?? "www.example.com";
        uint source = PrivateIp();
        uint destination = PublicIp();
        r.Reset(LaSchema.CommonSecurityLog);
        r.S("TenantId", Workspace);
        r.T("TimeGenerated", t);
        r.S("DeviceVendor", s.Vendor);
        r.S("DeviceProduct", s.Product);
        r.S("DeviceVersion", s.Vendor switch { "Zscaler" => "6.1", "Palo Alto Networks" => "10.2.4", "Fortinet" => "7.2.5", _ => "R81.20" });
        // The vendor's own spelling of the same facts (Activity, class id, extensions, appliance name).
        (string classId, string activity, string extensions, string appliance, bool interfaces) = s.Vendor switch
        {
            "Zscaler" => ("Allowed", "Allowed", "cat=" + Pick(["Professional Services", "Web Search", "Corporate Marketing", "Online and Cloud Storage"]) + ";rulelabel=Default;ruletype=None;urlclass=Business Use",
                "zscaler-nss-0" + _random.Next(1, 4), false),
            "Palo Alto Networks" => ("url", "URL", "PanOSDeviceSN=0123456789;PanOSSourceLocation=10.0.0.0-10.255.255.255;PanOSDestinationLocation=" + Pick(["US", "IE", "NL"]),
                "PA-3220-" + _random.Next(1, 9), true),
            "Fortinet" => ("0000000013", "traffic:forward accept", "FortinetFortiGatepolicyid=" + _random.Next(1, 90) + ";FortinetFortiGatepolicytype=policy;FortinetFortiGatesubtype=forward",
                "FGT60F-0" + _random.Next(1, 4), true),
            _ => ("Log", "Accept", "ifname=eth1;loguid={0x" + NewUuid().ToHex(8, upper: false) + ",0x0,0x0,0x0};origin=10.0.0.1", "cp-gw-0" + _random.Next(1, 3), true),
        };
        r.S("DeviceEventClassID", classId);
        r.S("Activity", s.Activity ?? activity);
        r.S("LogSeverity", Pick(["1", "3", "Low"]));
        r.S("OriginalLogSeverity", "Informational");
        r.S("AdditionalExtensions", extensions);
        r.S("DeviceAction", s.Vendor == "Zscaler" ? "Allowed" : "allow");
        r.S("ApplicationProtocol", "HTTPS");
        r.N("EventCount", 1);
        r.S("CommunicationDirection", "Outbound");
        r.S("DeviceExternalID", interfaces ? "0123456789" : null);
        r.S("DeviceInboundInterface", interfaces ? "ethernet1/2" : null);
        r.S("DeviceOutboundInterface", interfaces ? "ethernet1/1" : null);
        r["DestinationHostName"] = s.DestinationHost;
        r.N("DestinationPort", 443);
        r.S("DestinationIP", IpText(destination));
        r.S("DeviceTimeZone", null);
        r.S("DeviceAddress", IpText(PrivateIp()));
        r.S("DeviceName", appliance);
        r.N("ProcessID", 0);
        r.T("EndTime", t);
        r.S("FileName", null);
        r.N("ReceivedBytes", s.ReceivedBytes >= 0 ? s.ReceivedBytes : _random.Next(200, 2_000_000));
        r.S("Message", null);
        r.S("ReceiptTime", s.Vendor == "Zscaler" ? Timestamps.ToText(t, TimeStyle.UtcSeconds) : null);
        r.S("SourceHostName", Pick(RecordPools.DeviceNames));
        r.N("SourcePort", _random.Next(49152, 65535));
        r.S("SourceIP", IpText(source));
        r.S("SourceTranslatedAddress", IpText(PublicIp()));
        r.S("SourceUserName", s.SourceUserName ?? user.Upn);
        r.T("StartTime", t);
        r.S("Protocol", "TCP");
        r["RequestURL"] = s.RequestUrl;
        r.S("RequestClientApplication", Pick(RecordPools.UserAgents));
        r.S("RequestContext", null);
        r.S("RequestMethod", Pick(["GET", "POST", "PUT", "CONNECT"]));
        r.S("RemoteIP", IpText(destination));
        r.S("RemotePort", "443");
        r["SentBytes"] = s.SentBytes;
        r.S("SimplifiedDeviceAction", "Allow");
        r.S("DeviceCustomString1", s.Vendor == "Zscaler" ? Pick(["Default Rule", "Allow SaaS"]) : "Outbound-Web");
        r.S("DeviceCustomString1Label", s.Vendor == "Zscaler" ? "ruleName" : "Rule");
        r.S("DeviceCustomString2", host);
        r.S("DeviceCustomString2Label", "Host");
        if (!s.NoComputer) r.S("Computer", "cef-collector-0" + _random.Next(1, 3) + "." + _home.Domain);
        r.S("CollectorHostName", "cef-collector-01");
        r.S("SourceSystem", "OpsManager");
        r.S("Type", "CommonSecurityLog");
    }

    // ---- DeviceNetworkEvents (Sentinel) ----

    private sealed record DneShape
    {
        public required Cell RemoteUrl { get; init; }
        public required Cell SentBytes { get; init; }
        public required string Process { get; init; }
        public string ActionType { get; init; } = "ConnectionSuccess";
        /// <summary>Leaves <c>Timestamp</c> null, so event_time falls back to <c>TimeGenerated</c>.</summary>
        public bool NoTimestamp { get; init; }

        public static DneShape Ordinary(RecordFactory f)
        {
            var n = NetworkShape.Ordinary(f);
            return new DneShape
            {
                RemoteUrl = n.RemoteUrlJson == "null" ? default : new Cell(CellKind.String, Unquote(n.RemoteUrlJson)),
                SentBytes = new Cell(CellKind.Number, n.SentBytesJson!.Trim('"'), Flag: n.SentBytesJson![0] == '"'),
                Process = n.Process,
                ActionType = n.ActionType,
                NoTimestamp = f.Chance(0.1),
            };
        }
    }

    private void FillDeviceNetworkEvents(DneShape s)
    {
        var r = _row;
        long t = Time();
        Person user = Member();
        string device = Pick(RecordPools.DeviceNames);
        bool windows = !device.StartsWith("mbp", StringComparison.Ordinal);
        string process = s.Process;
        r.Reset(LaSchema.DeviceNetworkEvents);
        r.S("TenantId", Workspace);
        r.T("TimeGenerated", t + _random.Next(30, 600) * TimeSpan.TicksPerSecond);
        if (!s.NoTimestamp) r.T("Timestamp", t);
        r.S("DeviceId", NewUuid().ToHex(32, upper: false) + NewUuid().ToHex(8, upper: false));
        r.S("DeviceName", windows ? device.ToLowerInvariant() + "." + _home.Domain : device);
        r.S("ActionType", s.ActionType);
        r.S("RemoteIP", IpText(PublicIp()));
        r.N("RemotePort", Chance(0.9) ? 443 : 80);
        r["RemoteUrl"] = s.RemoteUrl;
        r.S("LocalIP", IpText(PrivateIp()));
        r.N("LocalPort", _random.Next(49152, 65535));
        r.S("Protocol", "Tcp");
        r.S("LocalIPType", "Private");
        r.S("RemoteIPType", "Public");
        r.S("InitiatingProcessSHA1", NewUuid().ToHex(32, upper: false) + NewUuid().ToHex(8, upper: false));
        r.S("InitiatingProcessSHA256", NewUuid().ToHex(32, upper: false) + NewUuid().ToHex(32, upper: false));
        r.S("InitiatingProcessMD5", NewUuid().ToHex(32, upper: false));
        r.S("InitiatingProcessFileName", process);
        r.N("InitiatingProcessFileSize", _random.Next(100_000, 90_000_000));
        r.S("InitiatingProcessVersionInfoCompanyName", windows ? "Microsoft Corporation" : null);
        r.N("InitiatingProcessId", _random.Next(400, 60000));
        r.S("InitiatingProcessCommandLine", "\"" + process + "\" " + Pick(["", "--type=utility", "s3 cp . s3://bucket --recursive", "-T data.zip https://upload.example"]));
        r.T("InitiatingProcessCreationTime", t - _random.Next(1, 86400) * TimeSpan.TicksPerSecond);
        r.S("InitiatingProcessFolderPath", windows ? "c:\\program files\\" + process.ToLowerInvariant() : "/usr/bin/" + process);
        r.S("InitiatingProcessParentFileName", windows ? Pick(["explorer.exe", "svchost.exe", "cmd.exe"]) : "launchd");
        r.N("InitiatingProcessParentId", _random.Next(4, 20000));
        r.T("InitiatingProcessParentCreationTime", t - _random.Next(86400, 864000) * TimeSpan.TicksPerSecond);
        r.S("InitiatingProcessAccountDomain", _home.Domain.Split('.')[0]);
        r.S("InitiatingProcessAccountName", user.Upn[..user.Upn.IndexOf('@')]);
        r.S("InitiatingProcessAccountSid", "S-1-5-21-" + _random.Next(100000000, 999999999) + "-" + _random.Next(1000, 99999));
        r.S("InitiatingProcessAccountUpn", user.Upn);
        r.S("InitiatingProcessAccountObjectId", user.ObjectId.ToString());
        r.S("InitiatingProcessIntegrityLevel", Chance(0.8) ? "Medium" : "High");
        r.S("InitiatingProcessTokenElevation", "TokenElevationTypeDefault");
        r.N("ReportId", _random.Next(1000, 900000));
        r.D("AdditionalFields", Chance(0.5) ? "{\"direction\":\"Out\"}" : null);
        r.N("InitiatingProcessUniqueId", _random.NextInt64(1, long.MaxValue));
        r["SentBytes"] = s.SentBytes;
        r.N("ReceivedBytes", _random.Next(0, 2_000_000));
        r.S("MachineGroup", Pick(["main", "Servers", "Finance laptops"]));
        r.S("SourceSystem", "");
        r.S("Type", "DeviceNetworkEvents");
    }

    // ---- planted rows and near-misses ----

    /// <summary>
    /// Fills a planted row of <paramref name="table"/> and returns what it fires when rendered as CSV
    /// (<paramref name="csv"/>) or as JSON; never null.
    /// </summary>
    private string PlantLa(LaTable table, bool csv, bool tricky)
    {
        switch (table)
        {
            case LaTable.OfficeActivity:
            {
                if (!csv && Chance(0.3))
                {
                    // Consent with a storage app as the first Type 1 Target (JSON renderings only: the table has no Target column).
                    string app = Pick(RecordPools.StorageConsentApps);
                    FillOfficeActivity(new OfficeShape
                    {
                        Workload = "AzureActiveDirectory",
                        Operation = Pick(["Consent to application.", "Consent to application"]),
                        UserId = Member().Upn,
                        Actor = Member(),
                        // Tricky: the storage app also sits in a Type 2 entry first, and the Type 1 entry is written with its keys reversed.
                        TargetJson = tricky ? "[{\"ID\":" + Json.Quote(Pick(RecordPools.StorageConsentApps)) + ",\"Type\":2},{\"Type\":1,\"ID\":" + Json.Quote(app) + "}]" : UalTargetJson(app),
                    });
                    return DetectionTypes.SuspiciousOAuthGrant;
                }

                var (upn, _, _) = ImpostorUpn();
                if (tricky && Chance(0.5)) upn = Pick(["IT.", "", "Corp"]) + Pick(["HelpDesK", "SERVICEDESK", "helpdesK"]).Replace('K', KelvinSign) + "@" + Pick(RecordPools.CleanAttackerDomains);
                FillOfficeActivity(new OfficeShape
                {
                    Workload = "MicrosoftTeams",
                    Operation = Pick(["MessageSent", "MessageSent", "ChatCreated", "MeetingInvited"]),
                    UserId = tricky && Chance(0.3) ? upn.ToUpperInvariant() : upn,
                    Actor = Member(),
                    UserType = Pick(["Regular", "Guest", "0"]),
                });
                return DetectionTypes.TeamsItImpersonation;
            }

            case LaTable.SigninLogs:
            {
                FillSigninLogs(new LaSignInShape
                {
                    User = Guest(),
                    UserType = Pick(["Guest", "Guest", "guest"]),
                    Risk = Pick(["high", "medium"]),
                    App = Pick(RecordPools.CollaborationSignInApps),
                    // A null (JSON) or empty (CSV) OperationName falls back to "Sign-in activity".
                    OperationName = tricky && Chance(0.5) ? null : "Sign-in activity",
                    RiskAggregated = Pick(["none", "high", "medium"]),
                    Failed = Chance(0.2),
                });
                return DetectionTypes.RiskyGuestSignin;
            }

            case LaTable.AuditLogs:
            {
                FillAuditLogs(new LaAuditShape
                {
                    OperationName = "Consent to application",
                    Initiator = Member(),
                    InitiatedByApp = tricky && Chance(0.4),
                    TargetDisplayName = Pick(RecordPools.StorageConsentApps),
                });
                if (!csv && tricky) _row.EmbedDynamic = true;
                return DetectionTypes.SuspiciousOAuthGrant;
            }

            case LaTable.CommonSecurityLog:
            {
                var shape = CefShape.StorageUpload(this, BigSentBytes);
                shape = shape with { Activity = shape.Vendor == "Zscaler" ? "Allowed" : null };
                if (tricky)
                {
                    shape = _random.Next(6) switch
                    {
                        // RequestURL missing: DestinationHostName decides.
                        0 => shape with { RequestUrl = default, DestinationHost = new Cell(CellKind.String, HostOf(Pick(RecordPools.ExfilRemoteUrls)).ToUpperInvariant()) },
                        1 => shape with { SentBytes = new Cell(CellKind.Number, Pick(["1.5e7", "10485761", "2.5E+7"]), Flag: Chance(0.5)) },
                        2 => shape with { Vendor = null },
                        // Computer missing: device_name falls back to DeviceName (no effect on the label).
                        3 => shape with { NoComputer = true },
                        // An empty RequestURL: in a CSV export an empty cell is null, so DestinationHostName decides.
                        4 when csv => shape with { RequestUrl = new Cell(CellKind.String, ""), DestinationHost = new Cell(CellKind.String, "content.dropboxapi.com") },
                        _ => shape with { RequestUrl = new Cell(CellKind.String, shape.DestinationHost.Text + ":443") },
                    };
                }

                FillCommonSecurityLog(shape);
                return DetectionTypes.CloudStorageExfil;
            }

            default:
            {
                string url = Pick(RecordPools.ExfilRemoteUrls);
                FillDeviceNetworkEvents(new DneShape
                {
                    RemoteUrl = new Cell(CellKind.String, url),
                    SentBytes = tricky
                        ? new Cell(CellKind.Number, Pick(["1.5e7", "10485761", BigSentBytes()]), Flag: Chance(0.5))
                        : new Cell(CellKind.Number, BigSentBytes()),
                    Process = Pick(RecordPools.ExfilProcesses),
                    NoTimestamp = tricky && Chance(0.3),
                });
                return DetectionTypes.CloudStorageExfil;
            }
        }
    }

    /// <summary>Fills a row of <paramref name="table"/> that looks close to a detection but fires nothing in the given rendering.</summary>
    private void NearMissLa(LaTable table, bool csv)
    {
        switch (table)
        {
            case LaTable.OfficeActivity:
            {
                string impostor = ImpostorUpn().Upn;
                Person member = Member();
                var shape = new OfficeShape { Workload = "MicrosoftTeams", Operation = "MessageSent", UserId = member.Upn, Actor = member };
                shape = _random.Next(csv ? 5 : 7) switch
                {
                    0 => shape with { UserId = NearMissImpostorUpn() },
                    // The keyword only in other columns: UserKey, member display names, chat and team names.
                    1 => shape with { Operation = "ChatCreated", UserKey = impostor, DecoyName = "IT HelpDesk (" + impostor + ")" },
                    2 => shape with { UserId = impostor, Operation = Pick(["MessageRead", "messagesent", "Message Sent", "MessagesListed", "ChatRetrieved"]) },
                    3 => shape with { UserId = Pick(["<null>", null]), UserKey = impostor },
                    // An Exchange row of the impostor: not a Teams operation.
                    4 => shape with { Workload = "Exchange", Operation = "Send", UserId = impostor, DecoyName = impostor },
                    // JSON only: without OfficeWorkload the record is no OfficeActivity row (it is unknown).
                    5 => shape with { UserId = impostor, OmitWorkload = true },
                    // JSON only: Target Type "1" is a string, not the number 1, so app_name stays null.
                    _ => shape with
                    {
                        Workload = "AzureActiveDirectory",
                        Operation = "Consent to application.",
                        TargetJson = "[{\"ID\":" + Json.Quote(Pick(RecordPools.StorageConsentApps)) + ",\"Type\":\"1\"},{\"ID\":" + Json.Quote(Pick(RecordPools.BenignConsentApps)) + ",\"Type\":1}]",
                    },
                };
                FillOfficeActivity(shape);
                return;
            }

            case LaTable.SigninLogs:
            {
                var shape = new LaSignInShape
                {
                    User = Guest(),
                    UserType = "Guest",
                    Risk = "high",
                    App = Pick(RecordPools.CollaborationSignInApps),
                };
                shape = _random.Next(6) switch
                {
                    0 => shape with { Risk = Pick(["High", "MEDIUM", "Medium", "low", "none", "hidden"]) },
                    1 => shape with { UserType = Pick(["Member", "GUEST", "Guests", "gUEST"]) },
                    2 => shape with { App = Pick(RecordPools.CollaborationNearMissApps) },
                    // Risky only in RiskLevelAggregated.
                    3 => shape with { Risk = "none", RiskAggregated = "high" },
                    4 => shape with { OperationName = Pick(["Sign in activity", "sign-in activity", "Signin activity"]) },
                    _ => shape with { User = Member(), UserType = "Member" },
                };
                FillSigninLogs(shape);
                return;
            }

            case LaTable.AuditLogs:
            {
                string storageApp = Pick(RecordPools.StorageConsentApps);
                var shape = new LaAuditShape { OperationName = "Consent to application", Initiator = Member(), TargetDisplayName = Pick(RecordPools.StorageConsentNearMissApps) };
                shape = _random.Next(5) switch
                {
                    // The storage app only as the second target.
                    0 => shape with { TargetDisplayName = Pick(RecordPools.BenignConsentApps), SecondTargetDisplayName = storageApp },
                    // "Consent to application" only in ActivityDisplayName: LA rows take event_name from OperationName.
                    1 => shape with { OperationName = "Add delegated permission grant", ActivityDisplayName = "Consent to application", TargetDisplayName = storageApp },
                    2 => shape with { OperationName = Pick(["consent to application", "Consent to app", "Revoke consent"]), TargetDisplayName = storageApp },
                    3 => shape with { TargetDisplayName = Pick(RecordPools.BenignConsentApps) },
                    _ => shape,
                };
                FillAuditLogs(shape);
                return;
            }

            case LaTable.CommonSecurityLog:
            {
                var shape = CefShape.StorageUpload(this, () => "10485760");
                shape = _random.Next(csv ? 6 : 7) switch
                {
                    0 => shape with { SentBytes = new Cell(CellKind.Number, Pick(["10485760", "10380902", "1048576", "0", "1.048576e7"]), Flag: Chance(0.3)) },
                    1 => shape with { RequestUrl = new Cell(CellKind.String, Pick(RecordPools.ExfilNearMissUrls)), SentBytes = new Cell(CellKind.Number, BigSentBytes()) },
                    // Only the download is big.
                    2 => shape with { SentBytes = new Cell(CellKind.Number, "4096"), ReceivedBytes = 524_288_000 },
                    // RequestURL decides over the destination host.
                    3 => shape with { RequestUrl = new Cell(CellKind.String, "https://www.example.com/upload"), SentBytes = new Cell(CellKind.Number, BigSentBytes()) },
                    // No byte count at all.
                    4 => shape with { SentBytes = default, ReceivedBytes = 524_288_000 },
                    5 => shape with { SentBytes = new Cell(CellKind.Number, Pick(["-52428800", "12345678.5", "50MB", "1e30"])) },
                    // JSON only: RequestURL "" is a value (no fallback to DestinationHostName) whose host is empty, so remote_host is null.
                    _ => shape with { RequestUrl = new Cell(CellKind.String, ""), DestinationHost = new Cell(CellKind.String, "content.dropboxapi.com"), SentBytes = new Cell(CellKind.Number, BigSentBytes()) },
                };
                FillCommonSecurityLog(shape);
                return;
            }

            default:
            {
                var shape = new DneShape
                {
                    RemoteUrl = new Cell(CellKind.String, Pick(RecordPools.ExfilRemoteUrls)),
                    SentBytes = new Cell(CellKind.Number, "10485760"),
                    Process = Pick(RecordPools.ExfilProcesses),
                };
                shape = _random.Next(4) switch
                {
                    0 => shape with { SentBytes = new Cell(CellKind.Number, Pick(["10485760", "10380902", "1e7"]), Flag: Chance(0.5)) },
                    1 => shape with { RemoteUrl = new Cell(CellKind.String, Pick(RecordPools.ExfilNearMissUrls)), SentBytes = new Cell(CellKind.Number, BigSentBytes()) },
                    2 => shape with { SentBytes = default },
                    _ => shape with { RemoteUrl = default, SentBytes = new Cell(CellKind.Number, BigSentBytes()) },
                };
                FillDeviceNetworkEvents(shape);
                return;
            }
        }
    }

    /// <summary>The host of a URL from the generator's own lists (they hold no user info trickery beyond <c>user:pw@</c>).</summary>
    private static string HostOf(string url)
    {
        string rest = url;
        int scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) rest = rest[(scheme + 3)..];
        int end = rest.IndexOfAny(['/', '?', '#']);
        if (end >= 0) rest = rest[..end];
        int at = rest.LastIndexOf('@');
        if (at >= 0) rest = rest[(at + 1)..];
        int colon = rest.LastIndexOf(':');
        return colon >= 0 ? rest[..colon] : rest;
    }
}
