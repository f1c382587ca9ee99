// Each service's image, worked out from deploy/docker/<service>.Dockerfile and the build context
// (no container engine runs here): it must hold the compiled entry point, every workspace package
// the service imports at run time, every file its code reads beside itself (migrations, Lua
// scripts, the proto descriptor set, scenarios), production dependencies only, a non-root user and
// a health check whose tool resolves. Then three images (switch-sim, media, compliance) are
// assembled into a temporary directory by the Dockerfiles' own steps (npm ci --omit=dev from the
// lockfile, offline, and the COPY lines) and started from there with only the environment the chart
// sets: media reaches SERVING on grpc.health.v1 against the switch-sim started from its tree, and
// compliance runs its SQL migrations and loads its Lua script from its tree and reaches SERVING.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import {
  ROOT,
  assetsReadBy,
  command,
  copies,
  dockerIgnore,
  filesUnder,
  npmClosure,
  parseDockerfile,
  referenceClosure,
  workspaceClosure,
  workspaces,
  type Copy,
  type Stage,
} from './support/dockerfile.js';

const run = promisify(execFile);
const all = workspaces();
const services = [...all.values()].filter((w) => w.dir.startsWith('services/'));
const ignored = dockerIgnore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
const dockerfilePath = (service: string) => join(ROOT, 'deploy/docker', `${service}.Dockerfile`);

interface Image {
  stages: Stage[];
  final: Stage;
  /** image path (relative to WORKDIR /app) → where it comes from (a repo path; build output stands for the build stage's). */
  layers: Array<{ imagePath: string; repoPath: string; copy: Copy }>;
}

