/**
 * npm run db:generate (also postinstall): render prisma/{sqlite,postgres}/schema.prisma from
 * prisma/models.prisma, then run `prisma generate` for both, offline.
 *
 * `prisma generate` never uses the schema engine, but the CLI tries to download one first; pointing
 * PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips that download.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { prismaDir } from '@/lib/server/db/config';
import { DB_KINDS, schemaPath, writeSchemas } from '@/lib/server/db/schemas';

const dir = prismaDir();
const changed = writeSchemas(dir);
for (const kind of changed) console.log(`db:generate: wrote ${path.relative(process.cwd(), schemaPath(dir, kind))}`);

const cli = path.resolve('node_modules/prisma/build/index.js');
if (!fs.existsSync(cli)) {
  console.error('db:generate: the prisma CLI is not installed (it is a devDependency); cannot generate clients.');
  process.exit(1);
}
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? cli,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_PRISMA_TIPS: '1',
};
for (const kind of DB_KINDS) {
  const r = spawnSync(process.execPath, [cli, 'generate', '--schema', schemaPath(dir, kind)], {
    stdio: 'inherit',
    env,
  });
  if (r.status !== 0) {
    console.error(`db:generate: prisma generate failed for ${kind} (exit ${r.status ?? r.signal}).`);
    process.exit(r.status ?? 1);
  }
}
