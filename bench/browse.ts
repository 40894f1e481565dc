/**
 * Browsing 100,000 images: engine latency and frame gaps in Chromium.
 *
 *   node bench/browse.ts [--images 100000] [--naive 10000] [--json]
 *
 * 1. A generated project (scripts/make-big-project.ts) of `--images` rows.
 * 2. Engine, in-process: the index build (first call after a write), then the median latency of
 *    browse.query (pages at random offsets; the first page of a new filter and sort), browse.facets (with a
 *    new filter each time) and browse.ids (select all).
 * 3. The browser mode (`medprep serve`) in Debian's Chromium through Playwright: the Browse view scrolled top
 *    to bottom and back (as a scrollbar drag: the whole height in 600 frames each way), then at reading speed
 *    (100 px per frame), filters applied and cleared from the sidebar, and select all. Frame gaps are the
 *    deltas between requestAnimationFrame callbacks (median, p95, p99, max); long tasks come from a
 *    PerformanceObserver; the DOM node count is sampled while scrolling.
 * 4. Baselines in the same run: the 16.7 ms frame budget, and a naive grid (every card in the DOM, the
 *    markup of the old paged grid after "Load more" until `--naive` cards) scrolled the same way in the same
 *    page: its build time, DOM size and frame gaps. 100,000 naive cards do not fit a tab's memory budget,
 *    so the naive grid holds a tenth of the images and still loses.
 *
 * Headless Chromium with --disable-gpu paints in software; on a shared 2-core machine wall-clock figures are
 * noisy, so each is a median or a percentile over hundreds of frames.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import type { BrowseFilters } from '../electron/api/browse.ts';
import { Engine } from '../electron/engine/index.ts';
import { makeBigProject } from '../scripts/make-big-project.ts';
import { isMain, median, type BenchResult, type Figure } from './lib/types.ts';
import { CHROMIUM_LAUNCH } from '../test/e2e/support/chromium.ts';

const root = path.resolve(import.meta.dirname, '..');
const BUDGET_MS = 1000 / 60;

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function timed<T>(f: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** Filter sets that differ from each other, so no call is answered from the previous one's cache. */
function filterSets(): BrowseFilters[] {
  const views = ['PA', 'AP', 'LATERAL', 'LL', 'unknown'];
  const sexes = ['F', 'M'];
  const out: BrowseFilters[] = [];
  for (const v of views)
    for (const s of sexes)
      out.push({ view: [v], sex: [s] }, { view: [v], labels: { Edema: ['positive'] }, sex: [s] });
  return out;
}

async function engineFigures(dir: string, n: number): Promise<Figure[]> {
  const engine = new Engine();
  await engine.invoke('project.open', { dir });
  const build = await timed(() => engine.invoke('browse.query', { offset: 0, limit: 120 }));
  const pages: number[] = [];
  for (let k = 0; k < 30; k++) {
    const offset = Math.floor(Math.random() * (n - 120));
    pages.push(await timed(() => engine.invoke('browse.query', { offset, limit: 120 })));
  }
  const fresh: number[] = [];
  const sorted: number[] = [];
  const facets: number[] = [];
  const sets = filterSets();
  for (const [k, filters] of sets.entries()) {
    facets.push(await timed(() => engine.invoke('browse.facets', { filters })));
    fresh.push(await timed(() => engine.invoke('browse.query', { filters, offset: 0, limit: 120 })));
    const sort = { key: k % 2 ? ('age' as const) : ('studyDate' as const), desc: k % 3 === 0 };
    sorted.push(await timed(() => engine.invoke('browse.query', { filters, sort, offset: 0, limit: 120 })));
  }
  const unfiltered: number[] = [];
  for (let k = 0; k < 10; k++) unfiltered.push(await timed(() => engine.invoke('browse.facets', {})));
  const ids: number[] = [];
  for (let k = 0; k < 10; k++) ids.push(await timed(() => engine.invoke('browse.ids', {})));
  const { ids: all } = await engine.invoke('browse.ids', {});
  const tag = await timed(() => engine.invoke('browse.tag', { ids: all, add: ['bench'] }));
  await engine.invoke('browse.tag', { ids: all, remove: ['bench'] });
  await engine.close();
  const at = `${n.toLocaleString('en')} images`;
  const ms = (label: string, values: number[]): Figure => ({
    label: `${label}, median of ${values.length} (${at})`,
    value: median(values),
    unit: 'ms',
    baseline: { label: 'frame budget', value: BUDGET_MS },
    ratio: median(values) / BUDGET_MS,
  });
  return [
    { label: `index build on first use (${at})`, value: build, unit: 'ms' },
    ms('browse.query, a page at a random offset', pages),
    ms('browse.query, first page of a new filter', fresh),
    ms('browse.query, first page of a new filter and sort', sorted),
    ms('browse.facets, a new filter', facets),
    ms('browse.facets, no filter', unfiltered),
    ms('browse.ids, every image (select all)', ids),
    { label: `browse.tag, one tag on every image (${at})`, value: tag, unit: 'ms' },
  ];
}

