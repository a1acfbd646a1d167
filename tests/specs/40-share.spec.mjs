// Share links: a link reproduces the run exactly; a tampered link gives a clear error and a
// usable lab.
import { join } from 'node:path';
import { ARTIFACTS } from '../lib/harness.mjs';
import { open, leaders, clock, play, pause, speed, fault, fingerprint, notice, until, assert, sleep } from '../lib/app.mjs';

export const tests = [
  {
    name: 'a share link reproduces the run',
    fn: async ({ page, context, base, shot }) => {
      await open(page, base, '#/lab/raft');
      await speed(page, '1×');
      await play(page);
      const [leader] = await until(async () => { const l = await leaders(page); return l.length === 1 && l; }, 'a leader', { timeoutMs: 20_000 });
      await fault(page, leader.id, 'crash');
      await sleep(1200);
      await pause(page);
      const original = await fingerprint(page);
      await page.click('[data-testid=share]');
      const url = await page.locator('[data-testid=share-url]').inputValue();
      assert(url.includes('#/lab/raft?s='), `share URL looks right: ${url.slice(0, 80)}`);

      const other = await context.newPage();
      await other.goto(url);
      await other.waitForSelector('[data-testid=lab][data-model=raft]');
      await until(async () => (await fingerprint(other)) === original,
        'the shared run shows the same moment: same clock, nodes and logs', { timeoutMs: 10_000 })
        .catch(async (e) => { throw new Error(`${e.message}\n  original: ${original}\n  shared:   ${await fingerprint(other)}`); });
      assert((await notice(other)) === '' || !/damaged/i.test(await notice(other)), 'no error notice');
      await other.screenshot({ path: join(ARTIFACTS, 'share-opened.png'), fullPage: true });
      await other.close();
    },
  },
  {
    name: 'a tampered share link shows a clear error and the lab stays usable',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/raft');
      await speed(page, '1×');
      await page.click('[data-testid=share]');
      const url = await page.locator('[data-testid=share-url]').inputValue();
      const i = url.indexOf('?s=') + 3;
      const payload = url.slice(i);
      // Flip characters in the middle and cut the end off.
      const mid = Math.floor(payload.length / 2);
      const tampered = payload.slice(0, mid) + (payload[mid] === 'A' ? 'B' : 'A') + 'zz' + payload.slice(mid + 3, payload.length - 4);
      // One character changed and nothing else: the link's checksum catches it.
      const one = payload.slice(0, mid) + (payload[mid] === 'Q' ? 'R' : 'Q') + payload.slice(mid + 1);
      for (const bad of [tampered, one, 'garbage!!', '1.' + 'A'.repeat(40)]) {
        await page.goto(`${base}#/lab/raft?s=${bad}`);
        await page.reload();
        await page.waitForSelector('[data-testid=lab]');
        const msg = await until(async () => notice(page), 'an error notice');
        assert(/share link/i.test(msg) && /damaged|invalid|corrupt|truncat/i.test(msg), `the notice explains the link is bad: "${msg}"`);
        if (bad === one) assert(/checksum|corrupt|cut short/i.test(msg), `a one-character change is caught: "${msg}"`);
      }
      await shot('share-tampered');
      // Still usable: it runs and elects a leader.
      await speed(page, '1×');
      await play(page);
      const t0 = (await clock(page)).events;
      await until(async () => (await clock(page)).events > t0, 'the lab runs');
      await until(async () => (await leaders(page)).length === 1, 'a leader is elected', { timeoutMs: 20_000 });
    },
  },
];
