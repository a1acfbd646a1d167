// The caching lab: switch the eviction policy on a loop and watch the hit ratio move; crash a
// write-behind cache and see the acknowledged writes it lost counted; trigger a stampede and
// cure it in the graded challenge.
import { open, nodes, play, pause, speed, fault, until, assert, sleep } from '../lib/app.mjs';

async function caption(page) {
  return (await page.textContent('[data-testid=figure-contents] .hint')) || '';
}

async function setParam(page, key, value) {
  const el = page.locator(`[data-testid=param-${key}]`);
  const tag = await el.evaluate((e) => e.tagName);
  if (tag === 'SELECT') await el.selectOption(String(value));
  else {
    await el.fill(String(value));
    await el.press('Enter');
  }
}

export const tests = [
  {
    name: 'switch the policy on a loop and the hit ratio moves',
    fn: async ({ page, base, shot }) => {
      // Lesson step 3: one client loops over 180 keys, one cache of 150, LRU.
      await open(page, base, '#/lesson/caching/3');
      await speed(page, '1×');
      await play(page);
      await sleep(2500);
      const client = (await nodes(page)).find((n) => n.role === 'client');
      assert(client, 'a client is drawn');
      const lru = (await nodes(page)).find((n) => n.id === client.id).headline;
      assert(/^0%/.test(lru), `LRU never hits on a loop one size too big (${lru})`);
      const lists = page.locator('[data-testid=figure-contents]');
      assert(/LRU/.test(await lists.locator('h2').textContent()), 'the contents figure names LRU');
      const tiles = await lists.locator('.lst-item').count();
      assert(tiles > 0, 'the cache contents are drawn as tiles');
      await shot('caching-loop-lru');

      await setParam(page, 'policy', 'random');
      await until(async () => /Random/.test(await lists.locator('h2').textContent()), 'the figure follows the policy');
      const ratio = await until(async () => {
        const h = (await nodes(page)).find((n) => n.id === client.id).headline;
        const v = parseFloat(h);
        return v > 0 && v;
      }, 'the hit ratio rises above zero with random eviction', { timeoutMs: 15_000 });
      await pause(page);
      await shot('caching-loop-random');
      assert(ratio > 0, `hit ratio ${ratio} %`);

      // CLOCK draws a ring with a hand.
      await setParam(page, 'policy', 'clock');
      await play(page);
      await until(async () => (await page.locator('[data-testid=figure-contents] svg.lst-ring').count()) > 0, 'CLOCK is drawn as a ring');
      const label = await page.getAttribute('[data-testid=figure-contents] svg.lst-ring', 'aria-label');
      assert(/hand points at frame \d+/.test(label), `the ring describes its hand: "${label}"`);
      await pause(page);
      await shot('caching-clock-ring');
    },
  },
  {
    name: 'crash a write-behind cache and the lost writes are counted',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/caching');
      await pause(page);
      await setParam(page, 'mode', 'write_behind');
      await setParam(page, 'flush_ms', 3000);
      await setParam(page, 'write_share', 0.3);
      await speed(page, '1×');
      await play(page);
      await sleep(1500);
      const cache = (await nodes(page)).find((n) => n.role === 'cache');
      assert(cache, 'a cache node is drawn');
      assert(/lost: 0|0 acknowledged writes lost/.test(await caption(page)), `nothing lost yet: ${await caption(page)}`);
      await fault(page, cache.id, 'crash');
      const lost = await until(async () => {
        const m = (await caption(page)).match(/(\d+) acknowledged writes lost/);
        return m && Number(m[1]) > 0 && Number(m[1]);
      }, 'the lost writes are counted');
      await pause(page);
      await shot('caching-write-behind-loss');
      assert(lost > 0, `${lost} acknowledged writes lost`);
    },
  },
  {
    name: 'trigger a stampede, then cure it with single flight',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/caching');
      await pause(page);
      // Every key fits, lives 2 s; the database does 400 reads/s; the hot key gets ~400/s.
      for (const [k, v] of [['mode', 'read_through'], ['keys', 200], ['capacity', 100], ['alpha', 1.1], ['ttl_ms', 2000],
        ['db_ms', 20], ['write_share', 0], ['timeout_ms', 2000], ['rate', 2000]]) await setParam(page, k, v);
      await speed(page, '1×');
      await play(page);
      const herd = () => caption(page).then((c) => {
        const m = c.match(/stampede peak (\d+) reads of one key \((\d+) in the last/);
        return m ? { peak: Number(m[1]), now: Number(m[2]) } : { peak: NaN, now: NaN };
      });
      await until(async () => (await herd()).peak >= 10, 'a herd of 10 reads of one key reaches the database', { timeoutMs: 20_000 });
      await pause(page);
      await shot('caching-stampede');
      await setParam(page, 'cure', 'single_flight');
      await play(page);
      await sleep(1000);
      let worst = 0;
      for (let i = 0; i < 12; i++) {
        worst = Math.max(worst, (await herd()).now);
        await sleep(300);
      }
      await pause(page);
      await shot('caching-stampede-cured');
      assert(worst <= 1, `with single flight at most one read of a key is in the database at once (saw ${worst})`);
    },
  },
];
