namespace HuntEngine.DataGen;

/// <summary>Microsoft 365 Unified Audit Log records (Management Activity API <c>AuditData</c> shape).</summary>
internal sealed partial class RecordFactory
{
    private static readonly string[] OrdinaryTeamsOperations =
        ["MessageSent", "MessageSent", "MessageSent", "ChatCreated", "TeamsSessionStarted", "MemberAdded", "MessagesListed", "ReactedToMessage", "ChatRetrieved", "MessageUpdated"];

    /// <summary>UAL <c>CreationTime</c> is mostly zone-less whole seconds; a few records carry fractions or zones.</summary>
    private TimeStyle UalTimeStyle() => _random.Next(100) switch
    {
        < 88 => TimeStyle.NoZoneSeconds,
        < 93 => TimeStyle.NoZoneFraction7,
        < 96 => TimeStyle.UtcSeconds,
        < 98 => TimeStyle.Utc7,
        _ => TimeStyle.OffsetPlus2,
    };

    private void WriteExchange(JsonRecordWriter w)
    {
        Person user = Member();
        int kind = _random.Next(10);
        uint ip = Chance(0.8) ? user.HomeIp : PublicIp();
        w.Reset();
        w.StartObject();
        w.PTime("CreationTime"u8, Time(), UalTimeStyle());
        w.PUuid("Id"u8, NewUuid());
        string operation = kind switch
        {
            < 5 => "MailItemsAccessed",
            5 => "Send",
            6 => "MoveToDeletedItems",
            7 => "SoftDelete",
            8 => "New-InboxRule",
            _ => "Set-Mailbox",
        };
        int recordType = kind < 5 ? 50 : kind < 8 ? 2 : 1;
        w.P("Operation"u8, operation);
        w.PUuid("OrganizationId"u8, _home.Id);
        w.P("RecordType"u8, recordType);
        w.P("ResultStatus"u8, recordType == 1 ? "True"u8 : "Succeeded"u8);
        w.P("UserKey"u8, user.Puid);
        w.P("UserType"u8, recordType == 1 && Chance(0.3) ? 2 : 0);
        w.P("Version"u8, 1);
        w.P("Workload"u8, "Exchange"u8);
        if (recordType == 1 || Chance(0.5)) w.PIp("ClientIP"u8, ip);
        else { w.Name("ClientIP"u8); w.IpWithPort(ip, 1024 + _random.Next(60000)); }
        w.P("UserId"u8, user.Upn);
        w.P("AppId"u8, "00000002-0000-0ff1-ce00-000000000000"u8);
        w.PUuid("ClientAppId"u8, NewUuid());
        string originating = "DM6PR" + _random.Next(10, 99) + "MB" + _random.Next(1000, 9999) + " (15.20." + _random.Next(7000, 8500) + ".0" + _random.Next(10, 40) + ")";
        if (recordType == 1)
        {
            w.P("ObjectId"u8, user.Upn);
            w.PBool("ExternalAccess"u8, false);
            w.P("OrganizationName"u8, _home.InitialDomain);
            w.P("OriginatingServer"u8, originating);
            w.Name("Parameters"u8);
            w.StartArray();
            if (operation == "New-InboxRule")
            {
                WriteNameValue(w, "Name", Pick(["Move to archive", "Newsletters", "Invoices", "From boss"]));
                WriteNameValue(w, "From", Member().Upn);
                WriteNameValue(w, "MoveToFolder", "Archive");
                WriteNameValue(w, "StopProcessingRules", "True");
            }
            else
            {
                WriteNameValue(w, "Identity", user.Upn);
                WriteNameValue(w, "AuditEnabled", "True");
                WriteNameValue(w, "LitigationHoldEnabled", Chance(0.5) ? "True" : "False");
            }

            w.EndArray();
            w.PUuid("SessionId"u8, NewUuid());
        }
        else
        {
            w.Name("ClientIPAddress"u8);
            w.Ip(ip);
            w.P("ClientInfoString"u8, Pick(["Client=OWA;Action=ViaProxy", "Client=REST;Client=RESTSystem;;", "Client=MSExchangeRPC", "Client=OutlookService;Outlook-iOS/2.0;"]));
            w.PBool("ExternalAccess"u8, false);
            w.P("InternalLogonType"u8, 0);
            w.P("LogonType"u8, 0);
            w.P("LogonUserSid"u8, "S-1-5-21-" + _random.Next(100000000, 999999999) + "-" + _random.Next(100000000, 999999999) + "-" + _random.Next(1000, 99999));
            w.PUuid("MailboxGuid"u8, NewUuid());
            w.P("MailboxOwnerUPN"u8, user.Upn);
            w.P("OrganizationName"u8, _home.InitialDomain);
            w.P("OriginatingServer"u8, originating);
            w.PUuid("SessionId"u8, NewUuid());
            if (recordType == 50)
            {
                w.Name("OperationProperties"u8);
                w.StartArray();
                WriteNameValue(w, "MailAccessType", Chance(0.7) ? "Bind" : "Sync");
                WriteNameValue(w, "IsThrottled", "False");
                w.EndArray();
                w.Name("Folders"u8);
                w.StartArray();
                int folders = 1 + _random.Next(2);
                for (int f = 0; f < folders; f++)
                {
                    w.StartObject();
                    w.Name("FolderItems"u8);
                    w.StartArray();
                    int items = 1 + _random.Next(4);
                    for (int i = 0; i < items; i++)
                    {
                        w.StartObject();
                        w.P("InternetMessageId"u8, "<" + NewUuid().ToHex(24, upper: true) + "@DM6PR11MB" + _random.Next(1000, 9999) + ".namprd11.prod.outlook.com>");
                        w.P("SizeInBytes"u8, _random.Next(2000, 400000));
                        w.EndObject();
                    }

                    w.EndArray();
                    w.P("Id"u8, "LgAAAAD" + NewUuid().ToHex(32, upper: true) + "AQ");
                    w.P("Path"u8, Pick(["\\Inbox", "\\Sent Items", "\\Archive", "\\Inbox\\Invoices"]));
                    w.EndObject();
                }

                w.EndArray();
                w.P("OperationCount"u8, 1 + _random.Next(12));
            }
            else
            {
                w.Name("Item"u8);
                w.StartObject();
                w.P("Id"u8, "RgAAAAD" + NewUuid().ToHex(32, upper: true) + "AAAJ");
                w.P("InternetMessageId"u8, "<" + NewUuid().ToHex(24, upper: true) + "@DM6PR11MB" + _random.Next(1000, 9999) + ".namprd11.prod.outlook.com>");
                w.Name("ParentFolder"u8);
                w.StartObject();
                w.P("Id"u8, "LgAAAAD" + NewUuid().ToHex(32, upper: true) + "AQ");
                w.P("Path"u8, operation == "Send" ? "\\Sent Items" : "\\Inbox");
                w.EndObject();
                w.P("SizeInBytes"u8, _random.Next(2000, 900000));
                w.P("Subject"u8, Pick(RecordPools.MailSubjects));
                w.EndObject();
            }
        }

        w.EndObject();
    }

