import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { DomainError, type ErrorKind } from '@outbound/errors';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export class MigrationError extends DomainError {
  readonly kind: ErrorKind = 'failed_precondition';
}

export interface PoolOptions {
  url: string;
  applicationName: string;
  max?: number;
  statementTimeoutMs?: number;
  /** Called for errors on idle clients (the server restarted): log them, the pool recovers. */
  onIdleError?: (error: Error) => void;
}

export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    application_name: options.applicationName,
    max: options.max ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}

/** Run `fn` in one transaction: committed if it resolves, rolled back (and rethrown) if not. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw new MigrationError(`invalid schema name ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export interface Migration {
  version: number;
  /** File name, for messages. */
  file: string;
  name: string;
  sql: string;
  checksum: string;
}

/** Read `NNNN_name.sql` files from a folder, in version order. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d+)_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new MigrationError(`migration file ${file} must be named NNNN_name.sql`);
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      file,
      name: match[2]!,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const versions = new Set<number>();
  for (const m of migrations) {
    if (versions.has(m.version)) throw new MigrationError(`two migrations with version ${m.version}`);
    versions.add(m.version);
  }
  return migrations;
}

/**
 * Bring `schema` up to date. All pending migrations and their bookkeeping rows run in one
 * transaction (PostgreSQL DDL is transactional), so a failure leaves the schema as it was; an
 * advisory lock serialises replicas starting together; an applied migration whose file changed
 * stops everything (history is never rewritten). Also creates the inbox table used by
 * processOnce. Returns the versions applied by this call. Statements that cannot run inside a
 * transaction (CREATE INDEX CONCURRENTLY) do not belong in these files.
 */
export async function migrate(pool: Pool, options: { schema: string; migrations: Migration[] }): Promise<number[]> {
  const schema = quoteIdent(options.schema);
  const applied: number[] = [];
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrate:${options.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.processed_events (
      consumer text NOT NULL, event_id text NOT NULL, processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id))`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      `SELECT version, checksum FROM ${schema}.schema_migrations`,
    );
    const done = new Map(rows.map((row) => [row.version, row.checksum]));
    for (const migration of options.migrations) {
      const checksum = done.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new MigrationError(`migration ${migration.file} changed after it was applied`);
        }
        continue;
      }
      try {
        await client.query(`SET LOCAL search_path TO ${schema}`);
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
      } catch (cause) {
        throw new MigrationError(`migration ${migration.file} failed`, { cause });
      }
      applied.push(migration.version);
    }
  });
  return applied;
}

/**
 * The transactional inbox: true the first time `consumer` sees `eventId`, false after. Call it in
 * the same transaction as the handler's writes so a redelivered event has its effect exactly once.
 */
export async function processOnce(
  client: PoolClient,
  schema: string,
  consumer: string,
  eventId: string,
): Promise<boolean> {
  const result = await client.query(
    `INSERT INTO ${quoteIdent(schema)}.processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [consumer, eventId],
  );
  return result.rowCount === 1;
}
export { GroupCommit } from './group-commit.js';
