/** A normalized record: what every ingestion path (upload, pull, webhook) produces and the bulk writer stores. */

/** payments: gateway/bank/ERP rows; deals: CRM deals; spend: ad-platform cost rows. */
export const DATASETS = ['payments', 'deals', 'spend'] as const;
export type Dataset = (typeof DATASETS)[number];

/** The dataset a stored profile (SourceProfileVersion.profile, JSON) ingests, or undefined when unreadable. */
export function profileDataset(profile: string | undefined | null): string | undefined {
  try {
    return (JSON.parse(profile ?? '{}') as { dataset?: string }).dataset;
  } catch {
    return undefined;
  }
}

export interface IngestRecord {
  dataset: Dataset;
  /** Match key (engine semantics: key columns trimmed, upper-cased, joined by '|'). */
  key: string;
  /** The id as written in the file (trimmed; extracted by idPattern when set). */
  txId: string;
  line: number;
  at: number | null;
  date: string | null;
  /** Signed integer minor units. */
  amount: number;
  currency: string;
  /** Canonical status or 'Unknown'; '' for spend rows (they have no status). */
  status: string;
  /** The source's own status code (trimmed); '' for spend rows. */
  code: string;
  attrs: Record<string, string>;
}
