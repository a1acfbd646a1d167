import { serveStatic, launchBrowser, sleep } from './lib/harness.mjs';
const site = await serveStatic(process.argv[2] || '../dist');
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
page.on('console', (m) => { if (m.type() === 'error') console.log('CONSOLE', m.text()); });
const shots = [
  ['lesson/paxos/6', 1600, 'gap'],
  ['lesson/paxos/3', 330, 'unknown'],
  ['lesson/paxos/5', 1500, 'multi'],
];
for (const [route, wait, name] of shots) {
  await page.goto(`${site.url}#/${route}`);
  await page.waitForSelector('[data-testid=lab]', { timeout: 30000 });
  await page.selectOption('[data-testid=speed]', { label: '1×' });
  if ((await page.getAttribute('[data-testid=play]', 'aria-pressed')) !== 'true') await page.click('[data-testid=play]');
  await sleep(wait);
  const playing = await page.getAttribute('[data-testid=play]', 'aria-pressed');
  if (playing === 'true') await page.click('[data-testid=play]');
  await page.screenshot({ path: `/tmp/px/${name}.png`, fullPage: true });
  const fig = await page.$('[data-testid=figure-slots]');
  if (fig) await fig.screenshot({ path: `/tmp/px/${name}-slots.png` });
  const acc = await page.$('[data-testid=figure-acceptors]');
  if (acc) await acc.screenshot({ path: `/tmp/px/${name}-acc.png` });
}
await browser.close();
await site.close?.();
process.exit(0);
