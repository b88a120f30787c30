/**
 * The HTTP side of POST /api/webhooks/[source]: reads the raw body with a size cap (the
 * signature covers the exact bytes), hands it to receiveWebhook and turns the reply into JSON.
 * No Next.js imports, so tests call it with a plain Request.
 */
import { requestMeta } from '@/lib/server/http/request-meta';
import { receiveWebhook, WEBHOOK_MAX_BYTES } from '@/lib/features/ingestion/webhooks/receive-webhook';
import type { Logger } from 'pino';
import { loggerFor } from '@/lib/server/observability/logger';

type Db = NonNullable<Parameters<typeof receiveWebhook>[1]>['db'];

/** The body's bytes, or null once more than `limit` bytes arrive (the rest is not read). */
export async function readBodyLimited(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

export async function handleWebhookRequest(
  request: Request,
  sourceRef: string,
  opts: { db?: Db; maxBytes?: number; nowMs?: number; log?: Logger } = {},
): Promise<Response> {
  try {
    const body = await readBodyLimited(request, opts.maxBytes ?? WEBHOOK_MAX_BYTES);
    const reply = await receiveWebhook(
      {
        sourceRef,
        body,
        signature: request.headers.get('stripe-signature'),
        ip: requestMeta(request.headers).ip,
        nowMs: opts.nowMs,
      },
      { db: opts.db },
    );
    return Response.json(reply.body, { status: reply.status, headers: { 'Cache-Control': 'no-store' } });
  } catch (e) {
    // Unexpected (database down...): 500 makes the sender retry later; nothing was committed.
    (opts.log ?? loggerFor('webhooks')).error({ err: e, source: sourceRef.slice(0, 100) }, 'webhook delivery failed');
    return Response.json({ error: 'The event could not be stored; retry later.' }, { status: 500 });
  }
}
