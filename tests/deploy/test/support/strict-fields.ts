// Unknown-field check for rendered Kubernetes objects: walks an object along the field lists of
// @kubernetes/client-node's models (generated from the Kubernetes OpenAPI spec, the same field
// names an API server with strict field validation accepts) and reports every field no model has.
// kubernetes-models' validators check types and required fields but allow unknown ones.

interface Attribute {
  baseName: string;
  type: string;
}
type Models = Record<string, { attributeTypeMap?: Attribute[] } | undefined>;

// A variable specifier: the package's own type declarations (another @types/node) stay out of tsc.
const CLIENT = '@kubernetes/client-node';
let models: Models | undefined;

async function load(): Promise<Models> {
  models ??= (await import(CLIENT)) as Models;
  return models;
}

/** The client-node model for apiVersion/kind, e.g. apps/v1 Deployment → V1Deployment. */
export async function hasModel(apiVersion: string, kind: string): Promise<boolean> {
  const version = apiVersion.split('/').at(-1)!;
  return (await load())[`${version[0]!.toUpperCase()}${version.slice(1)}${kind}`]?.attributeTypeMap !== undefined;
}

export async function unknownFields(object: { apiVersion: string; kind: string }): Promise<string[]> {
  const all = await load();
  const version = object.apiVersion.split('/').at(-1)!;
  const root = `${version[0]!.toUpperCase()}${version.slice(1)}${object.kind}`;
  const problems: string[] = [];
  const walk = (value: unknown, type: string, path: string): void => {
    if (value === null || value === undefined) return;
    const array = /^Array<(.+)>$/.exec(type);
    if (array) {
      if (!Array.isArray(value)) problems.push(`${path}: expected a list`);
      else value.forEach((item, i) => walk(item, array[1]!, `${path}[${i}]`));
      return;
    }
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) {
      if (typeof value !== 'object' || Array.isArray(value)) problems.push(`${path}: expected a map`);
      else for (const [k, v] of Object.entries(value)) walk(v, map[1]!, `${path}.${k}`);
      return;
    }
    const attributes = all[type]?.attributeTypeMap;
    if (!attributes) return; // a scalar, IntOrString, quantities, free-form objects
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path}: expected an object (${type})`);
      return;
    }
    const byName = new Map(attributes.map((a) => [a.baseName, a.type]));
    for (const [key, child] of Object.entries(value)) {
      const childType = byName.get(key);
      if (childType === undefined) problems.push(`${path}.${key}: unknown field (${type})`);
      else walk(child, childType, `${path}.${key}`);
    }
  };
  if (!all[root]?.attributeTypeMap) return [`${object.apiVersion} ${object.kind}: no model to check against`];
  walk(object, root, object.kind);
  return problems;
}
