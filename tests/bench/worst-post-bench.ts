// npx tsx tests/bench/worst-post-bench.ts  (also part of npm run bench)
// The most expensive bodies a post may have under POST_LIMITS, one shape at a time: each is built
// to just under the markup budget, parsed and rendered, and its time reported.
// The goal is "a few seconds and a few hundred MB at most" on a 1,024 MB Lambda.
import { PostError } from '../../functions/core/errors.ts';
import { parsePost, renderPost } from '../../functions/core/posts/parse-post.ts';
import { bodyCost, POST_LIMITS } from '../../functions/core/posts/post-limits.ts';
import { testSite } from '../helpers/site.ts';

const SHAPES: Record<string, { head?: string; unit: string }> = {
  'list items': { unit: '- x\n' },
  paragraphs: { unit: 'x\n\n' },
  emphasis: { unit: '*a* ' },
  links: { unit: '[a](b) ' },
  autolinks: { unit: 'http://a.b ' },
  'e-mail autolinks': { unit: 'a@b.co ' },
  headings: { unit: '# h\n' },
  'table rows': { head: '| a | b | c | d |\n|---|---|---|---|\n', unit: '| x | y | z | w |\n' },
  'one-column table rows': { head: '| a |\n|---|\n', unit: '| x |\n' },
  'raw HTML': { unit: '<b>x</b> ' },
  'nested <div> (at the depth limit)': {
    unit: `${'<div>'.repeat(POST_LIMITS.htmlDepth)}x${'</div>'.repeat(POST_LIMITS.htmlDepth)}\n`,
  },
};

export interface WorstPostMeasure {
  shape: string;
  kb: number;
  ms: number;
}

/** Renders each shape at the markup budget; returns the time per shape. */
export function benchWorstPosts(): WorstPostMeasure[] {
  const site = testSite();
  return Object.entries(SHAPES).map(([shape, { head = '', unit }]) => {
    const perUnit = bodyCost(unit.repeat(10)).markup / 10;
    const body = head + unit.repeat(Math.floor((POST_LIMITS.markup - bodyCost(head).markup - 10) / perUnit));
    const bytes = new TextEncoder().encode(`---\ntitle: Worst\ndate: 2024-01-01\n---\n${body}`);
    const start = performance.now();
    try {
      renderPost(parsePost({ key: 'posts/worst.md', bytes }, site));
    } catch (error) {
      if (!(error instanceof PostError)) throw error;
      throw new Error(`the ${shape} shape was meant to fit the limits: ${error.message}`);
    }
    const ms = performance.now() - start;
    return { shape, kb: bytes.byteLength / 1024, ms };
  });
}

/** The attack posts issue 16 reported, each beyond a limit: how fast and how cheaply each is refused. */
export interface RefusedPostMeasure {
  input: string;
  kb: number;
  ms: number;
  /** Heap growth while refusing it (MB): what the post cost the publish function. */
  heapMb: number;
  reason: string;
}

const ATTACKS: Record<string, () => string> = {
  // 808 KB: took 15 s and 1.09 GB before the limits.
  '808 KB markdown table': () =>
    `| a | b | c | d |\n|---|---|---|---|\n${'| xxxxxxxxx | yyyyyyyyy | zzzzzzzzz | wwwwwwww |\n'.repeat(16_500)}`,
  // 900 KB of nested <div>: stalled publishing 25-33 s.
  '900 KB nested <div>': () => `${'<div>'.repeat(90_000)}x${'</div>'.repeat(90_000)}\n`,
  // A 19 KB post with 2,000 categories wrote 6,499 objects and stalled publishing for 30 s.
  '2,000 categories': () => 'x\n',
};

/** Parses and renders each attack post; each must be refused with a PostError. */
export function benchRefusedPosts(): RefusedPostMeasure[] {
  const site = testSite();
  return Object.entries(ATTACKS).map(([input, body]) => {
    const categories =
      input === '2,000 categories'
        ? `categories: [${Array.from({ length: 2000 }, (_, i) => `c${i}`).join(', ')}]\n`
        : '';
    const bytes = new TextEncoder().encode(
      `---\ntitle: Attack\ndate: 2024-01-01\n${categories}---\n${body()}`,
    );
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const start = performance.now();
    let reason = 'NOT refused';
    try {
      renderPost(parsePost({ key: 'posts/attack.md', bytes }, site));
    } catch (error) {
      if (!(error instanceof PostError)) throw error;
      reason = `${error.field}: ${error.reason.slice(0, 70)}`;
    }
    const ms = performance.now() - start;
    const heapMb = Math.max(0, process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    return { input, kb: bytes.byteLength / 1024, ms, heapMb, reason };
  });
}

/** Prints the figures of {@link benchRefusedPosts}. */
export function printRefusedPosts(measures: RefusedPostMeasure[]): void {
  console.log("\nIssue 16's attack posts, each beyond a limit, parse until refused:");
  for (const m of measures)
    console.log(
      `  ${m.input.padEnd(24)} ${m.kb.toFixed(0).padStart(4)} KB  ${m.ms.toFixed(0).padStart(5)} ms  heap +${m.heapMb.toFixed(0).padStart(3)} MB  ${m.reason}`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printWorstPosts(benchWorstPosts());
  printRefusedPosts(benchRefusedPosts());
}

/** Prints the figures of {@link benchWorstPosts}. */
export function printWorstPosts(measures: WorstPostMeasure[]): void {
  console.log(`\nWorst post bodies within the limits (markup budget ${POST_LIMITS.markup}), parse + render:`);
  for (const m of measures)
    console.log(
      `  ${m.shape.padEnd(36)} ${m.kb.toFixed(0).padStart(4)} KB  ${m.ms.toFixed(0).padStart(5)} ms`,
    );
  const worst = Math.max(...measures.map((m) => m.ms));
  // Peak resident memory of this whole process so far: an upper bound for any one post.
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `  slowest ${worst.toFixed(0)} ms (goal: a few seconds at most); process peak ${peakMb.toFixed(0)} MB`,
  );
}
