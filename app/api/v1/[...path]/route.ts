import { problemResponse } from '@/lib/server/pipeline/api';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/** Any other path below /api/v1: a problem+json 404 that points at the reference, not the app's HTML page. */
const notFound = defineRoute({ name: '/api/v1/[...path]', permission: { public: 'It answers only that the path does not exist.' } }, async (request, { requestId }) =>
  problemResponse({ code: 'not_found', status: 404, message: `There is no ${request.method} ${new URL(request.url).pathname} in the API. The endpoints are listed at /api/v1/openapi.json and on the API reference page (/api-docs).` }, requestId, new URL(request.url).pathname),
);

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
