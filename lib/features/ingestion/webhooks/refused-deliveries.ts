/**
 * Deliveries refused before receiveWebhook reads them still leave an attempt row, so the source's
 * monitoring shows a sender that uses the wrong method or that the rate limit turns away:
 *
 * - a wrong method (GET, PUT, DELETE...): 405 with Allow: POST, one row per request (those
 *   requests spend the same per-IP webhook budget as deliveries, so they are bounded like them);
 * - a 429 from the proxy's per-IP webhook budget: only the FIRST refusal per source and window
 *   is recorded (the row says further refusals in the window are not), so a flood never turns
 *   into one database write per request. The window is the budget's own (Retry-After). The
 *   memory that remembers which sources were recorded is per process and bounded: at most
 *   MAX_TRACKED source references, and sources that do not exist share one slot (a flood to
 *   random URLs writes one row per window).
 */
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { processSlot } from '@/lib/server/core/process-state';
import { loggerFor } from '@/lib/server/observability/logger';
import { recordAttempt, type WebhookOutcome } from './receive-webhook';
import { normalizeAddress, PEER_TOKEN_ENV } from '@/lib/server/http/client-ip';

const MAX_TRACKED = 1000;
const UNKNOWN = '\u0000unknown source';

async function findSource(db: Client, ref: string): Promise<{ id: string; name: string } | null> {
  const trimmed = ref.trim();
  if (!trimmed) return null;
  const source = await db.source.findFirst({ where: { OR: [{ id: trimmed }, { name: trimmed }] }, select: { id: true, name: true, archivedAt: true } });
  return source && !source.archivedAt ? { id: source.id, name: source.name } : null;
}

async function recordRefusal(
  db: Client,
  a: { sourceRef: string; source: { id: string; name: string } | null; outcome: WebhookOutcome; reason: string; ip: string | null },
): Promise<void> {
  await recordAttempt(db, { sourceId: a.source?.id ?? null, sourceName: a.source?.name ?? a.sourceRef, outcome: a.outcome, reason: a.reason, ip: a.ip });
}

/** 405 for anything but POST (OPTIONS is answered by Next.js itself), with an attempt row. */
export async function webhookMethodNotAllowed(
  request: Request,
  sourceRef: string,
  opts: { db?: Client; ip?: string | null } = {},
): Promise<Response> {
  const method = request.method.toUpperCase().slice(0, 20);
  const message = `Webhook deliveries are POST requests; ${method} is not accepted here.`;
  try {
    const db = opts.db ?? getPrisma();
    const source = await findSource(db, sourceRef);
    await recordRefusal(db, { sourceRef, source, outcome: 'method_not_allowed', reason: source ? message : `${message} (unknown source)`, ip: opts.ip ?? null });
  } catch (e) {
    loggerFor('webhooks').error({ err: e, source: sourceRef.slice(0, 100) }, 'cannot record a refused webhook delivery');
  }
  return Response.json({ error: message }, { status: 405, headers: { Allow: 'POST', 'Cache-Control': 'no-store' } });
}

/** The source reference in /api/webhooks/<source>, decoded ('' when it cannot be). */
function webhookSourceRef(pathname: string): string {
  try {
    return decodeURIComponent(pathname.replace(/^\/api\/webhooks\//, '').split('/')[0] ?? '');
  } catch {
    return '';
  }
}

/** Source reference -> end of the window in which its refusal was recorded (ms). */
const recordedSlot = processSlot<Map<string, number>>('webhook-rate-limit-recorded');
const recordedMap = () => recordedSlot.getOrCreate(() => new Map());

/** Whether this key's refusal is the first of its window (and remembers it if so). */
function firstInWindow(key: string, nowMs: number, windowMs: number): boolean {
  const recorded = recordedMap();
  const until = recorded.get(key);
  if (until !== undefined && until > nowMs) return false;
  if (until === undefined && recorded.size >= MAX_TRACKED) {
    for (const [k, end] of recorded) if (end <= nowMs) recorded.delete(k);
    // Still full of live windows: a flood over many URLs; record nothing more until they end.
    if (recorded.size >= MAX_TRACKED) return false;
  }
  recorded.set(key, nowMs + windowMs);
  return true;
}

/**
 * The proxy refused a webhook delivery for the per-IP budget (429). Records an attempt for the
 * first refusal per source in the window; a no-op for the others. Never throws.
 * Resolves to whether a row was written.
 */
export async function noteRateLimitedWebhook(a: {
  /** The request's path, /api/webhooks/<source id or name>. */
  pathname: string;
  ip: string | null;
  retryAfterSeconds: number;
  nowMs?: number;
  db?: Client;
}): Promise<boolean> {
  const nowMs = a.nowMs ?? Date.now();
  const windowMs = Math.max(1, a.retryAfterSeconds) * 1000;
  const ref = webhookSourceRef(a.pathname).trim().slice(0, 200);
  try {
    if (!firstInWindow(`ref:${ref}`, nowMs, windowMs)) return false;
    const db = a.db ?? getPrisma();
    const source = await findSource(db, ref);
    // Sources that do not exist share one slot: random URLs cannot multiply the writes.
    if (!source && !firstInWindow(UNKNOWN, nowMs, windowMs)) return false;
    if (source && !firstInWindow(`id:${source.id}`, nowMs, windowMs)) return false;
    const reason =
      `rate limited: the client ${a.ip ?? '(unknown address)'} spent its webhook budget; ` +
      `further refusals in this window (${Math.ceil(windowMs / 1000)} s) not recorded`;
    await recordRefusal(db, { sourceRef: ref, source, outcome: 'rate_limited', reason: source ? reason : `${reason} (unknown source)`, ip: a.ip });
    return true;
  } catch (e) {
    loggerFor('webhooks').error({ err: e, source: ref.slice(0, 100) }, 'cannot record a rate-limited webhook delivery');
    return false;
  }
}

/** Tests: forget which refusals were recorded. */
export function resetRateLimitedWebhooks(): void {
  recordedSlot.set(undefined);
}

/**
 * A delivery Node's HTTP parser refused before any code saw it (431: headers too large; 400: malformed),
 * reported by Paidline's server (scripts/serve.mjs) as an internal POST carrying
 * `x-paidline-refused: <process token> <status> <client address>`. Null when the request is not such a
 * report (no header, or a token this process did not issue): then it is an ordinary delivery.
 */
export async function serverRefusalReport(request: Request, sourceRef: string, opts: { db?: Client; env?: Partial<NodeJS.ProcessEnv> } = {}): Promise<Response | null> {
  const header = request.headers.get('x-paidline-refused');
  const token = (opts.env ?? process.env)[PEER_TOKEN_ENV];
  if (!header || !token) return null;
  const [given, statusText, address] = header.split(' ');
  if (given !== token) return null;
  const status = Number(statusText);
  const reason = status === 431
    ? 'HTTP 431: the request headers were too large for the server, so it was refused before it was read. Check what the sender puts in its headers.'
    : `HTTP ${Number.isFinite(status) ? status : 400}: the server could not parse the request, so it was refused before it was read.`;
  try {
    const db = opts.db ?? getPrisma();
    const source = await findSource(db, sourceRef);
    await recordRefusal(db, { sourceRef, source, outcome: 'refused_by_server', reason: source ? reason : `${reason} (unknown source)`, ip: normalizeAddress(address) });
  } catch (e) {
    loggerFor('webhooks').error({ err: e, source: sourceRef.slice(0, 100) }, 'cannot record a webhook delivery the server refused');
  }
  return new Response(null, { status: 204 });
}
