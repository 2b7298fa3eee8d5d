import { App } from 'cdk8s';
import { z } from 'zod';
import { Config, configSchema } from '../config/schema';
import { TARGET_NAMES } from '../lib/targets';
import { PodModel } from '../model/pod-model';
import { GeneratedFile } from '../render/generated-file';
import { RENDERERS } from '../render/targets';
import { MemoryStack } from './stack';

/** Builds the model of the stack from a validated configuration. */
export function buildModel(config: Config): PodModel {
  const app = new App();
  return new MemoryStack(app, 'stack', config).model();
}

/** Renders every file of dist/ in memory; nothing is written. */
export function synthesize(config: Config): GeneratedFile[] {
  return synthesizeWithModel(config).files;
}

/** synthesize, and the model the files were rendered from (for what synth prints). */
export function synthesizeWithModel(config: Config): { files: GeneratedFile[]; model: PodModel } {
  const stack = new MemoryStack(new App(), 'stack', config);
  const model = stack.model();
  const input = { config, model, externalOnCluster: stack.kubernetesExternalServices() };
  // Each target the configuration names, in the registry's order, by its renderer.
  const files = TARGET_NAMES.filter((t) => config.targets.includes(t)).flatMap((t) => RENDERERS[t].render(input));
  files.push({ path: 'config.schema.json', content: `${JSON.stringify(configJsonSchema(), null, 2)}\n`, mode: 0o644 });
  return { files, model };
}

/** JSON Schema of the configuration file, for editor completion. */
export function configJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'opencode-memory-pod configuration',
  };
}
