/** How bad a finding is: an error fails the command (exit 1); a warning or a note (info) informs. */
export type Severity = 'error' | 'warning' | 'info';

/**
 * Something a check found, and how to fix it: the one shape validate and doctor report. validate
 * adds where in a manifest it is (ManifestFinding); doctor prints an error as FAIL, a note as note.
 */
export interface Finding {
  readonly severity: Severity;
  /** What is wrong: for a manifest, what will happen instead of what it says. */
  readonly message: string;
  /** How to fix it (for a note: a hint). */
  readonly fix?: string;
}

/** Severity order for sorting and thresholds. */
export const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
