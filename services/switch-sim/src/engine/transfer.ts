import { randomUUID } from 'node:crypto';
import type { CallLeg } from './call-leg.js';

/** The applications a transfer runs: an `inline` dialplan lists them (`park`, `playback:/f.wav,hangup`). */
export interface TransferTarget {
  readonly destination: string;
  readonly dialplan: string;
  readonly apps: ReadonlyArray<{ readonly app: string; readonly arg: string }>;
}

export interface TransferCommand {
  readonly uuid: string;
  readonly side: 'a' | 'bleg' | 'both';
  readonly target: TransferTarget;
}

/** `uuid_transfer <uuid> [-bleg|-both] <dest> [<dialplan>] [<context>]`; undefined when unusable. */
export function parseTransfer(args: string): TransferCommand | undefined {
  const words = args.split(/\s+/).filter((w) => w !== '');
  const uuid = words.shift();
  let side: TransferCommand['side'] = 'a';
  if (words[0] === '-bleg' || words[0] === '-both') side = words.shift() === '-bleg' ? 'bleg' : 'both';
  const [destination, dialplan = 'XML'] = words;
  if (uuid === undefined || destination === undefined) return undefined;
  return { uuid, side, target: transferTarget(destination, dialplan) };
}

/**
 * What the new caller profile runs. `inline`: the listed apps (`app:arg,app:arg`). Any other
 * dialplan: the simulator has no XML dialplan, so the extension is not found and the call ends
 * NO_ROUTE_DESTINATION, as FreeSWITCH does for an extension its context lacks.
 */
export function transferTarget(destination: string, dialplan: string): TransferTarget {
  if (dialplan !== 'inline') return { destination, dialplan, apps: [] };
  const apps = destination.split(',').map((item) => {
    const colon = item.indexOf(':');
    return colon < 0 ? { app: item, arg: '' } : { app: item.slice(0, colon), arg: item.slice(colon + 1) };
  });
  return { destination, dialplan, apps };
}

/**
 * uuid_transfer: the leg gets a new caller profile (index + 1, inbound, the dialplan, the old
 * destination as RDNIS, a `bl_xfer` transfer source) before its park loop notices (24), a held
 * leg is taken off hold, and the running application ends so the new profile can route.
 */
export function transferLeg(leg: CallLeg, target: TransferTarget): void {
  if (leg.held !== undefined) unhold(leg, false);
  const ch = leg.channel;
  const source = `${Math.floor(leg.now() / 1_000_000)}:${randomUUID()}:bl_xfer:${target.destination}/default/${target.dialplan}`;
  const history = leg.vars.get('transfer_history');
  leg.vars.setAll([
    ['max_forwards', leg.vars.get('max_forwards') ?? '69'],
    ['transfer_history', history === undefined ? source : `ARRAY::${history.replace(/^ARRAY::/, '')}|:${source}`],
    ['transfer_source', source],
  ]);
  ch.rdnis = ch.destination;
  ch.destination = target.destination;
  ch.dialplan = target.dialplan;
  ch.transferSource = source;
  ch.profileIndex += 1;
  ch.logicalDirection = 'inbound';
  ch.times.profileCreated = leg.now();
  leg.requestTransfer(target);
}

/** uuid_hold: CALLSTATE → HELD, then CHANNEL_HOLD (24). */
export function hold(leg: CallLeg): void {
  leg.held = { sinceUs: leg.now() };
  leg.setCallState('HELD');
  leg.emit('hold');
}

/**
 * uuid_hold off: CALLSTATE → UNHELD, CHANNEL_UNHOLD, then back to ACTIVE (`backToActive`; a
 * transfer's unhold goes ACTIVE only once the new profile routes, 24).
 */
export function unhold(leg: CallLeg, backToActive: boolean): void {
  const held = leg.held;
  if (held === undefined) return;
  leg.held = undefined;
  leg.holdEvents.unshift([held.sinceUs, leg.now()]);
  leg.setCallState('UNHELD');
  leg.emit('unhold');
  if (backToActive) leg.setCallState('ACTIVE');
}
