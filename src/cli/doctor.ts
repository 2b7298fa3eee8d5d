import { doctor } from '../host/doctor';
import { readInstallPlan } from '../host/install';

/** Prints every check; exit codes: 0 all passed, 1 a problem found, 2 no usable dist/. */
export async function runDoctor(o: { from: string }, log: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  let plan;
  try {
    plan = readInstallPlan(o.from);
  } catch (e) {
    err(`opencode-memory-pod: ${(e as Error).message}`);
    return 2;
  }
  const findings = await doctor(plan, o.from);
  for (const f of findings) {
    log(`${f.ok ? (f.note ? 'note' : 'ok  ') : 'FAIL'} ${f.what}`);
    if ((!f.ok || f.note) && f.fix) log(`     ${f.ok ? 'hint' : 'fix'}: ${f.fix}`);
  }
  const bad = findings.filter((f) => !f.ok).length;
  log(bad ? `\n${bad} problem(s) found` : '\nall checks passed');
  return bad ? 1 : 0;
}
