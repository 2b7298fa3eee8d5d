import type { Target } from '../lib/targets';
import { kubernetesTarget } from './kubernetes-files';
import { podmanTarget } from './podman-files';
import type { TargetRenderer } from './renderer';

/**
 * The renderer of each target of the registry (src/lib/targets.ts, which names and describes
 * them): the compiler requires one here for every target there.
 */
export const RENDERERS: Readonly<Record<Target, TargetRenderer>> = {
  podman: podmanTarget,
  kubernetes: kubernetesTarget,
};
