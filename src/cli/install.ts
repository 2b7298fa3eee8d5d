import { install, InstallIOError, InstallOptions } from '../host/install';

/** Exit codes: 0 installed (or, with dryRun, printed), 1 the host refused (permissions, disk) and was put back as it was, 2 unusable dist/ or options. */
export function runInstall(options: InstallOptions, log: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  try {
    for (const line of install(options)) log(line);
    return 0;
  } catch (e) {
    err(`opencode-memory-pod: ${(e as Error).message}`);
    return e instanceof InstallIOError ? 1 : 2;
  }
}
