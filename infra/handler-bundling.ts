import { fileURLToPath } from 'node:url';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * How the Lambda handlers are bundled: used by the CDK app (NodejsFunction) and by the benchmark
 * that checks the bundle's size and import time, so both measure the same artefact.
 *
 * The AWS SDK is bundled from its ES module build rather than taken from the runtime: a minified,
 * tree-shaken client imports in about 130 ms against about 185 ms for the runtime's copy, and the
 * version tested here is the version deployed.
 */
export const HANDLER_BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // Licences go to a file beside the bundle instead of its tail.
  legalComments: 'linked',
  mainFields: ['module', 'main'],
  external: [] as string[],
  // Installed beside the bundle instead of inside it: temml (170 KB) is required only when a post
  // holds formulas, so cold starts do not load it (functions/app/tex-to-mathml.ts).
  nodeModules: ['temml'] as string[],
  alias: {
    postcss: here('./stubs/postcss.cjs'),
    // gray-matter carries js-yaml 3 for a YAML engine Herald replaces; one copy is enough.
    'js-yaml': here('../node_modules/js-yaml/dist/js-yaml.mjs'),
    // sanitize-html uses only htmlparser2's streaming Parser; the package's index also loads
    // domhandler, domutils and domelementtype to build DOMs it never builds.
    htmlparser2: here('../node_modules/htmlparser2/dist/esm/Parser.js'),
  },
  // CommonJS dependencies call require(); ESM bundles have none unless given one.
  banner:
    "import { createRequire as __heraldRequire } from 'node:module'; const require = __heraldRequire(import.meta.url);",
} as const;

/** Entry points of the functions, relative to the repository root. */
export const HANDLER_ENTRIES = {
  publish: 'functions/handlers/publish.ts',
  rebuild: 'functions/handlers/rebuild.ts',
  newsletterApi: 'functions/handlers/newsletter-api.ts',
  digest: 'functions/handlers/digest.ts',
  bounces: 'functions/handlers/bounces.ts',
} as const;

/**
 * Bundles one handler with esbuild exactly as the CDK app does, for tests and benchmarks.
 * @param entry - a key of {@link HANDLER_ENTRIES}
 * @param outfile - where to write the bundle (`.mjs`)
 */
export async function bundleHandler(entry: keyof typeof HANDLER_ENTRIES, outfile: string): Promise<void> {
  const { build } = await import('esbuild');
  const { banner, external, nodeModules, mainFields, alias, ...options } = HANDLER_BUNDLING;
  await build({
    ...options,
    external: [...external, ...nodeModules],
    mainFields: [...mainFields],
    alias: { ...alias },
    banner: { js: banner },
    entryPoints: [here(`../${HANDLER_ENTRIES[entry]}`)],
    bundle: true,
    outfile,
    logLevel: 'silent',
  });
}

/** An absolute path inside the repository. */
export function repoPath(relative: string): string {
  return here(`../${relative}`);
}
