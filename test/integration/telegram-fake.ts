/**
 * A fake Telegram Bot API server for tests: records every call (method, token, JSON body) and
 * answers like Telegram does; `failNext` makes the next call(s) of a method fail (500 or 429 with
 * parameters.retry_after).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type BotCall = { method: string; token: string; body: Record<string, unknown> };

export type FakeBotApi = {
  url: string;
  calls: BotCall[];
  callsOf(method: string): BotCall[];
  failNext(method: string, failure: { status: 500 | 429 | 400; retryAfter?: number; description?: string }, times?: number): void;
  close(): Promise<void>;
};

export async function startFakeBotApi(): Promise<FakeBotApi> {
  const calls: BotCall[] = [];
  const failures = new Map<string, { status: number; retryAfter?: number; description?: string }[]>();
  let nextMessageId = 100;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (!m || req.method !== 'POST') {
        res.statusCode = 404;
        res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
        return;
      }
      const [, token, method] = m as unknown as [string, string, string];
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        /* empty */
      }
      calls.push({ method, token, body });
      const queue = failures.get(method);
      const failure = queue?.shift();
      if (failure) {
        res.statusCode = failure.status;
        res.end(JSON.stringify({ ok: false, error_code: failure.status, description: failure.description ?? (failure.status === 429 ? 'Too Many Requests: retry later' : 'Internal Server Error'), ...(failure.retryAfter ? { parameters: { retry_after: failure.retryAfter } } : {}) }));
        return;
      }
      let result: unknown = true;
      if (method === 'sendMessage') result = { message_id: nextMessageId++, chat: { id: Number(body.chat_id) || body.chat_id }, text: body.text };
      if (method === 'editMessageText') result = { message_id: body.message_id, chat: { id: body.chat_id }, text: body.text };
      res.end(JSON.stringify({ ok: true, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(failure);
      failures.set(method, queue);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
