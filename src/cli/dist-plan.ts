import { readInstallPlan } from '../host/install';
import { InstallPlan } from '../render/podman-files';

/**
 * The install plan of the folder synth wrote, for the commands that act on it (doctor, image pull);
 * undefined once it has said why there is none (a missing or foreign dist/; those commands exit 2).
 */
export function readPlanOrSay(from: string, err: (line: string) => void): InstallPlan | undefined {
  try {
    return readInstallPlan(from);
  } catch (e) {
    err(`opencode-memory-pod: ${(e as Error).message}`);
    return undefined;
  }
}
