import type { ConfigProblem } from '../lib/config-error';
import type { ServiceSpec } from './service';

/**
 * Names the renderers use pod-wide: port names (the Kubernetes Services list every port by name,
 * and a probe may name one) and volume names (podman's and the StatefulSet's volumes, claims), each
 * once in the pod, and no volume named like one of the pod's own (the scripts, each container's env
 * file and state). Built-ins choose theirs apart; a declared service's may meet them.
 */
export function nameClashProblems(specs: readonly ServiceSpec[], podName: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ports = new Map<string, string>();
  for (const spec of specs) {
    for (const port of spec.ports) {
      const other = ports.get(port.name);
      if (other) {
        problems.push({
          field: nameField(port.configField),
          value: port.name,
          allowed: `port name already used by ${other}: every port of the pod needs its own name`,
          comparedWith: [other],
        });
      } else ports.set(port.name, port.configField);
    }
  }
  const volumes = new Map<string, string>();
  for (const spec of specs) {
    for (const mount of spec.mounts) {
      const other = volumes.get(mount.name);
      const reserved = mount.name === 'runtime' || mount.name.startsWith('env-') || mount.name.startsWith(`${podName}-state-`);
      if (other || reserved) {
        problems.push({
          field: nameField(mount.configField),
          value: mount.name,
          allowed: other
            ? `volume name already used by ${other}: every volume of the pod needs its own name`
            : `volume names runtime, env-* and ${podName}-state-* are the pod's own: choose another`,
          comparedWith: other ? [other] : undefined,
        });
      } else volumes.set(mount.name, mount.configField);
    }
  }
  return problems;
}

/** The field that names it: `<mount or port>.name` for a declared service's list entry, else the field itself. */
function nameField(configField: string): string {
  if (/\.mounts\.\d+\.hostPath$/.test(configField)) return configField.replace(/\.hostPath$/, '.name');
  if (/\.ports\.\d+$/.test(configField)) return `${configField}.name`;
  return configField;
}
