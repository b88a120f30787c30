/**
 * API pulls: a source's REST connector, run as an ingestion (channel 'pull').
 *
 * runPull streams the connector's records through the source's current profile into
 * SourceRecord rows (batched multi-row inserts). The ingestion's records count only once it is
 * committed; the commit, the new pull state (watermark) and the audit row share one
 * transaction. On any failure the ingestion's records are deleted and it is marked failed with
 * the message, and the watermark stays where it was, so the next pull fetches the same records.
 */
import { z } from 'zod';
import { decryptSecret, encryptSecret } from '@/lib/server/crypto/secrets';
import { compileJsonNormalizer, flattenRecord } from '@/lib/features/ingestion/connectors/normalize';
import {
  ConnectorError,
  credentialsProblem,
  pullRecords,
  PullStateSchema,
  RestConnectorConfigSchema,
  RestCredentialsSchema,
  type PullOptions,
  type PullState,
  type RestConnectorConfig,
  type RestConnectorConfigInput,
  type RestCredentials,
} from '@/lib/features/ingestion/connectors/rest';
import { validateCron } from './cron';
import { writeAudit } from '@/lib/server/db/audit';
import { alertIngestionFailed } from '@/lib/features/alerts/checks';
import { getPrisma } from '@/lib/server/db/client';
import { insertRecords, toRecordRow, type RecordRow } from '@/lib/server/db/record-insert';
import { AppError, InvalidRequestError } from '@/lib/server/core/app-error';
import { dataArrived } from '../data-arrived';

type Client = ReturnType<typeof getPrisma>;
type Actor = { id: string; email: string } | null;

const BATCH_SIZE = 500;
const MAX_STORED_ERRORS = 10_000;
/** A pull 'processing' for longer than this is taken as crashed and rolled back. */
const STALE_PULL_MS = 6 * 60 * 60 * 1000;

/** The source cannot be pulled as configured (nothing was started). */
function pullConfigError(message: string): InvalidRequestError {
  return new InvalidRequestError(message);
}

/** A pull of the source is already running. */
function pullBusyError(message: string): AppError {
  return new AppError('busy', message);
}

export type PullResult = {
  ingestionId: string;
  status: 'committed' | 'failed';
  rowsTotal: number;
  rowsValid: number;
  rowsInvalid: number;
  message: string | null;
  /** The state saved for the next pull (unchanged on failure). */
  state: PullState | null;
};

export interface RunPullOptions extends Pick<PullOptions, 'fetch' | 'sleep' | 'signal' | 'random' | 'onRetry'> {
  db?: Client;
}

function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

function parseConfig(json: string): RestConnectorConfig {
  const r = RestConnectorConfigSchema.safeParse(JSON.parse(json));
  if (!r.success) throw pullConfigError(`The connector settings are invalid: ${zodMessage(r.error)}`);
  return r.data;
}

function readCredentials(enc: string | null): RestCredentials | null {
  if (!enc) return null;
  return RestCredentialsSchema.parse(JSON.parse(decryptSecret(enc)));
}


/** Deletes the ingestion's records and marks it failed: nothing half-written stays. */
async function failIngestion(db: Client, id: string, message: string, actor: Actor, counts: { total: number; valid: number; invalid: number }) {
  await db.$transaction(async (tx) => {
    await tx.sourceRecord.deleteMany({ where: { ingestionId: id } });
    await tx.ingestion.update({
      where: { id },
      data: { status: 'failed', message: message.slice(0, 2000), finishedAt: new Date(), rowsTotal: counts.total, rowsValid: 0, rowsInvalid: counts.invalid },
    });
    await writeAudit(tx, { actor, action: 'ingestion.pull.failed', entityType: 'Ingestion', entityId: id, after: { message: message.slice(0, 500), rowsTotal: counts.total } });
    const failed = await tx.ingestion.findUniqueOrThrow({ where: { id }, select: { sourceId: true } });
    await alertIngestionFailed(tx, { id, sourceId: failed.sourceId }, message);
  });
}

