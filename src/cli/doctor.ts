import { Check, doctor } from '../host/doctor';
import { readPlanOrSay } from './dist-plan';

const LABEL: Record<Check['severity'], string> = { passed: 'ok  ', info: 'note', warning: 'warn', error: 'FAIL' };

/** Prints every check; exit codes: 0 all passed, 1 a problem found, 2 no usable dist/. */
export async function runDoctor(o: { from: string }, log: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const plan = readPlanOrSay(o.from, err);
  if (!plan) return 2;
  const checks = await doctor(plan, o.from);
  for (const c of checks) {
    log(`${LABEL[c.severity]} ${c.message}`);
    if (c.severity !== 'passed' && c.fix) log(`     ${c.severity === 'error' ? 'fix' : 'hint'}: ${c.fix}`);
  }
  const bad = checks.filter((c) => c.severity === 'error').length;
  log(bad ? `\n${bad} problem(s) found` : '\nall checks passed');
  return bad ? 1 : 0;
}
