import { serveStatic, launchBrowser, sleep } from './lib/harness.mjs';
import { readFileSync } from 'node:fs';
const axe = readFileSync('/tmp/px/axe/node_modules/axe-core/axe.min.js', 'utf8');
const site = await serveStatic('../dist');
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
for (const route of ['lesson/paxos/6', 'lab/paxos', 'compare/raft?vs=paxos&script=raft-minority-partition.json']) {
  await page.goto(`${site.url}#/${route}`);
  await page.waitForSelector('[data-testid=lab], [data-testid=compare]', { timeout: 30000 });
  await page.selectOption('[data-testid=speed]', { label: '1×' });
  if ((await page.getAttribute('[data-testid=play]', 'aria-pressed')) !== 'true') await page.click('[data-testid=play]');
  await sleep(1500);
  await page.click('[data-testid=play]');
  await page.addScriptTag({ content: axe });
  const all = await page.evaluate(async () => (await window.axe.run(document)).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })));
  const figs = await page.evaluate(async () => {
    const els = [...document.querySelectorAll('[data-testid^=figure-]')];
    const out = [];
    for (const el of els) out.push(...(await window.axe.run(el)).violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })));
    return out;
  });
  console.log(route, 'page:', JSON.stringify(all), '\n  figures:', JSON.stringify(figs));
}
await browser.close();
process.exit(0);
