/**
 * Parses the argument of `originate`: `[{global vars}][[leg vars]]<endpoint> <&app(arg)|exten> ...`.
 * Pure; returns a typed failure with FreeSWITCH's own reply text instead of throwing.
 */
export type Endpoint =
  | {
      readonly kind: 'sofia';
      readonly profile: string;
      readonly user: string;
      readonly host?: string;
      readonly port?: number;
    }
  | { readonly kind: 'gateway'; readonly gateway: string; readonly number: string }
  | { readonly kind: 'user'; readonly id: string }
  | { readonly kind: 'loopback'; readonly target: string };

export type Destination =
  | { readonly kind: 'app'; readonly app: string; readonly arg: string }
  | { readonly kind: 'extension'; readonly extension: string };

export interface DialRequest {
  /** Channel variables in the order the originator wrote them ({...} then [...]). */
  readonly variables: ReadonlyArray<readonly [string, string]>;
  readonly endpoint: Endpoint;
  /** The endpoint text as written, e.g. `sofia/external/1000@127.0.0.1:5090`. */
  readonly endpointText: string;
  readonly destination: Destination;
  /**
   * The whole dial string: failover groups (`a|b`: the next group when every leg of one failed),
   * each a list of legs rung at once (`a,b`: the first to answer wins). One leg: `[[this]]`.
   */
  readonly alternatives: ReadonlyArray<ReadonlyArray<DialTarget>>;
}

export const ORIGINATE_USAGE =
  '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n';

export type DialParse =
  { readonly ok: true; readonly request: DialRequest } | { readonly ok: false; readonly reply: string };

/** Splits `a=b,c='x,y',d=e\,f` at top-level commas. */
function splitVariables(block: string): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < block.length; i += 1) {
    const c = block[i] ?? '';
    if (c === '\\' && i + 1 < block.length) {
      current += block[i + 1];
      i += 1;
    } else if (c === "'") {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      pushVariable(out, current);
      current = '';
    } else {
      current += c;
    }
  }
  pushVariable(out, current);
  return out;
}

function pushVariable(out: Array<readonly [string, string]>, item: string): void {
  const eq = item.indexOf('=');
  if (eq <= 0) return;
  out.push([item.slice(0, eq).trim(), item.slice(eq + 1)]);
}

function parseEndpoint(text: string): Endpoint | undefined {
  const parts = text.split('/');
  const [tech, second, ...rest] = parts;
  if (tech === 'sofia' && second === 'gateway' && rest.length >= 2) {
    return { kind: 'gateway', gateway: rest[0] ?? '', number: rest.slice(1).join('/') };
  }
  if (tech === 'sofia' && second !== undefined && rest.length >= 1) {
    const uri = rest.join('/');
    const at = uri.indexOf('@');
    if (at < 0) return { kind: 'sofia', profile: second, user: uri };
    const user = uri.slice(0, at);
    const hostPort = uri.slice(at + 1).split(';')[0] ?? '';
    const [host, port] = hostPort.split(':');
    const endpoint: { kind: 'sofia'; profile: string; user: string; host?: string; port?: number } = {
      kind: 'sofia',
      profile: second,
      user,
    };
    if (host !== undefined && host !== '') endpoint.host = host;
    if (port !== undefined && /^\d+$/.test(port)) endpoint.port = Number(port);
    return endpoint;
  }
  if (tech === 'user' && second !== undefined && second !== '')
    return { kind: 'user', id: second.split('@')[0] ?? second };
  if (tech === 'loopback' && second !== undefined) return { kind: 'loopback', target: [second, ...rest].join('/') };
  return undefined;
}

function parseDestination(text: string): Destination {
  if (!text.startsWith('&')) return { kind: 'extension', extension: text };
  const open = text.indexOf('(');
  if (open < 0) return { kind: 'app', app: text.slice(1), arg: '' };
  // FreeSWITCH ends the argument at the first ')' (see the traces README).
  const close = text.indexOf(')', open);
  return { kind: 'app', app: text.slice(1, open), arg: text.slice(open + 1, close < 0 ? undefined : close) };
}

/** Leading `{...}` and `[...]` variable blocks; undefined when a block is not closed. */
function takeVariables(text: string): { variables: Array<readonly [string, string]>; rest: string } | undefined {
  let rest = text;
  const variables: Array<readonly [string, string]> = [];
  for (const [open, close] of [
    ['{', '}'],
    ['[', ']'],
  ] as const) {
    if (rest.startsWith(open)) {
      const end = rest.indexOf(close);
      if (end < 0) return undefined;
      variables.push(...splitVariables(rest.slice(1, end)));
      rest = rest.slice(end + 1);
    }
  }
  return { variables, rest };
}

