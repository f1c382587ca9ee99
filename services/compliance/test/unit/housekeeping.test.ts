import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@outbound/telemetry';
import { waitFor } from '@outbound/testkit';
import { Housekeeping } from '../../src/adapters/timer/housekeeping.js';

test('housekeeping: each chore runs at start and on its interval, never twice at once; a failure does not stop it; stop aborts and waits', async () => {
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  let failures = 0;
  let sawAbort = false;
  const housekeeping = new Housekeeping(
    [
      {
        name: 'slow',
        everyMs: 5,
        run: async (signal) => {
          const run = ++runs;
          maxConcurrent = Math.max(maxConcurrent, ++concurrent);
          // Longer than the interval, so the timer fires while a run is in progress; from the
          // third on, a run lasts until it is asked to stop.
          await new Promise<void>((resolve) => {
            const timer = run < 3 ? setTimeout(resolve, 30) : undefined;
            signal.addEventListener('abort', () => {
              sawAbort = true;
              clearTimeout(timer);
              resolve();
            });
          });
          concurrent--;
        },
      },
      {
        name: 'failing',
        everyMs: 5,
        run: async () => {
          failures++;
          throw new Error('boom');
        },
      },
    ],
    createLogger({ service: 'housekeeping-test', level: 'silent' }),
  );
  housekeeping.start();
  await waitFor(() => runs >= 3 && failures >= 3, { what: 'repeated runs' });
  await housekeeping.stop();
  assert.equal(maxConcurrent, 1);
  assert.equal(sawAbort, true, 'the run in progress was asked to stop');
  assert.equal(concurrent, 0, 'stop waited for it');
  const after = runs;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(runs, after, 'nothing runs after stop');
});
