/**
 * The one freshness query (the rule itself is lib/domain/freshness.ts): per active source its last
 * committed upload, successful pull and accepted webhook, and whether that is older than the
 * stale-source alert's delay. The dashboard, the data-quality page and the alert all read it.
 */
import { freshnessOf, latest, type Freshness } from '@/lib/domain/freshness';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { loadNotificationSettings } from './settings';

export type SourceFreshness = {
  id: string;
  name: string;
  kind: string;
  lastUpload: Date | null;
  lastPull: Date | null;
  lastWebhook: Date | null;
  /** The last delivery: what freshness is measured from. */
  last: Date | null;
  staleAfterHours: number;
  ageHours: number | null;
  status: Freshness;
};

/**
 * Per active source: the latest committed upload, successful pull and accepted webhook, and how far
 * behind its data is (lib/domain/freshness.ts; the delay is the stale-source alert's, from the
 * notification settings, unless given).
 */
export type FreshnessDb = Pick<Client, 'source' | 'ingestion' | 'webhookEvent' | 'notificationSettings'>;

export async function sourceFreshness(opts: { db?: FreshnessDb; now?: Date; staleAfterHours?: number } = {}): Promise<SourceFreshness[]> {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? new Date();
  const staleAfterHours = opts.staleAfterHours ?? (await loadNotificationSettings(db)).config.thresholds.staleHours;
  const [sources, ingestions, webhooks] = await Promise.all([
    db.source.findMany({ where: { archivedAt: null }, orderBy: [{ kind: 'asc' }, { name: 'asc' }], select: { id: true, name: true, kind: true, lastPulledAt: true } }),
    db.ingestion.groupBy({ by: ['sourceId', 'channel'], where: { status: 'committed' }, _max: { finishedAt: true } }),
    db.webhookEvent.groupBy({ by: ['sourceId'], _max: { receivedAt: true } }),
  ]);
  const ing = new Map(ingestions.map((g) => [`${g.sourceId}\u0000${g.channel}`, g._max.finishedAt]));
  const hook = new Map(webhooks.map((g) => [g.sourceId, g._max.receivedAt]));
  return sources.map((s) => {
    const lastUpload = ing.get(`${s.id}\u0000upload`) ?? null;
    const lastPull = latest(ing.get(`${s.id}\u0000pull`), s.lastPulledAt);
    const lastWebhook = latest(hook.get(s.id), ing.get(`${s.id}\u0000webhook`));
    const last = latest(lastUpload, lastPull, lastWebhook);
    return { id: s.id, name: s.name, kind: s.kind, lastUpload, lastPull, lastWebhook, last, staleAfterHours, ...freshnessOf({ name: s.name, last }, now, staleAfterHours) };
  });
}
