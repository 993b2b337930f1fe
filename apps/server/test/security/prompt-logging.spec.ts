import { askAndWait, joinRoom } from '../support/assistant-helpers.js';
import { captureOutput } from '../support/capture-output.js';
import { startTestApp, TestApp } from '../support/test-app.js';

// A file of its own: nestjs-pino keeps the first app's logger (and level) for the whole file, so
// every app here runs at debug.
describe('Prompt logging (audit point 11)', () => {
  it('should log only sizes of prompts at debug unless LOG_PROMPTS is on', async () => {
    const apps: TestApp[] = [];
    try {
      for (const logPrompts of ['false', 'true']) {
        const app = await startTestApp({ LOG_LEVEL: 'debug', LOG_PROMPTS: logPrompts });
        apps.push(app);
        const socket = await app.connect(app.adminToken);
        await joinRoom(socket, 'general');
        // Captured once the app runs: pino's lines from the question on.
        const output = captureOutput();
        try {
          await askAndWait(socket, 'general', `@ai what is the secret word zebracorn-${logPrompts}?`, false);
        } finally {
          output.restore();
        }
        const prompts = output.messages().filter((line) => line.includes('Prompt for'));
        expect(prompts.length).toBeGreaterThan(0);
        expect(prompts.join('\n').includes(`zebracorn-${logPrompts}`)).toBe(logPrompts === 'true');
        expect(prompts[0]).toMatch(/\d+ tokens/);
      }
    } finally {
      for (const app of apps) await app.close();
    }
  });
});
