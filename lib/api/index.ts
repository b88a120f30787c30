/**
 * The public API's contract (/api/v1): every endpoint with its permission and zod schemas. Route
 * handlers in app/api/v1 are made from these (lib/server/pipeline/api.ts), the OpenAPI document is
 * generated from them (./openapi.ts), and the tests check that each route has an endpoint here and
 * each endpoint a route.
 */
import * as sources from './endpoints/sources';
import * as ingestions from './endpoints/ingestions';
import * as reconciliations from './endpoints/reconciliations';
import * as entries from './endpoints/entries';
import * as romi from './endpoints/romi';
import * as webhooks from './endpoints/webhooks';
import type { ApiEndpoint } from '@/lib/server/pipeline/api';

function endpointsOf(mod: Record<string, unknown>): ApiEndpoint[] {
  return Object.values(mod).filter((v): v is ApiEndpoint => typeof v === 'object' && v !== null && 'method' in v && 'path' in v && 'permission' in v);
}

export const endpoints = { ...sources, ...ingestions, ...reconciliations, ...entries, ...romi, ...webhooks };

export const ENDPOINTS: readonly ApiEndpoint[] = [sources, ingestions, reconciliations, entries, romi, webhooks].flatMap((m) => endpointsOf(m as Record<string, unknown>));

export const API_BASE = '/api/v1';
export { buildOpenApi } from './openapi';
