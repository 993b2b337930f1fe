// Prints where the traces, screenshots and server log of a failed run are, so CI logs point at them.
import type { FullResult, Reporter } from '@playwright/test/reporter';
import { relative } from 'node:path';
import { ROOT, SERVER_LOG, TEST_RESULTS_DIR } from './harness-paths.js';

export default class FailurePathsReporter implements Reporter {
  onEnd(result: FullResult): void {
    if (result.status === 'passed') return;
    console.log(`\n[e2e] ${result.status}: traces and screenshots of the failed tests are under ${relative(ROOT, TEST_RESULTS_DIR)}`);
    console.log(`[e2e] the server's output is in ${relative(ROOT, SERVER_LOG)}`);
    console.log(`[e2e] open a trace with: npx playwright show-trace ${relative(ROOT, TEST_RESULTS_DIR)}/<test>/trace.zip`);
  }
}
