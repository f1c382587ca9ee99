export { describeE164, type E164Info } from './e164.js';
export { describeNumber, type NumberInfo } from './describe.js';
export { knownNumber, type KnownNumber } from './national.js';
export { maskPhone } from './mask.js';
export { allUsZones, nanpZones, regionZones, singleZoneOf } from './zones.js';
