/**
 * Compose durations (Go's time.ParseDuration: 1m30s, 10s, 500ms, 1h, 1.5s) in whole seconds, as the
 * configuration's health timings take them.
 */
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;

/** Seconds, or undefined when the text is not a duration. */
export function durationSeconds(text: string): number | undefined {
  if (text === '0') return 0;
  let rest = text.trim();
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const m = DURATION.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Whole seconds for the configuration: rounded up, at least 1 (what rounding changed is the caller's to say). */
export function wholeSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds - 1e-9));
}