/** Whom to dial: one leg of an originate request or of a `bridge` target. */
export type DialTarget = Omit<DialRequest, 'destination' | 'alternatives'>;

/** Splits at `separator` outside `[...]` / `{...}` blocks and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const c of text) {
    if (c === "'") quoted = !quoted;
    if (!quoted && (c === '[' || c === '{')) depth += 1;
    if (!quoted && (c === ']' || c === '}')) depth -= 1;
    if (c === separator && depth === 0 && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

/**
 * `a|b` of `x,y` of `[leg vars]endpoint`, each leg with the global variables then its own.
 * Fails with FreeSWITCH's cause for an endpoint it cannot build (CHAN_NOT_IMPLEMENTED).
 */
export function parseDialList(
  text: string,
  globalVars: ReadonlyArray<readonly [string, string]>,
):
  | { readonly ok: true; readonly alternatives: ReadonlyArray<ReadonlyArray<DialTarget>> }
  | { readonly ok: false; readonly cause: string } {
  const alternatives: DialTarget[][] = [];
  for (const groupText of splitTopLevel(text, '|')) {
    const group: DialTarget[] = [];
    for (const legText of splitTopLevel(groupText, ',')) {
      const taken = takeVariables(legText.trim());
      if (taken === undefined) return { ok: false, cause: 'INVALID_URL' };
      const endpointText = taken.rest.trim();
      const endpoint = parseEndpoint(endpointText);
      if (endpoint === undefined) return { ok: false, cause: 'CHAN_NOT_IMPLEMENTED' };
      group.push({ variables: [...globalVars, ...taken.variables], endpoint, endpointText });
    }
    alternatives.push(group);
  }
  return { ok: true, alternatives };
}

/** The argument of the `bridge` application: `[{vars}]<dial list>` (failover `|`, simultaneous `,`). */
export function parseBridgeTarget(
  text: string,
):
  | { readonly ok: true; readonly alternatives: ReadonlyArray<ReadonlyArray<DialTarget>> }
  | { readonly ok: false; readonly cause: string } {
  const trimmed = text.trim();
  let globalVars: Array<readonly [string, string]> = [];
  let rest = trimmed;
  if (rest.startsWith('{')) {
    const end = rest.indexOf('}');
    if (end < 0) return { ok: false, cause: 'INVALID_URL' };
    globalVars = splitVariables(rest.slice(1, end));
    rest = rest.slice(end + 1);
  }
  return parseDialList(rest, globalVars);
}

export function parseOriginate(args: string): DialParse {
  const trimmed = args.trim();
  if (trimmed === '') return { ok: false, reply: ORIGINATE_USAGE };
  const taken = takeVariables(trimmed);
  if (taken === undefined) return { ok: false, reply: '-ERR INVALID_URL\n' };
  const { variables, rest } = taken;
  const space = rest.search(/\s/);
  if (space < 0) return { ok: false, reply: ORIGINATE_USAGE };
  const listText = rest.slice(0, space);
  const destinationText = rest.slice(space).trim().split(/\s+/)[0] ?? '';
  // `{global}[leg]` were taken above for the first leg; the list keeps only the global block.
  const globalVars = trimmed.startsWith('{') ? splitVariables(trimmed.slice(1, trimmed.indexOf('}'))) : [];
  const afterGlobal = trimmed.startsWith('{') ? trimmed.slice(trimmed.indexOf('}') + 1) : trimmed;
  const list = parseDialList(afterGlobal.split(/\s/)[0] ?? '', globalVars);
  if (!list.ok) return { ok: false, reply: `-ERR ${list.cause}\n` };
  const first = list.alternatives[0]?.[0];
  if (first === undefined) return { ok: false, reply: '-ERR CHAN_NOT_IMPLEMENTED\n' };
  const single = list.alternatives.length === 1 && list.alternatives[0]?.length === 1;
  const endpointText = single ? listText : first.endpointText;
  const endpoint = single ? parseEndpoint(listText) : first.endpoint;
  if (endpoint === undefined) return { ok: false, reply: '-ERR CHAN_NOT_IMPLEMENTED\n' };
  return {
    ok: true,
    request: {
      variables: single ? variables : first.variables,
      endpoint,
      endpointText,
      destination: parseDestination(destinationText),
      alternatives: list.alternatives,
    },
  };
}

/** The user part FreeSWITCH puts in Caller-Destination-Number. */
export function destinationNumber(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'sofia':
      return endpoint.user;
    case 'gateway':
      return endpoint.number;
    case 'user':
      return endpoint.id;
    case 'loopback':
      return endpoint.target.split('/')[0] ?? endpoint.target;
  }
}
