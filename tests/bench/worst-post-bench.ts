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

if (import.meta.url === `file://${process.argv[1]}`) printWorstPosts(benchWorstPosts());

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
