import { Finding } from '../lib/finding';

/** A check that passed: what was found in order. */
export interface Passed {
  readonly severity: 'passed';
  readonly message: string;
  /** Nothing to fix (so `fix` reads the same on every Check). */
  readonly fix?: undefined;
}

/**
 * One line of the report: a check that passed, or a Finding: an error is a problem (with the
 * command or step that fixes it), info a note, not a check (what install will do, what a mount grants).
 */
export type Check = Passed | Finding;
