// The assistant in a room, answered by the fake OpenAI-compatible server:
//   1. A slow reply (60 tokens, 200 ms apart) asked with "Ask AI" streams into the page token by
//      token, for the asker and for another member; the asker gets a Stop button (the other member,
//      neither asker nor owner, does not); Stop ends it: the reply shows as stopped, keeps the text
//      it had, stops growing, and the upstream request is abandoned.
//   2. A complete reply asked with an @ai mention renders its Markdown: emphasis, a highlighted code
//      block, a safe link, and raw HTML shown as text, never run.

import type { Page } from '@playwright/test';
import assert from 'node:assert/strict';
import { expect, test } from '../src/fixtures.js';
import { adminApi, allMessages, askAiToggle, composer, openRoom, sel, T, until, waitOnline } from '../src/chat.js';

const SLOW_TOKENS = Array.from({ length: 60 }, (_, i) => `${i === 0 ? 'Counting:' : ''} w${String(i + 1).padStart(2, '0')}`);

const MARKDOWN_TOKENS = [
  'Here is **the answer**:\n\n',
  '```js\n',
  'const answer = 42;\n',
  'function double(n) {\n  return n * 2;\n}\n',
  '```\n\n',
  'Raw HTML stays text: <img src=x onerror="window.__xss=1"> ',
  '<script>window.__xss=2</script>',
  ' and a [link](https://example.com/docs).',
];

