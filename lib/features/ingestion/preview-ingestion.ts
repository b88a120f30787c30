import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { ingestionStateError, isIngestionStateError, uploadRejectedError } from './upload-limits';
import { type IngestProfile, type IngestProfileInput, type SourceKind } from '@/lib/features/ingestion/profile';
import { detectHeaderDrift, type DriftFinding } from '@/lib/features/ingestion/drift';
import { currentProfileVersion } from './sources';
import { ParseError, sniffFile } from '@/lib/features/ingestion/parse';
import { suggestProfile } from '@/lib/features/ingestion/suggest';
import { presetById } from '@/lib/features/ingestion/presets';
import { abandon, loadIngestion, type Actor } from './ingestion-state';
import { loggerFor } from '@/lib/server/observability/logger';

export type IngestionPreview = {
  ingestionId: string;
  fileName: string | null;
  format: unknown;
  sheets?: string[];
  header: string[];
  sampleRows: string[][];
  notes: string[];
  suggestion: { presetId: string | null; presetLabel: string | null; profile: IngestProfileInput; confidence: string };
  current: { version: number; profile: IngestProfile } | null;
  drift: DriftFinding[];
};

/** The first rows, a suggested mapping and, when the source has a profile, the drift against it. */
export async function previewIngestion(id: string, opts: { sheet?: string; db?: Client } = {}): Promise<IngestionPreview> {
  const db = opts.db ?? getPrisma();
  const ingestion = await loadIngestion(id, db);
  if (ingestion.status !== 'staged' || !ingestion.stagedPath) {
    throw ingestionStateError(`This upload is ${ingestion.status}; only a staged upload can be previewed.`);
  }
  const current = await currentProfileVersion(ingestion.sourceId, db);
  const sniff = await sniffFile(ingestion.stagedPath, ingestion.fileName ?? 'upload', {
    format: opts.sheet ? { sheet: opts.sheet } : current ? { ...current.profile.format, type: undefined } : undefined,
  });
  const suggestion = suggestProfile(sniff.header, sniff.sampleRows, { kind: ingestion.source.kind as SourceKind });
  const drift = current ? detectHeaderDrift(current.profile, sniff.header, sniff.sampleRows) : [];
  return {
    ingestionId: id,
    fileName: ingestion.fileName,
    format: sniff.format,
    sheets: sniff.sheets,
    header: sniff.header,
    sampleRows: sniff.sampleRows,
    notes: sniff.notes,
    suggestion: { ...suggestion, presetLabel: suggestion.presetId ? (presetById(suggestion.presetId)?.label ?? null) : null },
    current: current ? { version: current.version, profile: current.profile } : null,
    drift,
  };
}

/**
 * The preview of a fresh upload; when the file cannot be read at all (binary, zip bomb,
 * unbalanced quote, nested too deep...) the upload is refused at once: marked failed with the
 * reason, its staged file removed and the refusal audited, so nothing is left half-open.
 */
export async function previewOrReject(id: string, opts: { sheet?: string; actor: Actor; db?: Client }): Promise<IngestionPreview> {
  const db = opts.db ?? getPrisma();
  try {
    return await previewIngestion(id, { sheet: opts.sheet, db });
  } catch (error) {
    if (isIngestionStateError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (!(error instanceof ParseError)) loggerFor('ingest', { ingestionId: id }).error({ err: error }, 'upload could not be read');
    const message = `The file could not be read: ${reason}`;
    await abandon(id, 'failed', message, db, opts.actor);
    throw uploadRejectedError(message, id);
  }
}