    private void WriteSharePoint(JsonRecordWriter w)
    {
        Person user = Member();
        bool oneDrive = Chance(0.35);
        string site = Pick(RecordPools.SiteNames);
        string file = Pick(RecordPools.FileNames);
        string siteUrl = oneDrive
            ? "https://" + _home.Domain.Split('.')[0] + "-my.sharepoint.com/personal/" + user.Upn.Replace('@', '_').Replace('.', '_') + "/"
            : "https://" + _home.Domain.Split('.')[0] + ".sharepoint.com/sites/" + site + "/";
        string folder = oneDrive ? "Documents" : "Shared Documents";
        int op = _random.Next(10);
        string operation = op switch
        {
            < 4 => "FileAccessed",
            4 => "FileDownloaded",
            5 => "FileModified",
            6 => "FileUploaded",
            7 => "FilePreviewed",
            8 => "PageViewed",
            _ => "SharingSet",
        };
        int recordType = operation == "SharingSet" ? 14 : operation == "PageViewed" ? 4 : 6;
        Uuid correlation = NewUuid();
        w.Reset();
        w.StartObject();
        w.Name("AppAccessContext"u8);
        w.StartObject();
        w.P("AADSessionId"u8, NewUuid().ToString());
        w.PUuid("CorrelationId"u8, correlation);
        w.P("UniqueTokenId"u8, NewUuid().ToHex(22, upper: false));
        w.EndObject();
        w.PTime("CreationTime"u8, Time(), UalTimeStyle());
        w.PUuid("Id"u8, NewUuid());
        w.P("Operation"u8, operation);
        w.PUuid("OrganizationId"u8, _home.Id);
        w.P("RecordType"u8, recordType);
        w.P("UserKey"u8, "i:0h.f|membership|" + user.Puid.ToLowerInvariant() + "@live.com");
        w.P("UserType"u8, 0);
        w.P("Version"u8, 1);
        w.P("Workload"u8, oneDrive ? "OneDrive"u8 : "SharePoint"u8);
        w.PIp("ClientIP"u8, Chance(0.85) ? user.HomeIp : PublicIp());
        w.P("ObjectId"u8, siteUrl + folder + "/" + file);
        w.P("UserId"u8, user.Upn);
        w.PUuid("CorrelationId"u8, correlation);
        w.PBool("CustomUniqueId"u8, true);
        w.P("EventSource"u8, "SharePoint"u8);
        w.P("ItemType"u8, recordType == 4 ? "Page"u8 : "File"u8);
        w.PUuid("ListId"u8, NewUuid());
        w.PUuid("ListItemUniqueId"u8, NewUuid());
        w.PUuid("Site"u8, NewUuid());
        w.P("UserAgent"u8, Pick(RecordPools.UserAgents));
        w.PUuid("WebId"u8, NewUuid());
        w.P("DeviceDisplayName"u8, IpText(PublicIp()));
        w.PBool("HighPriorityMediaProcessing"u8, false);
        w.P("ApplicationDisplayName"u8, Pick(["Microsoft Office SharePoint", "OneDrive SyncEngine", "Microsoft Teams", "Office 365 SharePoint Online"]));
        w.P("BrowserName"u8, Pick(["Edge", "Chrome", "Firefox", "Safari"]));
        w.P("BrowserVersion"u8, _random.Next(120, 132) + ".0.0.0");
        w.P("FileSizeBytes"u8, _random.Next(10_000, 25_000_000));
        w.P("GeoLocation"u8, Pick(["NAM", "EUR", "APC", "GBR"]));
        w.PBool("IsManagedDevice"u8, Chance(0.6));
        w.P("Platform"u8, Pick(["Win10", "WinDesktop", "MacOSX", "iOS", "Android"]));
        w.P("SiteUrl"u8, siteUrl);
        w.P("SourceFileExtension"u8, file[(file.LastIndexOf('.') + 1)..]);
        w.P("SourceFileName"u8, file);
        w.P("SourceRelativeUrl"u8, folder);
        if (recordType == 14)
        {
            w.P("TargetUserOrGroupName"u8, Chance(0.5) ? Member().Upn : "Limited Access System Group");
            w.P("TargetUserOrGroupType"u8, Chance(0.5) ? "Member"u8 : "SharePointGroup"u8);
            w.P("EventData"u8, "<PermissionsGranted>Contribute</PermissionsGranted>");
        }

        w.EndObject();
    }

