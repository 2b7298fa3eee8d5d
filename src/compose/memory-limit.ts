/**
 * Compose memory sizes (mem_limit, deploy.resources.limits.memory: 512m, 1g, 1gb, 1.5G, 268435456)
 * as the configuration's memory quantity (512Mi, 1Gi), rounded up to a whole MiB.
 */
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** The quantity, or undefined when the text is no size. */
export function memoryQuantity(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : '';
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?b?)$/.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * UNITS[m[2]];
  const mib = Math.ceil(bytes / 1024 ** 2);
  if (mib < 1) return undefined;
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}
