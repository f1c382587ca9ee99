import { fileURLToPath } from 'node:url';
import { loadMigrations, migrate, type Pool } from '@outbound/store';

// From dist/src/adapters/sql/ up to the package's migrations/ folder (tsc does not copy .sql files).
const MIGRATIONS_DIR = fileURLToPath(new URL('../../../../migrations/', import.meta.url));

export async function migrateRulesSchema(pool: Pool, schema: string): Promise<void> {
  await migrate(pool, { schema, migrations: await loadMigrations(MIGRATIONS_DIR) });
}
