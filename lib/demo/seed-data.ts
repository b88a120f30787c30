import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { getPrisma } from '@/lib/db/client';
import { createSource } from '@/lib/db/sources';
import { previewIngestion, stageUpload, startIngestion } from '@/lib/db/ingestions';
import { ensureDefaultRuleSet } from '@/lib/db/rulesets';

type Client = ReturnType<typeof getPrisma>;

/** The demo company's systems: seed-003's gateway and bank exports. A later issue extends it. */
export const DEMO_SOURCES = [
  { name: 'Gateway', kind: 'gateway', file: 'dataset-a.csv', description: 'Card payment gateway (seed-003 dataset A)' },
  { name: 'Bank', kind: 'bank', file: 'dataset-b.csv', description: 'Settlement bank account (seed-003 dataset B)' },
] as const;

function fixture(file: string): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'test/fixtures/seed-003', file);
}

/**
 * Creates the demo sources and ingests their exports through the real upload path (stage, preview,
 * start with the suggested mapping, wait). Idempotent: a source that already has the file committed
 * is left alone. Also makes sure the default rule set exists. No run is started: the journey does that.
 */
export async function seedDemoData(db: Client = getPrisma()): Promise<{ sources: { id: string; name: string; ingested: boolean }[] }> {
  await ensureDefaultRuleSet(db);
  const out: { id: string; name: string; ingested: boolean }[] = [];
  for (const spec of DEMO_SOURCES) {
    const existing = await db.source.findUnique({ where: { name: spec.name }, select: { id: true } });
    const id = existing?.id ?? (await createSource({ name: spec.name, kind: spec.kind, description: spec.description }, { actor: null, db })).id;
    const bytes = await readFile(fixture(spec.file));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const done = await db.ingestion.findFirst({ where: { sourceId: id, fileSha256: sha256, status: 'committed' }, select: { id: true } });
    if (done) {
      out.push({ id, name: spec.name, ingested: false });
      continue;
    }
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes));
        controller.close();
      },
    });
    const staged = await stageUpload({ sourceId: id, fileName: spec.file, body, actor: null, db });
    const preview = await previewIngestion(staged.ingestionId, { db });
    const profile = { ...preview.suggestion.profile, currency: 'USD', columns: { ...preview.suggestion.profile.columns, date: 'Date' } };
    const started = await startIngestion(staged.ingestionId, { profile, onInvalid: 'abort', actor: null, db, wait: true });
    if (started.status !== 'processing') throw new Error(`Demo data: ${spec.file} was refused: ${started.message}`);
    const result = await db.ingestion.findUnique({ where: { id: staged.ingestionId }, select: { status: true, message: true } });
    if (result?.status !== 'committed') throw new Error(`Demo data: ${spec.file} ended ${result?.status}: ${result?.message ?? ''}`);
    out.push({ id, name: spec.name, ingested: true });
  }
  return { sources: out };
}
