/**
 * Server actions with a body Next.js cannot take: over its 1 MB serverActions.bodySizeLimit, or
 * not decodable. Next.js answers both with an opaque 500; the proxy answers 413 naming the limit,
 * or 400 saying why, before Next.js sees them, and lets real action bodies through untouched.
 * (e2e/security-headers.spec.ts sends the same bodies to the built server over HTTP.)
 */
import { createRequire } from 'node:module';
import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import proxy from '@/proxy';
import { SERVER_ACTION_BODY_LIMIT_BYTES, serverActionBodyRefusal } from '@/lib/server/http/server-action-body';

const ORIGIN = 'http://localhost:3000';
const action = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new NextRequest(
    new Request(`${ORIGIN}/discrepancies`, {
      method: 'POST',
      headers: { 'next-action': '7f00aa11bb22cc33dd44ee55ff66778899aabbccdd', origin: ORIGIN, 'content-type': 'text/plain;charset=UTF-8', ...headers },
      body,
      duplex: 'half',
    } as RequestInit),
  );

/** A body that never says its length up front. */
function chunked(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= total) return c.close();
      const n = Math.min(64 * 1024, total - sent);
      sent += n;
      c.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
}

describe('server action bodies the proxy refuses', () => {
  it('the limit is Next.js’s own: next.config.js does not change serverActions.bodySizeLimit', () => {
    const config = createRequire(import.meta.url)('../../next.config.js') as { experimental?: { serverActions?: { bodySizeLimit?: unknown } } };
    expect(config.experimental?.serverActions?.bodySizeLimit).toBeUndefined();
    expect(SERVER_ACTION_BODY_LIMIT_BYTES).toBe(1024 * 1024);
  });

  it('over 1 MB by Content-Length: 413 naming the limit, before the body is read', async () => {
    const body = `["${'x'.repeat(SERVER_ACTION_BODY_LIMIT_BYTES)}"]`;
    const res = await proxy(action(body, { 'content-length': String(Buffer.byteLength(body)) }));
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(
      'Refused: the form sent is larger than the 1 MB limit of a Paidline form (1,048,576 bytes). Files go through the upload API (POST /api/sources/<id>/uploads), not a form.',
    );
  });

  it('over 1 MB without a Content-Length (chunked): 413 all the same', async () => {
    const res = await proxy(action(chunked(SERVER_ACTION_BODY_LIMIT_BYTES + 1)));
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/1 MB limit/);
  });

  it('a multipart action over 1 MB: 413', async () => {
    const form = new FormData();
    form.set('0', '["$K1"]');
    form.set('1_file', new Blob([new Uint8Array(SERVER_ACTION_BODY_LIMIT_BYTES + 10)]), 'big.csv');
    const encoded = new Response(form);
    const res = await proxy(action(await encoded.arrayBuffer(), { 'content-type': encoded.headers.get('content-type')! }));
    expect(res.status).toBe(413);
  });

  const unparseable: [string, BodyInit, Record<string, string>, string][] = [
    ['not JSON', 'hello=world&x', {}, 'not JSON'],
    ['JSON that is not an argument list', '{"id":1}', {}, 'not a list of arguments'],
    ['not UTF-8', new Uint8Array([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), {}, 'not UTF-8 text'],
    ['empty', '', {}, 'the body is empty'],
    ['a broken multipart form', '--abc\r\nContent-Disposition: form-data; name="0"\r\n\r\n["$K1"]', { 'content-type': 'multipart/form-data; boundary=abc' }, 'not a well-formed multipart form'],
  ];
  it.each(unparseable)('%s: 400 saying why', async (_label, body, headers, why) => {
    const res = await proxy(action(body, headers));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(`Refused: the form sent cannot be read (${why}). Reload the page and submit it again.`);
  });

  it('lets real action bodies through (text arguments and a multipart form just under the limit), leaving the body for Next.js', async () => {
    expect(await serverActionBodyRefusal(action('["$K1",{"note":"ok"}]'))).toBeNull();
    const form = new FormData();
    form.set('0', '["$K1"]');
    form.set('1_note', 'x'.repeat(1000));
    const encoded = new Response(form);
    const request = action(await encoded.arrayBuffer(), { 'content-type': encoded.headers.get('content-type')! });
    expect(await serverActionBodyRefusal(request)).toBeNull();
    // The body read was a clone: the request still carries it.
    expect((await request.formData()).get('1_note')).toBe('x'.repeat(1000));
    // Through the proxy: on to Next.js (here the sign-in redirect: no session cookie).
    const passed = await proxy(action('["$K1"]'));
    expect([400, 413]).not.toContain(passed.status);
  });

  it('leaves requests that are not server actions alone', async () => {
    const plain = new NextRequest(`${ORIGIN}/login`, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'text/plain' }, body: 'not json' });
    expect((await proxy(plain)).status).not.toBe(400);
  });
});
