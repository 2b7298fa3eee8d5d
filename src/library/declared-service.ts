import { Construct, IConstruct } from 'constructs';
import { checkSchema } from '../config/load';
import { BUILT_IN_SERVICES, SERVICE_NAME, SERVICE_NAME_TEXT } from '../config/declared-schema';
import { ConfigError, ConfigProblem } from '../lib/config-error';
import type { DeclaredServiceProps } from './config-types';

/** Marks a MemoryStack (memory-stack.ts), which imports this module: a DeclaredService lives in one. */
export const STACK_MARK = Symbol.for('opencode-memory-pod.MemoryStack');

/** What a DeclaredService asks of the MemoryStack it is added to. */
export interface ServiceHost extends IConstruct {
  readonly [STACK_MARK]: true;
  /** The services the stack's configuration declares (`services.<name>` other than the built-ins). */
  readonly configuredServices: readonly string[];
}

/**
 * A container of your own in the pod, added to a MemoryStack: what a key of `services` other than
 * the built-ins declares in the configuration file (README "Services of your own"), written in
 * TypeScript. It gets what a built-in gets: the launcher's order and health gate, the watchdog, its
 * own env file with only its keys, install and doctor, the Kubernetes target.
 *
 * Its props are checked when it is made, by the configuration's own schema: a bad value throws a
 * ConfigError naming every bad field as `services.<id>.<field>`. What depends on the rest of the
 * pod (its `after`, ports another service uses, cycles) is checked when the stack is synthesized.
 *
 * @example
 * new DeclaredService(stack, 'postgres', {
 *   image: 'docker.io/library/postgres:16.4',
 *   command: ['docker-entrypoint.sh', 'postgres'],
 *   ports: [{ containerPort: 5432 }],
 *   health: { command: ['pg_isready', '-h', '127.0.0.1'] },
 * });
 */
export class DeclaredService extends Construct {
  /** The service's name: its construct id, its container's name in the pod and the name `after` uses. */
  readonly name: string;
  /** The props as given, as plain data (what the configuration file would hold). */
  private readonly data: unknown;

  /** True when `x` is a DeclaredService (of any copy of this package). */
  static isDeclaredService(x: unknown): x is DeclaredService {
    return x !== null && typeof x === 'object' && SERVICE_MARK in x;
  }

  /**
   * @param scope the MemoryStack the service belongs to
   * @param id the service's name: 1-15 lowercase letters, digits and -, not a built-in's
   */
  constructor(scope: ServiceHost, id: string, props: DeclaredServiceProps) {
    if (!(scope as Partial<ServiceHost>)?.[STACK_MARK]) {
      throw new Error(`DeclaredService "${id}": its scope must be a MemoryStack (got ${scope?.node?.path ?? String(scope)})`);
    }
    const field = `services.${id}`;
    const named = nameProblem(id, field, scope.configuredServices);
    if (named) throw new ConfigError([named], `DeclaredService ${id}`);
    // Plain data, as YAML would give it: an undefined field is an absent one.
    const data: unknown = JSON.parse(JSON.stringify(props ?? null));
    // Checked before the construct joins the tree: a refused service leaves nothing behind.
    const problems = checkSchema({ services: { [id]: data } }).problems.filter((p) => p.field === field || p.field.startsWith(`${field}.`));
    if (problems.length) throw new ConfigError(problems, `DeclaredService ${id}`);
    super(scope, id);
    this.name = id;
    this.data = data;
  }

  /** The service as the configuration file's `services.<name>` would hold it. */
  get config(): unknown {
    return this.data;
  }
}

const SERVICE_MARK = Symbol.for('opencode-memory-pod.DeclaredService');
Object.defineProperty(DeclaredService.prototype, SERVICE_MARK, { value: true });

function nameProblem(id: string, field: string, configured: readonly string[]): ConfigProblem | undefined {
  if ((BUILT_IN_SERVICES as readonly string[]).includes(id)) {
    return { field, value: id, allowed: `${id} is a built-in service: set it in the MemoryStack's config.services.${id}, not with a DeclaredService` };
  }
  if (!SERVICE_NAME.test(id)) return { field, value: id, allowed: `a service name must be ${SERVICE_NAME_TEXT}` };
  if (configured.includes(id)) return { field, value: id, allowed: `the MemoryStack's configuration already declares services.${id}: declare it once` };
  return undefined;
}
