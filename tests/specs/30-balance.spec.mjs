// The load-balancing lab: switch the algorithm while running, fail-slow a server, and watch
// latency (the p50 / p95 / p99 chart and the client's mean latency) respond.
import { open, nodes, play, pause, speed, fault, nodeMenu, until, assert, sleep } from '../lib/app.mjs';

async function canvasHash(page) {
  return page.$eval('[data-testid=chart]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) | 0;
    return h;
  });
}

async function clientMeanLatencyMs(page, clientId) {
  const menu = await nodeMenu(page, clientId);
  const text = await menu.locator('dl.details').textContent();
  await page.click('[data-testid=node-menu-close]');
  const m = text.match(/mean latency\s*([\d.]+)\s*(µs|us|ms|s)/);
  assert(m, `client details show a mean latency (${text})`);
  const v = Number(m[1]);
  return m[2] === 's' ? v * 1000 : m[2] === 'ms' ? v : v / 1000;
}

export const tests = [
  {
    name: 'switch algorithm, fail-slow a server, latency chart responds',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/balance');
      await speed(page, '1×');
      await play(page);

      // Switch the algorithm while running.
      const algo = page.locator('[data-testid=param-algorithm]');
      const options = await algo.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
      const current = await algo.inputValue();
      const next = options.find((o) => o.value !== current && /round/i.test(o.text)) || options.find((o) => o.value !== current);
      assert(next, 'another algorithm is offered');
      await algo.selectOption(next.value);
      await until(async () => (await algo.inputValue()) === next.value, 'algorithm switched');

      // The chart shows the latency percentiles.
      const metric = page.locator('[data-testid=chart-metric]');
      const group = await metric.locator('option').evaluateAll((os) => os.find((o) => /p99/.test(o.textContent))?.value);
      assert(group !== undefined, 'a chart shows p99 latency');
      await metric.selectOption(group);
      await sleep(2000);
      const all = await nodes(page);
      const client = all.find((n) => n.role === 'client');
      const servers = all.filter((n) => n.role === 'server');
      assert(client && servers.length >= 2, 'a client and servers are drawn');
      const before = await clientMeanLatencyMs(page, client.id);
      const chartBefore = await canvasHash(page);
      await shot('balance-before-slow');

      // Fail-slow one server (×4) from its menu.
      await fault(page, servers[0].id, 'slow');
      await until(async () => /slow/.test((await nodes(page)).find((n) => n.id === servers[0].id).status || ''), 'server shown slow');
      await sleep(4000);
      const after = await clientMeanLatencyMs(page, client.id);
      const chartAfter = await canvasHash(page);
      await pause(page);
      await shot('balance-after-slow');
      assert(chartAfter !== chartBefore, 'the latency chart was redrawn with new samples');
      assert(after > before, `mean latency rose after the server slowed (${before.toFixed(2)} ms -> ${after.toFixed(2)} ms)`);

      // The same chart shows the load of every server now, as bars with their mean.
      const choices = await page.$$eval('[data-testid=chart-metric] option', (os) => os.map((o) => o.textContent));
      const byServer = choices.findIndex((o) => /load by server/.test(o));
      assert(byServer >= 0, `the chart offers load by server (${choices.join(' | ')})`);
      await page.selectOption('[data-testid=chart-metric]', { index: byServer });
      const label = await until(async () => {
        const l = await page.getAttribute('[data-testid=chart]', 'aria-label');
        return /Bar chart of the load of \d+ servers/.test(l) && l;
      }, 'the chart describes the per-server load');
      assert(/servers now: mean \d+ %, highest \d+ %/.test(label), `the description gives the mean and the highest load: "${label}"`);
      const bars = await canvasHash(page);
      await play(page);
      await until(async () => (await canvasHash(page)) !== bars, 'the per-server load bars move while the run plays');
      await pause(page);
      await shot('balance-load-by-server');
    },
  },
];
