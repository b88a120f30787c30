/** Applies pending migrations (creating the embedded SQLite file on first use). Used by `npm run dev`. */
import { migrateDatabase } from '@/lib/server/db/migrate';
import { getPrisma } from '@/lib/server/db/client';

migrateDatabase()
  .then(() => getPrisma().$disconnect())
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
