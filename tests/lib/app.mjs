// Helpers that drive distlab's UI the way a person does, through its data-testid hooks.
import { until, assert, sleep } from './harness.mjs';

/** Opens a hash route and waits for the app to mount it. */
export async function open(page, base, hash = '') {
  await page.goto(base + hash);
  await page.waitForSelector(hash.startsWith('#/lab') || hash.startsWith('#/lesson') || hash.startsWith('#/challenge')
    ? '[data-testid=lab]' : '[data-testid=home]', { timeout: 30_000 });
}

/** Every node in the cluster view: {id, role, status, label, headline}. */
export async function nodes(page) {
  return page.$$eval('[data-testid=cluster] [data-testid^=node-]', (els) => els.map((el) => {
    const label = el.getAttribute('aria-label') || '';
    const parts = label.split(', ');
    return {
      id: Number(el.getAttribute('data-testid').slice(5)),
      role: el.getAttribute('data-role'),
      status: el.getAttribute('data-status'),
      label,
      headline: parts[1] || '',
    };
  }));
}

/** Live Raft leaders: [{id, term}] (the node headline is the term). */
export async function leaders(page) {
  return (await nodes(page))
    .filter((n) => n.role === 'leader' && n.status !== 'crashed')
    .map((n) => ({ id: n.id, term: Number(n.headline) }));
}

/** The clock: { text, events }. */
export async function clock(page) {
  const text = (await page.textContent('[data-testid=clock]')).trim();
  const m = text.match(/([\d,]+) events?/);
  return { text, events: m ? Number(m[1].replace(/,/g, '')) : NaN };
}

export async function isPlaying(page) {
  return (await page.getAttribute('[data-testid=play]', 'aria-pressed')) === 'true';
}

export async function play(page) {
  if (!(await isPlaying(page))) await page.click('[data-testid=play]');
  await until(() => isPlaying(page), 'playing');
}

export async function pause(page) {
  if (await isPlaying(page)) await page.click('[data-testid=play]');
  await until(async () => !(await isPlaying(page)), 'paused');
}

/** Picks a speed by its label ("1×", "1/20×", "max"). */
export async function speed(page, label) {
  await page.selectOption('[data-testid=speed]', { label });
}

/** Opens node `id`'s menu from the keyboard (focus the node, Enter); returns the menu locator. */
export async function nodeMenu(page, id) {
  const menu = page.locator('[data-testid=node-menu]');
  if (await menu.count()) await page.keyboard.press('Escape');
  await page.focus(`[data-testid=cluster] [data-testid=node-${id}]`);
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'visible' });
  return menu;
}

/** Opens node `id`'s menu with a mouse click; returns the menu locator. */
export async function nodeMenuByClick(page, id) {
  const menu = page.locator('[data-testid=node-menu]');
  await page.click(`[data-testid=cluster] [data-testid=node-${id}]`, { force: true });
  await menu.waitFor({ state: 'visible', timeout: 3_000 }).catch(() => {
    throw new Error(`clicking node ${id} did not open its menu`);
  });
  return menu;
}

/** Clicks a fault item (crash, restart, pause, slow, isolate) in node `id`'s menu. */
export async function fault(page, id, item) {
  const menu = await nodeMenu(page, id);
  await menu.locator(`[data-testid=${item}]`).click();
  await menu.waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {});
}

/** Clicks a model command (data-command) in node `id`'s menu. */
export async function command(page, id, name) {
  const menu = await nodeMenu(page, id);
  const item = menu.locator(`[data-testid=command][data-command="${name}"]`).first();
  assert(await item.count() > 0, `node ${id} offers command ${name}`);
  await item.click();
  await menu.waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {});
}

/** Text of the notice banner, or '' when there is none. */
export async function notice(page) {
  const el = await page.$('[data-testid=notice]');
  return el ? (await el.textContent()).trim() : '';
}

/** A fingerprint of what the lab shows: clock plus every node's label and log cells. */
export async function fingerprint(page) {
  const c = await clock(page);
  const ns = await nodes(page);
  const cells = await page.$$eval('[data-testid^=cells-]', (els) => els.map((el) =>
    el.getAttribute('data-testid') + ':' + [...el.querySelectorAll('.cell')].map((c) => `${c.className.includes('solid') ? 'S' : 'h'}${c.textContent}`).join(',')));
  return JSON.stringify({ clock: c.text, nodes: ns.map((n) => n.label), cells });
}

export { until, assert, sleep };
