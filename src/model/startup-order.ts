/** A node of the dependency graph: a service name and the services it waits for. */
export interface OrderNode {
  readonly name: string;
  readonly dependsOn: ReadonlyArray<{ readonly service: string; readonly optional?: boolean }>;
}

/** The resolved graph: each service with the present services it waits for, in start order. */
export interface StartupStage {
  readonly name: string;
  /** Present dependencies, in declaration order (optional ones whose service is absent dropped). */
  readonly waitsFor: readonly string[];
  /** Services that wait for this one. */
  readonly dependents: readonly string[];
}

/** Thrown when the declared dependencies cannot be ordered. */
export class DependencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DependencyError';
  }
}

/**
 * Orders services so that each comes after everything it depends on (Kahn's algorithm). Among
 * services that are ready at the same time the declaration order is kept, so the output is stable.
 * Rejects unknown (non-optional) dependencies, self-dependencies and cycles, naming the services.
 */
export function startupOrder(nodes: readonly OrderNode[]): StartupStage[] {
  const names = new Set<string>();
  for (const n of nodes) {
    if (names.has(n.name)) throw new DependencyError(`service "${n.name}" is declared twice`);
    names.add(n.name);
  }
  const waitsFor = new Map<string, string[]>();
  for (const n of nodes) {
    const deps: string[] = [];
    for (const d of n.dependsOn) {
      if (d.service === n.name) throw new DependencyError(`service "${n.name}" depends on itself`);
      if (!names.has(d.service)) {
        if (d.optional) continue;
        throw new DependencyError(`service "${n.name}" depends on "${d.service}", which is not part of the stack (services: ${[...names].join(', ')})`);
      }
      if (!deps.includes(d.service)) deps.push(d.service);
    }
    waitsFor.set(n.name, deps);
  }

  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < nodes.length) {
    const next = nodes.find((n) => !placed.has(n.name) && waitsFor.get(n.name)!.every((d) => placed.has(d)));
    if (!next) {
      const stuck = nodes.filter((n) => !placed.has(n.name)).map((n) => n.name);
      throw new DependencyError(`dependency cycle among services: ${describeCycle(stuck, waitsFor)}`);
    }
    placed.add(next.name);
    order.push(next.name);
  }

  return order.map((name) => ({
    name,
    waitsFor: waitsFor.get(name)!,
    dependents: order.filter((other) => waitsFor.get(other)!.includes(name)),
  }));
}

function describeCycle(stuck: string[], waitsFor: Map<string, string[]>): string {
  // Follow dependencies from the first stuck service until one repeats: that loop is a cycle.
  const path: string[] = [];
  let cur = stuck[0];
  while (!path.includes(cur)) {
    path.push(cur);
    cur = waitsFor.get(cur)!.find((d) => stuck.includes(d))!;
  }
  return [...path.slice(path.indexOf(cur)), cur].join(' -> ');
}
