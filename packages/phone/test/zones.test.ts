import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { allUsZones, nanpZones, regionZones, singleZoneOf } from '../src/index.js';

test('a region gives its zone only when it has exactly one', () => {
  assert.equal(singleZoneOf('CN'), 'Asia/Shanghai');
  assert.equal(singleZoneOf('HK'), 'Asia/Hong_Kong');
  assert.equal(singleZoneOf('ES'), '', 'Spain spans two zones');
  assert.equal(singleZoneOf('AU'), '');
  assert.equal(singleZoneOf('US'), '', 'the NANP is resolved by area code, never by region');
  assert.equal(singleZoneOf('ZZ'), '');
});

test('every zone named in the tables is a zone the time library knows', () => {
  const zones = new Set([...allUsZones, ...[...nanpZones.values()].flat(), ...Object.values(regionZones).flat()]);
  for (const zone of zones) assert.ok(DateTime.now().setZone(zone).isValid, zone);
  assert.ok(zones.size > 40);
});
