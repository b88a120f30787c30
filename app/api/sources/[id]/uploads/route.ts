import { NextResponse } from 'next/server';
import { AppError, NotFoundError } from '@/lib/server/core/app-error';
import { getSource } from '@/lib/features/ingestion/sources';
import { emptyUploadError, maxUploadBytes, uploadTooLargeError } from '@/lib/features/ingestion/upload-limits';
import { isMultipart, multipartFile, MULTIPART_OVERHEAD_BYTES } from '@/lib/features/ingestion/multipart-upload';
import { HSTS, isHttps } from '@/lib/auth/security-headers';
import { previewOrReject } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
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
    const { id } = params;
    const source = await getSource(id);
    if (!source || source.archivedAt) throw new NotFoundError('This source does not exist.');

    const limit = maxUploadBytes();
    const multipart = isMultipart(request.headers.get('content-type'));
    const declared = Number(request.headers.get('content-length') ?? 'NaN');
    if (Number.isFinite(declared) && declared > limit + (multipart ? MULTIPART_OVERHEAD_BYTES : 0)) throw uploadTooLargeError(limit);
    if (!request.body) throw emptyUploadError();
    let fileName: string | null = null;
    try {
      const header = request.headers.get('x-file-name');
      if (header !== null) fileName = decodeURIComponent(header);
    } catch {
      throw new AppError('invalid_input', 'The file name is not valid. Rename the file and try again.');
    }

    let body: ReadableStream<Uint8Array> = request.body;
    if (multipart) {
      const part = await multipartFile(request, { maxFileBytes: limit });
      body = part.body;
      fileName ??= part.fileName;
    }
    const staged = await stageUpload({ sourceId: id, fileName: fileName || 'upload', body, actor: user, maxBytes: limit });
    if (staged.duplicateOf) return NextResponse.json({ staged, preview: null }, { status: 200 });
    const preview = await previewOrReject(staged.ingestionId, { actor: user });
    return NextResponse.json({ staged, preview }, { status: 201 });
  },
);
