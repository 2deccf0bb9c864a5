namespace HuntEngine.DataGen;

/// <summary>Entra ID sign-in and directory-audit records, as the diagnostic-settings export and as Microsoft Graph objects.</summary>
internal sealed partial class RecordFactory
{
    private readonly JsonRecordWriter _scratch = new();

    /// <summary>Shape of a sign-in; planted and near-miss records override single fields as raw JSON text.</summary>
    private sealed record SignInShape
    {
        /// <summary>True: diagnostic export (<c>{time,category,properties:{…}}</c>); false: Graph signIn object.</summary>
        public required bool AzureMonitor { get; init; }
        public required Person User { get; init; }
        public required string UserTypeJson { get; init; }
        public required string RiskDuringJson { get; init; }
        public required string AppDisplayNameJson { get; init; }
        public string? EarlierRiskDuringJson { get; init; }
        public string Category { get; init; } = "SignInLogs";
        /// <summary>JSON text of <c>operationName</c>, or null to leave it out.</summary>
        public string? OperationNameJson { get; init; } = "\"Sign-in activity\"";
        public bool PropertiesAsString { get; init; }
        public bool Spaced { get; init; }
        public bool Failed { get; init; }

        public static SignInShape Ordinary(RecordFactory f, bool azureMonitor)
        {
            Person user = f.Chance(0.85) ? f.Member() : f.Guest();
            bool collaborationApp = f.Chance(0.5);
            string app = f.Pick(collaborationApp ? RecordPools.CollaborationSignInApps : RecordPools.PlainSignInApps);
            string risk = f._random.Next(100) switch
            {
                < 85 => "none",
                < 93 => "low",
                < 97 => "medium",
                < 99 => "high",
                _ => "hidden",
            };
            // An ordinary record never fires: a guest in a collaboration app stays below medium risk.
            if (user.IsGuest && collaborationApp && risk is "medium" or "high") risk = "low";
            string userType = user.IsGuest ? "guest" : "member";
            if (azureMonitor && f.Chance(0.7)) userType = char.ToUpperInvariant(userType[0]) + userType[1..];
            return new SignInShape
            {
                AzureMonitor = azureMonitor,
                User = user,
                UserTypeJson = Json.Quote(userType),
                RiskDuringJson = Json.Quote(risk),
                AppDisplayNameJson = Json.Quote(app),
                Category = f.Chance(0.3) ? "NonInteractiveUserSignInLogs" : "SignInLogs",
                Spaced = azureMonitor && f.Chance(0.3),
                Failed = f.Chance(0.15),
            };
        }
    }

    private void WriteSignIn(JsonRecordWriter w, SignInShape shape)
    {
        long t = Time();
        Uuid correlation = NewUuid();
        uint ip = Chance(0.8) ? shape.User.HomeIp : PublicIp();
        if (!shape.AzureMonitor)
        {
            w.Reset(shape.Spaced);
            w.StartObject();
            WriteSignInBody(w, shape, t, correlation, ip, graph: true);
            w.EndObject();
            return;
        }

        w.Reset(shape.Spaced);
        w.StartObject();
        w.PTime("time"u8, t, Chance(0.95) ? TimeStyle.Utc7 : TimeStyle.OffsetPlus2);
        w.P("resourceId"u8, "/tenants/" + _home.Id + "/providers/Microsoft.aadiam");
        if (shape.OperationNameJson is not null)
        {
            w.Name("operationName"u8);
            w.Raw(shape.OperationNameJson);
        }

        w.P("operationVersion"u8, "1.0"u8);
        w.P("category"u8, shape.Category);
        w.PUuid("tenantId"u8, _home.Id);
        w.P("resultType"u8, shape.Failed ? "50126"u8 : "0"u8);
        w.P("resultSignature"u8, "None"u8);
        if (shape.Failed) w.P("resultDescription"u8, "Error validating credentials due to invalid username or password."u8);
        w.P("durationMs"u8, 0);
        w.PIp("callerIpAddress"u8, ip);
        w.PUuid("correlationId"u8, correlation);
        w.P("identity"u8, shape.User.DisplayName);
        w.P("Level"u8, 4);
        w.P("location"u8, shape.User.Location.Country);
        w.Name("properties"u8);
        if (shape.PropertiesAsString)
        {
            _scratch.Reset();
            _scratch.StartObject();
            WriteSignInBody(_scratch, shape, t, correlation, ip, graph: false);
            _scratch.EndObject();
            w.Str(System.Text.Encoding.UTF8.GetString(_scratch.Written));
        }
        else
        {
            w.StartObject();
            WriteSignInBody(w, shape, t, correlation, ip, graph: false);
            w.EndObject();
        }

        w.EndObject();
    }

