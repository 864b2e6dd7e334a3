; Guide Studio (导购直播台): Windows installer, Inno Setup 6.
; NOT RUN HERE (written on Linux). On a Windows build machine, after the PyInstaller build
; (packaging/README.md: packaging\windows\build.ps1 runs both):
;   iscc /DAppVersion=0.1.0 packaging\windows\guide-studio.iss
; -> dist\guide-studio-0.1.0-windows-x64-setup.exe: per-user or all-users install, Start-menu
; entry, optional desktop icon, .toml show scripts open with the studio, an uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Guide Studio"
#define AppId "com.guidestudio.GuideStudio"
#define Root ".."

[Setup]
; AppId is the stable identity Windows uses for upgrades and the uninstaller (never change it).
AppId={{7C1D3B62-5E0A-4F7E-9C42-6B1E2D0A9F31}
AppName={#AppName}
AppVerName={#AppName} {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=Guide Studio
DefaultDirName={autopf}\GuideStudio
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\..\dist
OutputBaseFilename=guide-studio-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\..\build\icons\guide-studio.ico
UninstallDisplayIcon={app}\studio.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"
Name: "assoctoml"; Description: "Open .toml show scripts with {#AppName}"; GroupDescription: "File types:"

[Files]
Source: "{#Root}\..\dist\GuideStudio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\导购直播台 Guide Studio"; Filename: "{app}\studio.exe"; AppUserModelID: "{#AppId}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\导购直播台 Guide Studio"; Filename: "{app}\studio.exe"; Tasks: desktopicon; AppUserModelID: "{#AppId}"

[Registry]
; .toml show scripts -> the studio (per user or machine, as installed); removed on uninstall.
Root: HKA; Subkey: "Software\Classes\.toml\OpenWithProgids"; ValueType: string; ValueName: "GuideStudio.ShowScript"; ValueData: ""; Flags: uninsdeletevalue; Tasks: assoctoml
Root: HKA; Subkey: "Software\Classes\GuideStudio.ShowScript"; ValueType: string; ValueName: ""; ValueData: "Guide Studio show script"; Flags: uninsdeletekey; Tasks: assoctoml
Root: HKA; Subkey: "Software\Classes\GuideStudio.ShowScript\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\studio.exe,0"; Tasks: assoctoml
Root: HKA; Subkey: "Software\Classes\GuideStudio.ShowScript\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\studio.exe"" rehearse ""%1"""; Tasks: assoctoml

[Run]
Filename: "{app}\studio.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
