import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { requestMeta } from '@/lib/server/http/request-meta';
import { consume, type RateBucket } from '@/lib/server/rate-limit';
import { getSource } from '@/lib/features/ingestion/sources';
import { EmptyUploadError, IngestionStateError, maxUploadBytes, UploadRejectedError, UploadTooLargeError } from '@/lib/features/ingestion/upload-limits';
import { previewOrReject } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';

export const dynamic = 'force-dynamic';

/** Spends the budgets the proxy would: this route is outside proxy.ts (see below). */
async function rateLimited(budgets: [RateBucket, string][]): Promise<NextResponse | null> {
  for (const [bucket, key] of budgets) {
    const result = await consume(bucket, key);
    if (!result.ok) {
      return NextResponse.json(
        { error: `Too many uploads. Try again in ${result.retryAfterSeconds} seconds.` },
        { status: 429, headers: { 'Retry-After': String(result.retryAfterSeconds) } },
      );
    }
  }
  return null;
}

/**
 * Streaming upload: the raw file is the request body (not multipart, not a server
 * action), written to disk while hashed, then previewed. X-File-Name carries the
 * URI-encoded file name (a label only: the file is stored under a random name).
 *
 * proxy.ts does not run for this route: Next.js buffers a request body in memory for the
 * proxy, whole, before the route starts, and cuts it at 10 MB (proxyClientMaxBodySize), so an
 * upload through it would arrive truncated. Sign-in, permission and rate limits are checked
 * here instead, before a byte of the body is read.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const ip = requestMeta(request.headers).ip ?? 'unknown';
  const byIp = await rateLimited([['apiIp', ip]]);
  if (byIp) return byIp;
  const user = await requireApi('data:upload');
  if (user instanceof NextResponse) return user;
  const byUser = await rateLimited([['apiUser', user.id], ['uploadUser', user.id]]);
  if (byUser) return byUser;
  const { id } = await params;
  const source = await getSource(id);
  if (!source || source.archivedAt) return NextResponse.json({ error: 'This source does not exist.' }, { status: 404 });

  const limit = maxUploadBytes();
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    return NextResponse.json({ error: new UploadTooLargeError(limit).message, limitBytes: limit }, { status: 413 });
  }
  if (!request.body) return NextResponse.json({ error: new EmptyUploadError().message }, { status: 400 });
  let fileName = 'upload';
  try {
    fileName = decodeURIComponent(request.headers.get('x-file-name') ?? 'upload');
  } catch {
    return NextResponse.json({ error: 'The file name is not valid. Rename the file and try again.' }, { status: 400 });
  }

  try {
    const staged = await stageUpload({ sourceId: id, fileName, body: request.body, actor: user, maxBytes: limit });
    if (staged.duplicateOf) return NextResponse.json({ staged, preview: null }, { status: 200 });
    try {
      const preview = await previewOrReject(staged.ingestionId, { actor: user });
      return NextResponse.json({ staged, preview }, { status: 201 });
    } catch (error) {
      if (error instanceof UploadRejectedError) return NextResponse.json({ error: error.message, ingestionId: staged.ingestionId }, { status: 422 });
      throw error;
    }
  } catch (error) {
    if (error instanceof UploadTooLargeError) return NextResponse.json({ error: error.message, limitBytes: limit }, { status: 413 });
    if (error instanceof EmptyUploadError) return NextResponse.json({ error: error.message }, { status: 400 });
    if (error instanceof IngestionStateError) return NextResponse.json({ error: error.message }, { status: 409 });
    throw error;
  }
}
