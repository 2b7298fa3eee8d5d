/** One problem with the user's configuration: which field, which value, what is allowed. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `services.valkey.port`. */
  readonly field: string;
  /** The value found there (undefined when the field is missing). */
  readonly value: unknown;
  /** What is allowed instead. */
  readonly allowed: string;
}

/** Thrown for invalid configuration; the CLI prints `message` and exits 2. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly ConfigProblem[],
    /** Where the configuration came from (a file), when known where the error is raised. */
    readonly source?: string,
  ) {
    super(
      `invalid configuration${source ? ` in ${source}` : ''}:\n` +
        problems.map((p) => `  - ${p.field || '(top level)'}: got ${showValue(p.value)}; ${p.allowed}`).join('\n'),
    );
    this.name = 'ConfigError';
  }

  /** The same problems reported against `source` (constructs do not know the file's name). */
  withSource(source: string): ConfigError {
    return this.source ? this : new ConfigError(this.problems, source);
  }
}

function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