async function serve(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['electron/cli/bin.js', 'serve', dir, '--port', '0', '--json'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`medprep serve exited with ${code}`)));
  });
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

interface FrameStats {
  frames: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
  longTasks: number;
  longTaskMs: number;
  maxNodes: number;
}

/** Starts recording rAF deltas, long tasks and DOM size in the page. */
async function instrument(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const frames: number[] = [];
    const long: number[] = [];
    w.__bench = { frames, long, maxNodes: 0 };
    let last = performance.now();
    const tick = (t: number) => {
      frames.push(t - last);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) long.push(e.duration);
    }).observe({ type: 'longtask' });
  });
}

async function phase(page: Page, body: () => Promise<void>): Promise<FrameStats> {
  await page.evaluate(() => {
    const b = (window as unknown as { __bench: { frames: number[]; long: number[]; maxNodes: number } })
      .__bench;
    b.frames.length = 0;
    b.long.length = 0;
    b.maxNodes = document.querySelectorAll('*').length;
  });
  await body();
  const r = await page.evaluate(() => {
    const b = (window as unknown as { __bench: { frames: number[]; long: number[]; maxNodes: number } })
      .__bench;
    return { frames: [...b.frames.slice(1)], long: [...b.long], maxNodes: b.maxNodes };
  });
  return {
    frames: r.frames.length,
    median: median(r.frames),
    p95: percentile(r.frames, 95),
    p99: percentile(r.frames, 99),
    max: Math.max(...r.frames),
    longTasks: r.long.length,
    longTaskMs: r.long.reduce((a, b) => a + b, 0),
    maxNodes: r.maxNodes,
  };
}

/** Scrolls `selector` to the bottom in `frames` steps and back, or by `step` px per frame for `frames`. */
async function scroll(page: Page, selector: string, frames: number, step?: number) {
  await page.evaluate(
    async ({ selector, frames, step }) => {
      const el = document.querySelector<HTMLElement>(selector)!;
      const b = (window as unknown as { __bench: { maxNodes: number } }).__bench;
      const next = () => new Promise((r) => requestAnimationFrame(r));
      const total = el.scrollHeight - el.clientHeight;
      const sample = (k: number) => {
        if (k % 20 === 0) b.maxNodes = Math.max(b.maxNodes, document.querySelectorAll('*').length);
      };
      if (step) {
        for (let k = 0; k < frames; k++) {
          await next();
          el.scrollTop += step;
          sample(k);
        }
        return;
      }
      for (let k = 1; k <= frames; k++) {
        await next();
        el.scrollTop = (total * k) / frames;
        sample(k);
      }
      for (let k = 1; k <= frames; k++) {
        await next();
        el.scrollTop = total * (1 - k / frames);
        sample(k);
      }
    },
    { selector, frames, step },
  );
}

function frameFigures(what: string, s: FrameStats, base?: FrameStats, baseLabel?: string): Figure[] {
  const vs = (key: 'median' | 'p95' | 'p99' | 'max', label: string): Figure =>
    base
      ? {
          label: `${what}: frame gap ${label} (${s.frames} frames; lower is better)`,
          value: s[key],
          unit: 'ms',
          baseline: { label: baseLabel!, value: base[key] },
          ratio: base[key] / s[key],
        }
      : {
          label: `${what}: frame gap ${label} (${s.frames} frames)`,
          value: s[key],
          unit: 'ms',
          baseline: { label: 'frame budget', value: BUDGET_MS },
          ratio: s[key] / BUDGET_MS,
        };
  return [
    vs('median', 'median'),
    vs('p95', 'p95'),
    vs('p99', 'p99'),
    vs('max', 'max'),
    {
      label: `${what}: long tasks (count / total ms)`,
      value: s.longTasks,
      unit: `tasks, ${Math.round(s.longTaskMs)} ms`,
    },
  ];
}

