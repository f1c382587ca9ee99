/** Frames of a captured or live server stream, and the normalisation used to compare them. */
export interface Frame {
  readonly outer: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  readonly truncated: boolean;
}

export function splitFrames(data: string): Frame[] {
  const frames: Frame[] = [];
  let i = 0;
  while (i < data.length) {
    const end = data.indexOf('\n\n', i);
    if (end < 0) break;
    const outer = data
      .slice(i, end)
      .split('\n')
      .map((line) => {
        const colon = line.indexOf(': ');
        return colon < 0
          ? ([line.replace(/:$/, ''), ''] as const)
          : ([line.slice(0, colon), line.slice(colon + 2)] as const);
      });
    i = end + 2;
    const length = Number(outer.find(([n]) => n === 'Content-Length')?.[1] ?? '0');
    const bytes = Buffer.from(data.slice(i), 'utf8');
    const truncated = bytes.length < length;
    const body = bytes.subarray(0, length).toString('utf8');
    i += body.length;
    frames.push({ outer, body, truncated });
  }
  return frames;
}

export interface EventView {
  readonly name: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

export function eventOf(frame: Frame): EventView | undefined {
  const type = frame.outer.find(([n]) => n === 'Content-Type')?.[1];
  if (type === 'text/event-json') {
    const headers: Array<[string, string]> = [];
    // Keep duplicate keys and order: parse the flat object by hand through a reviver-free scan.
    const re = /"((?:[^"\\]|\\.)*)":"((?:[^"\\]|\\.)*)"/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(frame.body)) !== null)
      headers.push([JSON.parse(`"${m[1]}"`) as string, JSON.parse(`"${m[2]}"`) as string]);
    const body = headers.find(([n]) => n === '_body')?.[1] ?? '';
    const plain = headers.filter(([n]) => n !== '_body' && n !== 'Content-Length');
    return { name: plain.find(([n]) => n === 'Event-Name')?.[1] ?? '', headers: plain, body };
  }
  if (type !== 'text/event-plain') return undefined;
  const split = frame.body.indexOf('\n\n');
  const head = split < 0 ? frame.body : frame.body.slice(0, split);
  const headers = head
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const colon = line.indexOf(': ');
      return [line.slice(0, colon), decodeURIComponent(line.slice(colon + 2))] as const;
    })
    .filter(([n]) => n !== 'Content-Length');
  return {
    name: headers.find(([n]) => n === 'Event-Name')?.[1] ?? '',
    headers,
    body: split < 0 ? '' : frame.body.slice(split + 2),
  };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Uuids, numbers and timestamps may differ between runs; shapes may not. */
export function normalizeText(text: string): string {
  return text.replace(UUID, '<uuid>').replace(/\d+(\.\d+)?/g, '<n>');
}

/**
 * Events whose position is timing-driven on a real switch, so they are excluded from the ordered
 * comparison: HEARTBEAT/RE_SCHEDULE (a timer), and API, which FreeSWITCH delivers from its event
 * thread and which lands before or after the next command's reply from run to run (02 shows both).
 * API events are compared separately as a multiset of API-Command values.
 */
export const UNORDERED_EVENTS = new Set(['HEARTBEAT', 'RE_SCHEDULE', 'API']);

/**
 * Events that describe the captured install's loaded modules rather than calls or the protocol:
 * on shutdown FreeSWITCH unloads each module interface (135 MODULE_UNLOAD in 07d), unpublishes its
 * SIP profiles (UNPUBLISH) and deletes gateways (CUSTOM sofia::gateway_delete). The sim loads no
 * modules and does not invent that inventory, so these are left out of the comparison.
 */
const MODULE_INVENTORY = new Set(['MODULE_UNLOAD', 'UNPUBLISH', 'sofia::gateway_delete']);

export function isModuleInventory(event: EventView): boolean {
  const subclass = event.headers.find(([n]) => n === 'Event-Subclass')?.[1];
  return MODULE_INVENTORY.has(event.name) || (subclass !== undefined && MODULE_INVENTORY.has(subclass));
}

