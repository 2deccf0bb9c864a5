namespace HuntEngine.DataGen;

/// <summary>
/// Draws records, one at a time, from a seed: ordinary records in the chosen <see cref="Mix"/>,
/// planted records that must fire exactly one detection, and (when adversarial) near-misses
/// that must fire none. Split by concern: UAL, Entra, network and unknown kinds, and the
/// planted / near-miss variants, each in its own partial file.
/// </summary>
internal sealed partial class RecordFactory
{
    private readonly Random _random;
    private readonly GeneratorOptions _options;
    private readonly double _nearMissRate;
    private readonly Tenant _home;
    private readonly Person[] _members;
    private readonly Person[] _guests;
    private long _index;

    public RecordFactory(GeneratorOptions options)
    {
        GeneratorThrow.IfInvalid(options);
        _options = options;
        _random = new Random(options.Seed);
        // Near-misses come at about the planted rate (at least 0.2 %), so every sizeable file holds both kinds.
        _nearMissRate = options.Adversarial ? Math.Min(1 - options.PlantRate, Math.Max(options.PlantRate, 0.002)) : 0;

        string organisation = Pick(RecordPools.Organisations);
        _home = new Tenant(Uuid.Next(_random), organisation + ".com", organisation + ".onmicrosoft.com");
        _members = new Person[400];
        for (int i = 0; i < _members.Length; i++) _members[i] = NewMember(i);
        _guests = new Person[48];
        for (int i = 0; i < _guests.Length; i++) _guests[i] = NewGuest();
    }

    /// <summary>
    /// Writes the next record into <paramref name="writer"/>; returns the detection it must fire, or null.
    /// The second record is always planted (when PlantRate &gt; 0) and the third a near-miss (when
    /// adversarial), so even a small file of the default rates holds both.
    /// </summary>
    public string? Next(JsonRecordWriter writer)
    {
        double roll = NextRoll();
        if (roll < _options.PlantRate) return WritePlanted(writer);
        if (roll < _options.PlantRate + _nearMissRate)
        {
            WriteNearMiss(writer);
            return null;
        }

        WriteOrdinary(writer);
        return null;
    }

    /// <summary>
    /// The draw that decides planted / near-miss / ordinary for the next record or row; the second is
    /// always planted (when PlantRate &gt; 0) and the third a near-miss (when adversarial). Clears <see cref="LastInvite"/>.
    /// </summary>
    private double NextRoll()
    {
        long index = _index++;
        LastInvite = null;
        double roll = _random.NextDouble();
        if (index == 1 && _options.PlantRate > 0) roll = 0;
        if (index == 2 && _nearMissRate > 0) roll = _options.PlantRate;
        return roll;
    }

    /// <summary>
    /// When the record just written is an event of GuestInviteBurst (spec §7.3: an Azure AD
    /// <c>Invite external user</c> with a <c>#EXT#</c> target, a time and an inviter): its grouping
    /// columns and time, so the archive's bursts can be computed from what was written.
    /// </summary>
    public InviteEvent? LastInvite { get; private set; }

    private void WriteOrdinary(JsonRecordWriter w)
    {
        if (_options.Mix == Mix.TeamsHeavy && _random.Next(3) == 0)
        {
            WriteTeamsOrdinary(w, "MessageSent");
            return;
        }

        // Typical mix, in percent: UAL 48 (Exchange 18, SharePoint/OneDrive 13, Teams 9, AzureActiveDirectory 8),
        // sign-ins 15, directory audits 10, Defender network 8, Log Analytics rows 13 (OfficeActivity 3,
        // SigninLogs 3, AuditLogs 2, CommonSecurityLog 3, DeviceNetworkEvents 2), unknown 6.
        int bucket = _random.Next(100);
        switch (bucket)
        {
            case < 18: WriteExchange(w); break;
            case < 31: WriteSharePoint(w); break;
            case < 40: WriteTeamsOrdinary(w, null); break;
            case < 48: WriteAzureActiveDirectoryUal(w); break;
            case < 58: WriteSignIn(w, SignInShape.Ordinary(this, azureMonitor: true)); break;
            case < 63: WriteSignIn(w, SignInShape.Ordinary(this, azureMonitor: false)); break;
            case < 69: WriteDirectoryAudit(w, AuditShape.Ordinary(this, azureMonitor: true)); break;
            case < 73: WriteDirectoryAudit(w, AuditShape.Ordinary(this, azureMonitor: false)); break;
            case < 81: WriteNetwork(w, NetworkShape.Ordinary(this)); break;
            case < 84: WriteOrdinaryLaJson(w, LaTable.OfficeActivity); break;
            case < 87: WriteOrdinaryLaJson(w, LaTable.SigninLogs); break;
            case < 89: WriteOrdinaryLaJson(w, LaTable.AuditLogs); break;
            case < 92: WriteOrdinaryLaJson(w, LaTable.CommonSecurityLog); break;
            case < 94: WriteOrdinaryLaJson(w, LaTable.DeviceNetworkEvents); break;
            case < 97: WriteQRadarEvent(w, null); break;
            default: WriteSysmonEvent(w, null); break;
        }
    }