async function browserFigures(
  dir: string,
  n: number,
  naive: number,
): Promise<{ figures: Figure[]; notes: string[] }> {
  const { child, url } = await serve(dir);
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  const figures: Figure[] = [];
  const notes: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page
      .getByRole('navigation', { name: 'Project' })
      .getByRole('button', { name: /^(Images|Browse)/ })
      .click();
    const count = page.getByTestId('browse-count');
    await count.filter({ hasText: `${n.toLocaleString('en-US')} images` }).waitFor({ timeout: 60_000 });
    await page.getByTestId('browse-card').first().waitFor();
    await instrument(page);
    await page.waitForTimeout(500);
    const grid = '[data-testid=virtual-grid]';
    const rest = await page.evaluate(() => document.querySelectorAll('*').length);

    const drag = await phase(page, () => scroll(page, grid, 600));
    const read = await phase(page, () => scroll(page, grid, 400, 100));
    await page.waitForTimeout(800);
    const loaded = await page.evaluate(() => [
      document.querySelectorAll('[role=gridcell]').length,
      document.querySelectorAll('[data-testid=browse-card]').length,
    ]);

    // Filters from the sidebar: each value of the view facet on, then off; the time until the count says so.
    const filterLatency: number[] = [];
    const filtering = await phase(page, async () => {
      const boxes = page.getByTestId('facet-view').getByRole('checkbox');
      const values = await boxes.count();
      for (let k = 0; k < Math.min(values, 5); k++) {
        for (const on of [true, false]) {
          const t = performance.now();
          await boxes.nth(k)[on ? 'check' : 'uncheck']();
          await count.filter({ hasText: on ? ' of ' : `${n.toLocaleString('en-US')} images` }).waitFor();
          filterLatency.push(performance.now() - t);
        }
      }
    });

    let selectAll = 0;
    const selecting = await phase(page, async () => {
      const first = page.getByRole('gridcell').first();
      await first.getByTestId('browse-card').waitFor();
      await first.click({ modifiers: ['ControlOrMeta'] });
      const t = performance.now();
      await page.getByRole('button', { name: /^Select all [\d,]+ matching$/ }).click();
      await page
        .getByTestId('selection-count')
        .filter({ hasText: `${n.toLocaleString('en-US')} selected` })
        .waitFor();
      selectAll = performance.now() - t;
      // Scrolling with every image selected: each card asks the selection.
      await scroll(page, grid, 150);
    });

    // The naive baseline in the same page: `naive` cards in the DOM at once, old-grid markup.
    const engine = new Engine();
    await engine.invoke('project.open', { dir });
    const thumbs: string[] = [];
    for (let o = 0; o < naive; o += 1000)
      for (const it of (await engine.invoke('browse.query', { offset: o, limit: Math.min(1000, naive - o) }))
        .items)
        thumbs.push(`${it.thumbnail}|${it.view ?? ''}|${it.path}|${it.studyDate ?? ''}`);
    await engine.close();
    let naiveBuild = 0;
    const naiveLoad = await phase(page, async () => {
      naiveBuild = await page.evaluate((cards) => {
        const t = performance.now();
        const scroller = document.createElement('div');
        scroller.id = 'naive';
        Object.assign(scroller.style, {
          position: 'fixed',
          inset: '0',
          overflowY: 'auto',
          background: 'var(--bg)',
          zIndex: '50',
        });
        const list = document.createElement('ul');
        Object.assign(list.style, {
          display: 'grid',
          gridTemplateColumns: 'repeat(auto-fill, minmax(176px, 1fr))',
          gap: '16px',
          listStyle: 'none',
          padding: '24px',
          margin: '0',
        });
        for (const c of cards) {
          const [src, view, rel, date] = c.split('|');
          const li = document.createElement('li');
          const b = document.createElement('button');
          b.className = 'card';
          Object.assign(b.style, { display: 'flex', flexDirection: 'column', width: '100%', padding: '0' });
          const well = document.createElement('span');
          Object.assign(well.style, {
            position: 'relative',
            display: 'block',
            aspectRatio: '1',
            background: 'var(--image-well)',
          });
          const img = document.createElement('img');
          img.src = src!;
          img.loading = 'lazy';
          img.decoding = 'async';
          Object.assign(img.style, {
            position: 'absolute',
            inset: '0',
            width: '100%',
            height: '100%',
            objectFit: 'contain',
          });
          well.append(img);
          const meta = document.createElement('span');
          meta.style.display = 'flex';
          meta.style.flexDirection = 'column';
          for (const text of [`DX ${view} ${date}`, '3056×2544 · 12-bit', rel!]) {
            const s = document.createElement('span');
            s.textContent = text!;
            meta.append(s);
          }
          b.append(well, meta);
          li.append(b);
          list.append(li);
        }
        scroller.append(list);
        document.body.append(scroller);
        void scroller.offsetHeight; // layout now, inside the timing
        return performance.now() - t;
      }, thumbs);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    });
    const naiveNodes = await page.evaluate(() => document.querySelectorAll('*').length);
    const naiveDrag = await phase(page, () => scroll(page, '#naive', 600));
    const naiveRead = await phase(page, () => scroll(page, '#naive', 400, 100));

    figures.push(
      {
        label: `DOM nodes at rest (${n.toLocaleString('en')} images in the grid)`,
        value: rest,
        unit: 'nodes',
      },
      {
        label: `DOM nodes, most while scrolling (lower is better)`,
        value: drag.maxNodes,
        unit: 'nodes',
        baseline: { label: `naive grid of ${naive.toLocaleString('en')} cards`, value: naiveNodes },
        ratio: naiveNodes / drag.maxNodes,
      },
      ...frameFigures(
        'scrollbar drag, top to bottom and back',
        drag,
        naiveDrag,
        `naive ${naive.toLocaleString('en')}`,
      ),
      ...frameFigures(
        'reading-speed scroll, 100 px a frame',
        read,
        naiveRead,
        `naive ${naive.toLocaleString('en')}`,
      ),
      ...frameFigures('scrollbar drag, vs the budget', drag),
      ...frameFigures('sidebar filters on and off', filtering),
      ...frameFigures('select all, then scroll', selecting),
      {
        label: 'filter click until the count updates, median (through the page, socket and engine)',
        value: median(filterLatency),
        unit: 'ms',
      },
      {
        label: `select all ${n.toLocaleString('en')} matching until the bar says so`,
        value: selectAll,
        unit: 'ms',
      },
      {
        label: `naive grid: building ${naive.toLocaleString('en')} cards (DOM + first layout)`,
        value: naiveBuild,
        unit: 'ms',
        baseline: { label: 'frame budget', value: BUDGET_MS },
        ratio: naiveBuild / BUDGET_MS,
      },
      {
        label: 'naive grid: long tasks while building',
        value: naiveLoad.longTasks,
        unit: `tasks, ${Math.round(naiveLoad.longTaskMs)} ms`,
      },
    );
    notes.push(
      `after the scrolls the grid had ${loaded[0]} cells in the DOM, ${loaded[1]} of them filled`,
      'frame gaps in headless Chromium (--disable-gpu, software paint) on a shared machine; percentiles over all frames of a phase',
    );
    if (errors.length > 0) notes.push(`page errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
  return { figures, notes };
}

export async function run(opts: { argv?: string[] } = {}): Promise<BenchResult> {
  const { values } = parseArgs({
    args: opts.argv ?? [],
    options: { images: { type: 'string' }, naive: { type: 'string' }, json: { type: 'boolean' } },
    strict: false,
  });
  const n = Number(values.images ?? 100_000);
  const naive = Number(values.naive ?? 10_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-bench-browse-'));
  try {
    const dir = path.join(tmp, 'project');
    const made = await makeBigProject(n, dir);
    const figures: Figure[] = [
      {
        label: `generate a ${n.toLocaleString('en')}-image project (make-big-project)`,
        value: made.ms,
        unit: 'ms',
      },
      ...(await engineFigures(dir, n)),
    ];
    const browser = await browserFigures(dir, n, naive);
    return { name: 'browse', figures: [...figures, ...browser.figures], notes: browser.notes };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const result = await run({ argv: process.argv.slice(2) });
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    const { formatFigures } = await import('./lib/types.ts');
    console.log(formatFigures(result));
  }
}
