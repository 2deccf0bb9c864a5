using System.Text.Json;

namespace HuntEngine.DataGen;

/// <summary>
/// The record streams of the CSV containers (UAL exports hold UAL records only; a Log Analytics
/// export holds rows of one table) and the planted invitations of an archive's GuestInviteBurst scenarios.
/// </summary>
internal sealed partial class RecordFactory
{
    /// <summary>The row the last <see cref="NextLaRow"/> or <see cref="FillPlantedInvite"/> filled.</summary>
    public LaRow Row => _row;

    /// <summary>
    /// Writes the next UAL record (AuditData) for a UAL CSV export into <paramref name="w"/>; returns the
    /// detection it must fire, or null. <paramref name="metadataDecoy"/>: the row's other columns should
    /// claim an impostor's <c>MessageSent</c> (they are ignored, so the row still fires nothing).
    /// </summary>
    public string? NextUal(JsonRecordWriter w, out bool metadataDecoy)
    {
        metadataDecoy = false;
        double roll = NextRoll();
        if (roll < _options.PlantRate)
        {
            bool tricky = _options.Adversarial && Chance(0.4);
            if (Chance(0.5))
            {
                PlantTeamsImpersonation(w, tricky);
                return DetectionTypes.TeamsItImpersonation;
            }

            PlantOAuthGrant(w, tricky, ualOnly: true);
            return DetectionTypes.SuspiciousOAuthGrant;
        }

        if (roll < _options.PlantRate + _nearMissRate)
        {
            switch (_random.Next(3))
            {
                case 0: NearMissTeamsImpersonation(w, ualOnly: true); break;
                case 1: NearMissOAuthGrant(w, ualOnly: true); break;
                default:
                    WriteUalOrdinary(w);
                    metadataDecoy = true;
                    break;
            }

            return null;
        }

        WriteUalOrdinary(w);
        return null;
    }

    private void WriteUalOrdinary(JsonRecordWriter w)
    {
        switch (_random.Next(100))
        {
            case < 35: WriteExchange(w); break;
            case < 65: WriteSharePoint(w); break;
            case < 85: WriteTeamsOrdinary(w, null); break;
            default: WriteAzureActiveDirectoryUal(w); break;
        }
    }

    /// <summary>The impostor a decoy row's ignored columns name.</summary>
    public string DecoyImpostor() => ImpostorUpn().Upn;

    /// <summary>Fills <see cref="Row"/> with the next row of a Log Analytics CSV export of <paramref name="table"/>; returns the detection it must fire, or null.</summary>
    public string? NextLaRow(LaTable table)
    {
        double roll = NextRoll();
        if (roll < _options.PlantRate) return PlantLa(table, csv: true, tricky: _options.Adversarial && Chance(0.4));
        if (roll < _options.PlantRate + _nearMissRate)
        {
            NearMissLa(table, csv: true);
            return null;
        }

        FillOrdinaryLa(table);
        return null;
    }

    /// <summary>Writes a planted invitation into a JSON file, in its style; sets <see cref="LastInvite"/> when it is an event.</summary>
    public void WritePlantedInvite(JsonRecordWriter w, PlantedInvite p)
    {
        if (p.Style == InviteStyle.LogAnalytics)
        {
            FillPlantedInviteRow(p);
            _row.PortalTimesInJson = p.PortalTimeInJson;
            WriteLaJson(w);
        }
        else
        {
            WriteInviteAudit(w, p, azureMonitor: p.Style == InviteStyle.AzureMonitor);
        }

        LastInvite = p.IsEvent(csv: false) ? p.Event : null;
    }

    /// <summary>Fills <see cref="Row"/> with a planted invitation as an <c>AuditLogs</c> CSV row; sets <see cref="LastInvite"/> when it is an event.</summary>
    public void FillPlantedInvite(PlantedInvite p)
    {
        FillPlantedInviteRow(p);
        LastInvite = p.IsEvent(csv: true) ? p.Event : null;
    }

    private void FillPlantedInviteRow(PlantedInvite p)
    {
        FillAuditLogs(new LaAuditShape
        {
            OperationName = "Invite external user",
            Initiator = Member(),
            InitiatorUpnJson = p.Inviter is null ? "null" : Json.Quote(p.Inviter),
            IpJson = p.IpJson,
            TargetDisplayName = GuestDisplayName(p.Target),
            TargetType = "User",
            TargetUpn = p.Target,
            Category = "UserManagement",
            LoggedByService = "Invited Users",
            AadOperationType = "Add",
            Ticks = p.Ticks,
        });
    }

    private static string GuestDisplayName(string target)
    {
        string local = target[..target.IndexOf('_', StringComparison.Ordinal)];
        return char.ToUpperInvariant(local[0]) + local[1..];
    }

