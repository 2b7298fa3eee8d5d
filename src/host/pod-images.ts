import type { InstallPlan } from '../render/podman-files';
import type { DoctorHost } from './doctor-host';

/** One image the pod runs that is not in local storage, with the command that gets it. */
export type MissingImage = InstallPlan['images'][number];

/**
 * The pod's images that podman does not have. The unit's start plays pod.yaml, which names them
 * with imagePullPolicy IfNotPresent: a missing localhost/ build (image build) cannot be pulled at
 * all, and a registry pull at start waits on the network inside the unit's start timeout. Empty
 * when podman cannot be asked (not installed): nothing is known then, and nothing is refused.
 */
export function missingImages(plan: InstallPlan, host: DoctorHost): MissingImage[] {
  const missing: MissingImage[] = [];
  for (const img of plan.images ?? []) {
    const r = host.run('podman', ['image', 'exists', img.image]);
    if (r === undefined) return [];
    if (r.status !== 0) missing.push(img);
  }
  return missing;
}

/** "IMAGE (SERVICE; get it: CMD)", joined: for refusals and notes. */
export function describeMissing(missing: readonly MissingImage[]): string {
  return missing.map((m) => `${m.image} (${m.service}; get it: ${m.get})`).join(', ');
}