    /// <summary>The members of a signIn object, shared by the Graph object and the diagnostic export's <c>properties</c>.</summary>
    private void WriteSignInBody(JsonRecordWriter w, SignInShape shape, long t, Uuid correlation, uint ip, bool graph)
    {
        Person user = shape.User;
        Uuid requestId = NewUuid();
        var location = user.Location;
        w.PUuid("id"u8, requestId);
        if (shape.EarlierRiskDuringJson is not null)
        {
            w.Name("riskLevelDuringSignIn"u8);
            w.Raw(shape.EarlierRiskDuringJson);
        }

        w.PTime("createdDateTime"u8, t, graph ? (Chance(0.5) ? TimeStyle.UtcSeconds : TimeStyle.Utc7) : TimeStyle.Offset0);
        w.P("userDisplayName"u8, user.DisplayName);
        w.P("userPrincipalName"u8, user.Upn);
        w.PUuid("userId"u8, user.ObjectId);
        w.PUuid("appId"u8, NewUuid());
        w.Name("appDisplayName"u8);
        w.Raw(shape.AppDisplayNameJson);
        w.PIp("ipAddress"u8, ip);
        if (!graph)
        {
            WriteSignInStatus(w, shape.Failed);
        }

        w.P("clientAppUsed"u8, Pick(["Browser", "Mobile Apps and Desktop clients", "Browser", "Exchange ActiveSync"]));
        w.P("userAgent"u8, Pick(RecordPools.UserAgents));
        if (graph)
        {
            w.PUuid("correlationId"u8, correlation);
            w.P("conditionalAccessStatus"u8, Chance(0.6) ? "success"u8 : "notApplied"u8);
            w.PUuid("originalRequestId"u8, requestId);
            w.P("authenticationProtocol"u8, Chance(0.5) ? "oAuth2"u8 : "none"u8);
            w.P("incomingTokenType"u8, Chance(0.3) ? "Primary Refresh Token"u8 : "none"u8);
            w.PBool("isInteractive"u8, shape.Category == "SignInLogs");
            w.PUuid("homeTenantId"u8, user.HomeTenant);
            w.P("homeTenantName"u8, ""u8);
        }
        else
        {
            w.Name("deviceDetail"u8);
            WriteDeviceDetail(w);
            w.Name("location"u8);
            WriteLocation(w, location);
            w.PEmptyObject("mfaDetail"u8);
            w.PUuid("correlationId"u8, correlation);
            w.P("conditionalAccessStatus"u8, Chance(0.6) ? "success"u8 : "notApplied"u8);
            WriteAppliedPolicies(w);
            w.PUuid("originalRequestId"u8, requestId);
            w.PBool("isInteractive"u8, shape.Category == "SignInLogs");
        }

        w.P("tokenIssuerName"u8, ""u8);
        w.P("tokenIssuerType"u8, "AzureAD"u8);
        w.Name("authenticationProcessingDetails"u8);
        w.StartArray();
        WriteKeyValue(w, "Login Hint Present", Chance(0.5) ? "True" : "False");
        WriteKeyValue(w, "Legacy TLS (TLS 1.0, 1.1, 3DES)", "False");
        WriteKeyValue(w, "Is CAE Token", "False");
        w.EndArray();
        w.PEmptyArray("networkLocationDetails"u8);
        w.P("processingTimeInMilliseconds"u8, _random.Next(40, 6000));
        w.P("riskDetail"u8, "none"u8);
        w.P("riskLevelAggregated"u8, "none"u8);
        w.Name("riskLevelDuringSignIn"u8);
        w.Raw(shape.RiskDuringJson);
        w.P("riskState"u8, shape.RiskDuringJson.Contains("none", StringComparison.Ordinal) ? "none"u8 : "atRisk"u8);
        w.PEmptyArray("riskEventTypes"u8);
        w.PEmptyArray("riskEventTypes_v2"u8);
        w.P("resourceDisplayName"u8, Pick(["Microsoft Graph", "Office 365 Exchange Online", "Windows Azure Service Management API", "Office 365 SharePoint Online", "Microsoft Teams Services"]));
        w.PUuid("resourceId"u8, NewUuid());
        w.PUuid("resourceTenantId"u8, _home.Id);
        if (!graph) w.PUuid("homeTenantId"u8, user.HomeTenant);
        w.Name("authenticationDetails"u8);
        w.StartArray();
        w.StartObject();
        w.PTime("authenticationStepDateTime"u8, t, graph ? TimeStyle.UtcSeconds : TimeStyle.Offset0);
        w.P("authenticationMethod"u8, Pick(["Password", "Previously satisfied", "Mobile app notification", "FIDO2 security key"]));
        w.PBool("succeeded"u8, !shape.Failed);
        w.P("authenticationStepResultDetail"u8, shape.Failed ? "Invalid username or password or Invalid on-premise username or password."u8 : "First factor requirement satisfied by claim in the token"u8);
        w.P("authenticationStepRequirement"u8, "Primary authentication"u8);
        w.EndObject();
        w.EndArray();
        w.PEmptyArray("authenticationRequirementPolicies"u8);
        w.P("authenticationRequirement"u8, Chance(0.6) ? "multiFactorAuthentication"u8 : "singleFactorAuthentication"u8);
        if (graph)
        {
            w.P("signInIdentifier"u8, user.Upn);
            w.Name("signInEventTypes"u8);
            w.StartArray();
            w.Str(shape.Category == "SignInLogs" ? "interactiveUser"u8 : "nonInteractiveUser"u8);
            w.EndArray();
        }

        w.P("servicePrincipalId"u8, ""u8);
        w.Name("userType"u8);
        w.Raw(shape.UserTypeJson);
        w.PBool("flaggedForReview"u8, false);
        w.PBool("isTenantRestricted"u8, false);
        w.P("autonomousSystemNumber"u8, _random.Next(1000, 65000));
        w.P("crossTenantAccessType"u8, user.IsGuest ? "b2bCollaboration"u8 : "none"u8);
        if (graph)
        {
            WriteSignInStatus(w, shape.Failed);
            w.Name("deviceDetail"u8);
            WriteDeviceDetail(w);
            w.Name("location"u8);
            WriteLocation(w, location);
            WriteAppliedPolicies(w);
            w.PEmptyArray("sessionLifetimePolicies"u8);
        }
        else
        {
            w.PEmptyObject("privateLinkDetails"u8);
            w.P("ssoExtensionVersion"u8, ""u8);
            w.P("uniqueTokenIdentifier"u8, NewUuid().ToHex(32, upper: false));
            w.P("incomingTokenType"u8, "none"u8);
            w.P("authenticationProtocol"u8, "none"u8);
        }
    }

