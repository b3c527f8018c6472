# Builds the Windows installer: PyInstaller bundle, then Inno Setup.
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1
# Needs: Python 3.11 with `pip install -e .[agent,dev]`, and Inno Setup 6.3+
# (iscc.exe on PATH, or in its default folder).
$ErrorActionPreference = "Stop"
$root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $root
python installers\build_agent.py
if ($LASTEXITCODE -ne 0) { throw "agent build failed" }
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
& $iscc installers\windows\hubnity-agent.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Get-ChildItem build\installers\hubnity-agent-*-setup.exe
