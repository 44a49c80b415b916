import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const CATEGORIES = ['How-to-tech', 'Cloud', 'Security', 'Writing', 'Tools', 'Meta', 'AI', 'Web'];
const WORDS =
  'the quick feed reader parses every post with care while authors upload markdown files and publishers regenerate atom rss json outputs for subscribers who read digests on phones laptops and tablets across time zones'.split(
    ' ',
  );

/** A deterministic pseudo-random sequence, so every run writes the same posts. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Writes `count` posts of about 5 KB each in the Hugo-style format Herald's users write, with the
 * human `postdate` Herald reads and a `date` Hugo reads, so both tools build the same posts.
 */
export function writeSyntheticPosts(folder: string, count: number): void {
  const next = random(42);
  const word = (): string => WORDS[Math.floor(next() * WORDS.length)] ?? 'word';
  const sentence = (n: number): string => {
    const text = Array.from({ length: n }, word).join(' ');
    return `${text[0]?.toUpperCase()}${text.slice(1)}.`;
  };
  mkdirSync(folder, { recursive: true });
  // Six hours apart from 2015 on, closer together for large sites so that every post is in the past
  // (100,000 posts six hours apart would reach 2083 and be held back as scheduled).
  const start = Date.UTC(2015, 0, 1);
  const step = Math.min(6 * 3600 * 1000, Math.floor((Date.UTC(2025, 0, 1) - start) / Math.max(1, count)));
  for (let i = 0; i < count; i++) {
    const day = new Date(start + i * step);
    const category = CATEGORIES[i % CATEGORIES.length];
    const paragraphs: string[] = [];
    while (paragraphs.join('\n\n').length < 4400) {
      const kind = paragraphs.length % 6;
      if (kind === 2) paragraphs.push(`## ${sentence(4)}`);
      else if (kind === 4)
        paragraphs.push(
          `- ${sentence(6)}\n- [${word()} link](/posts/post-${(i + 1) % count}/)\n- **${word()}** \`${word()}\``,
        );
      else
        paragraphs.push(
          `${sentence(14)} ${sentence(12)} [A link](https://example.org/${word()}). ${sentence(10)}\\\n${sentence(9)}`,
        );
    }
    const body = `---
title: "Post ${i}: ${sentence(6).replace(/"/g, '')}"
slug: post ${i}
postdate: ${MONTHS[day.getUTCMonth()]} ${day.getUTCDate()}, ${day.getUTCFullYear()}
date: ${day.toISOString().slice(0, 10)}
keywords:
  - ${word()}
  - ${word()}
description: ${sentence(16)}
categories: '["${category}"]'
image: /images/post-${i % 50}.webp
author: Author ${i % 17}
draft: false
type: posts
weight: ${i}
Google_Ads: true
---

${paragraphs.join('\n\n')}
`;
    writeFileSync(join(folder, `post-${i}.md`), body);
  }
}