    private void WriteSignInStatus(JsonRecordWriter w, bool failed)
    {
        w.Name("status"u8);
        w.StartObject();
        w.P("errorCode"u8, failed ? 50126 : 0);
        if (failed)
        {
            w.P("failureReason"u8, "Error validating credentials due to invalid username or password."u8);
            w.P("additionalDetails"u8, "The user didn't enter the right credentials. \u00a0It's expected to see some number of these errors in your logs due to users making mistakes.");
        }

        w.EndObject();
    }

    private void WriteDeviceDetail(JsonRecordWriter w)
    {
        w.StartObject();
        bool managed = Chance(0.5);
        w.P("deviceId"u8, managed ? NewUuid().ToString() : "");
        w.P("displayName"u8, managed ? Pick(RecordPools.DeviceNames) : "");
        w.P("operatingSystem"u8, Pick(RecordPools.OperatingSystems));
        w.P("browser"u8, Pick(RecordPools.Browsers));
        w.PBool("isCompliant"u8, managed);
        w.PBool("isManaged"u8, managed);
        w.P("trustType"u8, managed ? "Azure AD joined"u8 : ""u8);
        w.EndObject();
    }

    private static void WriteLocation(JsonRecordWriter w, (string City, string State, string Country, double Latitude, double Longitude) location)
    {
        w.StartObject();
        w.P("city"u8, location.City);
        w.P("state"u8, location.State);
        w.P("countryOrRegion"u8, location.Country);
        w.Name("geoCoordinates"u8);
        w.StartObject();
        w.Name("latitude"u8);
        w.NumDouble(location.Latitude);
        w.Name("longitude"u8);
        w.NumDouble(location.Longitude);
        w.EndObject();
        w.EndObject();
    }

