// Accessibility: axe-core on every page of the app, in the light and the dark theme, finds no
// serious or critical violation. The pages are found by following the home page's catalogue
// (each lab, its compare mode, the first and last step of its lesson and its first and last
// challenge; every step and challenge with A11Y_ALL=1), so a lab added later is checked without
// touching this file. Each lab page is also checked with a node menu and the
// shortcuts dialog open.
import { pause, until, assert, sleep } from '../lib/app.mjs';
import { axeViolations, describe, BLOCKING } from '../lib/axe.mjs';

/** Rules whose result depends on the colour theme: checked again in the dark theme. */
const THEME_RULES = ['color-contrast', 'link-in-text-block'];

/**
 * Checks the page as it is now, light then dark. Blocking violations go into `found.blocking`
 * (one entry per page and rule), the others are tallied in `found.advisory` for the log.
 */
async function check(page, where, found) {
  const record = (theme, violations) => {
    const blocking = violations.filter((v) => BLOCKING.includes(v.impact));
    if (blocking.length) found.blocking.push(`  ${where} (${theme} theme):\n${describe(blocking)}`);
    for (const v of violations.filter((x) => !BLOCKING.includes(x.impact))) {
      const key = `[${v.impact}] ${v.id}`;
      found.advisory.set(key, (found.advisory.get(key) || new Set()).add(where));
    }
  };
  try {
    await page.emulateMedia({ colorScheme: 'light' });
    record('light', await axeViolations(page));
    await page.emulateMedia({ colorScheme: 'dark' });
    record('dark', await axeViolations(page, { runOnly: THEME_RULES }));
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
  found.pages++;
}

function report(found) {
  if (found.advisory.size) {
    console.log(`     axe, not blocking: ${[...found.advisory].map(([k, w]) => `${k} on ${w.size} page(s)`).join('; ')}`);
  }
  if (found.blocking.length) console.log(`     axe, serious or critical:\n${found.blocking.join('\n')}`);
  assert(found.blocking.length === 0,
    `no serious or critical accessibility violations on ${found.pages} checked pages (${found.blocking.length} page(s) with some, listed above)`);
}

const newFound = () => ({ blocking: [], advisory: new Map(), pages: 0 });

/**
 * Goes to a hash route and waits for `root` (a selector) to appear. The page's old root is
 * marked first, so a route that mounts the same kind of page waits for the new one.
 */
async function go(page, base, hash, root) {
  const here = await page.evaluate(() => location.hash).catch(() => null);
  if (here === hash) return page.waitForSelector(root);
  await page.evaluate(() => document.querySelectorAll('[data-testid]').forEach((e) => e.setAttribute('data-stale', ''))).catch(() => {});
  await page.goto(base + hash);
  await page.waitForSelector(`${root}:not([data-stale])`, { timeout: 30_000 });
}

/** The test id of the first node on the page (SVG node or, on a canvas, its hidden button). */
const firstNode = (page) => page.evaluate(() =>
  [...document.querySelectorAll('[data-testid^=node-]')].map((e) => e.getAttribute('data-testid')).find((id) => /^node-\d+$/.test(id)));

/** Pauses the run(s) on the page, if it has a play button, so axe sees a still page. */
async function still(page) {
  if (await page.$('[data-testid=play]')) await pause(page);
  await until(async () => (await firstNode(page)) || !(await page.$('[data-testid=cluster]')), 'nodes drawn');
  await sleep(150);
}

/** Every lab the home page lists: [{ model, lab, lesson, compare, challenge }] (hashes or null). */
async function catalogue(page, base) {
  await go(page, base, '#/', '[data-testid=home]');
  return page.$$eval('[data-testid^=lab-card-]', (cards) => cards.map((card) => {
    const model = card.getAttribute('data-testid').slice('lab-card-'.length);
    const hash = (sel) => {
      const a = card.querySelector(sel);
      return a ? a.getAttribute('href').slice(a.getAttribute('href').indexOf('#')) : null;
    };
    return {
      model,
      lab: hash(`[data-testid=open-${model}]`),
      compare: hash(`[data-testid=compare-${model}]`),
      lesson: hash('a[href*="#/lesson/"]'),
      challenge: hash('a[href*="#/challenge/"]'),
    };
  }));
}

/** The distinct hash links inside `scope` whose href contains `part`. */
async function links(page, scope, part) {
  const hrefs = await page.$$eval(`${scope} a[href*="${part}"]`, (as) => as.map((a) => a.getAttribute('href')));
  return [...new Set(hrefs.map((h) => h.slice(h.indexOf('#'))))];
}

/**
 * The first and the last of a list (all of it with A11Y_ALL=1). Steps and challenges share one
 * page layout and differ in prose and in the run they load; checking every one of them costs
 * seconds a page for each lab.
 */
const ends = (list) => (process.env.A11Y_ALL ? list : [...new Set([list[0], list[list.length - 1]])].filter(Boolean));

export const tests = [
  {
    name: 'axe: home page and not-found pages',
    fn: async ({ page, base, shot }) => {
      const found = newFound();
      await go(page, base, '#/', '[data-testid=home]');
      await sleep(300);
      await check(page, 'home', found);
      await shot('a11y-home');
      for (const hash of ['#/no/such/page', '#/lab/no-such-lab', '#/lesson/no-such-lab/1']) {
        // Through the home page: one not-found message may be patched into the next in place.
        await go(page, base, '#/', '[data-testid=home]');
        await go(page, base, hash, '[data-testid=not-found]');
        await check(page, hash, found);
      }
      report(found);
    },
  },
  {
    name: 'axe: every lab page, with a node menu and the shortcuts open, and compare mode',
    timeoutMs: 600_000,
    fn: async ({ page, base, shot }) => {
      const found = newFound();
      const labs = await catalogue(page, base);
      assert(labs.length > 0, 'the home page lists labs');
      for (const l of labs) {
        assert(l.lab, `the ${l.model} card links its lab`);
        await go(page, base, l.lab, `[data-testid=lab][data-model=${l.model}]`);
        await still(page);
        await check(page, l.lab, found);

        // A node menu open (from the keyboard, as a keyboard user opens it).
        await page.focus(`[data-testid=${await firstNode(page)}]`);
        await page.keyboard.press('Enter');
        await page.waitForSelector('[data-testid=node-menu]');
        await check(page, `${l.lab} with a node menu open`, found);
        await page.keyboard.press('Escape');
        await page.waitForSelector('[data-testid=node-menu]', { state: 'detached' });

        await page.click('[data-testid=help]');
        await page.waitForSelector('[data-testid=shortcuts]');
        await check(page, `${l.lab} with the shortcuts open`, found);
        await page.keyboard.press('Escape');
        await page.waitForSelector('[data-testid=shortcuts]', { state: 'detached' });

        if (l.compare) {
          await go(page, base, l.compare, `[data-testid=compare][data-model=${l.model}]`);
          await still(page);
          await check(page, l.compare, found);
        }
      }
      await go(page, base, labs[0].lab, '[data-testid=lab]');
      await still(page);
      await shot('a11y-lab');
      report(found);
    },
  },
  {
    name: 'axe: lesson steps and challenges (first and last of each lab; A11Y_ALL=1 for all)',
    timeoutMs: 600_000,
    fn: async ({ page, base }) => {
      const found = newFound();
      const labs = await catalogue(page, base);
      for (const l of labs) {
        if (l.lesson) {
          await go(page, base, l.lesson, '[data-testid=lesson]');
          const stepOf = (hash) => Number(hash.split('/').pop());
          const steps = (await links(page, '[data-testid=lesson]', '#/lesson/')).sort((a, b) => stepOf(a) - stepOf(b));
          assert(steps.length > 0, `the ${l.model} lesson lists its steps`);
          for (const hash of ends(steps)) {
            await go(page, base, hash, '[data-testid=lesson]');
            await still(page);
            await check(page, hash, found);
          }
        }
        if (l.challenge) {
          await go(page, base, l.challenge, '[data-testid=challenge]');
          const all = [l.challenge, ...(await links(page, '[data-testid=challenge]', '#/challenge/'))];
          for (const hash of ends([...new Set(all)])) {
            await go(page, base, hash, '[data-testid=challenge]');
            await still(page);
            await check(page, hash, found);
          }
        }
      }
      report(found);
    },
  },
];
