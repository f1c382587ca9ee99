// What an image holds, worked out from its Dockerfile and the repository (the same build context a
// container engine would get), for tests on a machine with no engine.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions by stage, continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const preamble: Stage = { name: undefined, instructions: [] };
  let current = preamble;
  let pending = '';
  let startLine = 0;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^(\w+)\s+(.*)$/s.exec(full);
    if (!match) throw new Error(`line ${startLine}: cannot read "${full}"`);
    const op = match[1]!.toUpperCase();
    const args = match[2]!;
    if (op === 'FROM') {
      current = { name: /\bAS\s+(\S+)\s*$/i.exec(args)?.[1], instructions: [] };
      stages.push(current);
    }
    current.instructions.push({ op, args, line: startLine });
  }
  return stages;
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
  line: number;
}

export function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const rest = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { from, sources: rest.slice(0, -1), dest: rest.at(-1)!, line: i.line };
    });
}

/** CMD/ENTRYPOINT in exec form, joined as the process would see them. */
export function command(stage: Stage): string[] {
  const exec = (op: string) => {
    const found = stage.instructions.filter((i) => i.op === op).at(-1);
    return found ? (JSON.parse(found.args) as string[]) : [];
  };
  return [...exec('ENTRYPOINT'), ...exec('CMD')];
}

/** A .dockerignore matcher (the syntax this repository uses: `**`, `*`, `!` exceptions). */
export function dockerIgnore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/\/$/, '');
      let source = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i]!;
        if (pattern.startsWith('**/', i)) {
          source += '(?:.*/)?';
          i += 2;
        } else if (pattern.startsWith('**', i)) {
          source += '.*';
          i += 1;
        } else if (c === '*') source += '[^/]*';
        else if (c === '?') source += '[^/]';
        else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.negate;
    return ignored;
  };
}

export interface Workspace {
  name: string;
  dir: string;
  dependencies: string[];
  references: string[];
}

/** Every workspace under packages/ and services/, by package name. */
export function workspaces(): Map<string, Workspace> {
  const out = new Map<string, Workspace>();
  for (const group of ['packages', 'services']) {
    for (const entry of readdirSync(join(ROOT, group))) {
      const file = join(ROOT, group, entry, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; dependencies?: Record<string, string> };
      const tsconfig = join(ROOT, group, entry, 'tsconfig.json');
      const references = existsSync(tsconfig)
        ? (
            (JSON.parse(readFileSync(tsconfig, 'utf8')) as { references?: Array<{ path: string }> }).references ?? []
          ).map((r) => posix.normalize(posix.join(group, entry, r.path)))
        : [];
      out.set(pkg.name, {
        name: pkg.name,
        dir: `${group}/${entry}`,
        dependencies: Object.keys(pkg.dependencies ?? {}),
        references,
      });
    }
  }
  return out;
}

/** The workspaces a service needs at run time: its production dependencies, transitively. */
export function workspaceClosure(all: Map<string, Workspace>, root: Workspace): Workspace[] {
  const seen = new Map<string, Workspace>();
  const stack = [...root.dependencies];
  while (stack.length > 0) {
    const ws = all.get(stack.pop()!);
    if (!ws || seen.has(ws.name)) continue;
    seen.set(ws.name, ws);
    stack.push(...ws.dependencies);
  }
  return [...seen.values()];
}

/** The directories tsc -b builds for a project: it and its references, transitively. */
export function referenceClosure(all: Map<string, Workspace>, dir: string): Set<string> {
  const byDir = new Map([...all.values()].map((w) => [w.dir, w]));
  const seen = new Set<string>();
  const stack = [dir];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byDir.get(next)?.references ?? []));
  }
  return seen;
}

/** npm packages installed for a set of workspaces' production dependencies (from the local tree). */
export function npmClosure(all: Map<string, Workspace>, roots: Workspace[]): Set<string> {
  const seen = new Set<string>();
  const stack = roots.flatMap((w) => w.dependencies).filter((d) => !all.has(d));
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const file = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
    stack.push(...Object.keys(pkg.dependencies ?? {}));
  }
  return seen;
}

/** Files under a directory, relative to ROOT. */
export function filesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [dir];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((f) => posix.join(dir, f.split('\\').join('/')))
    .filter((f) => statSync(join(ROOT, f)).isFile());
}

/**
 * Files a module reads beside itself: `new URL('<relative>', import.meta.url)` (a template's
 * directory part when the name is computed), resolved to repository paths.
 */
export function assetsReadBy(jsFile: string): string[] {
  const text = readFileSync(join(ROOT, jsFile), 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(
    /new URL\(\s*(['"`])([^'"`]*?)(?:\$\{[^}]*\}[^'"`]*)?\1\s*,\s*import\.meta\.url\s*\)/g,
  )) {
    const target = match[2]!;
    out.push(
      normalize(relative(ROOT, join(ROOT, dirname(jsFile), target)))
        .split('\\')
        .join('/'),
    );
  }
  return out;
}
