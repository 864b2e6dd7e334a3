# NOT RUN HERE (written on Linux). Build Guide Studio on Windows 10/11 x64 with Python 3.11
# and Inno Setup 6 (iscc on PATH), from a checkout:
#   py -3.11 -m venv .venv
#   .venv\Scripts\pip install --require-hashes --no-deps -r packaging\requirements-test.lock
#   .venv\Scripts\pip install --no-deps --no-build-isolation -e .
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# -> dist\GuideStudio\studio.exe and dist\guide-studio-VERSION-windows-x64-setup.exe
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$py = ".venv\Scripts\python.exe"
$version = & $py -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
$icons = Join-Path (Get-Location) "build\icons"
& $py assets\icons\make_icons.py $icons
if ($LASTEXITCODE) { throw "icons failed" }
$env:STUDIO_ICON_DIR = $icons
& $py -m PyInstaller packaging\guide-studio.spec --noconfirm --clean --distpath dist --workpath build\pyinstaller
if ($LASTEXITCODE) { throw "PyInstaller failed" }
& dist\GuideStudio\studio.exe --version
iscc /DAppVersion=$version packaging\windows\guide-studio.iss
if ($LASTEXITCODE) { throw "Inno Setup failed" }
