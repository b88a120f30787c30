/**
 * Normalises JSON records (API pages, webhook objects) with a source's ingest profile.
 *
 * The one place where webhooks and pulls meet the profile layer (lib/features/ingestion/profile.ts):
 * a JSON record is flattened into a header (its field names, nested ones dotted:
 * "customer.email") and string fields, then read exactly like a file row, so amounts,
 * dates, keys and statuses follow the same rules as uploads.
 */
import {
  compileIngestProfile,
  type CompiledIngestProfile,
  type FromFieldsResult,
  type IngestProfile,
  type SourceKind,
} from '@/lib/features/ingestion/profile';

export type JsonRecord = Readonly<Record<string, unknown>>;

export interface JsonRecordNormalizer {
  readonly profile: IngestProfile;
  /** Columns the profile needs. */
  readonly requiredColumns: readonly string[];
  /** True when the profile's columns all resolve against the record's fields. */
  binds(flat: FlatRecord): boolean;
  normalize(flat: FlatRecord, line: number): FromFieldsResult;
}

export interface FlatRecord {
  header: string[];
  fields: string[];
}

const MAX_DEPTH = 4;

/**
 * Flattens a JSON object: nested objects become dotted names, arrays JSON text, null an
 * empty string, numbers and booleans their JSON text.
 */
export function flattenRecord(record: JsonRecord, extra: Readonly<Record<string, unknown>> = {}): FlatRecord {
  const header: string[] = [];
  const fields: string[] = [];
  const walk = (obj: Readonly<Record<string, unknown>>, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH) {
        walk(v as Record<string, unknown>, name, depth + 1);
        continue;
      }
      header.push(name);
      if (v === null || v === undefined) fields.push('');
      else if (typeof v === 'string') fields.push(v);
      else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') fields.push(String(v));
      else fields.push(JSON.stringify(v));
    }
  };
  walk(record, '', 0);
  walk(extra, '', 0);
  return { header, fields };
}

/**
 * Compiles a stored profile (the JSON of SourceProfileVersion.profile) for JSON records.
 * Throws (ZodError) when the stored profile is invalid.
 */
export function compileJsonNormalizer(profileJson: string | unknown, source: { name: string; kind: string }): JsonRecordNormalizer {
  const input = typeof profileJson === 'string' ? (JSON.parse(profileJson) as unknown) : profileJson;
  const compiled: CompiledIngestProfile = compileIngestProfile(input as IngestProfile, {
    name: source.name,
    kind: source.kind as SourceKind,
  });
  // Records of one API share a header, so bindings are cached by header.
  const bindings = new Map<string, ReturnType<CompiledIngestProfile['bindHeader']>>();
  const bind = (header: readonly string[]) => {
    const sig = header.join('\u0000');
    let b = bindings.get(sig);
    if (!b) {
      b = compiled.bindHeader(header);
      if (bindings.size > 256) bindings.clear();
      bindings.set(sig, b);
    }
    return b;
  };
  return {
    profile: compiled.profile,
    requiredColumns: compiled.requiredColumns,
    binds(flat) {
      return bind(flat.header).ok;
    },
    normalize(flat, line) {
      const b = bind(flat.header);
      if (!b.ok) return { ok: false, error: { line, column: b.missing[0] ?? '', reason: b.message } };
      return b.fromFields(flat.fields, line);
    },
  };
}
