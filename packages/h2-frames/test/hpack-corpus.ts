import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One case of an hpack-test-case story. */
export interface StoryCase {
  readonly wire?: string;
  readonly headers: ReadonlyArray<Record<string, string>>;
  readonly header_table_size?: number;
}
export interface Story {
  readonly file: string;
  readonly cases: readonly StoryCase[];
}

/** A subset of the corpus, vendored with its license (see fixtures/hpack-test-case/README.md). */
export const CORPUS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures/hpack-test-case',
);

/** Every story with wire blocks (the encoder-produced sets), or the raw header lists. */
export function loadStories(kind: 'wire' | 'raw'): Story[] {
  const stories: Story[] = [];
  for (const dir of readdirSync(CORPUS_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory() || (dir.name === 'raw-data') !== (kind === 'raw')) continue;
    for (const f of readdirSync(path.join(CORPUS_DIR, dir.name))) {
      if (!f.endsWith('.json')) continue;
      const file = path.join(dir.name, f);
      stories.push({ file, cases: JSON.parse(readFileSync(path.join(CORPUS_DIR, file), 'utf8')).cases });
    }
  }
  return stories;
}

export function pairs(c: StoryCase): Array<[string, string]> {
  return c.headers.map((h) => Object.entries(h)[0] as [string, string]);
}
