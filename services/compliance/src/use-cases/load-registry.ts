import type { AuditLog } from '../adapters/sql/audit.js';
import type { RegistryChunk, RegistryLoader } from '../adapters/sql/registry-loader.js';

export interface RegistryLoadChunk extends RegistryChunk {
  /** Who loads it (the last chunk's names the audit entry). */
  readonly actor: string;
}

/**
 * Replace a do-not-call registry (a national list) with a streamed one, in one transaction; every
 * replica picks it up on its next poll. Audited with the counts, never a number.
 */
export class LoadRegistry {
  constructor(private readonly deps: { readonly loader: RegistryLoader; readonly audit: AuditLog }) {}

  async load(chunks: AsyncIterable<RegistryLoadChunk>): Promise<{ loaded: number; rejected: number }> {
    let actor = '';
    const result = await this.deps.loader.replace(async function* () {
      for await (const chunk of chunks) {
        actor = chunk.actor;
        yield chunk;
      }
    });
    await this.deps.audit.append({
      actor,
      action: 'changed_list',
      target: `dnc-registry:${result.registry}`,
      service: 'compliance',
      details: { loaded: String(result.loaded), rejected: String(result.rejected) },
    });
    return { loaded: result.loaded, rejected: result.rejected };
  }
}