    private void WriteAppliedPolicies(JsonRecordWriter w)
    {
        w.Name("appliedConditionalAccessPolicies"u8);
        w.StartArray();
        if (Chance(0.6))
        {
            w.StartObject();
            w.PUuid("id"u8, NewUuid());
            w.P("displayName"u8, Pick(["Require MFA for all users", "Block legacy authentication", "Require compliant device for admins"]));
            w.PEmptyArray("enforcedGrantControls"u8);
            w.PEmptyArray("enforcedSessionControls"u8);
            w.P("result"u8, Pick(["success", "notApplied", "reportOnlyNotApplied"]));
            w.EndObject();
        }

        w.EndArray();
    }

    private static void WriteKeyValue(JsonRecordWriter w, string key, string value)
    {
        w.StartObject();
        w.P("key"u8, key);
        w.P("value"u8, value);
        w.EndObject();
    }

    /// <summary>Shape of a directory audit (Graph <c>directoryAudit</c>, or the diagnostic export with it under <c>properties</c>).</summary>
    private sealed record AuditShape
    {
        public required bool AzureMonitor { get; init; }
        /// <summary>JSON text of <c>activityDisplayName</c> (<c>null</c> and <c>"&lt;null&gt;"</c> allowed).</summary>
        public required string ActivityJson { get; init; }
        /// <summary>JSON text of the export's top-level <c>operationName</c>; null: same as the activity.</summary>
        public string? OperationNameJson { get; init; }
        public string? EarlierActivityJson { get; init; }
        public required string TargetDisplayNameJson { get; init; }
        public string? EarlierTargetDisplayNameJson { get; init; }
        public string? SecondTargetDisplayNameJson { get; init; }
        public string TargetType { get; init; } = "ServicePrincipal";
        public string? TargetUpn { get; init; }
        public required Person Initiator { get; init; }
        public bool InitiatedByApp { get; init; }
        /// <summary>The initiator's IP; 0 means the initiator's usual one.</summary>
        public uint InitiatorIp { get; init; }
        public string Category { get; init; } = "ApplicationManagement";
        public string LoggedByService { get; init; } = "Core Directory";
        public string OperationType { get; init; } = "Assign";
        public bool PropertiesAsString { get; init; }
        public bool Spaced { get; init; }

        public static AuditShape Ordinary(RecordFactory f, bool azureMonitor)
        {
            Person initiator = f.Member();
            int kind = f._random.Next(12);
            (string Activity, string Category, string TargetType, string? TargetName, string? TargetUpn) row = kind switch
            {
                0 => ("Add member to group", "GroupManagement", "Group", f.Pick(RecordPools.TeamNames), null),
                1 => ("Update user", "UserManagement", "User", null, f.Member().Upn),
                2 => ("Add user", "UserManagement", "User", null, f.Member().Upn),
                3 => ("Reset password (self-service)", "UserManagement", "User", null, initiator.Upn),
                4 => ("Update application", "ApplicationManagement", "Application", f.Pick(RecordPools.BenignConsentApps), null),
                5 => ("Add service principal credentials", "ApplicationManagement", "ServicePrincipal", f.Pick(RecordPools.BenignConsentApps), null),
                6 => ("Consent to application", "ApplicationManagement", "ServicePrincipal", f.Pick(RecordPools.BenignConsentApps), null),
                7 => ("Add delegated permission grant", "ApplicationManagement", "ServicePrincipal", "Microsoft Graph", null),
                8 => ("Add app role assignment grant to user", "ApplicationManagement", "ServicePrincipal", f.Pick(RecordPools.BenignConsentApps), null),
                9 => ("Invite external user", "UserManagement", "User", null, f.Guest().Upn),
                10 => ("Redeem external user invite", "UserManagement", "User", null, f.Guest().Upn),
                _ => ("Update device", "Device", "Device", f.Pick(RecordPools.DeviceNames), null),
            };
            var (activity, category, targetType, targetName, targetUpn) = row;
            return new AuditShape
            {
                AzureMonitor = azureMonitor,
                ActivityJson = Json.Quote(activity),
                TargetDisplayNameJson = targetName is null ? "null" : Json.Quote(targetName),
                TargetType = targetType,
                TargetUpn = targetUpn,
                Initiator = initiator,
                InitiatedByApp = kind == 5 && f.Chance(0.7),
                // Invitations come from a fresh address each time, so ordinary data never forms a GuestInviteBurst.
                InitiatorIp = kind == 9 ? f.PublicIp() : 0,
                Category = category,
                LoggedByService = kind is 9 or 10 ? "Invited Users" : kind == 3 ? "Self-service Password Management" : "Core Directory",
                OperationType = kind is 1 or 4 or 5 or 11 ? "Update" : kind == 2 ? "Add" : "Assign",
                Spaced = azureMonitor && f.Chance(0.3),
            };
        }
    }

