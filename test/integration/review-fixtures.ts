import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PrismaClient } from '@/lib/server/db/client';
import { seedDemoData } from '@/lib/demo/seed-data';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import type { Role } from '@/lib/domain/roles';

process.env.PAIDLINE_UPLOAD_DIR ??= path.join(mkdtempSync(path.join(os.tmpdir(), 'paidline-review-')), 'uploads');

/** A user of the given role, stored (audit rows reference it). */
export async function makeActor(db: PrismaClient, role: Role, name = role): Promise<ReviewActor> {
  const email = `${name}-${Math.random().toString(36).slice(2, 8)}@test.paidline.app`;
  const user = await db.user.create({ data: { email, name, role, passwordHash: 'x' } });
  return { id: user.id, email, role };
}

/** Gateway (seed-003 dataset-a) and Bank (dataset-b), ingested through the real upload path. */
export async function seedSources(db: PrismaClient): Promise<{ gatewayId: string; bankId: string }> {
  const { sources } = await seedDemoData(db);
  return { gatewayId: sources.find((s) => s.name === 'Gateway')!.id, bankId: sources.find((s) => s.name === 'Bank')!.id };
}
