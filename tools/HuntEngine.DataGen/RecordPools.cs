namespace HuntEngine.DataGen;

/// <summary>
/// Fixed vocabularies the records draw from. Every ordinary value here was chosen so that no
/// ordinary record can fire a detection by accident: no username keyword (even lower-cased),
/// no cloud-storage app name, no cloud-storage host. The generator's <c>--verify</c> check
/// re-derives every record's outcome, so a careless addition here is caught.
/// </summary>
internal static class RecordPools
{
    public static readonly string[] Organisations =
    [
        "contoso", "fabrikam", "northwindtraders", "wingtiptoys", "adatum", "tailspintoys",
        "woodgrovebank", "litwareinc", "proseware", "fourthcoffee", "alpineskihouse", "relecloud",
    ];

    public static readonly string[] FirstNames =
    [
        "Adele", "Alex", "Allan", "Bianca", "Cameron", "Christie", "Debra", "Diego", "Emily", "Enrico",
        "Grady", "Henrietta", "Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Miriam",
        "Nestor", "Patti", "Pradeep", "Raul", "Sakura", "Tomas", "Yuki", "Zara", "Oliver", "Amara",
        "Kofi", "Ingrid", "Mateo", "Priya", "Chen", "Fatima", "Lars", "Noah", "Sofia", "Hannah",
        "Jonas", "Elif", "Björn", "Zoë", "José", "Ananya", "Mohammed", "Olga", "Wei", "Aoife",
    ];

    public static readonly string[] LastNames =
    [
        "Vance", "Wilber", "DeYoung", "Gonzalez", "Zrinski", "Lin", "Bowen", "Hansen", "Sherman", "White",
        "Brown", "McDonald", "Siciliani", "Schwartz", "Hussey", "Reyes", "Tanaka", "Novak", "Fischer", "Kowalski",
        "Duarte", "Okafor", "Larsen", "Moreau", "Kaur", "Haddad", "Silva", "Jensen", "Nakamura", "Öztürk",
        "Müller", "Nguyen", "Petrov", "O'Brien", "Dubois", "Costa", "Yilmaz", "Andersson", "Rossi", "Khan",
    ];

    /// <summary>Partner and consumer domains external guests come from.</summary>
    public static readonly string[] PartnerDomains =
    [
        "gmail.com", "outlook.com", "hotmail.com", "partner-consulting.com", "lawfirm-example.com",
        "designagency.example", "auditors-llp.example", "university.example.edu", "supplier-gmbh.example",
    ];

    /// <summary>Attacker-controlled tenant domains with no username keyword in them (safe in near-misses).</summary>
    public static readonly string[] CleanAttackerDomains =
    [
        "contoso-support.onmicrosoft.com", "secure-m365.onmicrosoft.com", "msft-security-team.onmicrosoft.com",
        "it-services-desk.onmicrosoft.com", "tenant-verify.onmicrosoft.com", "account-protection.onmicrosoft.com",
    ];

    /// <summary>Attacker tenant domains that themselves hold a keyword (only used where the record must fire anyway).</summary>
    public static readonly string[] KeywordAttackerDomains =
    [
        "it-helpdesk365.onmicrosoft.com", "msftsupport-itsupport.onmicrosoft.com", "servicedesk-portal.onmicrosoft.com",
    ];

    /// <summary>The username keywords of detection-spec §3, lower-case.</summary>
    public static readonly string[] UsernameKeywords =
    [
        "helpdesk", "itsupport", "servicedesk", "techsupport", "itadmin", "sysadmin", "microsoftsupport", "o365support", "m365support",
    ];

    /// <summary>How an impostor might capitalise each keyword (index-aligned with <see cref="UsernameKeywords"/>).</summary>
    public static readonly string[] KeywordTitleCase =
    [
        "HelpDesk", "ITSupport", "ServiceDesk", "TechSupport", "ITAdmin", "SysAdmin", "MicrosoftSupport", "O365Support", "M365Support",
    ];

    /// <summary>Apps users consent to in normal business; none contains a cloud-storage name.</summary>
    public static readonly string[] BenignConsentApps =
    [
        "Zoom", "Adobe Acrobat Sign", "Salesforce", "Miro", "Asana", "Trello", "Grammarly", "Calendly",
        "DocuSign", "Smartsheet", "Lucidchart", "Contoso Expenses", "Graph Explorer", "Microsoft Graph PowerShell",
    ];

    /// <summary>Cloud-storage apps that make a consent fire (ASCII case-insensitive contains of spec §3).</summary>
    public static readonly string[] StorageConsentApps =
    [
        "Dropbox", "DROPBOX Business", "Dropbox for Business (Teams)", "MEGA", "Mega Sync", "MEGAsync Desktop", "pCloud", "pCloud Drive",
        "Sync.com", "Sync.com Vault", "MediaFire", "MEDIAFIRE Uploader", "Box.com", "Box.com Connector", "dRoPbOx", "Omega Notes",
    ];

