/**
 * Continuous reconciliation: when data of a source arrives (an ingestion or pull commits, a webhook
 * event is stored), every reconciliation that has the source as a member gets an incremental pass
 * over the keys that arrived, as a background job. The composition root wires the triggers.
 */
import { registerJobHandler, jobQueue, type JobQueue } from '@/lib/server/jobs';
import { clientTarget, getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { listReconciliations, reconciliationsWithSource } from './reconciliations';
import { rebuildRomiAfterRun } from '@/lib/features/romi/rebuild-romi';
import { type PassTrigger } from './pass';
import { runPassPlaced } from './isolated';
import { passCompleted } from './pass-completed';
import { writeAudit } from '@/lib/server/db/audit';
import { type Actor } from '@/lib/domain/actor';

export const LEDGER_JOB = 'ledger.pass';
/** Deals or spend arrived: the ledgers' ROMI figures are rebuilt with them (they count as soon as ingested). */
export const LEDGER_ROMI_JOB = 'ledger.romi';

/** A webhook's pass starts a second later: the event's own transaction and any retry settle first. */
const WEBHOOK_DEBOUNCE_SECONDS = 1;

export function registerLedgerJobs(): void {
  registerJobHandler(
    LEDGER_JOB,
    async (payload, ctx) => {
      const reconciliationId = String(payload.reconciliationId);
      const trigger = String(payload.trigger) as PassTrigger;
      const keys = await keysOf(payload, ctx.db);
      if (keys && !keys.length) return;
      const actorEmail = payload.actorEmail ? String(payload.actorEmail) : null;
      // On SQLite in a process of its own, so requests are not held up while it works (isolated.ts).
      const triggerRef = payload.triggerRef ? String(payload.triggerRef) : null;
      const result = await runPassPlaced({ reconciliationId, keys, trigger, triggerRef, actorEmail }, ctx.db, clientUrl(ctx.db));
      await passCompleted({ ...result, reconciliationId, trigger, triggerRef }, ctx.db);
    },
    { heavy: true, retryLimit: 2 },
  );
  registerJobHandler(
    LEDGER_ROMI_JOB,
    async (payload, ctx) => {
      const reconciliation = await ctx.db.reconciliation.findUnique({ where: { id: String(payload.reconciliationId) }, select: { ledgerRunId: true } });
      if (reconciliation) await rebuildRomiAfterRun(reconciliation.ledgerRunId, ctx.db);
    },
    { heavy: true, retryLimit: 2 },
  );
}

/** The database a job's client talks to (a child process opens the same one). */
function clientUrl(db: Client): string {
  return clientTarget(db).url;
}

/** The keys a pass covers: an ingestion's, the webhook records since a record id, given keys, or all (null). */
async function keysOf(payload: Record<string, unknown>, db: Client): Promise<string[] | null> {
  if (payload.full) return null;
  if (Array.isArray(payload.keys)) return payload.keys.map(String);
  if (payload.ingestionId) {
    const rows = await db.sourceRecord.findMany({ where: { ingestionId: String(payload.ingestionId) }, distinct: ['key'], select: { key: true } });
    return rows.map((r) => r.key);
  }
  return [];
}

/** After an ingestion (upload or pull) of a source commits. */
export async function ledgerPassesForIngestion(sourceId: string, ingestionId: string, trigger: 'ingestion' | 'pull', opts: { db?: Client; queue?: JobQueue } = {}): Promise<number> {
  const db = opts.db ?? getPrisma();
  const queue = opts.queue ?? jobQueue();
  const targets = await reconciliationsWithSource(sourceId, db);
  for (const r of targets) await queue.send(LEDGER_JOB, { reconciliationId: r.id, trigger, triggerRef: ingestionId, ingestionId }, { id: `${LEDGER_JOB}:${r.id}:${ingestionId}`, db });
  // CRM deals and ad spend feed every ledger's ROMI figures, whichever reconciliation they belong to.
  const romiData = await db.sourceRecord.findFirst({ where: { ingestionId, dataset: { in: ['deals', 'spend'] } }, select: { id: true } });
  if (romiData) {
    for (const r of await listReconciliations(db)) await queue.send(LEDGER_ROMI_JOB, { reconciliationId: r.id, triggerRef: ingestionId }, { id: `${LEDGER_ROMI_JOB}:${r.id}:${ingestionId}`, db });
  }
  return targets.length;
}

/** After an ingestion was read again with a newer profile: the keys it had and has now; ROMI rebuilt when it holds deals or spend. */
export async function ledgerPassesForKeys(sourceId: string, keys: readonly string[], triggerRef: string, romi: boolean, opts: { db?: Client; queue?: JobQueue } = {}): Promise<number> {
  const db = opts.db ?? getPrisma();
  const queue = opts.queue ?? jobQueue();
  const targets = await reconciliationsWithSource(sourceId, db);
  for (const r of targets) if (keys.length) await queue.send(LEDGER_JOB, { reconciliationId: r.id, trigger: 'ingestion', triggerRef, keys: [...keys] }, { db });
  if (romi) for (const r of await listReconciliations(db)) await queue.send(LEDGER_ROMI_JOB, { reconciliationId: r.id, triggerRef }, { db });
  return targets.length;
}

/** After a webhook event stored a record with this key. */
export async function ledgerPassesForWebhook(sourceId: string, key: string, eventId: string, opts: { db?: Client; queue?: JobQueue } = {}): Promise<number> {
  const db = opts.db ?? getPrisma();
  const queue = opts.queue ?? jobQueue();
  const targets = await reconciliationsWithSource(sourceId, db);
  for (const r of targets) await queue.send(LEDGER_JOB, { reconciliationId: r.id, trigger: 'webhook', triggerRef: eventId, keys: [key] }, { db, startAfterSeconds: WEBHOOK_DEBOUNCE_SECONDS });
  return targets.length;
}

/** Rebuilds a reconciliation's ROMI figures in the background (its ROMI settings or the channel list changed). */
export async function requestRomiRebuild(reconciliationId: string, opts: { db?: Client; queue?: JobQueue } = {}): Promise<void> {
  await (opts.queue ?? jobQueue()).send(LEDGER_ROMI_JOB, { reconciliationId }, { db: opts.db ?? getPrisma() });
}

/** Every live reconciliation's ROMI figures rebuilt (the channel list changed). */
export async function requestRomiRebuilds(opts: { db?: Client; queue?: JobQueue } = {}): Promise<void> {
  for (const r of await listReconciliations(opts.db ?? getPrisma())) await requestRomiRebuild(r.id, opts);
}

/** A full pass (a rule-set change, or a person asking). */
export async function requestFullPass(reconciliationId: string, trigger: 'rules' | 'person', triggerRef: string | null, opts: { db?: Client; queue?: JobQueue; actor?: Actor | null } = {}): Promise<void> {
  const db = opts.db ?? getPrisma();
  await writeAudit(db, { actor: opts.actor ?? null, action: 'ledger.pass.request', entityType: 'Reconciliation', entityId: reconciliationId, after: { trigger, triggerRef, scope: 'full' } });
  await (opts.queue ?? jobQueue()).send(LEDGER_JOB, { reconciliationId, trigger, triggerRef, full: true, actorEmail: opts.actor?.email ?? null }, { db });
}
