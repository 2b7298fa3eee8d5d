import type { PodModel } from './pod-model';

/**
 * What each container receives from the env file (patterns, never values), one line per service.
 * Apart from secret-keys.ts because pod-model.ts uses that file: importing PodModel there was a cycle.
 */
export function secretKeyLines(model: PodModel): string[] {
  const width = Math.max(...model.stages.map((s) => s.spec.name.length));
  return model.stages.map(({ spec }) => `${spec.name.padEnd(width)}  ${spec.secrets.receives.join(' ') || '(no key)'}`);
}