    private void WriteTeamsOrdinary(JsonRecordWriter w, string? operation)
    {
        Person user = Member();
        operation ??= Pick(OrdinaryTeamsOperations);
        bool external = Chance(0.15);
        WriteTeams(w, new TeamsShape
        {
            OperationJson = Json.Quote(operation),
            UserIdJson = Json.Quote(user.Upn),
            UserKeyJson = Json.Quote(user.ObjectId.ToString()),
            ClientIp = Chance(0.85) ? user.HomeIp : PublicIp(),
            ExternalDomain = external ? Pick(RecordPools.PartnerDomains) : null,
        });
    }

    /// <summary>Shape of a UAL Teams record; planted and near-miss records override single fields as raw JSON text.</summary>
    private sealed record TeamsShape
    {
        public required string OperationJson { get; init; }
        public required string UserIdJson { get; init; }
        /// <summary>The key exactly as written between quotes (may hold escapes such as <c>\u0055serId</c>).</summary>
        public string UserIdKey { get; init; } = "UserId";
        /// <summary>A first UserId written early; the later one is the one that counts (last wins).</summary>
        public string? EarlierUserIdJson { get; init; }
        public string? UserKeyJson { get; init; }
        public string? Workload { get; init; } = "MicrosoftTeams";
        public int? RecordType { get; init; } = 25;
        public string UserTypeJson { get; init; } = "0";
        public bool HasCreationTime { get; init; } = true;
        public bool UserFieldsFirst { get; init; }
        public bool Spaced { get; init; }
        public uint ClientIp { get; init; }
        /// <summary>The foreign tenant's domain for cross-tenant chats, or null for an internal chat.</summary>
        public string? ExternalDomain { get; init; }
        /// <summary>A display name / chat name planted in fields other than UserId.</summary>
        public string? DecoyName { get; init; }
        public string? ObjectIdJson { get; init; }
    }