/**
 * Runs one pull of a source. Throws an AppError (invalid_input: the configuration; busy: a pull is running) before anything is
 * written; once the ingestion exists, every failure is returned as status 'failed'.
 */
export async function runPull(sourceId: string, actor: Actor, opts: RunPullOptions = {}): Promise<PullResult> {
  const db = opts.db ?? getPrisma();
  const source = await db.source.findUnique({ where: { id: sourceId } });
  if (!source) throw pullConfigError(`Source ${sourceId} does not exist.`);
  if (source.archivedAt) throw pullConfigError(`Source "${source.name}" is archived.`);
  if (!source.connectorConfig) throw pullConfigError(`Source "${source.name}" has no API connector configured.`);
  const config = parseConfig(source.connectorConfig);
  let credentials: RestCredentials | null;
  try {
    credentials = readCredentials(source.connectorCredentialsEnc);
  } catch (e) {
    throw pullConfigError(`The connector credentials of "${source.name}" cannot be read: ${(e as Error).message}`);
  }
  const problem = credentialsProblem(config.auth, credentials);
  if (problem) throw pullConfigError(`${problem} Enter them in the connector settings of "${source.name}".`);
  const version = await db.sourceProfileVersion.findFirst({ where: { sourceId }, orderBy: { version: 'desc' } });
  if (!version) throw pullConfigError(`Source "${source.name}" has no profile yet: create one so pulled records can be read.`);
  let normalizer: ReturnType<typeof compileJsonNormalizer>;
  try {
    normalizer = compileJsonNormalizer(version.profile, source);
  } catch (e) {
    throw pullConfigError(`Profile version ${version.version} of "${source.name}" is invalid: ${e instanceof z.ZodError ? zodMessage(e) : (e as Error).message}`);
  }
  const state: PullState | null = source.pullState ? PullStateSchema.parse(JSON.parse(source.pullState)) : null;

  // One pull per source at a time, across processes too; a pull stuck for hours is rolled back.
  const running = await db.ingestion.findFirst({ where: { sourceId, channel: 'pull', status: 'processing' }, orderBy: { createdAt: 'desc' } });
  if (running) {
    const since = (running.startedAt ?? running.createdAt).getTime();
    if (Date.now() - since < STALE_PULL_MS) throw pullBusyError(`A pull of "${source.name}" is already running (started ${new Date(since).toISOString()}).`);
    await failIngestion(db, running.id, 'Interrupted (no progress for hours); nothing was ingested.', null, { total: running.rowsTotal, valid: 0, invalid: running.rowsInvalid });
  }

  const ingestion = await db.$transaction(async (tx) => {
    const row = await tx.ingestion.create({
      data: {
        sourceId,
        profileVersionId: version.id,
        channel: 'pull',
        status: 'processing',
        onInvalid: config.onInvalid,
        format: JSON.stringify({ type: 'json', url: config.url }),
        createdById: actor?.id ?? null,
        startedAt: new Date(),
      },
    });
    await writeAudit(tx, {
      actor,
      action: 'ingestion.pull.start',
      entityType: 'Ingestion',
      entityId: row.id,
      after: { sourceId, profileVersion: version.version, url: config.url, watermark: state?.watermark ?? null },
    });
    return row;
  });
  const id = ingestion.id;

  let total = 0;
  let valid = 0;
  let invalid = 0;
  let batch: RecordRow[] = [];
  let errors: { ingestionId: string; line: number; column: string; reason: string; value: string | null }[] = [];
  const totals = new Map<string, bigint>();
  const flush = async () => {
    if (batch.length) await insertRecords(db, batch);
    if (errors.length) await db.ingestionError.createMany({ data: errors });
    batch = [];
    errors = [];
    await db.ingestion.update({ where: { id }, data: { rowsTotal: total, rowsValid: valid, rowsInvalid: invalid } });
  };

  const gen = pullRecords(config, credentials, state, opts);
  try {
    let newState: PullState;
    for (;;) {
      const next = await gen.next();
      if (next.done) {
        newState = next.value;
        break;
      }
      total++;
      const raw = next.value;
      const flat = flattenRecord(raw);
      const r = normalizer.normalize(flat, total);
      if (!r.ok) {
        invalid++;
        if (invalid <= MAX_STORED_ERRORS) {
          const i = flat.header.indexOf(r.error.column);
          errors.push({ ingestionId: id, line: total, column: r.error.column, reason: r.error.reason.slice(0, 1000), value: i >= 0 ? (flat.fields[i] ?? '').slice(0, 500) : null });
        }
      } else {
        valid++;
        const rec = r.record;
        totals.set(rec.currency, (totals.get(rec.currency) ?? 0n) + BigInt(rec.amount));
        batch.push(
          toRecordRow(rec, { sourceId, ingestionId: id, profileVersionId: version.id, fileSha256: null, eventId: null, line: total }, JSON.stringify(raw)),
        );
      }
      if (batch.length >= BATCH_SIZE || errors.length >= BATCH_SIZE) await flush();
    }
    await flush();
    if (invalid > 0 && config.onInvalid === 'abort') {
      throw new ConnectorError('shape', `${invalid} of ${total} records do not fit the profile (version ${version.version}); nothing was ingested and the next pull fetches them again. See the errors, fix the profile, then pull again.`);
    }

    const now = new Date();
    await db.$transaction(async (tx) => {
      const current = await tx.ingestion.findUniqueOrThrow({ where: { id }, select: { status: true } });
      if (current.status !== 'processing') throw new Error(`the ingestion was ${current.status} while pulling`);
      await tx.ingestion.update({
        where: { id },
        data: { status: 'committed', finishedAt: now, rowsTotal: total, rowsValid: valid, rowsInvalid: invalid, message: null },
      });
      await tx.source.update({
        where: { id: sourceId },
        data: { pullState: JSON.stringify(newState), lastPulledAt: now, ...(valid > 0 ? { lastIngestedAt: now } : {}) },
      });
      await writeAudit(tx, {
        actor,
        action: 'ingestion.pull.commit',
        entityType: 'Ingestion',
        entityId: id,
        after: {
          sourceId,
          profileVersion: version.version,
          rowsTotal: total,
          rowsValid: valid,
          rowsInvalid: invalid,
          totalsMinor: Object.fromEntries([...totals].map(([c, v]) => [c, v.toString()])),
          watermark: { before: state?.watermark ?? null, after: newState.watermark ?? null },
        },
      });
    });
    if (valid > 0) await dataArrived({ kind: 'pull', sourceId, ingestionId: id }, db);
    return { ingestionId: id, status: 'committed', rowsTotal: total, rowsValid: valid, rowsInvalid: invalid, message: null, state: newState };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await gen.return({}).catch(() => {});
    await failIngestion(db, id, `Pull failed: ${message}`, actor, { total, valid, invalid });
    return { ingestionId: id, status: 'failed', rowsTotal: total, rowsValid: 0, rowsInvalid: invalid, message: `Pull failed: ${message}`, state };
  }
}