test('a slow assistant reply streams to both members and Stop ends it; a complete reply renders safe Markdown', async ({ browser, baseURL, admin, fake, log }) => {
  const baseUrl = baseURL!;
  const api = await adminApi(baseUrl, admin);
  const erin = await api.createUser('erin', 'Erin Asker');
  const finn = await api.createUser('finn', 'Finn Watcher');
  const room = await api.createRoom('Assistant', [erin, finn], { aiEnabled: true });

  const asker = await openRoom(browser, baseUrl, erin, room.id);
  const watcher = await openRoom(browser, baseUrl, finn, room.id);
  await waitOnline(asker.page, finn);
  await waitOnline(watcher.page, erin);

  // ---- 1. A slow reply, stopped half-way ----
  await fake.enqueue({ kind: 'stream', tokens: SLOW_TOKENS, firstDelayMs: 300, delayMs: 200 });

  // Record every text the reply shows, as it changes, on both pages.
  const recordReplyTexts = (page: Page) =>
    page.evaluate((listSelector: string) => {
      const snapshots: string[] = [];
      window.__replyTexts = snapshots;
      const list = document.querySelector(listSelector);
      const observer = new MutationObserver(() => {
        const md = list.querySelector('[data-testid=message-item][data-ai=true] .md');
        const text = md?.textContent ?? '';
        if (text !== '' && text !== snapshots.at(-1)) snapshots.push(text);
      });
      observer.observe(list, { subtree: true, childList: true, characterData: true });
    }, sel.list);
  await recordReplyTexts(asker.page);
  await recordReplyTexts(watcher.page);

  const toggle = askAiToggle(asker.page);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true', { timeout: T.quick });
  const question = `Count to sixty slowly, please ${Date.now()}`;
  await composer(asker.page).fill(question);
  await asker.page.keyboard.press('Enter');
  await asker.page.locator(sel.stored, { hasText: question }).waitFor({ timeout: T.live });
  await expect(toggle).toHaveAttribute('aria-pressed', 'false', { timeout: T.quick });

  const reply = (page: Page) => page.locator(`${sel.item}[data-ai=true]`).last();
  const replyText = async (page: Page) => ((await reply(page).locator('.md').textContent().catch(() => '')) ?? '').trim();
  await reply(asker.page).and(asker.page.locator('[data-status=streaming]')).waitFor({ timeout: T.live });
  const stop = reply(asker.page).getByRole('button', { name: 'Stop' });
  await stop.waitFor({ timeout: T.live });

  // It grows token by token (a busy page may paint two tokens at once, hence "at least half").
  await asker.page.waitForFunction(() => (window.__replyTexts ?? []).some((t) => t.includes('w10')), null, { timeout: T.live });
  await watcher.page.waitForFunction(() => (window.__replyTexts ?? []).some((t) => t.includes('w10')), null, { timeout: T.live });
  const growing = await asker.page.evaluate(() => [...window.__replyTexts]);
  assert.ok(growing.length >= 5, `the reply showed ${growing.length} successive texts up to w10: ${JSON.stringify(growing)}`);
  for (let i = 1; i < growing.length; i++) {
    assert.ok(growing[i].startsWith(growing[i - 1].replace(/\s+$/, '')), `each text extends the one before: ${JSON.stringify(growing.slice(i - 1, i + 1))}`);
  }
  assert.equal(await reply(watcher.page).getAttribute('data-status'), 'streaming', 'the other member sees it streaming too');
  assert.equal(await reply(watcher.page).getByRole('button', { name: 'Stop' }).count(), 0, 'only the asker (or the owner, or an admin) may stop it');

  // Stop.
  await stop.click();
  await reply(asker.page).and(asker.page.locator('[data-status=cancelled]')).waitFor({ timeout: T.live });
  await reply(asker.page).locator('[data-testid=ai-cancelled]').waitFor({ timeout: T.quick });
  assert.equal(await stop.count(), 0, 'the Stop button goes once the reply is stopped');
  await reply(watcher.page).and(watcher.page.locator('[data-status=cancelled]')).waitFor({ timeout: T.live });
  await reply(watcher.page).locator('[data-testid=ai-cancelled]').waitFor({ timeout: T.quick });

  // Upstream was abandoned, not finished.
  const upstream = await until(async () => (await fake.requests()).find((r) => r.path === '/v1/chat/completions' && r.closedAt !== undefined), 'the upstream request to close');
  assert.equal(upstream.abandoned, true, 'the server broke off the upstream request');
  assert.equal(upstream.body.model, 'fake-e2e-model', 'the server asked for LLM_MODEL');
  assert.ok(upstream.body.stream, 'a streaming request');
  assert.ok(JSON.stringify(upstream.body.messages).includes(question), 'the question went upstream');

  const stoppedText = await replyText(asker.page);
  // Longer than the longest wait for a token still in flight: it must not grow any more.
  await asker.page.waitForTimeout(1_000);
  const laterText = await replyText(asker.page);
  assert.equal(laterText, stoppedText, 'the stopped reply does not grow');
  assert.ok(stoppedText.startsWith('Counting: w01 w02'), `the text so far is kept: ${stoppedText}`);
  assert.ok(!stoppedText.includes('w60'), 'it stopped before the end');
  assert.equal(await replyText(watcher.page), stoppedText, 'both pages show the same stopped text');
  const stored = (await allMessages(baseUrl, erin, room.id)).filter((m) => m.isAi);
  assert.equal(stored.length, 1);
  assert.equal(stored[0].status, 'cancelled');
  assert.equal(stored[0].content.trim(), stoppedText, 'the page shows what was stored');
  log(`stopped after ${stoppedText.split(' ').length - 1} of ${SLOW_TOKENS.length} tokens; ${growing.length} texts seen up to w10`);

  // ---- 2. A complete reply with Markdown ----
  await fake.enqueue({ kind: 'stream', tokens: MARKDOWN_TOKENS, firstDelayMs: 50, delayMs: 40 });
  const ask = `@ai show me some code ${Date.now()}`;
  await composer(asker.page).fill(ask);
  await asker.page.keyboard.press('Enter');
  await asker.page.locator(sel.stored, { hasText: ask }).waitFor({ timeout: T.live });
  const answer = asker.page.locator(`${sel.item}[data-ai=true][data-status=complete]`);
  await answer.waitFor({ timeout: T.live });
  await answer.locator('pre code.hljs').waitFor({ timeout: T.quick });

  const rendered = await answer.evaluate((el) => ({
    strong: el.querySelector('.md strong')?.textContent,
    codeClass: el.querySelector('pre code')?.className,
    keywords: [...el.querySelectorAll('pre code .hljs-keyword')].map((k) => k.textContent),
    numbers: [...el.querySelectorAll('pre code .hljs-number')].map((k) => k.textContent),
    code: el.querySelector('pre code')?.textContent,
    injected: el.querySelectorAll('img, script, iframe, [onerror]').length,
    text: el.querySelector('.md')?.textContent ?? '',
    link: (() => {
      const a = el.querySelector('.md a');
      return a ? { href: a.getAttribute('href'), target: a.getAttribute('target'), rel: a.getAttribute('rel') } : null;
    })(),
    stop: el.querySelectorAll('[data-testid=stop-button]').length,
  }));
  assert.equal(rendered.strong, 'the answer', 'bold text renders');
  assert.match(rendered.codeClass ?? '', /\bhljs\b.*\blanguage-js\b/, 'the code block is highlighted as JavaScript');
  assert.ok(rendered.keywords.includes('const') && rendered.keywords.includes('function'), `keywords highlighted: ${rendered.keywords}`);
  assert.ok(rendered.numbers.includes('42'), `numbers highlighted: ${rendered.numbers}`);
  assert.ok(rendered.code.includes('return n * 2;'), 'the code is intact');
  assert.equal(rendered.injected, 0, 'no element comes from the raw HTML');
  assert.ok(rendered.text.includes('<img src=x onerror="window.__xss=1">'), 'raw HTML shows as text');
  assert.ok(rendered.text.includes('<script>window.__xss=2</script>'), 'a script tag shows as text');
  assert.deepEqual(rendered.link, { href: 'https://example.com/docs', target: '_blank', rel: 'noopener noreferrer nofollow' });
  assert.equal(rendered.stop, 0, 'a finished reply has no Stop button');
  assert.equal(await asker.page.evaluate(() => window.__xss), undefined, 'nothing from the reply ran');
  // The other member gets the same rendering.
  await watcher.page.locator(`${sel.item}[data-ai=true][data-status=complete] pre code.hljs`).waitFor({ timeout: T.live });
  assert.equal(await watcher.page.evaluate(() => window.__xss), undefined);

  asker.watch.assertNone();
  watcher.watch.assertNone();
});
