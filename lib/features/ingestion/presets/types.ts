import type { Dataset, IngestProfileInput, SourceKind } from '../profile';

/** A ready-made ingest profile for a known export format. */
export interface Preset {
  id: string;
  label: string;
  kind: SourceKind;
  dataset: Dataset;
  description: string;
  /** Header names that identify the format (matched case- and punctuation-insensitively). */
  signature: string[];
  profile: IngestProfileInput;
}