    private void WriteTeams(JsonRecordWriter w, TeamsShape shape)
    {
        string operation = shape.OperationJson;
        bool creates = operation.Contains("ChatCreated", StringComparison.Ordinal) || operation.Contains("MeetingInvited", StringComparison.Ordinal)
            || operation.Contains("MemberAdded", StringComparison.Ordinal);
        bool message = operation.Contains("Message", StringComparison.Ordinal) || operation.Contains("Chat", StringComparison.Ordinal) || creates;
        Uuid otherTenant = NewUuid();
        long t = Time();

        w.Reset(shape.Spaced);
        w.StartObject();
        if (shape.UserFieldsFirst)
        {
            w.RawName(System.Text.Encoding.UTF8.GetBytes(shape.UserIdKey));
            w.Raw(shape.UserIdJson);
            w.Name("Operation"u8);
            w.Raw(operation);
        }

        w.PTime(shape.HasCreationTime ? "CreationTime"u8 : "CreationDate"u8, t, UalTimeStyle());
        w.PUuid("Id"u8, NewUuid());
        if (shape.EarlierUserIdJson is not null)
        {
            w.Name("UserId"u8);
            w.Raw(shape.EarlierUserIdJson);
        }

        if (!shape.UserFieldsFirst)
        {
            w.Name("Operation"u8);
            w.Raw(operation);
        }

        w.PUuid("OrganizationId"u8, _home.Id);
        if (shape.RecordType is int recordType) w.P("RecordType"u8, recordType);
        w.Name("UserKey"u8);
        w.Raw(shape.UserKeyJson ?? Json.Quote(NewUuid().ToString()));
        w.Name("UserType"u8);
        w.Raw(shape.UserTypeJson);
        w.P("Version"u8, 1);
        if (shape.Workload is not null) w.P("Workload"u8, shape.Workload);
        w.PIp("ClientIP"u8, shape.ClientIp != 0 ? shape.ClientIp : PublicIp());
        if (shape.ObjectIdJson is not null)
        {
            w.Name("ObjectId"u8);
            w.Raw(shape.ObjectIdJson);
        }

        if (!shape.UserFieldsFirst)
        {
            w.RawName(System.Text.Encoding.UTF8.GetBytes(shape.UserIdKey));
            w.Raw(shape.UserIdJson);
        }

        w.Name("AppAccessContext"u8);
        w.StartObject();
        w.P("AADSessionId"u8, NewUuid().ToString());
        w.P("ClientAppId"u8, "5e3ce6c0-2b1f-4285-8d4b-75ee78787346"u8);
        w.P("ClientAppName"u8, Chance(0.5) ? "Microsoft Teams Web Client"u8 : "Microsoft Teams"u8);
        w.PUuid("CorrelationId"u8, NewUuid());
        w.P("UniqueTokenId"u8, NewUuid().ToHex(22, upper: false));
        w.EndObject();
        if (message)
        {
            string thread = "19:" + NewUuid().ToHex(32, upper: false) + (shape.ExternalDomain is null ? "@thread.v2" : "@unq.gbl.spaces");
            w.P("ChatThreadId"u8, thread);
            w.P("ClientApplication"u8, "Teams"u8);
            w.P("CommunicationType"u8, creates || Chance(0.3) ? "GroupChat"u8 : "OneOnOne"u8);
            w.Name("ParticipantInfo"u8);
            w.StartObject();
            w.PBool("HasForeignTenantUsers"u8, shape.ExternalDomain is not null);
            w.PBool("HasGuestUsers"u8, false);
            w.PBool("HasOtherGuestUsers"u8, false);
            w.PBool("HasUnauthenticatedUsers"u8, false);
            w.Name("ParticipatingDomains"u8);
            w.StartArray();
            w.Str(_home.Domain);
            if (shape.ExternalDomain is not null) w.Str(shape.ExternalDomain);
            w.EndArray();
            w.PEmptyArray("ParticipatingSIPDomains"u8);
            w.Name("ParticipatingTenantIds"u8);
            w.StartArray();
            w.Uuid(_home.Id);
            if (shape.ExternalDomain is not null) w.Uuid(otherTenant);
            w.EndArray();
            w.EndObject();
            if (creates)
            {
                w.Name("Members"u8);
                w.StartArray();
                int members = 2 + _random.Next(3);
                for (int i = 0; i < members; i++)
                {
                    Person member = Member();
                    w.StartObject();
                    w.P("DisplayName"u8, i == 0 && shape.DecoyName is not null ? shape.DecoyName : member.DisplayName);
                    w.P("Role"u8, 1);
                    w.P("UPN"u8, member.Upn);
                    w.PUuid("UserTenantId"u8, _home.Id);
                    w.EndObject();
                }

                w.EndArray();
                w.P("ChatName"u8, shape.DecoyName ?? Pick(RecordPools.TeamNames));
            }
            else
            {
                w.P("ItemName"u8, shape.DecoyName ?? Pick(RecordPools.TeamNames));
            }

            w.P("MessageId"u8, (1_767_000_000_000L + _random.NextInt64(31_536_000_000L)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.P("MessageSizeInBytes"u8, _random.Next(120, 8000));
            w.P("MessageVersion"u8, "1"u8);
            w.PUuid("ResourceTenantId"u8, _home.Id);
            if (Chance(0.2))
            {
                w.Name("MessageURLs"u8);
                w.StartArray();
                w.Str("https://" + _home.Domain.Split('.')[0] + ".sharepoint.com/sites/" + Pick(RecordPools.SiteNames) + "/Shared%20Documents/" + Uri.EscapeDataString(Pick(RecordPools.FileNames)));
                w.EndArray();
            }
        }
        else
        {
            w.P("TeamGuid"u8, "19:" + NewUuid().ToHex(32, upper: false) + "@thread.skype");
            w.P("TeamName"u8, shape.DecoyName ?? Pick(RecordPools.TeamNames));
            w.P("DeviceId"u8, NewUuid().ToString());
        }

        w.EndObject();
    }

    private void WriteAzureActiveDirectoryUal(JsonRecordWriter w)
    {
        int kind = _random.Next(10);
        if (kind < 5)
        {
            WriteUalLogon(w);
            return;
        }

        Person actor = Member();
        Person target = Member();
        (string operation, string type1Target) = kind switch
        {
            5 => ("Add member to group.", Pick(RecordPools.TeamNames)),
            6 => ("Update user.", target.Upn),
            7 => ("Add service principal.", Pick(RecordPools.BenignConsentApps)),
            8 => ("Add app role assignment grant to user.", Pick(RecordPools.BenignConsentApps)),
            _ => ("Consent to application.", Pick(RecordPools.BenignConsentApps)),
        };
        WriteUalDirectoryChange(w, new UalDirectoryShape
        {
            OperationJson = Json.Quote(operation),
            Actor = actor,
            AppJson = Json.Quote(type1Target),
        });
    }

    private void WriteUalLogon(JsonRecordWriter w)
    {
        Person user = Chance(0.9) ? Member() : Guest();
        bool failed = Chance(0.12);
        uint ip = Chance(0.8) ? user.HomeIp : PublicIp();
        Uuid application = NewUuid();
        w.Reset();
        w.StartObject();
        w.PTime("CreationTime"u8, Time(), UalTimeStyle());
        w.PUuid("Id"u8, NewUuid());
        w.P("Operation"u8, failed ? "UserLoginFailed"u8 : "UserLoggedIn"u8);
        w.PUuid("OrganizationId"u8, _home.Id);
        w.P("RecordType"u8, 15);
        w.P("ResultStatus"u8, failed ? "Failed"u8 : "Success"u8);
        w.PUuid("UserKey"u8, user.ObjectId);
        w.P("UserType"u8, user.IsGuest ? 10 : 0);
        w.P("Version"u8, 1);
        w.P("Workload"u8, "AzureActiveDirectory"u8);
        w.PIp("ClientIP"u8, ip);
        w.P("ObjectId"u8, "00000003-0000-0000-c000-000000000000"u8);
        w.P("UserId"u8, user.Upn);
        w.P("AzureActiveDirectoryEventType"u8, 1);
        w.Name("ExtendedProperties"u8);
        w.StartArray();
        WriteNameValue(w, "ResultStatusDetail", failed ? "UserError" : "Redirect");
        WriteNameValue(w, "UserAgent", Pick(RecordPools.UserAgents));
        WriteNameValue(w, "RequestType", Pick(["OAuth2:Authorize", "OAuth2:Token", "Login:login", "Kmsi:kmsi"]));
        w.EndArray();
        w.PEmptyArray("ModifiedProperties"u8);
        w.Name("Actor"u8);
        w.StartArray();
        WriteIdType(w, user.ObjectId.ToString(), 0);
        WriteIdType(w, user.Upn, 5);
        w.EndArray();
        w.PUuid("ActorContextId"u8, _home.Id);
        w.PIp("ActorIpAddress"u8, ip);
        w.PUuid("InterSystemsId"u8, NewUuid());
        w.PUuid("IntraSystemId"u8, NewUuid());
        w.P("SupportTicketId"u8, ""u8);
        w.Name("Target"u8);
        w.StartArray();
        WriteIdType(w, "00000003-0000-0000-c000-000000000000", 0);
        w.EndArray();
        w.PUuid("TargetContextId"u8, _home.Id);
        w.PUuid("ApplicationId"u8, application);
        w.Name("DeviceProperties"u8);
        w.StartArray();
        WriteNameValue(w, "OS", Pick(RecordPools.OperatingSystems));
        WriteNameValue(w, "BrowserType", Pick(["Edge", "Chrome", "Firefox", "Safari"]));
        WriteNameValue(w, "IsCompliant", Chance(0.5) ? "True" : "False");
        WriteNameValue(w, "SessionId", NewUuid().ToString());
        w.EndArray();
        w.P("ErrorNumber"u8, failed ? Pick(["50126", "50053", "50074", "50140"]) : "0");
        if (failed) w.P("LogonError"u8, Pick(["InvalidUserNameOrPassword", "IdsLocked", "UserStrongAuthClientAuthNRequiredInterrupt"]));
        w.EndObject();
    }

    /// <summary>Shape of a UAL AzureActiveDirectory directory change (RecordType 8), consents included.</summary>
    private sealed record UalDirectoryShape
    {
        public required string OperationJson { get; init; }
        public required Person Actor { get; init; }
        /// <summary>JSON text of the ID of the application / object entry with Type 1 (what app_name reads).</summary>
        public required string AppJson { get; init; }
        /// <summary>A Type 1 entry written before <see cref="AppJson"/>: then it, not the app, is the first Type 1 entry.</summary>
        public string? EarlierType1Json { get; init; }
        /// <summary>Extra Type 2 entry placed first (plain text in an ID that does not count).</summary>
        public string? Type2DecoyJson { get; init; }
        /// <summary>Service principal names in ModifiedProperties (text that does not count either).</summary>
        public string? ServicePrincipalNames { get; init; }
        public bool Spaced { get; init; }
    }

    private void WriteUalDirectoryChange(JsonRecordWriter w, UalDirectoryShape shape)
    {
        Person actor = shape.Actor;
        Uuid objectId = NewUuid();
        uint ip = Chance(0.8) ? actor.HomeIp : PublicIp();
        bool consent = shape.OperationJson.Contains("onsent", StringComparison.Ordinal);
        w.Reset(shape.Spaced);
        w.StartObject();
        w.PTime("CreationTime"u8, Time(), UalTimeStyle());
        w.PUuid("Id"u8, NewUuid());
        w.Name("Operation"u8);
        w.Raw(shape.OperationJson);
        w.PUuid("OrganizationId"u8, _home.Id);
        w.P("RecordType"u8, 8);
        w.P("ResultStatus"u8, "Success"u8);
        w.P("UserKey"u8, actor.Puid + "@" + _home.InitialDomain);
        w.P("UserType"u8, 0);
        w.P("Version"u8, 1);
        w.P("Workload"u8, "AzureActiveDirectory"u8);
        w.PIp("ClientIP"u8, ip);
        w.PUuid("ObjectId"u8, objectId);
        w.P("UserId"u8, actor.Upn);
        w.P("AzureActiveDirectoryEventType"u8, 1);
        w.Name("ExtendedProperties"u8);
        w.StartArray();
        WriteNameValue(w, "additionalDetails", "{\"User-Agent\":\"" + Pick(RecordPools.UserAgents) + "\",\"AppId\":\"" + objectId + "\"}");
        WriteNameValue(w, "extendedAuditEventCategory", consent ? "ServicePrincipal" : "User");
        w.EndArray();
        w.Name("ModifiedProperties"u8);
        w.StartArray();
        if (consent)
        {
            WriteNameNewOld(w, "ConsentContext.IsAdminConsent", Chance(0.2) ? "True" : "False", "");
            WriteNameNewOld(w, "ConsentContext.IsAppOnly", "False", "");
            WriteNameNewOld(w, "ConsentContext.OnBehalfOfAll", "False", "");
            WriteNameNewOld(w, "ConsentContext.Tags", "WindowsAzureActiveDirectoryIntegratedApp", "");
            WriteNameNewOld(w, "ConsentAction.Permissions",
                "[] => [[Id: " + NewUuid().ToHex(32, upper: false) + ", ClientId: " + objectId + ", PrincipalId: " + actor.ObjectId +
                ", ResourceId: " + NewUuid() + ", ConsentType: Principal, Scope:  Files.ReadWrite.All offline_access User.Read openid profile, CreatedDateTime: , LastModifiedDateTime ]]; ",
                "");
            WriteNameNewOld(w, "TargetId.ServicePrincipalNames", shape.ServicePrincipalNames ?? objectId.ToString(), "");
        }
        else
        {
            WriteNameNewOld(w, "DisplayName", "[\r\n  \"" + actor.DisplayName + "\"\r\n]", "[]");
            WriteNameNewOld(w, "Included Updated Properties", "DisplayName", "");
        }

        w.EndArray();
        w.Name("Actor"u8);
        w.StartArray();
        WriteIdType(w, actor.Upn, 5);
        WriteIdType(w, actor.Puid, 3);
        WriteIdType(w, "User_" + actor.ObjectId, 2);
        WriteIdType(w, actor.ObjectId.ToString(), 2);
        WriteIdType(w, "User", 2);
        w.EndArray();
        w.PUuid("ActorContextId"u8, _home.Id);
        w.PIp("ActorIpAddress"u8, ip);
        w.PUuid("InterSystemsId"u8, NewUuid());
        w.PUuid("IntraSystemId"u8, NewUuid());
        w.P("SupportTicketId"u8, ""u8);
        w.Name("Target"u8);
        w.StartArray();
        if (shape.Type2DecoyJson is not null) WriteIdTypeRaw(w, shape.Type2DecoyJson, 2);
        WriteIdType(w, "ServicePrincipal_" + objectId, 2);
        WriteIdType(w, objectId.ToString(), 2);
        WriteIdType(w, consent ? "ServicePrincipal" : "User", 2);
        if (shape.EarlierType1Json is not null) WriteIdTypeRaw(w, shape.EarlierType1Json, 1);
        WriteIdTypeRaw(w, shape.AppJson, 1);
        WriteIdType(w, objectId.ToString(), 4);
        w.EndArray();
        w.PUuid("TargetContextId"u8, _home.Id);
        w.EndObject();
    }

    private static void WriteNameValue(JsonRecordWriter w, string name, string value)
    {
        w.StartObject();
        w.P("Name"u8, name);
        w.P("Value"u8, value);
        w.EndObject();
    }

    private static void WriteNameNewOld(JsonRecordWriter w, string name, string newValue, string oldValue)
    {
        w.StartObject();
        w.P("Name"u8, name);
        w.P("NewValue"u8, newValue);
        w.P("OldValue"u8, oldValue);
        w.EndObject();
    }

    private static void WriteIdType(JsonRecordWriter w, string id, int type)
    {
        w.StartObject();
        w.P("ID"u8, id);
        w.P("Type"u8, type);
        w.EndObject();
    }

    private static void WriteIdTypeRaw(JsonRecordWriter w, string idJson, int type)
    {
        w.StartObject();
        w.Name("ID"u8);
        w.Raw(idJson);
        w.P("Type"u8, type);
        w.EndObject();
    }
}
