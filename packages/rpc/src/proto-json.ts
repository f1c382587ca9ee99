import {
  createFileRegistry,
  fromBinary,
  type DescField,
  type DescMessage,
  type FileRegistry,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError, type FieldViolation } from '@outbound/errors';
import { descriptorSet } from '@outbound/proto';

let registry: FileRegistry | undefined;

function compiledRegistry(): FileRegistry {
  // buf writes the set in dependency order, which is what a registry built from a set needs.
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet()));
  return registry;
}

/**
 * Read a message written as proto3 JSON into the shape the generated (ts-proto) types use, before
 * validation: at every level a field may be named by its JSON name (`listId`) or its proto name
 * (`list_id`), and `null` means "not set", as proto3 JSON says. A key that is no field of the
 * message, or one field given under both names, is refused with INVALID_ARGUMENT naming each
 * (`leads[2].phone_type`). Field values are passed through for the schema to check: this does not
 * convert enum names, 64-bit integers written as strings or well-known types' JSON forms.
 */
export function readProtoJson(typeName: string, json: unknown): unknown {
  const message = compiledRegistry().getMessage(typeName);
  if (!message) throw new Error(`no message ${typeName} in the compiled descriptor set`);
  const violations: FieldViolation[] = [];
  const value = readMessage(message, json, '', violations);
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  return value;
}

function readMessage(message: DescMessage, json: unknown, path: string, violations: FieldViolation[]): unknown {
  // Not an object, or a well-known type with its own JSON form: the schema judges it as it is.
  if (!isObject(json) || message.typeName.startsWith('google.protobuf.')) return json;
  const out: Record<string, unknown> = {};
  const seen = new Map<DescField, string>();
  for (const [key, value] of Object.entries(json)) {
    const field = message.fields.find((f) => f.jsonName === key || f.name === key);
    const at = join(path, field?.name ?? key);
    if (!field) {
      violations.push({ field: at, description: `is not a field of ${message.typeName}`, reason: 'UNKNOWN_FIELD' });
      continue;
    }
    const earlier = seen.get(field);
    if (earlier !== undefined) {
      violations.push({
        field: at,
        description: `is given twice (as ${earlier} and ${key})`,
        reason: 'DUPLICATE_FIELD',
      });
      continue;
    }
    seen.set(field, key);
    if (value === null) continue;
    out[tsName(field.name)] = readField(field, value, at, violations);
  }
  return out;
}

function readField(field: DescField, value: unknown, path: string, violations: FieldViolation[]): unknown {
  switch (field.fieldKind) {
    case 'message':
      return readMessage(field.message, value, path, violations);
    case 'list':
      return field.listKind === 'message' && Array.isArray(value)
        ? value.map((item, i) => readMessage(field.message, item, `${path}[${i}]`, violations))
        : value;
    case 'map':
      return field.mapKind === 'message' && isObject(value)
        ? Object.fromEntries(
            Object.entries(value).map(([k, v]) => [
              k,
              readMessage(field.message, v, `${path}[${JSON.stringify(k)}]`, violations),
            ]),
          )
        : value;
    case 'scalar':
    case 'enum':
      return value;
  }
}

/** ts-proto's property name for a proto field name. */
function tsName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