// ------------------------------------------------------------ settings

export type ConnectorSettings = {
  config: RestConnectorConfig;
  schedule: string | null;
  /** Whether credentials are stored (they are never returned). */
  hasCredentials: boolean;
  pullState: PullState | null;
  lastPulledAt: Date | null;
};

/** The connector settings for the UI: never the credentials. */
export async function getConnectorSettings(sourceId: string, opts: { db?: Client } = {}): Promise<ConnectorSettings | null> {
  const db = opts.db ?? getPrisma();
  const s = await db.source.findUnique({
    where: { id: sourceId },
    select: { connectorConfig: true, connectorCredentialsEnc: true, pullSchedule: true, pullState: true, lastPulledAt: true },
  });
  if (!s?.connectorConfig) return null;
  return {
    config: parseConfig(s.connectorConfig),
    schedule: s.pullSchedule,
    hasCredentials: Boolean(s.connectorCredentialsEnc),
    pullState: s.pullState ? PullStateSchema.parse(JSON.parse(s.pullState)) : null,
    lastPulledAt: s.lastPulledAt,
  };
}

/**
 * Stores a source's connector: config JSON, credentials encrypted, a cron schedule (or null).
 * credentials: undefined keeps the stored ones, null removes them. Changing the API's host
 * requires entering the credentials again (they must not follow to another host); changing the
 * URL or the incremental settings resets the watermark. Audited without secrets.
 */
