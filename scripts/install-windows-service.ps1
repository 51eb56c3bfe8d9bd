# Install `branchflow watch` as a Windows service through NSSM (see windows-service.md).
# Saved as UTF-8 with BOM: Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page.
# Run in an elevated PowerShell:
#   powershell -ExecutionPolicy Bypass -File scripts\install-windows-service.ps1 `
#     -App D:\branchflow-app -Workspace D:\branchflow -Nssm C:\Tools\nssm\nssm.exe -Account .\branchflow
param(
    [Parameter(Mandatory = $true)] [string] $App,        # folder holding .venv
    [Parameter(Mandatory = $true)] [string] $Workspace,  # the branchflow workspace (local disk)
    [string] $Nssm = "nssm.exe",
    [string] $Name = "branchflow-watch",
    [string] $Account = "",                              # e.g. .\branchflow; empty = LocalSystem
    [switch] $Polling,                                   # inbox on a share: poll explicitly
    [double] $Interval = 2
)
$ErrorActionPreference = "Stop"

$exe = Join-Path $App ".venv\Scripts\branchflow.exe"
if (-not (Test-Path $exe)) { throw "找不到 $exe：请先在 $App 中建立 .venv 并安装 branchflow" }
if (-not (Test-Path (Join-Path $Workspace "branchflow.toml"))) {
    throw "$Workspace 不是 branchflow 工作区（缺少 branchflow.toml）：先运行 branchflow init $Workspace"
}
$logs = Join-Path $Workspace "store\logs"
New-Item -ItemType Directory -Force -Path $logs | Out-Null

$arguments = @("-w", "`"$Workspace`"", "watch")
if ($Polling) { $arguments += @("--polling", "--interval", "$Interval") }

& $Nssm install $Name $exe @arguments
& $Nssm set $Name DisplayName "branchflow watch（分中心报送收件箱监视）"
& $Nssm set $Name AppDirectory $Workspace
& $Nssm set $Name AppEnvironmentExtra "PYTHONUTF8=1" "PYTHONIOENCODING=utf-8"
& $Nssm set $Name AppStdout (Join-Path $logs "service.log")
& $Nssm set $Name AppStderr (Join-Path $logs "service.log")
& $Nssm set $Name AppRotateFiles 1
& $Nssm set $Name AppRotateBytes 5242880
# Stop = Ctrl+C first: branchflow finishes the file in hand and exits within seconds.
& $Nssm set $Name AppStopMethodConsole 15000
& $Nssm set $Name AppExit Default Restart
& $Nssm set $Name AppRestartDelay 10000
& $Nssm set $Name Start SERVICE_DELAYED_AUTO_START
if ($Account) {
    $secret = Read-Host "账户 $Account 的密码" -AsSecureString
    $plain = [Runtime.InteropServices.Marshal]::PtrToStringAuto(
        [Runtime.InteropServices.Marshal]::SecureStringToBSTR($secret))
    & $Nssm set $Name ObjectName $Account $plain
}
& $Nssm start $Name
Write-Host "已安装并启动服务 $Name；日志：$logs\watch.log"
