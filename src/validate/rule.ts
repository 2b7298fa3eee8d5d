import { FieldPath } from './finding';
import { ManifestDocument } from './manifest-input';

/** What a rule's check sees: one document, and the others of its file. */
export interface RuleContext {
  readonly doc: ManifestDocument;
  /** Every document of the same file (ConfigMaps and Secrets next to the Pod). */
  readonly documents: readonly ManifestDocument[];
}

/** One place a rule fires: where, what will happen, and (when it says more than the rule's) the fix. */
export interface RuleHit {
  readonly path: FieldPath;
  readonly message: string;
  readonly fix?: string;
}