    /// <summary>Storage-looking app names that must NOT fire.</summary>
    public static readonly string[] StorageConsentNearMissApps =
    [
        "Dr0pbox", "boxcom", "syncXcom", "Sync-com", "Box", "Box Sign", "Drop box", "Media Fire", "p-Cloud", "MEDİAFİRE",
        "Drорbox", "Ѕync.com", "Dropb0x Transfer", "SyncCom", "Box dot com",
    ];

    /// <summary>Signed-in applications that do not satisfy the RiskyGuestSignin app test.</summary>
    public static readonly string[] PlainSignInApps =
    [
        "Azure Portal", "Microsoft Authentication Broker", "Microsoft Edge", "Outlook Mobile", "Microsoft Azure CLI",
        "My Apps", "Windows Sign In", "Microsoft Office", "Office365 Shell WCSS-Client", "Microsoft Intune Company Portal",
        "Power BI Service", "Visual Studio Code", "Azure Virtual Desktop Client",
    ];

    /// <summary>Signed-in applications that satisfy it (case-sensitive contains Teams, SharePoint, OneDrive or Office 365).</summary>
    public static readonly string[] CollaborationSignInApps =
    [
        "Microsoft Teams", "Microsoft Teams Web Client", "SharePoint Online Web Client Extensibility", "Office 365 SharePoint Online",
        "OneDrive SyncEngine", "Microsoft OneDrive", "Office 365 Exchange Online", "Microsoft Office 365 Portal", "Microsoft Teams Services",
    ];

    /// <summary>Collaboration-looking app names that fail the case-sensitive test.</summary>
    public static readonly string[] CollaborationNearMissApps =
    [
        "teams", "Microsoft TEAMS", "Sharepoint Online", "Onedrive", "Office365 Shell WCSS-Client", "office 365 portal", "Office 356",
    ];

