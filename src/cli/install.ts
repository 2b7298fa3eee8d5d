import { install, InstallIOError, InstallOptions } from '../host/install';
import { ReceiptError } from '../host/receipt';
import { realSystemHost, SystemHost } from '../host/system-host';
import { uninstall, UninstallOptions, UninstallRefused } from '../host/uninstall';

/**
 * The host's systemd, or none: with --root (staging, not this host's /) no systemctl runs, nor
 * where systemd is not the init system (a container, a chroot).
 */
export function liveHost(root: string | undefined, host: SystemHost = realSystemHost): SystemHost | undefined {
  if (root !== undefined && root.replace(/\/+$/, '') !== '') return undefined;
  return host.systemdRunning() ? host : undefined;
}

/** Exit codes: 0 installed (or, with dryRun, printed), 1 the host refused (permissions, disk, a unit) and was put back as it was, 2 unusable dist/ or options. */
export function runInstall(options: InstallOptions, log: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  try {
    const host = liveHost(options.root);
    if (!host && options.root === undefined) log('note: systemd is not running here: no unit is stopped, reloaded or started (the lines to run are printed)');
    install(options, host, log);
    return 0;
  } catch (e) {
    err(`opencode-memory-pod: ${(e as Error).message}`);
    return e instanceof InstallIOError || e instanceof ReceiptError ? 1 : 2;
  }
}

/** Exit codes: 0 uninstalled (or nothing to do, or printed), 1 the host refused and was put back as it was, 2 bad options or --purge without --yes. */
export function runUninstall(options: UninstallOptions, log: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  try {
    uninstall(options, liveHost(options.root), log);
    return 0;
  } catch (e) {
    err(`opencode-memory-pod: ${(e as Error).message}`);
    return e instanceof InstallIOError || e instanceof ReceiptError ? 1 : e instanceof UninstallRefused ? 2 : 2;
  }
}
