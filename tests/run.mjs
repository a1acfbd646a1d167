#!/usr/bin/env node
// End-to-end tests: serves a built site (dist/) on 127.0.0.1, drives Debian's Chromium with
// playwright-core through every spec in specs/, and closes with "N passed, M failed".
// Exit code is non-zero if any test failed or the run could not start.
//
//   node tests/run.mjs [--dist dist] [--subpath-dist target/dist-subpath --subpath /x/y/]
//                      [--grep text]
import { readdirSync, mkdirSync, cpSync, rmSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { TESTS_DIR, ARTIFACTS, launchBrowser, serveStatic, runTests } from './lib/harness.mjs';

function parseArgs(argv) {
  const out = { dist: 'dist', subpathDist: null, subpath: '/x/y/', grep: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--dist') out.dist = val();
    else if (a === '--subpath-dist') out.subpathDist = val();
    else if (a === '--subpath') out.subpath = val();
    else if (a === '--grep') out.grep = val();
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cleanups = [];
  const cleanup = async () => { while (cleanups.length) await cleanups.pop()().catch(() => {}); };
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130); });
  try {
    rmSync(ARTIFACTS, { recursive: true, force: true }); // screenshots of this run only
    const site = await serveStatic(resolve(args.dist));
    cleanups.push(site.stop);
    console.log(`serving ${args.dist} at ${site.url}`);

    let sub = null;
    if (args.subpathDist) {
      // Lay the sub-path build out under <tmp>/x/y/ and serve <tmp>, as a project-pages host would.
      const rootDir = mkdtempSync(join(tmpdir(), 'distlab-subpath-'));
      cleanups.push(async () => rmSync(rootDir, { recursive: true, force: true }));
      const target = join(rootDir, ...args.subpath.split('/').filter(Boolean));
      mkdirSync(target, { recursive: true });
      cpSync(resolve(args.subpathDist), target, { recursive: true });
      sub = await serveStatic(rootDir, { path: args.subpath });
      cleanups.push(sub.stop);
      console.log(`serving ${args.subpathDist} at ${sub.url}`);
    }

    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    console.log(`chromium ${browser.version()}`);

    const tests = [];
    const specs = readdirSync(join(TESTS_DIR, 'specs')).filter((f) => f.endsWith('.spec.mjs')).sort();
    for (const f of specs) {
      const mod = await import(pathToFileURL(join(TESTS_DIR, 'specs', f)).href);
      for (const t of mod.tests) {
        if (t.needs === 'subpath' && !sub) continue;
        tests.push({ ...t, name: `${f.replace('.spec.mjs', '')}: ${t.name}` });
      }
    }
    const selected = args.grep ? tests.filter((t) => t.name.includes(args.grep)) : tests;
    if (selected.length === 0) throw new Error('no tests selected');
    console.log(`running ${selected.length} tests`);
    const { passed, failed, failures } = await runTests(selected, {
      browser,
      context: { base: site.url, subUrl: sub && sub.url },
    });
    if (failed) console.log(`failed: ${failures.join('; ')}`);
    console.log(`${passed} passed, ${failed} failed`);
    await cleanup();
    process.exit(failed ? 1 : 0);
  } catch (e) {
    console.error(`e2e runner error: ${e && e.stack || e}`);
    await cleanup();
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

main();
