import { headers } from 'next/headers';
import type { Logger } from 'pino';
import { loggerFor } from './logger';
import { requestIdOf } from './request-id';

/** For server actions and pages: a logger bound to the request id the proxy set. */
export async function requestLogger(component: string): Promise<Logger> {
  let requestId: string | null = null;
  try {
    requestId = requestIdOf(await headers());
  } catch {
    requestId = null; // outside a request
  }
  return loggerFor(component, requestId ? { requestId } : {});
}
