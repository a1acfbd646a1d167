// The sharding lab: a spare shard joins and keys visibly move on the hash ring; switching the
// strategy to ranges redraws the key space as a range bar after the data has moved; compare
// mode runs the ring against modulo on one workload and one add-a-shard script; a secondary
// index is local (a query asks every shard) or global (one shard), compared side by side.
import { open, nodes, play, pause, speed, command, clock, until, assert, sleep } from '../lib/app.mjs';
import { labUrl } from '../lib/share.mjs';

const caption = (page) => page.textContent('[data-testid=figure-keyspace] .hint');

export const tests = [
  {
    name: 'sharding: a shard joins and keys move; switch strategy to ranges',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/sharding');
      await page.waitForSelector('[data-testid=figure-keyspace] svg');
      assert(await page.locator('[data-testid=figure-keyspace] .fig-ring').count() === 1, 'a hash ring is drawn');
      const arcs = await page.locator('[data-testid=figure-keyspace] path.arc').count();
      assert(arcs >= 4, `the ring has owned arcs (${arcs})`);
      // The key grid: an even sample of the keys, one square each in its owner's colour.
      const grid = page.locator('[data-testid=figure-keygrid]');
      assert(await grid.locator('rect.kc').count() === 1024, 'the key grid draws 1,024 squares');
      assert(/No change yet/.test(await grid.locator('[data-testid=keygrid-headline]').textContent()), 'no move yet');
      await shot('sharding-ring');

      // Join a spare shard from its menu, at a slow speed so the move can be watched.
      const spare = (await nodes(page)).find((n) => n.role === 'spare');
      assert(spare, 'a spare shard is offered');
      await speed(page, '1/20×');
      await command(page, spare.id, 'join');
      await play(page);
      let sawMoving = false;
      let sawGridMoving = false;
      await until(async () => {
        if (await page.locator('[data-testid=figure-keyspace] .fig-key.moving').count() > 0) sawMoving = true;
        if (Number(await grid.locator('svg').getAttribute('data-moving')) > 0) sawGridMoving = true;
        return /Last change moved \d+ keys/.test(await caption(page));
      }, 'the join is committed', { timeoutMs: 40_000, intervalMs: 50 });
      assert(sawMoving, 'moving keys were marked on the ring');
      assert(sawGridMoving, 'moving keys were marked on the key grid');
      await pause(page);
      const head = await grid.locator('[data-testid=keygrid-headline]').textContent();
      const hm = head.match(/Last change moved \d+ keys \(([\d.]+) %\) · ideal 1\/\(n\+1\): ([\d.]+) %/);
      assert(hm && Number(hm[2]) === 20, `keys moved next to the ideal 1/(n+1) = 20 %: ${head}`);
      if (Number(await grid.locator('svg').getAttribute('data-moved')) > 0) await shot('sharding-keygrid-moved');
      const text = await caption(page);
      const m = text.match(/moved \d+ keys \(([\d.]+) %\); the ideal is ([\d.]+) %/);
      assert(m, `the caption gives the moved share and the ideal (${text})`);
      assert(Number(m[1]) < 40, `a consistent ring moved a minority of keys (${m[1]} %)`);
      assert(/5 shards/.test(text), `five shards are members (${text})`);
      await shot('sharding-after-join');

      // Switch to range partitioning: the data moves and the picture becomes a range bar.
      await speed(page, '1×');
      await page.selectOption('[data-testid=param-strategy]', 'range');
      await play(page);
      await until(async () => (await page.locator('[data-testid=figure-keyspace] .fig-bar').count()) === 1, 'the range bar is drawn', { timeoutMs: 30_000 });
      await pause(page);
      const segs = await page.locator('[data-testid=figure-keyspace] rect.range').count();
      assert(segs >= 5, `the bar shows a range per shard (${segs})`);
      assert(/range strategy/.test(await caption(page)), 'the caption names the range strategy');
      assert(await page.locator('[data-testid=violation-bar], .violation-bar').count() === 0, 'no invariant was violated');
      await shot('sharding-range-bar');
    },
  },
  {
    name: 'sharding: compare the ring with modulo on one add-a-shard script',
    fn: async ({ page, base, shot }) => {
      await page.goto(base + '#/compare/sharding?a=strategy=ring&b=strategy=modulo&set=vnodes=50&script=sharding-ring.json');
      await page.waitForSelector('[data-testid=compare]', { timeout: 30_000 });
      assert(!(await page.$('[data-testid=notice]')), 'no error notice');
      await speed(page, '1×');
      await play(page);
      await until(async () => Number(await page.getAttribute('[data-testid=compare-row-moved_fraction]', 'data-a')) > 0, 'the scripted join is committed in run A', { timeoutMs: 40_000 });
      await until(async () => Number(await page.getAttribute('[data-testid=compare-row-moved_fraction]', 'data-b')) > 0, 'and in run B', { timeoutMs: 20_000 });
      await pause(page);
      const a = Number(await page.getAttribute('[data-testid=compare-row-moved_fraction]', 'data-a'));
      const b = Number(await page.getAttribute('[data-testid=compare-row-moved_fraction]', 'data-b'));
      assert(a < 0.4 && b > 0.6, `the ring moved a minority of keys (${a}), modulo most (${b})`);
      assert(await page.locator('[data-testid=compare-row-imbalance]').count() === 1, 'load balance (max / mean) is compared');
      // Each side draws its own figures: the key space and the key grid, ids kept unique.
      for (const side of ['a', 'b']) {
        const run = page.locator(`[data-testid=compare-run-${side}]`);
        assert(await run.locator('[data-testid=figure-keyspace] svg').count() >= 1, `run ${side} draws its key space`);
        assert(await run.locator('[data-testid=figure-keygrid] rect.kc').count() === 1024, `run ${side} draws its key grid`);
        assert(/Last change moved/.test(await run.locator('[data-testid=keygrid-headline]').textContent()), `run ${side} says what moved`);
      }
      assert(await page.locator('#fig-a-keygrid').count() === 1 && await page.locator('#fig-b-keygrid').count() === 1, 'figure ids are unique per side');
      await shot('sharding-compare');
    },
  },
  {
    name: 'sharding: a global secondary index, then local against global',
    fn: async ({ page, base, shot }) => {
      // One lab with a global index: the index ticks on the ring, a query from a client menu.
      const scenario = { model: 'sharding', seed: 3, config: { shards: 8, index: 'global', index_share: 0.5 } };
      await page.goto(labUrl(base, scenario));
      await page.waitForSelector('[data-testid=figure-keyspace] svg', { timeout: 30_000 });
      assert(/Global index/.test(await caption(page)), 'the caption explains the global index');
      const tags = await page.locator('[data-testid=figure-index] td.fig-cell').count();
      assert(tags === 8, `the index figure shows where each of the 8 tags lives (${tags})`);
      const client = (await nodes(page)).find((n) => n.role === 'client');
      await command(page, client.id, 'find');
      await speed(page, '1×');
      await play(page);
      await until(async () => (await clock(page)).events > 500, 'the run advances', { timeoutMs: 20_000 });
      await pause(page);
      assert(await page.locator('[data-testid=violation-bar], .violation-bar').count() === 0, 'no invariant was violated');
      await shot('sharding-global-index');

      // Local against global on one workload: queries wait for 16 shards, or for one.
      await page.goto(base + '#/compare/sharding?a=index=local&b=index=global&set=shards=16&set=index_share=0.5&set=read_share=0.6&set=rate=1000&set=service_us=2000');
      await page.waitForSelector('[data-testid=compare]', { timeout: 30_000 });
      assert(!(await page.$('[data-testid=notice]')), 'no error notice');
      await speed(page, 'max');
      await play(page);
      await until(async () => (await clock(page)).events > 20_000, 'both runs advance', { timeoutMs: 40_000 });
      await pause(page);
      // p99 comes from a histogram with buckets 1.4× apart, over the last second: at one moment
      // both runs can sit in the same bucket. Read it at several moments: local is slower more often
      // than it is faster, and slower at least once (a local query waits for all 16 shards, a global one for one).
      const seen = [];
      for (let i = 0; i < 6; i++) {
        const a = Number(await page.getAttribute('[data-testid=compare-row-find_p99_ms]', 'data-a'));
        const b = Number(await page.getAttribute('[data-testid=compare-row-find_p99_ms]', 'data-b'));
        seen.push([a, b]);
        if (seen.some(([x, y]) => x > y) && i >= 2) break;
        await play(page);
        await sleep(400);
        await pause(page);
      }
      assert(seen.filter(([a, b]) => a > b).length > seen.filter(([a, b]) => a < b).length, `a local index query is slower than a global one (p99 local/global: ${JSON.stringify(seen)})`);
      await shot('sharding-index-compare');
    },
  },
];
