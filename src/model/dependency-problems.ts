import type { ConfigProblem } from '../lib/config-error';
import type { ServiceSpec } from './service';

/** Where the configuration names a service's dependencies: `services.<name>.after`, in its order. */
export interface AfterField {
  readonly service: string;
  readonly after: readonly string[];
}

/**
 * The dependencies the configuration adds (`after`), judged with every other problem: each must
 * name a service of this pod (not the service itself), and no chain of dependencies, the services'
 * own included, may come back to where it began (named as `a -> b -> a`). startupOrder throws on
 * the same, but only for the first one it meets, and without the field.
 * `absent` explains names that are services of the stack, only not in this pod (turned off).
 */
export function dependencyProblems(
  specs: readonly ServiceSpec[],
  fields: readonly AfterField[],
  absent: Readonly<Record<string, string>> = {},
): ConfigProblem[] {
  const names = specs.map((s) => s.name);
  const problems: ConfigProblem[] = [];
  for (const { service, after } of fields) {
    after.forEach((dep, i) => {
      const field = `services.${service}.after.${i}`;
      if (dep === service) problems.push({ field, value: dep, allowed: 'a service cannot wait for itself' });
      else if (!names.includes(dep)) {
        const why = absent[dep] ? `${dep} is not in this pod (${absent[dep]})` : `no service is called ${dep}${suggest(dep, names)}`;
        problems.push({ field, value: dep, allowed: `must name a service of this pod (${names.join(', ')}): ${why}`, comparedWith: [`services.${dep}`] });
      }
    });
  }
  return [...problems, ...cycleProblems(specs, fields)];
}

/** ` (did you mean X?)` for a name one or two edits from a known one. */
export function suggest(name: string, known: readonly string[]): string {
  const near = known.find((k) => editDistance(name, k) <= 2);
  return near ? ` (did you mean ${near}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * One problem per group of services that wait for one another (a strongly connected component),
 * naming one cycle through it, on the `after` field of a service whose `after` closes it.
 */
function cycleProblems(specs: readonly ServiceSpec[], fields: readonly AfterField[]): ConfigProblem[] {
  const names = new Set(specs.map((s) => s.name));
  const edges = new Map(specs.map((s) => [s.name, [...new Set(s.dependsOn.map((d) => d.service).filter((d) => names.has(d) && d !== s.name))]]));
  const problems: ConfigProblem[] = [];
  for (const group of components(
    specs.map((s) => s.name),
    edges,
  )) {
    if (group.length < 2) continue;
    const cycle = cycleIn(group, edges);
    const hops = cycle.slice(0, -1).map((from, i) => ({ from, to: cycle[i + 1] }));
    const own = hops.find((h) => fields.some((f) => f.service === h.from && f.after.includes(h.to)));
    const at = own ?? hops[0];
    const index = fields.find((f) => f.service === at.from)?.after.indexOf(at.to) ?? -1;
    problems.push({
      field: `services.${at.from}.after${index >= 0 ? `.${index}` : ''}`,
      value: at.to,
      allowed: `dependency cycle ${cycle.join(' -> ')}: no service of it could ever start; remove one of these dependencies`,
    });
  }
  return problems;
}

/** Tarjan's strongly connected components, in the services' order. */
function components(order: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        group.unshift(w);
      } while (w !== v);
      out.push(order.filter((n) => group.includes(n)));
    }
  };
  for (const v of order) if (!index.has(v)) visit(v);
  return out;
}

/** A cycle inside one component, from its first service back to it: follow edges that stay inside until one repeats. */
function cycleIn(group: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const path: string[] = [];
  let cur = group[0];
  while (!path.includes(cur)) {
    path.push(cur);
    cur = edges.get(cur)!.find((d) => group.includes(d))!;
  }
  return [...path.slice(path.indexOf(cur)), cur];
}