    private void WriteDirectoryAudit(JsonRecordWriter w, AuditShape shape)
    {
        long t = Time();
        Uuid correlation = NewUuid();
        uint ip = shape.InitiatorIp != 0 ? shape.InitiatorIp : Chance(0.8) ? shape.Initiator.HomeIp : PublicIp();
        w.Reset(shape.Spaced);
        if (shape.ActivityJson == "\"Invite external user\"" && !shape.InitiatedByApp && shape.TargetUpn?.Contains("#EXT#", StringComparison.Ordinal) == true
            && shape.EarlierActivityJson is null && !shape.PropertiesAsString)
        {
            LastInvite = new InviteEvent(InviteEvent.UnixMs(t), shape.Initiator.Upn, IpText(ip));
        }

        if (!shape.AzureMonitor)
        {
            w.StartObject();
            WriteAuditBody(w, shape, t, correlation, ip, graph: true);
            w.EndObject();
            return;
        }

        w.StartObject();
        w.PTime("time"u8, t, Chance(0.95) ? TimeStyle.Utc7 : TimeStyle.OffsetMinus5);
        w.P("resourceId"u8, "/tenants/" + _home.Id + "/providers/Microsoft.aadiam");
        w.Name("operationName"u8);
        w.Raw(shape.OperationNameJson ?? shape.ActivityJson);
        w.P("operationVersion"u8, "1.0"u8);
        w.P("category"u8, "AuditLogs"u8);
        w.PUuid("tenantId"u8, _home.Id);
        w.P("resultSignature"u8, "None"u8);
        w.P("durationMs"u8, 0);
        w.PIp("callerIpAddress"u8, ip);
        w.PUuid("correlationId"u8, correlation);
        w.P("identity"u8, shape.InitiatedByApp ? "Managed Service Identity" : shape.Initiator.DisplayName);
        w.P("Level"u8, 4);
        w.Name("properties"u8);
        if (shape.PropertiesAsString)
        {
            _scratch.Reset();
            _scratch.StartObject();
            WriteAuditBody(_scratch, shape, t, correlation, ip, graph: false);
            _scratch.EndObject();
            w.Str(System.Text.Encoding.UTF8.GetString(_scratch.Written));
        }
        else
        {
            w.StartObject();
            WriteAuditBody(w, shape, t, correlation, ip, graph: false);
            w.EndObject();
        }

        w.EndObject();
    }

