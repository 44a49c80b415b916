// Compiles the CLI into one cached ESM bundle with esbuild, the compiler tsx
// uses too. A bundle starts in about 0.2 s where loading the TypeScript sources through tsx takes
// 0.65 s.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sources = join(packageRoot, 'functions');

/** Where the bundle lives; inside the package, ignored by git. */
export const bundleDir = join(packageRoot, '.herald', 'cache', 'cli');

/** A fingerprint of everything the bundle is made from: the sources and the lock file. */
function fingerprint() {
  const hash = createHash('sha256');
  const entries = readdirSync(sources, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
  for (const file of [...entries, join(packageRoot, 'package-lock.json')]) {
    if (!existsSync(file)) continue;
    const { size, mtimeMs } = statSync(file);
    hash.update(`${file}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/**
 * Returns the path of an up-to-date CLI bundle, building it when a source changed.
 * @returns the bundle's entry module, or `undefined` when it cannot be built here (read-only
 *   install, no esbuild): the caller then runs the sources through tsx
 */
export async function ensureBundle() {
  try {
    const stamp = join(bundleDir, 'fingerprint');
    const entry = join(bundleDir, 'cli.mjs');
    const current = fingerprint();
    if (existsSync(entry) && existsSync(stamp) && readFileSync(stamp, 'utf8') === current) return entry;
    const { build } = await import('esbuild');
    // Chunk names change with their contents: old ones would pile up.
    rmSync(bundleDir, { recursive: true, force: true });
    mkdirSync(bundleDir, { recursive: true });
    await build({
      entryPoints: {
        cli: join(sources, 'cli', 'main.ts'),
        // Worker threads of a full build load this file (see adapters/worker-post-compiler.ts).
        'post-compiler-thread': join(sources, 'adapters', 'post-compiler-thread.ts'),
      },
      outdir: bundleDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      // Local mode's modules (AWS SDK, S3 server) load only for the commands that use them.
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minify: true,
      sourcemap: true,
      // CommonJS dependencies call require(); ESM bundles have none unless given one.
      banner: {
        js: "import { createRequire as __heraldRequire } from 'node:module'; const require = __heraldRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    writeFileSync(stamp, current);
    return entry;
  } catch {
    return undefined;
  }
}
