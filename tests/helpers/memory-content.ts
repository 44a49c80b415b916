import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';

export const SITE_YAML = `title: Test Site
baseUrl: https://example.org/
timezone: UTC
author: Editors
`;

/** A post file with YAML front matter. */
export function postFile(title: string, date: string, extra = '', body = `Body of ${title}.`): string {
  return `---\ntitle: ${JSON.stringify(title)}\ndate: ${date}\n${extra}\n---\n\n${body}\n`;
}

/** A content store holding site.yaml and the given files. */
export async function contentStore(files: Record<string, string | Uint8Array>, siteYaml = SITE_YAML) {
  const store = new MemoryBlobStore();
  await store.put('site.yaml', siteYaml);
  for (const [key, body] of Object.entries(files)) await store.put(key, body);
  return store;
}
