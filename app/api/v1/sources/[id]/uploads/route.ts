import { endpoints } from '@/lib/api';
import { HSTS, isHttps } from '@/lib/auth/security-headers';
import { isMultipart, multipartFile, MULTIPART_OVERHEAD_BYTES } from '@/lib/features/ingestion/multipart-upload';
import { previewOrReject } from '@/lib/features/ingestion/preview-ingestion';
import { getSource } from '@/lib/features/ingestion/sources';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { emptyUploadError, maxUploadBytes, uploadTooLargeError } from '@/lib/features/ingestion/upload-limits';
import { AppError, NotFoundError } from '@/lib/server/core/app-error';
import { consume } from '@/lib/server/rate-limit';
import { defineApiRoute, jsonResponse } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

/**
 * The browser's streaming upload, for scripts: the body is streamed to disk while hashed (never held
 * in memory), then previewed with a suggested mapping. proxy.ts does not run for this route (it would
 * buffer the body and cut it at 10 MB): the pipeline spends the per-IP budget, this handler the upload budget.
 */
export const POST = defineApiRoute(endpoints.uploadFile, async ({ params, request, user }) => {
  const spent = await consume('uploadUser', user.id);
  if (!spent.ok) throw new AppError('rate_limited', `Too many uploads. Try again in ${spent.retryAfterSeconds} seconds.`, { headers: { 'Retry-After': String(spent.retryAfterSeconds) } });
  const source = await getSource(params.id);
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
    throw new AppError('invalid_input', 'The file name in X-File-Name is not valid URI-encoded text.');
  }
  let body: ReadableStream<Uint8Array> = request.body;
  if (multipart) {
    const part = await multipartFile(request, { maxFileBytes: limit });
    body = part.body;
    fileName ??= part.fileName;
  }
  const staged = await stageUpload({ sourceId: params.id, fileName: fileName || 'upload', body, actor: user, maxBytes: limit });
  const https: Record<string, string> = isHttps(new URL(request.url), request.headers) ? { 'Strict-Transport-Security': HSTS } : {};
  if (staged.duplicateOf) return jsonResponse({ staged, preview: null }, 200, https);
  const preview = await previewOrReject(staged.ingestionId, { actor: user });
  const { format: _format, ...shown } = preview;
  return jsonResponse({ staged, preview: shown }, 201, https);
});
