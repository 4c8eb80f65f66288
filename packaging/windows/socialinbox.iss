; Inno Setup script: a per-user installer for the PyInstaller onedir (no administrator rights needed).
; packaging/build.py runs it as: iscc /DAppVersion=0.1.0 /DSourceDir=... /DOutputDir=... /DIconFile=... socialinbox.iss
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\socialinbox"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\socialinbox.ico"
#endif

[Setup]
AppId={{6C1E3B52-5F0B-4D51-9C1F-2B7A3E4D9A10}
AppName=Social Inbox
AppVersion={#AppVersion}
AppVerName=Social Inbox {#AppVersion}
AppPublisher=Social Inbox
DefaultDirName={localappdata}\Programs\Social Inbox
DefaultGroupName=Social Inbox
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=SocialInbox-{#AppVersion}-windows-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\SocialInbox.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Social Inbox"; Filename: "{app}\SocialInbox.exe"
Name: "{autodesktop}\Social Inbox"; Filename: "{app}\SocialInbox.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\SocialInbox.exe"; Description: "{cm:LaunchProgram,Social Inbox}"; Flags: nowait postinstall skipifsilent

[Registry]
; The start-at-login preference writes this value; the uninstaller removes it so nothing starts a missing program.
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: none; ValueName: "SocialInbox"; Flags: uninsdeletevalue dontcreatekey
