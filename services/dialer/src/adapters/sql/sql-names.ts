// Names and cursors shared by the dialer's SQL adapters.

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** `"schema".table`, refusing a schema name that would need more quoting than that. */
export function tableOf(schema: string, table: string): string {
  if (!IDENT.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema.slice(0, 40))}`);
  return `"${schema}".${table}`;
}

/** An opaque page token for a keyset position. */
export function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ after: position })).toString('base64url');
}

/** The position in a token, or undefined when the token is not one of ours. */
export function decodeCursor(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof parsed.after === 'string' ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}
