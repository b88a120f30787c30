import { type Actor } from './ingestion-state';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { emptyUploadError, uploadTooLargeError, maxUploadBytes, safeFileName, uploadDir } from './upload-limits';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ReadableStream as WebReadableStream } from 'node:stream/web';
import { createWriteStream } from 'node:fs';
import { writeAudit } from '@/lib/server/db/audit';

export type StagedUpload = {
  ingestionId: string;
  sha256: string;
  size: number;
  duplicateOf: { id: string; createdAt: Date; rowsValid: number; fileName: string | null } | null;
};

/**
 * Streams an upload to disk while hashing it (never held in memory), then records a
 * staged ingestion. A file already committed for this source (same SHA-256) is
 * recognised and marked duplicate instead.
 */
export async function stageUpload(args: {
  sourceId: string;
  fileName: string;
  body: ReadableStream<Uint8Array>;
  actor: Actor;
  maxBytes?: number;
  db?: Client;
}): Promise<StagedUpload> {
  const db = args.db ?? getPrisma();
  const limit = args.maxBytes ?? maxUploadBytes();
  const dir = uploadDir();
  await mkdir(dir, { recursive: true });
  const stagedPath = path.join(dir, `${randomUUID()}.upload`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > limit) return cb(uploadTooLargeError(limit));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const out = createWriteStream(stagedPath, { mode: 0o600 });
  try {
    await pipeline(Readable.fromWeb(args.body as unknown as WebReadableStream<Uint8Array>), meter, out);
  } catch (error) {
    // A form refused at once fails the pipeline before the file has finished opening: the stream then
    // opens (creates) and closes it. Removed before that, an empty staged file was left behind (a
    // flaky upload-forms test under load). Its 'close' comes after its 'error', whatever happened.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await rm(stagedPath, { force: true });
    throw error;
  }
  if (size === 0) {
    await rm(stagedPath, { force: true });
    throw emptyUploadError();
  }
  const sha256 = hash.digest('hex');
  const fileName = safeFileName(args.fileName);

  const previous = await db.ingestion.findFirst({
    where: { sourceId: args.sourceId, fileSha256: sha256, status: 'committed' },
    orderBy: { createdAt: 'asc' },
    select: { id: true, createdAt: true, rowsValid: true, fileName: true },
  });
  const ingestion = await db.$transaction(async (tx) => {
    const row = await tx.ingestion.create({
      data: {
        sourceId: args.sourceId,
        channel: 'upload',
        fileName,
        fileSha256: sha256,
        fileSize: BigInt(size),
        bytesTotal: BigInt(size),
        status: previous ? 'duplicate' : 'staged',
        duplicateOfId: previous?.id ?? null,
        stagedPath: previous ? null : stagedPath,
        message: previous ? `This file was already ingested on ${previous.createdAt.toISOString().slice(0, 10)} (${previous.rowsValid} rows); it is not counted twice.` : null,
        createdById: args.actor?.id ?? null,
      },
    });
    await writeAudit(tx, {
      actor: args.actor,
      action: previous ? 'ingestion.duplicate' : 'ingestion.stage',
      entityType: 'Ingestion',
      entityId: row.id,
      after: { sourceId: args.sourceId, fileName, sha256, size, duplicateOf: previous?.id ?? null },
    });
    return row;
  });
  if (previous) await rm(stagedPath, { force: true });
  return { ingestionId: ingestion.id, sha256, size, duplicateOf: previous };
}
