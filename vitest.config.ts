import { defineConfig } from 'vitest/config';

// Workspace packages export "source" → src/index.ts, so tests run against the TypeScript sources
// (and coverage maps to them) without a build step in between.
const conditions = ['source', 'import', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    projects: [
      { extends: true, test: { name: 'tubes', root: 'packages/tubes' } },
      { extends: true, test: { name: 'websocket', root: 'packages/websocket' } },
      { extends: true, test: { name: 'h2-frames', root: 'packages/h2-frames' } },
      { extends: true, test: { name: 'h2-flow', root: 'packages/h2-flow' } },
      { extends: true, test: { name: 'web-adapter', root: 'packages/web-adapter' } },
      { extends: true, test: { name: 'examples', root: 'examples' } },
    ],
    passWithNoTests: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts'],
      reporter: ['text-summary', 'text'],
    },
  },
});
