import { App } from 'cdk8s';
import { configJsonSchema } from '../config/json-schema';
import { checkSchema } from '../config/load';
import { Config } from '../config/schema';
import { addConfigValidation, ConfigError } from '../lib/config-error';
import { Target, TARGET_NAMES } from '../lib/targets';
import { PodModel } from '../model/pod-model';
import { GeneratedFile } from '../render/generated-file';
import { RENDERERS } from '../render/targets';
import { MemoryStack } from './stack';

/**
 * The stack of a validated configuration, with the configuration checks of the targets it names
 * beside the constructs' own (node.addValidation): stack.model() reports them all at once.
 */
export function buildStack(config: Config): MemoryStack {
  const stack = new MemoryStack(new App(), 'stack', config);
  const specs = () => stack.specs();
  for (const target of config.targets) {
    const { configProblems } = RENDERERS[target];
    if (configProblems) addConfigValidation(stack, () => configProblems(config, specs()));
  }
  return stack;
}

/** Builds the model of the stack from a validated configuration. */
export function buildModel(config: Config): PodModel {
  return buildStack(config).model();
}

/**
 * The configuration in `data` (as read from its file), with `targets` in place of its own when
 * given. Throws one ConfigError listing every problem: the schema's and, judged with a default in
 * place of each value the schema refused, the constructs' (less those that compared a refused field).
 */
export function configure(data: unknown, targets?: readonly Target[]): Config {
  const checked = checkSchema(data);
  const config = checked.config && targets ? { ...checked.config, targets: [...targets] } : checked.config;
  const refused = (field: string) => checked.refused.some((r) => r === '' || field === r || field.startsWith(`${r}.`) || r.startsWith(`${field}.`));
  const found = config ? buildStack(config).configProblems() : [];
  const problems = [...checked.problems, ...found.filter((p) => ![p.field, ...(p.comparedWith ?? [])].some(refused))];
  if (problems.length) throw new ConfigError(problems);
  return config!;
}

/** Renders every file of dist/ in memory; nothing is written. */
export function synthesize(config: Config): GeneratedFile[] {
  return synthesizeWithModel(config).files;
}

/** synthesize, and the model the files were rendered from (for what synth prints). */
export function synthesizeWithModel(config: Config): { files: GeneratedFile[]; model: PodModel } {
  const stack = buildStack(config);
  const model = stack.model();
  const input = { config, model, externalOnCluster: stack.kubernetesExternalServices() };
  // Each target the configuration names, in the registry's order, by its renderer.
  const files = TARGET_NAMES.filter((t) => config.targets.includes(t)).flatMap((t) => RENDERERS[t].render(input));
  files.push({ path: 'config.schema.json', content: `${JSON.stringify(configJsonSchema(), null, 2)}\n`, mode: 0o644 });
  return { files, model };
}
