import type { z } from 'zod';
import { InvalidArgumentError, type FieldViolation } from '@outbound/errors';

/**
 * Validate a request at the edge: the parsed value, or InvalidArgumentError naming every bad field
 * by its proto name (`leads[2].phone_number`, `custom_fields["tier"]`), as google.rpc.BadRequest
 * asks. Messages describe the rule for a person and never echo the value; a schema's own message
 * wins over the wording here.
 */
export function validateRequest<T>(schema: z.ZodType<T>, request: unknown): T {
  const result = schema.safeParse(request, { error: describe });
  if (result.success) return result.data;
  const violations: FieldViolation[] = [];
  for (const issue of result.error.issues) {
    const reason = issue.code.toUpperCase();
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        violations.push({
          field: protoPath(schema, [...issue.path, key]),
          description: 'is not a field of this message',
          reason,
        });
      continue;
    }
    violations.push({ field: protoPath(schema, issue.path), description: issue.message, reason });
  }
  throw new InvalidArgumentError(violations);
}

/** `campaignId` (ts-proto's name) → `campaign_id` (the proto field name). */
export function protoFieldName(tsName: string): string {
  return tsName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

interface SchemaNode {
  _zod: { def: { type: string } & Record<string, unknown> };
}

/**
 * A zod issue path as a proto field path: field names in snake_case, list items as `[3]`, map
 * keys as `["key"]` (found by walking the schema, since a path alone cannot tell a key from a field).
 */
export function protoPath(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  let node: SchemaNode | undefined = schema as unknown as SchemaNode;
  for (const part of path) {
    const container = unwrap(node);
    const def = container?._zod.def;
    if (typeof part === 'number') {
      out += `[${part}]`;
      node = def?.type === 'array' ? (def['element'] as SchemaNode) : undefined;
    } else if (def?.type === 'record' || def?.type === 'map') {
      out += `[${JSON.stringify(String(part))}]`;
      node = def['valueType'] as SchemaNode;
    } else {
      const name = protoFieldName(String(part));
      out += out ? `.${name}` : name;
      node = fieldOf(container, String(part));
    }
  }
  return out || '(request)';
}

/** See through wrappers (optional, default, pipe/transform, lazy …) to the schema that holds fields. */
function unwrap(node: SchemaNode | undefined): SchemaNode | undefined {
  for (let depth = 0; node && depth < 32; depth++) {
    const def = node._zod.def;
    const inner = def['innerType'] ?? (def.type === 'pipe' ? def['in'] : undefined);
    if (inner) node = inner as SchemaNode;
    else if (def.type === 'lazy') node = (def['getter'] as () => SchemaNode)();
    else return node;
  }
  return node;
}

function fieldOf(container: SchemaNode | undefined, key: string): SchemaNode | undefined {
  const def = container?._zod.def;
  if (def?.type === 'object') return (def['shape'] as Record<string, SchemaNode>)[key];
  if (def?.type === 'union' || def?.type === 'intersection') {
    const options = def.type === 'union' ? (def['options'] as SchemaNode[]) : [def['left'], def['right']];
    for (const option of options as SchemaNode[]) {
      const found = fieldOf(unwrap(option), key);
      if (found) return found;
    }
  }
  return undefined;
}

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a message (an object)',
  record: 'a map (an object)',
  map: 'a map',
  date: 'a time',
};

const FORMAT: Record<string, string> = { uuid: 'a UUID', guid: 'a UUID', email: 'an email address', url: 'a URL' };

const SIZE: Record<string, [string, string]> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
};

/** Default wording for the rules zod checks, when a schema gives none of its own. */
function describe(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${KIND[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const unit = SIZE[issue.origin];
      const min = Number(issue.minimum);
      if (unit) {
        if (issue.exact) return `must be exactly ${min} ${min === 1 ? unit[0] : unit[1]} long`;
        if (min === 1) return issue.origin === 'string' ? 'must not be empty' : 'must hold at least one item';
        return `must hold at least ${min} ${unit[1]}`;
      }
      return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const unit = SIZE[issue.origin];
      const max = Number(issue.maximum);
      if (unit) {
        if (issue.exact) return `must be exactly ${max} ${max === 1 ? unit[0] : unit[1]} long`;
        return `must hold at most ${max} ${max === 1 ? unit[0] : unit[1]}`;
      }
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_format':
      return issue.format === 'regex'
        ? 'is not in the expected form'
        : `must be ${FORMAT[issue.format] ?? `a valid ${issue.format}`}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union': {
      // `'' or an id` and the like: the branch that got past the type says what was wrong.
      const branches = issue.errors.filter((branch) => branch.length > 0);
      const telling = branches.find((b) => b.every((i) => i.code !== 'invalid_type' && i.code !== 'invalid_value'));
      return (telling ?? branches[branches.length - 1])?.[0]?.message ?? 'is not valid';
    }
    case 'invalid_key':
      return 'has a key that is not valid';
    case 'invalid_element':
      return 'holds an item that is not valid';
    case 'custom':
      return 'is not valid';
    case 'unrecognized_keys':
      // validateRequest names each key as a field of its own.
      return undefined;
  }
}