    public static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Teams/6.19.1",
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18025; Pro)",
        "OneDriveMpc-Transform_Thumbnail/1.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    ];

    public static readonly (string City, string State, string Country, double Latitude, double Longitude)[] Locations =
    [
        ("Redmond", "Washington", "US", 47.6740, -122.1215),
        ("Seattle", "Washington", "US", 47.6062, -122.3321),
        ("New York", "New York", "US", 40.7128, -74.0060),
        ("London", "England", "GB", 51.5072, -0.1276),
        ("Dublin", "Dublin", "IE", 53.3498, -6.2603),
        ("Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041),
        ("Frankfurt am Main", "Hessen", "DE", 50.1109, 8.6821),
        ("Paris", "Ile-de-France", "FR", 48.8566, 2.3522),
        ("Bengaluru", "Karnataka", "IN", 12.9716, 77.5946),
        ("Tokyo", "Tokyo", "JP", 35.6762, 139.6503),
        ("São Paulo", "Sao Paulo", "BR", -23.5505, -46.6333),
        ("Lagos", "Lagos", "NG", 6.5244, 3.3792),
        ("Istanbul", "Istanbul", "TR", 41.0082, 28.9784),
        ("Sydney", "New South Wales", "AU", -33.8688, 151.2093),
    ];

    public static readonly string[] Browsers = ["Edge 131.0.0", "Chrome 131.0.0", "Firefox 133.0", "Safari 18.1", "Rich Client 5.2.0.0", "Mobile Safari 18.1"];

    public static readonly string[] OperatingSystems = ["Windows 10", "Windows 11", "MacOs", "Ios 18.1", "Android 15", "Linux"];

    public static readonly string[] SiteNames = ["Finance", "HR", "Marketing", "Engineering", "Legal", "Sales", "ProjectAtlas", "Board", "ITOps", "Procurement"];

    public static readonly string[] FileNames =
    [
        "Q3 forecast.xlsx", "Board deck FY26.pptx", "Offer letter - draft.docx", "Vendor contract.pdf", "Roadmap.xlsx",
        "Budget 2026.xlsx", "Incident review.docx", "Customer list.csv", "Architecture.vsdx", "Team photo.jpg",
        "Payroll_export_Mar.xlsx", "NDA-signed.pdf", "Release notes.md", "Sprint 42 retro.docx",
    ];

    public static readonly string[] MailSubjects =
    [
        "Re: Q3 numbers", "Invoice 2026-0412", "Updated agenda", "FW: contract redlines", "Lunch on Friday?",
        "Action required: expense report", "Minutes - steering committee", "Welcome aboard!", "Re: Re: shipment delay",
    ];

    public static readonly string[] TeamNames = ["Finance Team", "Project Atlas", "Sales EMEA", "Engineering", "All Company", "Marketing Ops", "Legal & Compliance"];

    /// <summary>Ordinary remote hosts of endpoint traffic; the storage hosts appear only with small uploads.</summary>
    public static readonly string[] OrdinaryRemoteHosts =
    [
        "login.microsoftonline.com", "graph.microsoft.com", "outlook.office365.com", "teams.microsoft.com", "www.bing.com",
        "github.com", "objects.githubusercontent.com", "update.googleapis.com", "settings-win.data.microsoft.com",
        "ctldl.windowsupdate.com", "www.google.com", "api.slack.com", "zoom.us", "storage.googleapis.com",
        "contosoprod.blob.core.windows.net", "www.dropbox.com", "dropboxapi.com", "mega.io", "pcloud.com",
    ];

    /// <summary>Storage hosts that are fine when the upload is small (at most 10485760 bytes).</summary>
    public static readonly string[] StorageRemoteHosts =
    [
        "s3.amazonaws.com", "content.dropboxapi.com", "mybucket.s3.amazonaws.com", "s3.eu-west-1.amazonaws.com", "mega.nz",
    ];

    /// <summary>Remote URLs whose host is a cloud-storage endpoint of spec §7.3.</summary>
    public static readonly string[] ExfilRemoteUrls =
    [
        "https://s3.amazonaws.com/backup-bucket-7731/archive.7z",
        "https://exfil-drop-01.s3.amazonaws.com/upload/part-0001",
        "s3.amazonaws.com",
        "s3.amazonaws.com:443",
        "https://content.dropboxapi.com/2/files/upload",
        "https://Content.DropboxAPI.com/2/files/upload_session/append_v2",
        "content.dropboxapi.com:443",
        "https://s3.eu-west-1.amazonaws.com/finance-dump/q3.zip",
        "https://bucket.s3.eu-west-1.amazonaws.com/finance/export.zip",
        "HTTPS://CONTENT.DROPBOXAPI.COM:443/2/files/upload?arg=%7B%7D",
        "mega.nz:443/file/AbCdEfGh",
        "https://bkt-2231.s3-us-west-2.amazonaws.com/x?partNumber=3&uploadId=abc",
        "https://s3.dualstack.us-east-1.amazonaws.com/data/blob.bin",
        "s3-external-1.amazonaws.com",
        "https://backup:secret@s3.amazonaws.com:443/bucket/key#frag",
        "https://S3.AMAZONAWS.COM/BUCKET/KEY",
        "https://mega.nz/file/AbCdEfGh#key",
        "https://g.api.mega.co.nz/cs?id=0",
        "https://gfs270n123.userstorage.mega.co.nz/ul/xyz",
    ];

    /// <summary>Remote URLs that look like cloud storage but are not by the spec's host rule.</summary>
    public static readonly string[] ExfilNearMissUrls =
    [
        "https://s3.amazonaws.com.evil.example/upload",
        "s3.amazonaws.com.evil.example",
        "https://nots3.amazonaws.com/bucket",
        "https://dropboxapi.com/2/files/upload",
        "https://www.dropbox.com/upload",
        "https://evilcontent.dropboxapi.com.attacker.example/2/files/upload",
        "https://evil.example/redirect?u=https://s3.amazonaws.com/bucket",
        "https://s3.amazonaws.co/bucket",
        "https://mega.nz.evil.example/file",
        "https://storage.googleapis.com/bucket/object",
        "https://contosobackup.blob.core.windows.net/c/blob",
        "https://s3amazonaws.com/bucket",
        "https://xs3.amazonaws.com/bucket",
        "https://mys3.amazonaws.com/bucket/key",
        "mys3.amazonaws.com:443",
        "https://s3.eu-west-1.amazonaws.com.cn/bucket",
    ];

    public static readonly string[] BenignProcesses =
    [
        "chrome.exe", "msedge.exe", "OneDrive.exe", "ms-teams.exe", "svchost.exe", "OUTLOOK.EXE", "powershell.exe",
        "curl.exe", "MsMpEng.exe", "firefox.exe", "Code.exe", "git-remote-https.exe", "backgroundTaskHost.exe",
    ];

    public static readonly string[] ExfilProcesses = ["aws.exe", "curl.exe", "rclone.exe", "powershell.exe", "python.exe", "7z.exe", "WinSCP.exe"];

    public static readonly string[] DeviceNames =
    [
        "DESKTOP-7H3K2LQ", "LAPTOP-Q8N1ZC4", "FIN-WS-0142", "ENG-DEV-0031", "mbp16", "HR-LT-0077", "SRV-FILE-02", "JUMPHOST-01",
    ];
}
