/**
 * Request ids: the proxy gives every request an `x-request-id` (keeping a sane one sent by a
 * reverse proxy, replacing anything else) and returns it on the response; route handlers and
 * server actions log with it, so one request's lines can be found together.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE = /^[A-Za-z0-9._:-]{8,128}$/;

/** The incoming id when it is well-formed, else a new random one. */
export function requestIdFrom(headers: Headers): string {
  const incoming = headers.get(REQUEST_ID_HEADER)?.trim();
  return incoming && SAFE.test(incoming) ? incoming : crypto.randomUUID();
}

/** The id the proxy attached (or null outside a request, such as in a CLI). */
export function requestIdOf(headers: Headers): string | null {
  const id = headers.get(REQUEST_ID_HEADER);
  return id && SAFE.test(id) ? id : null;
}