    /// <summary>A planted invitation as a Graph <c>directoryAudit</c> or an Azure Monitor <c>AuditLogs</c> export (with the Graph object under <c>properties</c>).</summary>
    private void WriteInviteAudit(JsonRecordWriter w, PlantedInvite p, bool azureMonitor)
    {
        Uuid correlation = NewUuid();
        string inviterJson = p.Inviter is null ? "null" : Json.Quote(p.Inviter);
        w.Reset(azureMonitor && Chance(0.3));
        w.StartObject();
        if (azureMonitor)
        {
            w.PTime("time"u8, p.Ticks, TimeStyle.Utc7);
            w.P("resourceId"u8, "/tenants/" + _home.Id + "/providers/Microsoft.aadiam");
            w.P("operationName"u8, "Invite external user"u8);
            w.P("operationVersion"u8, "1.0"u8);
            w.P("category"u8, "AuditLogs"u8);
            w.PUuid("tenantId"u8, _home.Id);
            w.P("resultSignature"u8, "None"u8);
            w.P("durationMs"u8, 0);
            // A null initiator address falls back to callerIpAddress: planted nulls leave both null.
            w.PRaw("callerIpAddress"u8, p.IpJson);
            w.PUuid("correlationId"u8, correlation);
            w.P("identity"u8, p.Inviter ?? "");
            w.P("Level"u8, 4);
            w.Name("properties"u8);
            w.StartObject();
        }

        w.P("id"u8, "Invited Users_" + correlation + "_" + NewUuid().ToHex(5, upper: true) + "_" + _random.Next(100000000, 999999999));
        w.P("category"u8, "UserManagement"u8);
        w.PUuid("correlationId"u8, correlation);
        w.P("result"u8, "success"u8);
        w.P("resultReason"u8, ""u8);
        w.P("activityDisplayName"u8, "Invite external user"u8);
        w.PTime("activityDateTime"u8, p.Ticks, azureMonitor ? TimeStyle.Offset0 : TimeStyle.Utc7);
        w.P("loggedByService"u8, "Invited Users"u8);
        w.P("operationType"u8, "Add"u8);
        w.PNull("userAgent"u8);
        w.Name("initiatedBy"u8);
        w.StartObject();
        w.Name("user"u8);
        w.StartObject();
        w.PUuid("id"u8, NewUuid());
        w.PNull("displayName"u8);
        w.PRaw("userPrincipalName"u8, inviterJson);
        w.PRaw("ipAddress"u8, p.IpJson);
        w.PEmptyArray("roles"u8);
        w.EndObject();
        if (!azureMonitor) w.PNull("app"u8);
        w.EndObject();
        w.Name("targetResources"u8);
        w.StartArray();
        w.StartObject();
        w.PUuid("id"u8, NewUuid());
        w.P("displayName"u8, GuestDisplayName(p.Target));
        w.P("type"u8, "User"u8);
        w.P("userPrincipalName"u8, p.Target);
        w.PNull("groupType"u8);
        w.PEmptyArray("modifiedProperties"u8);
        w.PEmptyArray("administrativeUnits"u8);
        w.EndObject();
        w.EndArray();
        w.Name("additionalDetails"u8);
        w.StartArray();
        WriteKeyValue(w, "invitedUserEmailAddress", p.Target.Split("#")[0].Replace('_', '@'));
        WriteKeyValue(w, "InvitationId", NewUuid().ToString());
        w.EndArray();
        if (azureMonitor) w.EndObject();
        w.EndObject();
    }

    /// <summary>The columns a UAL export row shows beside AuditData, read back from the record (the last of duplicate keys wins).</summary>
    public static UalCsvMeta UalMeta(ReadOnlySpan<byte> record, long fallbackTicks, bool isoCreationDate)
    {
        string? id = null, operation = null, recordType = null, userId = null, creation = null;
        var reader = new Utf8JsonReader(record);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int name = reader.ValueTextEquals("Id"u8) ? 1 : reader.ValueTextEquals("Operation"u8) ? 2 : reader.ValueTextEquals("UserId"u8) ? 3
                : reader.ValueTextEquals("CreationTime"u8) ? 4 : reader.ValueTextEquals("RecordType"u8) ? 5 : 0;
            reader.Read();
            switch (name)
            {
                case 1 when reader.TokenType == JsonTokenType.String: id = reader.GetString(); break;
                case 2 when reader.TokenType == JsonTokenType.String: operation = reader.GetString(); break;
                case 3 when reader.TokenType == JsonTokenType.String: userId = reader.GetString(); break;
                case 4 when reader.TokenType == JsonTokenType.String: creation = reader.GetString(); break;
                case 5 when reader.TokenType == JsonTokenType.Number: recordType = System.Text.Encoding.UTF8.GetString(reader.ValueSpan); break;
                default: reader.Skip(); break;
            }
        }

        long ticks = creation is not null && DateTime.TryParse(creation, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time.Ticks
            : fallbackTicks;
        // Purview shows CreationDate in the portal's US form; some exports carry ISO with a trailing space.
        string creationDate = isoCreationDate ? Timestamps.ToText(ticks, TimeStyle.Utc7) + " " : LaRow.UalCreationDate(ticks);
        return new UalCsvMeta(id, creationDate, recordType, operation, userId);
    }
}
