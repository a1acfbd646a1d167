// A small test harness around playwright-core and Debian's Chromium: a static server for a
// built site, one browser, a fresh context per test, screenshots, and a TAP-like report that
// closes with "N passed, M failed".
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TESTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = join(TESTS_DIR, 'artifacts');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Serves `dir` with `python3 -m http.server --bind 127.0.0.1` on a free port and waits until it
 * answers. Returns { url, stop }.
 */
export async function serveStatic(dir, { path = '/' } = {}) {
  if (!existsSync(join(dir, 'index.html')) && path === '/') {
    throw new Error(`${dir}/index.html is missing: build the site first (trunk build --release)`);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 20000) stderr = stderr.slice(-10000); });
    let exited = false;
    child.on('exit', () => { exited = true; });
    const url = `http://127.0.0.1:${port}${path}`;
    for (let i = 0; i < 100 && !exited; i++) {
      try {
        const res = await fetch(url);
        if (res.ok) {
          const stop = () => new Promise((r) => {
            if (exited) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
            setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 2000).unref();
          });
          return { url, port, stop };
        }
      } catch { /* not up yet */ }
      await sleep(100);
    }
    child.kill('SIGKILL');
    if (!exited) await new Promise((r) => child.once('exit', r));
    if (attempt === 4) throw new Error(`static server for ${dir} did not start: ${stderr.slice(-2000)}`);
  }
}

/**
 * Runs `tests` ([{name, fn}]) sequentially; returns { passed, failed }. A test fails on an
 * uncaught page error (unless `allowPageErrors`) and on a console error, which includes any
 * resource that failed to load (a 404), unless `allowConsoleErrors` is true or a RegExp that
 * every such error matches (`allowPageErrors` alone allows them too: a panic logs one).
 * `timeoutMs` on a test overrides the default.
 */
export async function runTests(tests, { browser, context: ctx, timeoutMs = 90_000, log = console.log }) {
  let passed = 0, failed = 0;
  const failures = [];
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const t of tests) {
    const t0 = Date.now();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...(t.contextOptions || {}) });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const pageErrors = [];
    const consoleErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e && e.stack || e)));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Chromium's "Failed to load resource" text leaves out the URL; it is in the location.
      const url = m.location() && m.location().url;
      consoleErrors.push(url && !m.text().includes(url) ? `${m.text()} (${url})` : m.text());
    });
    const shot = async (name) => {
      const file = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    };
    let timer;
    const limitMs = t.timeoutMs || timeoutMs;
    try {
      await Promise.race([
        t.fn({ page, context, shot, pageErrors, consoleErrors, ...ctx }),
        new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`timed out after ${limitMs} ms`)), limitMs); }),
      ]);
      // An uncaught exception (a Rust panic shows up as one) fails the test unless expected.
      if (pageErrors.length && !t.allowPageErrors) {
        throw new Error(`uncaught page error(s):\n    ${pageErrors.join('\n    ')}`);
      }
      // So does a console error: a failed request (a missing favicon, a 404 asset), a
      // warning the app logs as an error.
      // A test that expects a panic expects the panic hook's console.error with it.
      const allowed = t.allowConsoleErrors ?? (t.allowPageErrors ? true : undefined);
      const unexpected = allowed === true ? [] : consoleErrors.filter((m) => !(allowed instanceof RegExp && allowed.test(m)));
      if (unexpected.length) {
        throw new Error(`console error(s):\n    ${unexpected.join('\n    ')}`);
      }
      passed++;
      log(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      failures.push(t.name);
      const safe = t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      try { await shot(`FAILED-${safe}`); } catch { /* page may be gone */ }
      log(`FAIL ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      log(`     ${String(e && e.stack || e).split('\n').slice(0, 8).join('\n     ')}`);
      if (consoleErrors.length) log(`     console errors: ${consoleErrors.slice(0, 5).join(' | ')}`);
      log(`     screenshot: tests/artifacts/FAILED-${safe}.png`);
    } finally {
      clearTimeout(timer);
      await context.close().catch(() => {});
    }
  }
  return { passed, failed, failures };
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function until(fn, what, { timeoutMs = 15_000, intervalMs = 100 } = {}) {
  const t0 = Date.now();
  let last;
  for (;;) {
    try { last = await fn(); } catch (e) { last = e; }
    if (last && !(last instanceof Error)) return last;
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await sleep(intervalMs);
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

export { sleep };
