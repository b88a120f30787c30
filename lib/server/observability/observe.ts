/**
 * The small wrapper route handlers use: a logger bound to the request id, the request's latency
 * in the histogram, one JSON log line per request, and a 500 with the request id (never a stack
 * trace) when the handler throws.
 */
import type { Logger } from 'pino';
import { loggerFor } from './logger';
import { recordRequest } from './metrics';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';

export async function observe(route: string, request: Request, handler: (log: Logger) => Promise<Response>): Promise<Response> {
  const started = performance.now();
  const requestId = requestIdFrom(request.headers);
  const log = loggerFor('http', { requestId, route, method: request.method });
  let response: Response;
  try {
    response = await handler(log);
  } catch (error) {
    log.error({ err: error }, 'route handler failed');
    response = Response.json({ error: 'Something went wrong on our side. Try again; if it persists, quote this request id.', requestId }, { status: 500 });
  }
  const seconds = (performance.now() - started) / 1000;
  recordRequest(route, request.method, response.status, seconds);
  log.info({ status: response.status, ms: Math.round(seconds * 1000) }, 'request');
  try {
    response.headers.set(REQUEST_ID_HEADER, requestId);
  } catch {
    // Immutable headers (a redirect made by Response.redirect): the proxy has set the id already.
  }
  return response;
}
