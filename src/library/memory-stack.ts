import { Construct } from 'constructs';
import { configure, synthesizeWithModel } from '../app/synth';
import { relative } from 'node:path';
import { copyManifestsForCdk8s, writeDist } from '../app/write-dist';
import { BUILT_IN_SERVICES } from '../config/declared-schema';
import { movingImageWarnings } from '../config/image-warnings';
import { checkSchema, readConfigFile } from '../config/load';
import type { ConfigInput } from '../config/schema';
import { addConfigValidation, ConfigError, ConfigProblem } from '../lib/config-error';
import { DependencyError } from '../model/startup-order';
import type { DeclaredServiceProps, MemoryStackConfig } from './config-types';
import { DeclaredService, ServiceHost, STACK_MARK } from './declared-service';

/** Props of a MemoryStack: its configuration, given as an object or as a file (not both). */
export interface MemoryStackProps {
  /**
   * The configuration, as the configuration file would hold it (README "Configuration").
   * @default - the built-in defaults (when configFile is unset too)
   */
  readonly config?: MemoryStackConfig;
  /**
   * A configuration file (YAML), read as `opencode-memory-pod synth --config` reads it.
   * @default - none: `config`, or the built-in defaults
   */
  readonly configFile?: string;
}

/** One file of dist/. */
export interface DistFile {
  /** Path relative to the output folder, e.g. `pod.yaml` or `libexec/wait-healthy.sh`. */
  readonly path: string;
  readonly content: string;
  /** File mode, e.g. 0o644 or 0o755. */
  readonly mode: number;
}

/** What writeDist wrote. */
export interface DistResult {
  /** The output folder. */
  readonly outDir: string;
  /** The files written there (paths relative to it), besides synth's stamp. */
  readonly files: readonly string[];
  /**
   * What `synth` says on stderr while it writes all the same: each image named by a moving tag
   * (`services.<name>.image: got ...`).
   */
  readonly warnings: readonly string[];
}

/**
 * The OpenCode memory stack (OpenCode, Valkey, FalkorDB, the Datadog Agent, optionally Graphiti MCP)
 * and the services you add to it, as one podman pod: what `opencode-memory-pod synth` makes from a
 * configuration file, made from a cdk8s app. `writeDist` writes the same dist/ as the CLI's synth
 * of the equivalent file (the configuration, with each DeclaredService as a key of `services`,
 * after those the configuration declares, in the order they were added).
 *
 * The configuration is checked by the schema when the stack is made (a ConfigError names every
 * bad field); what needs the whole pod (ports, `after`, cycles, names) when it is synthesized, and
 * by the constructs' validation (`node.validate()`, which cdk8s' `app.synth()` runs).
 *
 * @example
 * const app = new App();
 * const stack = new MemoryStack(app, 'stack', { config: { services: { opencode: { after: ['postgres'] } } } });
 * stack.addService('postgres', { image: 'docker.io/library/postgres:16.4', command: ['docker-entrypoint.sh', 'postgres'], health: { tcp: 5432 }, tools: ['bash'], ports: [{ containerPort: 5432 }] });
 * stack.writeDist('dist');
 */
export class MemoryStack extends Construct implements ServiceHost {
  /** What DeclaredService looks for in its scope (a registered symbol: the same in every copy of this package). */
  readonly [STACK_MARK] = true as const;
  private readonly data: Record<string, unknown>;
  private readonly source: string;

  /** True when `x` is a MemoryStack (of any copy of this package). */
  static isMemoryStack(x: unknown): x is MemoryStack {
    return x !== null && typeof x === 'object' && STACK_MARK in x;
  }

  constructor(scope: Construct, id: string, props: MemoryStackProps = {}) {
    // Checked before the construct joins the tree: a refused stack leaves nothing behind.
    const source = props.configFile ?? `MemoryStack ${[scope.node.path, id].filter(Boolean).join('/')}`;
    if (props.config !== undefined && props.configFile !== undefined) {
      throw new ConfigError([{ field: 'configFile', value: props.configFile, allowed: 'give config or configFile, not both' }], source);
    }
    // Plain data, as YAML would give it (an undefined field is an absent one); a file is read as the CLI reads it.
    const data: unknown = props.configFile !== undefined ? readConfigFile(props.configFile) : JSON.parse(JSON.stringify(props.config ?? {}));
    const { problems } = checkSchema(data);
    if (problems.length) throw new ConfigError(problems, source);
    super(scope, id);
    this.source = source;
    this.data = (data ?? {}) as Record<string, unknown>;
    // cdk8s' app.synth() (and node.validate()) report what only the whole pod shows.
    addConfigValidation(this, () => this.podProblems());
  }

