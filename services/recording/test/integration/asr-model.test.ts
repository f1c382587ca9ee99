import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { startHarness } from '../support/harness.js';

describe('acoustic model configuration', () => {
  test('a missing ASR_ACOUSTIC_MODEL stops the service at start, naming the folder and the file', async () => {
    await assert.rejects(startHarness({ ASR_ACOUSTIC_MODEL: '/nonexistent/asr/en-us-adapted' }), (error: Error) => {
      assert.match(error.message, /acoustic model folder \/nonexistent\/asr\/en-us-adapted has no mdef/);
      assert.match(error.message, /scripts\/asr-model/);
      return true;
    });
  });

  test('with transcription off, the model is not required', async () => {
    const h = await startHarness({ ASR_ACOUSTIC_MODEL: '/nonexistent/asr/en-us-adapted', TRANSCRIBE_ENABLED: 'false' });
    await h.close();
  });
});
