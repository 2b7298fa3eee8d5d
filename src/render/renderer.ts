import type { Config } from '../config/schema';
import type { ConfigProblem } from '../lib/config-error';
import type { PodModel } from '../model/pod-model';
import type { ServiceSpec } from '../model/service';
import type { GeneratedFile } from './generated-file';
import type { ExternalService } from './kubernetes';

// Here and not in targets.ts, which lists the renderers: a renderer importing targets.ts would
// close a cycle (targets.ts imports every renderer).

/** What a renderer gets: the validated configuration, the model, and what the stack decides beyond it. */
export interface RenderInput {
  readonly config: Config;
  readonly model: PodModel;
  /** Services that run outside the pod on a cluster (app/stack.ts decides; the Kubernetes target reads it). */
  readonly externalOnCluster: readonly ExternalService[];
}

/** What synth prints after writing a target's files: how they go live. */
export interface NextSteps {
  readonly heading: string;
  readonly steps: readonly string[];
}

/** The part of a render target that writes files (its plain description: lib/targets.ts). */
export interface TargetRenderer {
  /** Every file of the target, paths relative to dist/ (within its folder, see lib/targets.ts). */
  render(input: RenderInput): GeneratedFile[];
  /**
   * Configuration problems only this target has, judged from the services' specs; synth reports
   * them with every other problem of the configuration (a construct validation).
   */
  configProblems?(config: Config, specs: readonly ServiceSpec[]): ConfigProblem[];
  /** What synth prints after writing, `dir` being the target's folder as written. */
  nextSteps?(config: Config, dir: string): NextSteps;
}
