import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { csvEscapeCell } from '@/lib/server/http/csv-safe';

export async function getIngestion(id: string, db: Client = getPrisma()) {
  const row = await db.ingestion.findUnique({
    where: { id },
    include: { profileVersion: { select: { version: true } }, source: { select: { id: true, name: true } }, driftEvents: { orderBy: { createdAt: 'asc' } } },
  });
  if (!row) return null;
  return {
    id: row.id,
    source: row.source,
    status: row.status,
    fileName: row.fileName,
    fileSha256: row.fileSha256,
    fileSize: Number(row.fileSize ?? 0),
    rowsTotal: row.rowsTotal,
    rowsValid: row.rowsValid,
    rowsInvalid: row.rowsInvalid,
    bytesTotal: Number(row.bytesTotal),
    bytesProcessed: Number(row.bytesProcessed),
    message: row.message,
    version: row.profileVersion?.version ?? null,
    duplicateOfId: row.duplicateOfId,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    drift: row.driftEvents.map((d) => ({ kind: d.kind, severity: d.severity, message: d.message })),
  };
}

export async function listIngestions(sourceId: string, db: Client = getPrisma()) {
  const rows = await db.ingestion.findMany({
    where: { sourceId },
    orderBy: { createdAt: 'desc' },
    take: 50,
    include: { profileVersion: { select: { version: true } } },
  });
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    fileName: r.fileName,
    fileSha256: r.fileSha256,
    status: r.status,
    rowsValid: r.rowsValid,
    rowsInvalid: r.rowsInvalid,
    version: r.profileVersion?.version ?? null,
    createdAt: r.createdAt,
    message: r.message,
  }));
}

/** Bad rows as CSV (line, column, reason, value), with cells escaped against formula injection. */
export async function* ingestionErrorsCsv(id: string, db: Client = getPrisma()): AsyncGenerator<string> {
  yield 'line,column,reason,value\n';
  let cursor = 0;
  for (;;) {
    const rows = await db.ingestionError.findMany({ where: { ingestionId: id, id: { gt: cursor } }, orderBy: { id: 'asc' }, take: 1000 });
    if (!rows.length) return;
    for (const r of rows) yield `${[String(r.line), r.column, r.reason, r.value ?? ''].map(csvEscapeCell).join(',')}\n`;
    cursor = rows[rows.length - 1]!.id;
  }
}