    // ---- shared draws ----

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private bool Chance(double probability) => _random.NextDouble() < probability;

    private Person Member() => _members[_random.Next(_members.Length)];

    private Person Guest() => _guests[_random.Next(_guests.Length)];

    private long Time() => Timestamps.Next(_random);

    private Uuid NewUuid() => Uuid.Next(_random);

    /// <summary>A public-looking IPv4 address (first octets of large cloud and ISP ranges).</summary>
    private uint PublicIp()
    {
        ReadOnlySpan<byte> firstOctets = [4, 13, 20, 23, 40, 51, 52, 62, 81, 94, 104, 131, 145, 178, 185, 193, 203, 213];
        return ((uint)firstOctets[_random.Next(firstOctets.Length)] << 24) | (uint)_random.Next(1 << 24);
    }

    private uint PrivateIp() => _random.Next(2) == 0
        ? (10u << 24) | (uint)_random.Next(1 << 24)
        : (192u << 24) | (168u << 16) | (uint)_random.Next(1 << 16);

    private static string IpText(uint address) => $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";

    private Person NewMember(int index)
    {
        string first = Pick(RecordPools.FirstNames);
        string last = Pick(RecordPools.LastNames);
        string local = AsciiFold(first) + "." + AsciiFold(last);
        if (index % 7 == 0) local += (index % 97).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var location = Pick(RecordPools.Locations);
        return new Person(
            Upn: local + "@" + _home.Domain,
            DisplayName: first + " " + last,
            ObjectId: NewUuid(),
            Puid: "1003" + NewUuid().ToHex(12, upper: true),
            HomeIp: PublicIp(),
            Location: location,
            IsGuest: false,
            HomeTenant: _home.Id);
    }

    private Person NewGuest()
    {
        string first = Pick(RecordPools.FirstNames);
        string last = Pick(RecordPools.LastNames);
        string domain = Pick(RecordPools.PartnerDomains);
        string email = AsciiFold(first) + "." + AsciiFold(last) + "@" + domain;
        var location = Pick(RecordPools.Locations);
        return new Person(
            Upn: email.Replace('@', '_') + "#EXT#@" + _home.InitialDomain,
            DisplayName: first + " " + last + " (" + domain + ")",
            ObjectId: NewUuid(),
            Puid: "1003" + NewUuid().ToHex(12, upper: true),
            HomeIp: PublicIp(),
            Location: location,
            IsGuest: true,
            HomeTenant: NewUuid());
    }

    /// <summary>UPN local parts are ASCII: fold the few accented names of the pools (Björn → bjorn) and drop apostrophes.</summary>
    internal static string AsciiFold(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length);
        foreach (char c in name)
        {
            char folded = c switch
            {
                'ö' or 'Ö' => 'o',
                'ü' or 'Ü' => 'u',
                'ë' => 'e',
                'é' => 'e',
                'ã' => 'a',
                _ => c,
            };
            if (folded < 0x80 && char.IsLetterOrDigit(folded)) builder.Append(char.ToLowerInvariant(folded));
        }

        return builder.ToString();
    }

    private sealed record Tenant(Uuid Id, string Domain, string InitialDomain);

    private sealed record Person(
        string Upn,
        string DisplayName,
        Uuid ObjectId,
        string Puid,
        uint HomeIp,
        (string City, string State, string Country, double Latitude, double Longitude) Location,
        bool IsGuest,
        Uuid HomeTenant);
}
