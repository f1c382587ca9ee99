import type { z } from 'zod';
import { InvalidArgumentError } from '@outbound/errors';

/**
 * Validate a request at the edge: the parsed value, or InvalidArgumentError naming every bad field
 * (`leads[2].phone`). Messages describe the rule, never echo the value.
 */
export function validateRequest<T>(schema: z.ZodType<T>, request: unknown): T {
  const result = schema.safeParse(request);
  if (result.success) return result.data;
  throw new InvalidArgumentError(
    result.error.issues.map((issue) => ({
      field: fieldPath(issue.path),
      description: issue.message,
      reason: issue.code.toUpperCase(),
    })),
  );
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return (
    path.reduce<string>(
      (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
      '',
    ) || '(request)'
  );
}
