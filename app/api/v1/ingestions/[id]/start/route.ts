import { endpoints } from '@/lib/api';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { ParseError } from '@/lib/features/ingestion/parse';
import type { IngestProfileInput } from '@/lib/features/ingestion/profile';
import { currentProfileVersion } from '@/lib/features/ingestion/sources';
import { AppError, InvalidRequestError, NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

/** Maps a staged upload (a profile sent, the source's current one, or the suggestion) and ingests it in the background. */
export const POST = defineApiRoute(endpoints.startIngestion, async ({ params, body, user }) => {
  const ingestion = await getPrisma().ingestion.findUnique({ where: { id: params.id }, select: { sourceId: true } });
  if (!ingestion) throw new NotFoundError('No such ingestion.');
  let profile: IngestProfileInput | undefined = body.profile;
  let presetId = body.presetId ?? null;
  try {
    if (body.use === 'current') {
      const current = await currentProfileVersion(ingestion.sourceId);
      if (!current) throw new InvalidRequestError('This source has no profile yet: send a profile, or use: "suggestion" for the mapping Paidline suggests.');
      profile = current.profile;
      presetId = current.presetId;
    } else if (body.use === 'suggestion') {
      const preview = await previewIngestion(params.id);
      profile = preview.suggestion.profile;
      presetId = preview.suggestion.presetId;
    }
    const result = await startIngestion(params.id, { profile: profile!, presetId, onInvalid: body.onInvalid, actor: user });
    return result.status === 'processing'
      ? { status: 'processing' as const, version: result.version, warnings: result.warnings as unknown as Record<string, unknown>[] }
      : { status: 'blocked' as const, message: result.message, findings: result.findings as unknown as Record<string, unknown>[] };
  } catch (error) {
    if (error instanceof ParseError) throw new AppError('unreadable', `The file cannot be read: ${error.message}`, { cause: error });
    throw error;
  }
});
