/**
 * Who may hear or download a recording. Simple on purpose: supervisors, compliance officers and
 * admins may reach every recording; an agent only the calls the dialer says they took
 * (`attempts.completed`'s agent id); nobody else. Authentication is the gateway's job.
 */
export type Role = 'agent' | 'supervisor' | 'compliance' | 'admin';

export interface Actor {
  readonly id: string;
  readonly role: Role;
}

export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export function mayAccess(actor: Actor, recording: { readonly agentId?: string | undefined }): AccessDecision {
  switch (actor.role) {
    case 'supervisor':
    case 'compliance':
    case 'admin':
      return { allowed: true };
    case 'agent':
      return recording.agentId !== undefined && recording.agentId === actor.id
        ? { allowed: true }
        : { allowed: false, reason: 'an agent may only reach recordings of calls they took' };
  }
}
