import { ConstructOrder, IConstruct, IValidation } from 'constructs';

/** One problem with the user's configuration: which field, which value, what is allowed. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `services.valkey.port`. */
  readonly field: string;
  /** The value found there (undefined when the field is missing). */
  readonly value: unknown;
  /** What is allowed instead. */
  readonly allowed: string;
  /**
   * Other fields whose values the check compared this one with (e.g. the port it collides with):
   * when the schema refused one of them, its default stood in, and the problem is not reported.
   */
  readonly comparedWith?: readonly string[];
}

/** Thrown for invalid configuration; the CLI prints `message` and exits 2. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly ConfigProblem[],
    /** Where the configuration came from (a file), when known where the error is raised. */
    readonly source?: string,
  ) {
    super(`invalid configuration${source ? ` in ${source}` : ''}:\n` + problems.map((p) => `  - ${problemLine(p)}`).join('\n'));
    this.name = 'ConfigError';
  }

  /** The same problems reported against `source` (constructs do not know the file's name). */
  withSource(source: string): ConfigError {
    return this.source ? this : new ConfigError(this.problems, source);
  }
}

/** `field: got value; what is allowed`, as every configuration error is reported. */
function problemLine(p: ConfigProblem): string {
  return `${p.field || '(top level)'}: got ${showValue(p.value)}; ${p.allowed}`;
}

/**
 * A configuration check of a construct, added to it with `node.addValidation`: `validate()` gives
 * the constructs API one line per problem (what `node.validate()` and cdk8s' `App.synth()` report),
 * `problems()` the problems themselves, for configProblems.
 */
export class ConfigValidation implements IValidation {
  constructor(private readonly check: () => readonly ConfigProblem[]) {}

  problems(): readonly ConfigProblem[] {
    return this.check();
  }

  validate(): string[] {
    return this.problems().map(problemLine);
  }
}

/** The configuration checks added to each construct (the constructs API keeps its own list private). */
const CHECKS = new WeakMap<IConstruct, ConfigValidation[]>();

/**
 * Adds a configuration check to a construct (node.addValidation). Constructs do not throw on a bad
 * value: each adds a check, and configProblems collects every problem of the tree at once.
 */
export function addConfigValidation(scope: IConstruct, check: () => readonly ConfigProblem[]): void {
  const validation = new ConfigValidation(check);
  scope.node.addValidation(validation);
  CHECKS.set(scope, [...(CHECKS.get(scope) ?? []), validation]);
}

/**
 * Every problem the configuration checks of `root` and the constructs below it find, children
 * before their parents (a service's own problems before the pod-wide ones). A construct's other
 * validations (plain node.addValidation) are reported too, by their message.
 */
export function configProblems(root: IConstruct): ConfigProblem[] {
  return root.node.findAll(ConstructOrder.POSTORDER).flatMap((c) => {
    const ours = (CHECKS.get(c) ?? []).flatMap((v) => v.problems());
    // node.validate() runs every validation of the construct; a line none of ours gave is another's.
    const known = new Set(ours.map(problemLine));
    const others = c.node.validate().filter((line) => !known.has(line));
    return [...ours, ...others.map((line) => ({ field: c.node.path, value: undefined, allowed: line }))];
  });
}

function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
