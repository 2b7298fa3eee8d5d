/**
 * What an import did with every key of the compose file it did not carry over as it stood: each
 * entry names the key's path (services.web.networks) and why. No key is left out without one.
 */
export type ReportKind =
  /** Carried over, in another form or with another meaning (read the comment in the written file). */
  | 'changed'
  /** Not carried over: the pod cannot do it, or does it its own way. */
  | 'refused'
  /** Nothing to carry: the pod behaves the same without it (or the key has no effect). */
  | 'ignored'
  /** The written configuration needs the user before synth accepts it or the service works. */
  | 'todo';

export interface ReportEntry {
  readonly kind: ReportKind;
  /** Path in the compose file, e.g. services.web.ports[0]; '' for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

/** An env-file key a service receives: the user sets it in the pod's env file (its value is never written). */
export interface EnvFileKey {
  readonly key: string;
  /** Service (as written in the configuration) and where the key came from, e.g. environment or env/netbox.env. */
  readonly uses: Array<{ service: string; from: string }>;
}

/** One problem that stops the import: the file, the path, the value found and what is allowed. */
export interface ImportProblem {
  readonly path: string;
  readonly value: unknown;
  readonly allowed: string;
}

/** Thrown when the compose file cannot be imported; names every problem at once. */
export class ComposeImportError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly ImportProblem[],
  ) {
    super(`cannot import ${file}:\n` + problems.map((p) => `  - ${p.path || '(top level)'}: got ${show(p.value)}; ${p.allowed}`).join('\n'));
    this.name = 'ComposeImportError';
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Collects report entries and problems while a compose file is mapped. */
export class Report {
  readonly entries: ReportEntry[] = [];
  readonly problems: ImportProblem[] = [];

  add(kind: ReportKind, path: string, message: string): void {
    this.entries.push({ kind, path, message });
  }

  problem(path: string, value: unknown, allowed: string): void {
    this.problems.push({ path, value, allowed });
  }
}