export async function configureConnector(
  sourceId: string,
  configInput: RestConnectorConfigInput,
  credentialsInput: RestCredentials | null | undefined,
  schedule: string | null,
  actor: Actor,
  opts: { db?: Client } = {},
): Promise<ConnectorSettings> {
  const parsed = RestConnectorConfigSchema.safeParse(configInput);
  if (!parsed.success) throw pullConfigError(`The connector settings are invalid: ${zodMessage(parsed.error)}`);
  const config = parsed.data;
  let credentials: RestCredentials | null | undefined = undefined;
  if (credentialsInput !== undefined && credentialsInput !== null) {
    const c = RestCredentialsSchema.safeParse(credentialsInput);
    if (!c.success) throw pullConfigError(`The connector credentials are invalid: ${zodMessage(c.error)}`);
    credentials = c.data;
  } else credentials = credentialsInput;
  const cron = schedule === null || schedule.trim() === '' ? null : validateCron(schedule);
  const db = opts.db ?? getPrisma();

  return db.$transaction(async (tx) => {
    const source = await tx.source.findUnique({
      where: { id: sourceId },
      select: { connectorConfig: true, connectorCredentialsEnc: true, pullSchedule: true, pullState: true, lastPulledAt: true },
    });
    if (!source) throw pullConfigError(`Source ${sourceId} does not exist.`);
    const before = source.connectorConfig ? RestConnectorConfigSchema.safeParse(JSON.parse(source.connectorConfig)) : null;
    const old = before?.success ? before.data : null;

    let enc: string | null = source.connectorCredentialsEnc;
    let credentialsChanged = false;
    if (config.auth === 'none') {
      credentialsChanged = enc !== null;
      enc = null;
    } else if (credentials === null) {
      throw pullConfigError(credentialsProblem(config.auth, null) ?? 'Credentials are required.');
    } else if (credentials === undefined) {
      if (!enc) throw pullConfigError(credentialsProblem(config.auth, null) ?? 'Credentials are required.');
      if (old && new URL(old.url).origin !== new URL(config.url).origin) {
        throw pullConfigError('The API address moved to another host: enter the credentials again, so stored ones are never sent to a new host.');
      }
      const problem = credentialsProblem(config.auth, readCredentials(enc));
      if (problem) throw pullConfigError(problem);
    } else {
      const problem = credentialsProblem(config.auth, credentials);
      if (problem) throw pullConfigError(problem);
      enc = encryptSecret(JSON.stringify(credentials));
      credentialsChanged = true;
    }
    const stateReset = Boolean(old) && (old!.url !== config.url || JSON.stringify(old!.incremental ?? null) !== JSON.stringify(config.incremental ?? null));
    const updated = await tx.source.update({
      where: { id: sourceId },
      data: {
        connectorConfig: JSON.stringify(config),
        connectorCredentialsEnc: enc,
        pullSchedule: cron,
        ...(stateReset ? { pullState: null } : {}),
      },
      select: { pullState: true, lastPulledAt: true },
    });
    await writeAudit(tx, {
      actor,
      action: 'source.connector.configure',
      entityType: 'Source',
      entityId: sourceId,
      before: source.connectorConfig ? { config: old ?? 'invalid', schedule: source.pullSchedule, hasCredentials: Boolean(source.connectorCredentialsEnc) } : null,
      after: { config, schedule: cron, hasCredentials: Boolean(enc), credentialsChanged, stateReset },
    });
    return {
      config,
      schedule: cron,
      hasCredentials: Boolean(enc),
      pullState: updated.pullState ? PullStateSchema.parse(JSON.parse(updated.pullState)) : null,
      lastPulledAt: updated.lastPulledAt,
    };
  });
}