/** Header values compared literally because they carry call semantics. */
export const SEMANTIC_HEADERS = new Set([
  'Event-Name',
  'Event-Subclass',
  'Channel-State',
  'Channel-Call-State',
  'Answer-State',
  'Hangup-Cause',
  'Original-Channel-Call-State',
  'Application',
  'Job-Command',
  'Call-Direction',
  'DTMF-Digit',
  'Playback-Status',
  'variable_hangup_cause',
  'variable_sip_term_status',
  'variable_sip_hangup_disposition',
  'variable_endpoint_disposition',
  'variable_proto_specific_hangup_cause',
  'variable_billsec',
]);

export interface FrameSummary {
  readonly kind: string;
  readonly lines: readonly string[];
}

/** A comparable description of one frame: outer headers, and for events names/order/semantics. */
export function summarize(frame: Frame): FrameSummary {
  const outerNames = frame.outer.map(([n, v]) =>
    n === 'Reply-Text' || n === 'Job-UUID' ? `${n}: ${normalizeText(v)}` : n,
  );
  const type = frame.outer.find(([n]) => n === 'Content-Type')?.[1] ?? '?';
  const event = eventOf(frame);
  if (event === undefined) {
    const body =
      type === 'api/response' ? bodyShape(frame.body) : type === 'log/data' ? '<log line>' : normalizeText(frame.body);
    return { kind: type, lines: [`outer: ${outerNames.join(' | ')}`, `body: ${body}`] };
  }
  const fixed = event.headers.filter(([n]) => !n.startsWith('variable_'));
  const variables = event.headers
    .filter(([n]) => n.startsWith('variable_'))
    .map(([n]) => n)
    .sort();
  const semantic = event.headers.filter(([n]) => SEMANTIC_HEADERS.has(n)).map(([n, v]) => `${n}=${normalizeText(v)}`);
  return {
    kind: `${type} ${event.name}`,
    lines: [
      `outer: ${outerNames.join(' | ')}`,
      `headers: ${fixed.map(([n]) => n).join(' ')}`,
      `variables: ${variables.join(' ')}`,
      `values: ${semantic.join(' ')}`,
      `body: ${normalizeText(event.body)}`,
    ],
  };
}

function bodyShape(body: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    const rows = Array.isArray(parsed['rows']) ? (parsed['rows'] as Array<Record<string, unknown>>) : [];
    // Variables are compared on events; here only the fixed part of the object.
    const keys = Object.keys(parsed).filter((k) => !k.startsWith('variable_'));
    return `json keys=${keys.join(',')} rows=${rows.length} rowKeys=${Object.keys(rows[0] ?? {}).join(',')} newline=${body.endsWith('\n')}`;
  }
  if (body.startsWith('UP ')) return `status lines=${body.split('\n').length}`;
  return normalizeText(body);
}

/**
 * Frames split by the channel they belong to (`leg#1`, `leg#2` … in order of first appearance)
 * and one `control` stream for everything else (replies, api responses, BACKGROUND_JOB). Used
 * when a trace has several channels: FreeSWITCH runs each session on its own thread, so how two
 * legs' events interleave is a race (04: which leg answers first, where the second bgapi reply
 * lands), while each leg's own sequence and the control sequence are not.
 */
export function streamsOf(frames: readonly Frame[]): Map<string, Frame[]> {
  const streams = new Map<string, Frame[]>([['control', []]]);
  const legs = new Map<string, string>();
  for (const frame of frames) {
    const uuid = eventOf(frame)?.headers.find(([n]) => n === 'Unique-ID')?.[1];
    let key = 'control';
    if (uuid !== undefined) {
      key = legs.get(uuid) ?? `leg#${legs.size + 1}`;
      legs.set(uuid, key);
    }
    const stream = streams.get(key) ?? [];
    stream.push(frame);
    streams.set(key, stream);
  }
  return streams;
}

/** Events whose cross-leg order is causal, not a race: bridge, hangup and teardown of a pair. */
const CAUSAL_EVENTS = new Set(['CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE']);

/** `leg#n EVENT` for the causal events, in arrival order, across all legs. */
export function causalOrder(frames: readonly Frame[]): string[] {
  const legOf = new Map<Frame, string>();
  for (const [key, stream] of streamsOf(frames)) for (const frame of stream) legOf.set(frame, key);
  return frames.flatMap((frame) => {
    const name = eventOf(frame)?.name;
    return name !== undefined && CAUSAL_EVENTS.has(name) ? [`${legOf.get(frame) ?? '?'} ${name}`] : [];
  });
}
