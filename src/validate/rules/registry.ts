import { PodmanRule } from './podman-rule';

const registered: PodmanRule[] = [];

/** Adds a rule to the registry (its file calls this; index.ts imports every file). */
export function podmanRule(rule: PodmanRule): PodmanRule {
  if (registered.some((r) => r.id === rule.id)) throw new Error(`podman rule ${rule.id} is registered twice`);
  registered.push(rule);
  return rule;
}

/** Every rule registered so far, in the order their files were imported. */
export function registeredRules(): readonly PodmanRule[] {
  return registered;
}
