import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testUrls, uniqueName } from '@outbound/testkit';
import { MigrationError, createPool, loadMigrations, migrate, processOnce, withTransaction } from '../src/index.js';

// Real PostgreSQL (scripts/dev-up); each test works in a schema of its own.
const pool = createPool({ url: testUrls.database, applicationName: 'store-test' });
after(() => pool.end());

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

test('migrations apply once, in order, and are idempotent', async () => {
  const schema = uniqueName('s').toLowerCase();
  const dir = await migrationsDir({
    '0002_add_tier.sql': 'ALTER TABLE lead ADD COLUMN tier text;',
    '0001_create_lead.sql': 'CREATE TABLE lead (id text PRIMARY KEY);',
  });
  const migrations = await loadMigrations(dir);
  assert.deepEqual(await migrate(pool, { schema, migrations }), [1, 2]);
  assert.deepEqual(await migrate(pool, { schema, migrations }), []);
  const { rows } = await pool.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'lead' ORDER BY ordinal_position`,
    [schema],
  );
  assert.deepEqual(
    rows.map((r) => r.column_name),
    ['id', 'tier'],
  );
});

test('concurrent runners apply each migration exactly once', async () => {
  const schema = uniqueName('s').toLowerCase();
  const migrations = await loadMigrations(await migrationsDir({ '0001_t.sql': 'CREATE TABLE t (id int);' }));
  const results = await Promise.all([1, 2, 3, 4].map(() => migrate(pool, { schema, migrations })));
  assert.equal(results.flat().length, 1);
});

test('a failing migration leaves nothing behind', async () => {
  const schema = uniqueName('s').toLowerCase();
  const migrations = await loadMigrations(
    await migrationsDir({
      '0001_ok.sql': 'CREATE TABLE ok (id int);',
      '0002_broken.sql': 'CREATE TABLE broken (id int); SELECT no_such_function();',
    }),
  );
  await assert.rejects(
    migrate(pool, { schema, migrations }),
    (error: unknown) => error instanceof MigrationError && /0002_broken\.sql failed/.test(error.message),
  );
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('ok', 'broken')`,
    [schema],
  );
  assert.equal(rows[0].n, 0);
});

test('an applied migration that was edited stops the runner', async () => {
  const schema = uniqueName('s').toLowerCase();
  const dir = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
  await migrate(pool, { schema, migrations: await loadMigrations(dir) });
  await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
  await assert.rejects(
    migrate(pool, { schema, migrations: await loadMigrations(dir) }),
    /changed after it was applied/,
  );
});

test('badly named files and schemas are refused', async () => {
  await assert.rejects(
    loadMigrations(await migrationsDir({ 'create.sql': 'select 1' })),
    /must be named NNNN_name.sql/,
  );
  await assert.rejects(migrate(pool, { schema: 'x; drop', migrations: [] }), /invalid schema name/);
});

test('processOnce admits an event id once per consumer, inside the caller transaction', async () => {
  const schema = uniqueName('s').toLowerCase();
  await migrate(pool, { schema, migrations: [] });
  assert.equal(await withTransaction(pool, (c) => processOnce(c, schema, 'rules', 'e1')), true);
  assert.equal(await withTransaction(pool, (c) => processOnce(c, schema, 'rules', 'e1')), false);
  assert.equal(await withTransaction(pool, (c) => processOnce(c, schema, 'dialer', 'e1')), true);
  // A rolled-back transaction does not consume the id.
  await assert.rejects(
    withTransaction(pool, async (c) => {
      await processOnce(c, schema, 'rules', 'e2');
      throw new Error('handler failed');
    }),
  );
  assert.equal(await withTransaction(pool, (c) => processOnce(c, schema, 'rules', 'e2')), true);
});
