/** Uploads: stream a file, read its state and errors, map it, decide. */
import { z } from 'zod';
import { IngestProfileSchema } from '@/lib/features/ingestion/profile';
import type { ApiEndpoint } from '@/lib/server/pipeline/api';
import { formatQuery, id, idParams, ok, pageQuery, page, timestamp } from '../schemas';

const drift = z.object({ kind: z.string(), severity: z.enum(['blocking', 'warning']), message: z.string() });

export const ingestion = z.object({
  id,
  source: z.object({ id, name: z.string() }),
  status: z.string().describe('staged | processing | needs_decision (refused rows wait for POST /ingestions/{id}/decision) | committed | aborted | failed | blocked | duplicate'),
  fileName: z.string().nullable(),
  fileSha256: z.string().nullable(),
  fileSize: z.number().int(),
  rowsTotal: z.number().int(),
  rowsValid: z.number().int(),
  rowsInvalid: z.number().int(),
  bytesTotal: z.number().int(),
  bytesProcessed: z.number().int(),
  message: z.string().nullable(),
  version: z.number().int().nullable().describe('The profile version it was read with'),
  duplicateOfId: z.string().nullable(),
  createdAt: timestamp,
  finishedAt: timestamp.nullable(),
  drift: z.array(drift),
});

const preview = z.object({
  ingestionId: id,
  fileName: z.string().nullable(),
  sheets: z.array(z.string()).optional(),
  header: z.array(z.string()),
  sampleRows: z.array(z.array(z.string())),
  notes: z.array(z.string()),
  suggestion: z.object({ presetId: z.string().nullable(), presetLabel: z.string().nullable(), confidence: z.string(), profile: z.looseObject({}) }),
  current: z.object({ version: z.number().int(), profile: z.looseObject({}) }).nullable(),
  drift: z.array(drift.extend({ detail: z.record(z.string(), z.unknown()) })),
});

const staged = z.object({
  ingestionId: id,
  sha256: z.string(),
  size: z.number().int(),
  duplicateOf: z.object({ id, createdAt: timestamp, rowsValid: z.number().int(), fileName: z.string().nullable() }).nullable(),
});

export const uploadFile = {
  id: 'uploadFile',
  method: 'POST',
  path: '/sources/{id}/uploads',
  tag: 'Ingestions',
  summary: 'Upload an export (streamed)',
  description:
    'The file is the raw request body (or one multipart/form-data file part); X-File-Name names it (URI-encoded). The same limits, drift checks and validation as the browser apply. ' +
    'The answer holds the staged upload and a preview with a suggested mapping; then POST /ingestions/{id}/start maps and ingests it. ' +
    'Send an Idempotency-Key header to make a retry after a dropped connection safe: the same key answers with the first result. ' +
    'A file already committed for this source answers 200 with duplicateOf set.',
  permission: 'data:upload',
  params: idParams,
  upload: true,
  response: z.object({ staged, preview: preview.nullable() }),
  status: 201,
  idempotent: true,
  ownIpBudget: true,
} satisfies ApiEndpoint;

export const listSourceIngestions = {
  id: 'listSourceIngestions',
  method: 'GET',
  path: '/sources/{id}/ingestions',
  tag: 'Ingestions',
  summary: "A source's uploads, newest first",
  permission: 'sources:view',
  params: idParams,
  query: pageQuery,
  response: page(ingestion.omit({ drift: true })),
} satisfies ApiEndpoint;

export const getIngestion = {
  id: 'getIngestion',
  method: 'GET',
  path: '/ingestions/{id}',
  tag: 'Ingestions',
  summary: "An upload's state, progress, row counts and drift findings",
  permission: 'sources:view',
  params: idParams,
  response: ingestion,
} satisfies ApiEndpoint;

export const ingestionErrors = {
  id: 'ingestionErrors',
  method: 'GET',
  path: '/ingestions/{id}/errors',
  tag: 'Ingestions',
  summary: "An upload's refused rows: line, column, reason, value",
  permission: 'sources:view',
  params: idParams,
  query: pageQuery.extend(formatQuery.shape),
  response: page(z.object({ line: z.number().int(), column: z.string(), reason: z.string(), value: z.string().nullable() })),
  csv: true,
} satisfies ApiEndpoint;

export const startIngestion = {
  id: 'startIngestion',
  method: 'POST',
  path: '/ingestions/{id}/start',
  tag: 'Ingestions',
  summary: 'Map a staged upload and ingest it',
  description:
    "With `profile`, or `use: \"current\"` for the source's current profile, or `use: \"suggestion\"` for the mapping Paidline suggests. " +
    'A profile different from the current one becomes the next version. onInvalid says what happens to rows that fail validation: ask (the upload waits for POST /ingestions/{id}/decision), abort, or valid_only. ' +
    'Blocking drift (a missing column) answers blocked with the findings.',
  permission: 'data:upload',
  params: idParams,
  body: z
    .object({
      profile: IngestProfileSchema.optional(),
      use: z.enum(['current', 'suggestion']).optional(),
      presetId: z.string().max(80).nullable().optional(),
      onInvalid: z.enum(['ask', 'abort', 'valid_only']).default('ask'),
    })
    .refine((b) => (b.profile === undefined) !== (b.use === undefined), 'Send either a profile or use: "current" | "suggestion".'),
  response: z.object({ status: z.enum(['processing', 'blocked']), version: z.number().int().optional(), message: z.string().optional(), findings: z.array(z.looseObject({})).optional(), warnings: z.array(z.looseObject({})).optional() }),
  status: 202,
} satisfies ApiEndpoint;

export const decideIngestion = {
  id: 'decideIngestion',
  method: 'POST',
  path: '/ingestions/{id}/decision',
  tag: 'Ingestions',
  summary: 'Commit the valid rows of an upload with refused rows, or abort it (a staged upload is cancelled)',
  permission: 'data:upload',
  params: idParams,
  body: z.object({ decision: z.enum(['commit', 'abort']) }),
  response: ok,
} satisfies ApiEndpoint;

export const reprocessIngestion = {
  id: 'reprocessIngestion',
  method: 'POST',
  path: '/ingestions/{id}/reprocess',
  tag: 'Ingestions',
  summary: "Read an ingested upload again with the source's newest profile version",
  permission: 'data:upload',
  params: idParams,
  response: z.looseObject({}),
} satisfies ApiEndpoint;
