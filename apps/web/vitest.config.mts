import { defineConfig } from 'vitest/config';

// Read by the Angular unit-test builder (`runnerConfig` in project.json), which owns test discovery,
// the build and TestBed setup. Only settings the builder has no option for belong here.
export default defineConfig({
  test: {
    // Pin the DOM implementation; without this the builder silently switches to happy-dom if it
    // ever appears in node_modules.
    environment: 'jsdom',
  },
});
