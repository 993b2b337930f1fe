import { defineConfig } from 'vitest/config';

// Shared by every libs/web/* project's `test` target (the Angular unit-test builder's
// `runnerConfig`); the builder owns discovery, the build and TestBed setup.
export default defineConfig({
  test: {
    // Pinned, as in apps/web: the builder would switch to happy-dom if it ever appeared.
    environment: 'jsdom',
  },
});
