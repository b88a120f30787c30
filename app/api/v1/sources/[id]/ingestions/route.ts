import { z } from 'zod';
import { endpoints } from '@/lib/api';
import { decodeCursor, encodeCursor } from '@/lib/api/schemas';
import { getSource } from '@/lib/features/ingestion/sources';
import { NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma } from '@/lib/server/db/client';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

const cursorSchema = z.object({ at: z.string(), id: z.string() });

export const GET = defineApiRoute(endpoints.listSourceIngestions, async ({ params, query }) => {
  if (!(await getSource(params.id))) throw new NotFoundError('This source does not exist.');
  const after = decodeCursor(query.cursor, cursorSchema);
  const at = after ? new Date(after.at) : null;
  const rows = await getPrisma().ingestion.findMany({
    where: { sourceId: params.id, ...(at && after ? { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: after.id } }] } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
    include: { profileVersion: { select: { version: true } }, source: { select: { id: true, name: true } } },
  });
  const more = rows.length > query.limit;
  const items = rows.slice(0, query.limit).map((r) => ({
    id: r.id,
    source: r.source,
    status: r.status,
    fileName: r.fileName,
    fileSha256: r.fileSha256,
    fileSize: Number(r.fileSize ?? 0),
    rowsTotal: r.rowsTotal,
    rowsValid: r.rowsValid,
    rowsInvalid: r.rowsInvalid,
    bytesTotal: Number(r.bytesTotal),
    bytesProcessed: Number(r.bytesProcessed),
    message: r.message,
    version: r.profileVersion?.version ?? null,
    duplicateOfId: r.duplicateOfId,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }));
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null };
});