  /** The services of your own the configuration declares (keys of `services` other than the built-ins). */
  get configuredServices(): readonly string[] {
    const services = (this.data.services ?? {}) as Record<string, unknown>;
    return Object.keys(services).filter((name) => !(BUILT_IN_SERVICES as readonly string[]).includes(name));
  }

  /** Adds a service of your own: `new DeclaredService(this, name, props)`. */
  addService(name: string, props: DeclaredServiceProps): DeclaredService {
    return new DeclaredService(this, name, props);
  }

  /** The DeclaredServices added to the stack, in the order they were added. */
  get declaredServices(): readonly DeclaredService[] {
    return this.node.children.filter(DeclaredService.isDeclaredService);
  }

  /**
   * The configuration file this stack is equivalent to: its configuration with each
   * DeclaredService as a key of `services`. `opencode-memory-pod synth` of it writes what writeDist does.
   */
  toConfig(): MemoryStackConfig {
    const services = { ...((this.data.services ?? {}) as Record<string, unknown>) };
    for (const service of this.declaredServices) services[service.name] = service.config;
    return { ...this.data, services } as MemoryStackConfig;
  }

  /**
   * Every file of dist/, in memory, as synth renders them (the stamp aside). Throws a ConfigError
   * listing every problem of the pod, as synth reports them.
   */
  synthesize(): DistFile[] {
    return this.render().files;
  }

  /**
   * Writes dist/ as `opencode-memory-pod synth --out <outDir>` does: the folder is replaced
   * whole, by an atomic rename, and only when it is new, empty or holds just what an earlier synth
   * wrote (its stamp `.opencode-memory-pod-dist.json`); otherwise nothing is written. Throws a
   * ConfigError listing every problem of the pod, writing nothing. Run by `cdk8s synth` (which sets
   * CDK8S_OUTDIR), it also copies the manifests (pod.yaml, kubernetes/) there, as synth does, where
   * cdk8s-cli and the validation plugins of cdk8s.yaml read them.
   * @param outDir the output folder, `dist` when not given
   */
  writeDist(outDir = 'dist'): DistResult {
    const { files, warnings } = this.render();
    writeDist(outDir, files);
    // Under `cdk8s synth`, as the CLI's synth: the manifests also go where cdk8s-cli and its validation plugins read them.
    const cdk8sOutDir = process.env.CDK8S_OUTDIR;
    if (cdk8sOutDir && relative(cdk8sOutDir, outDir) !== '') copyManifestsForCdk8s(files, cdk8sOutDir);
    return { outDir, files: files.map((f) => f.path), warnings };
  }

  private render(): { files: DistFile[]; warnings: string[] } {
    try {
      const { files, model } = synthesizeWithModel(configure(this.toConfig() as ConfigInput));
      return { files, warnings: movingImageWarnings(model) };
    } catch (e) {
      if (e instanceof ConfigError) throw e.withSource(this.source);
      // The order cannot be made (checked with the rest before: a safety net), as synth reports it.
      if (e instanceof DependencyError) throw new ConfigError([{ field: 'services', value: undefined, allowed: e.message }], this.source);
      throw e;
    }
  }

  /** Every problem synth would report for the equivalent configuration file. */
  private podProblems(): readonly ConfigProblem[] {
    try {
      configure(this.toConfig() as ConfigInput);
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  }
}

// The generated type takes what the schema takes (tools/library-types.ts writes it from the schema,
// DeclaredServiceProps included; test/library.test.ts fails when it is stale).
type Accepts<T, U> = [U] extends [T] ? true : false;
const configTypeTakesSchemaInput: Accepts<MemoryStackConfig, NonNullable<ConfigInput>> = true;
void configTypeTakesSchemaInput;
