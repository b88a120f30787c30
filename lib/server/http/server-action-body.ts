/**
 * A server action's body, checked before Next.js decodes it. Next.js answers a body over its
 * serverActions.bodySizeLimit, or one it cannot decode, with an opaque HTTP 500 (and logs it as a
 * server error); the proxy calls this first so the sender gets a 413 naming the limit, or a 400,
 * and the server's error log stays for real failures.
 *
 * What a real action body is (React's encodeReply): either text, the JSON array of the action's
 * arguments, or a multipart form whose parts carry them (the arguments include a FormData or a
 * file). Anything else would fail in Next.js anyway.
 *
 * Next.js buffers a proxied request's body, so reading a clone here leaves the original intact.
 */

/**
 * Next.js's default serverActions.bodySizeLimit (1 MB), which next.config.js does not change:
 * change both together (server-action-body.test.ts checks next.config.js).
 */
export const SERVER_ACTION_BODY_LIMIT_BYTES = 1024 * 1024;

export type BodyRefusal = { status: 400 | 413; message: string };

const tooLarge = (limit: number): BodyRefusal => ({
  status: 413,
  message: `Refused: the form sent is larger than the ${limit === 1024 * 1024 ? '1 MB' : `${limit.toLocaleString('en-US')}-byte`} limit of a Paidline form (${limit.toLocaleString('en-US')} bytes). Files go through the upload API (POST /api/sources/<id>/uploads), not a form.`,
});
const unreadable = (why: string): BodyRefusal => ({
  status: 400,
  message: `Refused: the form sent cannot be read (${why}). Reload the page and submit it again.`,
});

/** The body's bytes, or null once more than `limit` arrive. */
async function readUpTo(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: cancelling one branch of a cloned (teed) body settles only once the other is too.
      reader.cancel().catch(() => {});
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

/** Null when the body is one Next.js can decode within the limit; otherwise the refusal. */
export async function serverActionBodyRefusal(request: Request, limit = SERVER_ACTION_BODY_LIMIT_BYTES): Promise<BodyRefusal | null> {
  if (request.method !== 'POST') return null;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return tooLarge(limit);
  const bytes = request.body ? await readUpTo(request.clone().body!, limit) : new Uint8Array(0);
  if (bytes === null) return tooLarge(limit);

  const contentType = request.headers.get('content-type') ?? '';
  if (/^\s*multipart\/form-data/i.test(contentType)) {
    try {
      await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
      return null;
    } catch {
      return unreadable('not a well-formed multipart form');
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return unreadable('not UTF-8 text');
  }
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch {
    return unreadable(bytes.byteLength === 0 ? 'the body is empty' : 'not JSON');
  }
  return Array.isArray(args) ? null : unreadable('not a list of arguments');
}