function readImage(service: string): Image {
  const stages = parseDockerfile(readFileSync(dockerfilePath(service), 'utf8'));
  const final = stages.at(-1)!;
  const layers: Image['layers'] = [];
  for (const copy of copies(final)) {
    if (copy.from === 'deps') continue; // node_modules and manifests: checked through npm below
    assert.ok(copy.from === undefined || copy.from === 'build', `line ${copy.line}: unexpected --from=${copy.from}`);
    for (const source of copy.sources) {
      const repoPath = copy.from === 'build' ? source.replace(/^\/src\//, '') : source;
      layers.push({ imagePath: copy.dest.replace(/^\.\//, '').replace(/\/$/, ''), repoPath, copy });
    }
  }
  return { stages, final, layers };
}

/** Where an image path comes from in the repo, or undefined when no COPY puts it there. */
function sourceOf(image: Image, imagePath: string): string | undefined {
  for (const layer of image.layers) {
    if (imagePath === layer.imagePath) return layer.repoPath;
    if (imagePath.startsWith(`${layer.imagePath}/`)) return layer.repoPath + imagePath.slice(layer.imagePath.length);
  }
  return undefined;
}

/** Repo path → image path, for files the service's code reads (same layout in the image). */
function imageHolds(image: Image, repoPath: string): boolean {
  return image.layers.some((l) => repoPath === l.repoPath || repoPath.startsWith(`${l.repoPath}/`));
}

describe('container images', () => {
  test('every service has a Dockerfile, and the build script knows no other', () => {
    const files = readdirSync(join(ROOT, 'deploy/docker')).filter((f) => f.endsWith('.Dockerfile'));
    const names = files.map((f) => f.replace(/\.Dockerfile$/, '')).sort();
    assert.deepEqual(names, services.map((s) => s.dir.slice('services/'.length)).sort());
  });

  for (const service of services) {
    const name = service.dir.slice('services/'.length);
    describe(name, () => {
      const image = readImage(name);
      const needed = workspaceClosure(all, service);

      test('multi-stage, non-root, production dependencies of its own workspace only', () => {
        assert.deepEqual(
          image.stages.map((s) => s.name),
          ['manifests', 'build', 'deps', undefined],
        );
        const user = image.final.instructions.filter((i) => i.op === 'USER').at(-1);
        assert.ok(user, 'the final stage sets USER');
        assert.match(user.args, /^[1-9]\d*(:[1-9]\d*)?$/, 'USER is a non-zero numeric uid (runAsNonRoot can check it)');
        const deps = image.stages.find((s) => s.name === 'deps')!;
        const install = deps.instructions.find((i) => i.op === 'RUN' && i.args.includes('npm ci'));
        assert.ok(install, 'the deps stage runs npm ci');
        assert.match(install.args, /--omit=dev/);
        assert.match(install.args, new RegExp(`-w services/${name}(\\s|$)`));
        assert.ok(
          !image.layers.some((l) => /(^|\/)(src|test|bench)$/.test(l.repoPath) && !l.repoPath.includes('/dist/')),
          'no TypeScript sources, tests or benches copied',
        );
      });

      test('its compiled code and every workspace package it imports are copied, and the build builds them', () => {
        const build = image.stages.find((s) => s.name === 'build')!;
        const compile = build.instructions
          .filter((i) => i.op === 'RUN')
          .map((i) => i.args)
          .join(' && ');
        assert.match(compile, new RegExp(`tsc -b services/${name}(\\s|$)`));
        const built = referenceClosure(all, service.dir);
        for (const ws of [service, ...needed]) {
          assert.ok(
            imageHolds(image, `${ws.dir}/dist/src/index.js`) || imageHolds(image, `${ws.dir}/dist/src/main.js`),
            `${ws.dir}/dist/src is copied`,
          );
          assert.ok(built.has(ws.dir), `tsc -b services/${name} builds ${ws.dir} (a tsconfig reference)`);
        }
        // And nothing it does not need.
        const neededDirs = new Set([service, ...needed].map((w) => w.dir));
        for (const layer of image.layers.filter((l) => l.copy.from === 'build')) {
          const dir = layer.repoPath.split('/').slice(0, 2).join('/');
          assert.ok(neededDirs.has(dir), `${layer.repoPath} is not a run-time dependency of ${name}`);
        }
      });

      test('the entry point exists, and every file its code reads beside itself is in the image', () => {
        const argv = command(image.final);
        assert.equal(argv[0], 'node');
        const entry = sourceOf(image, argv[1]!);
        assert.ok(entry, `${argv[1]} is copied`);
        assert.ok(existsSync(join(ROOT, entry)), `${entry} exists after the build`);
        // Paths given as arguments (switch-sim's scenario) are in the image too.
        for (const arg of argv.slice(2).filter((a) => a.includes('/'))) {
          const source = sourceOf(image, arg);
          assert.ok(source && existsSync(join(ROOT, source)), `${arg} is in the image`);
        }
        let assets = 0;
        for (const ws of [service, ...needed]) {
          for (const js of filesUnder(`${ws.dir}/dist/src`).filter((f) => f.endsWith('.js'))) {
            for (const asset of assetsReadBy(js)) {
              assets += 1;
              assert.ok(existsSync(join(ROOT, asset)), `${js} reads ${asset}, which exists`);
              assert.ok(imageHolds(image, asset), `${js} reads ${asset}: it must be copied into the image`);
            }
          }
        }
        const expectedAssets = ['migrations', 'redis', 'scenarios'].filter((d) =>
          existsSync(join(ROOT, service.dir, d)),
        );
        for (const dir of expectedAssets)
          assert.ok(imageHolds(image, `${service.dir}/${dir}`), `${service.dir}/${dir} copied`);
        assert.ok(assets > 0 || !needed.some((w) => w.dir === 'packages/proto'), 'the descriptor set read was found');
      });

      test('files copied from the build context exist and are not excluded by .dockerignore', () => {
        for (const layer of image.layers.filter((l) => l.copy.from === undefined)) {
          const files = filesUnder(layer.repoPath);
          assert.ok(files.length > 0, `${layer.repoPath} exists`);
          for (const file of files) assert.ok(!ignored(file), `${file} is excluded by .dockerignore`);
        }
      });

      test('its health check tool resolves with the production dependencies', () => {
        const check = image.final.instructions.find((i) => i.op === 'HEALTHCHECK');
        assert.ok(check, 'HEALTHCHECK is set (NONE for a client-only service)');
        if (/^NONE$/i.test(check.args)) return;
        const argv = JSON.parse(check.args.slice(check.args.indexOf('CMD') + 3)) as string[];
        const tool = sourceOf(image, argv[1]!);
        assert.ok(tool && existsSync(join(ROOT, tool)), `${argv[1]} is copied`);
        const installed = npmClosure(all, [service, ...needed]);
        const text = readFileSync(join(ROOT, tool), 'utf8');
        for (const [, spec] of text.matchAll(/^import .* from '([^']+)';$/gm)) {
          if (spec!.startsWith('node:')) continue;
          assert.ok(installed.has(spec!), `${tool} imports ${spec}, a production dependency of ${name}`);
        }
      });
    });
  }
});

/** Lay out an image's file tree the way its Dockerfile does, with the lockfile installed offline. */
async function assemble(service: string, into: string): Promise<void> {
  const image = readImage(service);
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(into, file));
  for (const group of ['packages', 'services', 'tests']) {
    for (const entry of readdirSync(join(ROOT, group))) {
      const manifest = join(ROOT, group, entry, 'package.json');
      if (!existsSync(manifest)) continue;
      mkdirSync(join(into, group, entry), { recursive: true });
      cpSync(manifest, join(into, group, entry, 'package.json'));
    }
  }
  const deps = image.stages.find((s) => s.name === 'deps')!;
  const install = deps.instructions.find((i) => i.op === 'RUN' && i.args.includes('npm ci'))!;
  const args = install.args.split('&&')[0]!.trim().split(/\s+/).slice(1);
  // Offline: the tarballs the lockfile names are in npm's cache once scripts/setup has run.
  await run('npm', [...args, '--offline', '--ignore-scripts', '--loglevel=error'], { cwd: into, timeout: 120_000 });
  for (const layer of image.layers) {
    mkdirSync(dirname(join(into, layer.imagePath)), { recursive: true });
    cpSync(join(ROOT, layer.repoPath), join(into, layer.imagePath), { recursive: true });
  }
}

/** Start an image's command from its assembled tree with only the given environment; resolves with the gRPC port. */
async function startFromTree(
  tree: string,
  service: string,
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<number> {
  const argv = command(readImage(service).final);
  // Only what the chart would set (plus PATH): nothing resolves from the repository's node_modules.
  const child = spawn(process.execPath, argv.slice(1), {
    cwd: tree,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      GRPC_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return waitFor(
    () => {
      assert.equal(child.exitCode, null, `${service} exited: ${output.slice(-2000)}`);
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'gRPC server listening') return entry.port;
      }
      return undefined;
    },
    { timeoutMs: 60_000, what: `${service} from its image tree to listen` },
  );
}

/** What the image's HEALTHCHECK tool answers for one health service name. */
async function healthFromTree(tree: string, port: number, service: string): Promise<string> {
  return waitFor(
    async () => {
      const { stdout } = await run(process.execPath, ['tools/grpc-health.mjs', `127.0.0.1:${port}`, service], {
        cwd: tree,
      });
      return stdout.includes('SERVING') ? stdout : undefined;
    },
    { timeoutMs: 30_000, what: `${service} SERVING through tools/grpc-health.mjs` },
  );
}

describe('images assembled by their Dockerfile steps start', () => {
  const work = mkdtempSync(join(tmpdir(), 'outbound-images-'));
  const children: ChildProcess[] = [];
  const trees = Object.fromEntries(['switch-sim', 'media', 'compliance'].map((s) => [s, join(work, s)]));
  const assembled = (async () => {
    for (const tree of Object.values(trees)) mkdirSync(tree);
    await Promise.all(Object.entries(trees).map(([service, tree]) => assemble(service, tree)));
  })();
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  test('media from its image tree reaches SERVING against switch-sim from its image tree', async () => {
    await assembled;
    const simTree = trees['switch-sim']!;
    const mediaTree = trees['media']!;
    assert.ok(!existsSync(join(mediaTree, 'node_modules/typescript')), 'no dev dependency installed');

    const simImage = readImage('switch-sim');
    const simArgv = command(simImage.final).map((a) => (a === '0.0.0.0:8021' ? '127.0.0.1:0' : a));
    const sim = spawn(process.execPath, simArgv.slice(1), { cwd: simTree, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(sim);
    let simOut = '';
    sim.stdout.on('data', (chunk: Buffer) => (simOut += chunk.toString()));
    sim.stderr.on('data', (chunk: Buffer) => (simOut += chunk.toString()));
    const port = await waitFor(() => /"port":\s*(\d+)/.exec(simOut)?.[1], {
      timeoutMs: 30_000,
      what: 'switch-sim from its image tree to listen',
    });

    const grpcPort = await startFromTree(
      mediaTree,
      'media',
      { NATS_URL: testUrls.nats, ESL_NODES: `fs1=127.0.0.1:${port}:ClueCon`, DEFAULT_GATEWAY: 'carrier1' },
      children,
    );
    assert.match(await healthFromTree(mediaTree, grpcPort, 'outbound.v1.MediaService'), /SERVING/);
  });

  test('compliance from its image tree runs its SQL migrations and Lua script and reaches SERVING', async () => {
    await assembled;
    const tree = trees['compliance']!;
    // Its own schema, key prefix and durables, as the service's own tests do.
    const name = uniqueName('image').toLowerCase();
    const grpcPort = await startFromTree(
      tree,
      'compliance',
      {
        NATS_URL: testUrls.nats,
        REDIS_URL: testUrls.redis,
        DATABASE_URL: testUrls.database,
        COMPLIANCE_DB_SCHEMA: name,
        COMPLIANCE_REDIS_PREFIX: name,
        COMPLIANCE_DURABLE_PREFIX: name,
        COMPLIANCE_BLIND_INDEX_SECRET: 'image-test-secret-0123456789',
      },
      children,
    );
    assert.match(await healthFromTree(tree, grpcPort, 'outbound.v1.ComplianceService'), /SERVING/);
  });
});
