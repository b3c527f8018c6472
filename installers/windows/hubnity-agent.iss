; Inno Setup 6.3+ script for the Hubnity desktop agent (per-user install).
;
; Build on Windows, from the repository root:
;   python installers\build_agent.py
;   iscc installers\windows\hubnity-agent.iss
; or run installers\windows\build.ps1, which does both.
; Output: build\installers\hubnity-agent-<version>-setup.exe
;
; - Installs for the current user only (no administrator rights) into
;   %LOCALAPPDATA%\Programs\Hubnity Agent.
; - Start-menu shortcut, and an autostart entry (HKCU\...\Run) that the
;   employee may untick; the agent starts after installation.
; - Uninstall removes the program and the autostart entry but KEEPS the local
;   outbox (time entries and screenshots not yet uploaded) in
;   %LOCALAPPDATA%\Hubnity\hubnity-agent, unless the user agrees to delete it in
;   the dialog, or the uninstaller runs with /PURGE (e.g. silent: /VERYSILENT /PURGE).

#define AppName "Hubnity Agent"
#define AppExeName "hubnity-agent.exe"
#ifndef BundleDir
  #define BundleDir "..\..\build\installers\dist\hubnity-agent"
#endif
; BundleDir is relative to this script (ISPP reads the version from its .exe).
#define AppExePath AddBackslash(SourcePath) + BundleDir + "\" + AppExeName
#ifndef AppVersion
  ; The PyInstaller spec stamps the project version into the executable.
  #define AppVersion GetStringFileInfo(AppExePath, "ProductVersion")
#endif
; x.y.z.w form for Windows' own version resource (1.2.0rc1 -> 1.2.0.0).
#define NumericVersion GetVersionNumbersString(AppExePath)
#define DataSubDir "Hubnity\hubnity-agent"

[Setup]
AppId={{2A7821FC-7760-4B2E-B55C-9139352DD4A6}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Hubnity
VersionInfoVersion={#NumericVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
WizardStyle=modern
SetupIconFile=..\assets\hubnity.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
OutputDir=..\..\build\installers
OutputBaseFilename=hubnity-agent-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
; Close a running agent (Restart Manager) before replacing its files on upgrade.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "autostart"; Description: "Start {#AppName} when I sign in to Windows"; GroupDescription: "Startup:"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"
Name: "{autoprograms}\Uninstall {#AppName}"; Filename: "{uninstallexe}"

[Registry]
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "{#AppName}"; ValueData: """{app}\{#AppExeName}"""; Flags: uninsdeletevalue; Tasks: autostart

[Run]
Filename: "{app}\{#AppExeName}"; Description: "Start {#AppName} now"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; Stop the tray before its files are removed (no error if it is not running).
Filename: "{sys}\taskkill.exe"; Parameters: "/F /T /IM {#AppExeName}"; Flags: runhidden; RunOnceId: "StopAgent"

[Code]
function AgentDataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\{#DataSubDir}');
end;

function PurgeRequested(): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), '/PURGE') = 0 then
      Result := True;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Purge: Boolean;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  if not DirExists(AgentDataDir()) then
    Exit;
  Purge := PurgeRequested();
  if (not Purge) and (not UninstallSilent()) then
    Purge := MsgBox('Also delete the agent''s local data in' + #13#10 + AgentDataDir() + '?' + #13#10#13#10 +
      'It holds time and screenshots that may not have reached the server yet. ' +
      'Keep it if you will reinstall the agent: it uploads them on its next start.',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
  if Purge then
    DelTree(AgentDataDir(), True, True, True);
end;
