import { endpoints } from '@/lib/api';
import { HSTS, isHttps } from '@/lib/auth/security-headers';
import { receiveUpload } from '@/lib/features/ingestion/receive-upload';
import { AppError } from '@/lib/server/core/app-error';
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
  const { staged, preview } = await receiveUpload(request, params.id, user);
  const https: Record<string, string> = isHttps(new URL(request.url), request.headers) ? { 'Strict-Transport-Security': HSTS } : {};
  if (!preview) return jsonResponse({ staged, preview: null }, 200, https);
  const { format: _format, ...shown } = preview;
  return jsonResponse({ staged, preview: shown }, 201, https);
});