    private void WriteAuditBody(JsonRecordWriter w, AuditShape shape, long t, Uuid correlation, uint ip, bool graph)
    {
        string idPrefix = shape.LoggedByService == "Invited Users" ? "Invited Users_" : "Directory_";
        w.P("id"u8, idPrefix + correlation + "_" + NewUuid().ToHex(5, upper: true) + "_" + _random.Next(100000000, 999999999));
        w.P("category"u8, shape.Category);
        w.PUuid("correlationId"u8, correlation);
        w.P("result"u8, "success"u8);
        w.P("resultReason"u8, ""u8);
        if (shape.EarlierActivityJson is not null)
        {
            w.Name("activityDisplayName"u8);
            w.Raw(shape.EarlierActivityJson);
        }

        w.Name("activityDisplayName"u8);
        w.Raw(shape.ActivityJson);
        w.PTime("activityDateTime"u8, t, graph ? TimeStyle.Utc7 : TimeStyle.Offset0);
        w.P("loggedByService"u8, shape.LoggedByService);
        w.P("operationType"u8, shape.OperationType);
        w.PNull("userAgent"u8);
        w.Name("initiatedBy"u8);
        w.StartObject();
        if (shape.InitiatedByApp)
        {
            if (graph) w.PNull("user"u8);
            w.Name("app"u8);
            w.StartObject();
            w.PNull("appId"u8);
            w.P("displayName"u8, "Managed Service Identity"u8);
            w.PUuid("servicePrincipalId"u8, NewUuid());
            w.PNull("servicePrincipalName"u8);
            w.EndObject();
        }
        else
        {
            w.Name("user"u8);
            w.StartObject();
            w.PUuid("id"u8, shape.Initiator.ObjectId);
            w.P("displayName"u8, shape.Initiator.DisplayName);
            w.P("userPrincipalName"u8, shape.Initiator.Upn);
            w.PIp("ipAddress"u8, ip);
            w.PEmptyArray("roles"u8);
            w.EndObject();
            if (graph) w.PNull("app"u8);
        }

        w.EndObject();
        w.Name("targetResources"u8);
        w.StartArray();
        w.StartObject();
        w.PUuid("id"u8, NewUuid());
        if (shape.EarlierTargetDisplayNameJson is not null)
        {
            w.Name("displayName"u8);
            w.Raw(shape.EarlierTargetDisplayNameJson);
        }

        w.Name("displayName"u8);
        w.Raw(shape.TargetDisplayNameJson);
        w.P("type"u8, shape.TargetType);
        if (shape.TargetUpn is not null) w.P("userPrincipalName"u8, shape.TargetUpn);
        w.Name("modifiedProperties"u8);
        w.StartArray();
        if (shape.TargetType == "ServicePrincipal")
        {
            WriteAuditModified(w, "ConsentContext.IsAdminConsent", null, "\"False\"");
            WriteAuditModified(w, "ConsentAction.Permissions", null,
                "\"[] => [[Id: " + NewUuid().ToHex(32, upper: false) + ", ClientId: " + NewUuid() + ", PrincipalId: " + shape.Initiator.ObjectId +
                ", ResourceId: " + NewUuid() + ", ConsentType: Principal, Scope:  User.Read Files.Read.All offline_access, CreatedDateTime: , LastModifiedDateTime ]]; \"");
            WriteAuditModified(w, "TargetId.ServicePrincipalNames", null, "\"" + NewUuid() + "\"");
        }
        else if (shape.TargetUpn is not null)
        {
            WriteAuditModified(w, "Included Updated Properties", null, "\"DisplayName\"");
        }

        w.EndArray();
        w.PEmptyArray("administrativeUnits"u8);
        w.EndObject();
        if (shape.SecondTargetDisplayNameJson is not null)
        {
            w.StartObject();
            w.PUuid("id"u8, NewUuid());
            w.Name("displayName"u8);
            w.Raw(shape.SecondTargetDisplayNameJson);
            w.P("type"u8, "ServicePrincipal"u8);
            w.PEmptyArray("modifiedProperties"u8);
            w.EndObject();
        }

        w.EndArray();
        w.Name("additionalDetails"u8);
        w.StartArray();
        WriteKeyValue(w, "User-Agent", Pick(RecordPools.UserAgents));
        WriteKeyValue(w, "AppId", NewUuid().ToString());
        if (shape.LoggedByService == "Invited Users" && shape.TargetUpn is not null)
        {
            WriteKeyValue(w, "invitedUserEmailAddress", shape.TargetUpn.Split("#EXT#")[0].Replace('_', '@'));
            WriteKeyValue(w, "InvitationId", NewUuid().ToString());
        }

        w.EndArray();
    }

    private static void WriteAuditModified(JsonRecordWriter w, string name, string? oldValue, string? newValue)
    {
        w.StartObject();
        w.P("displayName"u8, name);
        w.P("oldValue"u8, oldValue);
        w.P("newValue"u8, newValue);
        w.EndObject();
    }
}
