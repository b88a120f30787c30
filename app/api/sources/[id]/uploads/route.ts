import { NextResponse } from 'next/server';
import { HSTS, isHttps } from '@/lib/auth/security-headers';
import { receiveUpload } from '@/lib/features/ingestion/receive-upload';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-dynamic';

/**
 * Streaming upload: the raw file is the request body (not a server action), written to disk
 * while hashed, then previewed. X-File-Name carries the URI-encoded file name (a label only: the
 * file is stored under a random name). A multipart/form-data body (`curl -F file=@x.csv`) is
 * accepted too: its one file part is streamed out of the form the same way, named by the part's
 * filename unless X-File-Name says otherwise.
 *
 * proxy.ts does not run for this route: Next.js buffers a request body in memory for the
 * proxy, whole, before the route starts, and cuts it at 10 MB (proxyClientMaxBodySize), so an
 * upload through it would arrive truncated. Sign-in, permission and the budgets the proxy would
 * spend are checked here instead (the pipeline's rateLimit), before a byte of the body is read.
 * Errors: 413 too large (with limitBytes), 400 empty or a bad name, 404 no such source, 409 the
 * upload is in another state, 422 unreadable (with the refused ingestionId).
 */
export const POST = defineRoute(
  {
    name: '/api/sources/[id]/uploads',
    permission: 'data:upload',
    params: ['id'],
    rateLimit: { ip: ['apiIp'], user: ['apiUser', 'uploadUser'], message: 'Too many uploads.' },
    // The proxy, which sets HSTS on every other response, does not run here.
    responseHeaders: (request): Record<string, string> => (isHttps(new URL(request.url), request.headers) ? { 'Strict-Transport-Security': HSTS } : {}),
  },
  async (request, { user, params }) => {
    const received = await receiveUpload(request, params.id, user);
    return NextResponse.json(received, { status: received.preview ? 201 : 200 });
  },
);
