import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeBigProject } from '../../../../scripts/make-big-project.ts';
import WithSession from '../../../../test/support/WithSession.svelte';
import { startEngine, type EngineHarness } from '../../../../test/support/engine-bridge.ts';
import BrowseView from './BrowseView.svelte';
import VirtualGridHost from './VirtualGridHost.test-host.svelte';

// jsdom does no layout: every element reports a 1000 × 800 box, and ResizeObserver reports once on observe.
// Widths of 1000 give 5 columns of 190.4 px cells (184 px minimum, 12 px gaps), rows of 278.4 px.
const saved: Record<string, PropertyDescriptor | undefined> = {};
beforeAll(() => {
  for (const [prop, value] of [
    ['clientWidth', 1000],
    ['clientHeight', 800],
  ] as const) {
    saved[prop] = Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
    Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => value });
  }
  globalThis.ResizeObserver ??= class {
    private readonly cb: ResizeObserverCallback;
    constructor(cb: ResizeObserverCallback) {
      this.cb = cb;
    }
    observe() {
      this.cb([], this as unknown as ResizeObserver);
    }
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});
afterAll(() => {
  for (const [prop, d] of Object.entries(saved))
    if (d) Object.defineProperty(HTMLElement.prototype, prop, d);
    else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[prop];
});
afterEach(() => cleanup());

const cells = () => screen.getAllByRole('gridcell');
const indexes = () => cells().map((c) => Number(c.dataset.index));

describe('the virtual grid', () => {
  it('keeps the DOM bounded with 100,000 cells, wherever it is scrolled', async () => {
    render(VirtualGridHost, { props: { total: 100_000 } });
    const grid = screen.getByRole('grid', { name: 'Test grid' });
    expect(grid).toHaveAttribute('aria-colcount', '5');
    expect(grid).toHaveAttribute('aria-rowcount', '20000');
    expect(grid).toHaveAttribute('aria-multiselectable', 'true');
    // The canvas spans every row, so the scrollbar reflects the full count.
    expect(parseFloat(grid.style.height)).toBeCloseTo(20_000 * 278.4, 0);
    expect(cells().length).toBeLessThanOrEqual(40);
    expect(indexes()[0]).toBe(0);

    const scroller = screen.getByTestId('virtual-grid');
    scroller.scrollTop = 10_000 * 278.4;
    await fireEvent.scroll(scroller);
    await waitFor(() => expect(indexes()).toContain(50_000));
    expect(cells().length).toBeLessThanOrEqual(40);
    expect(Math.min(...indexes())).toBeGreaterThan(49_900);
    expect(screen.getByTestId('range')).toHaveTextContent(/^499\d\d-500\d\d$/);
    expect(screen.getByRole('grid').querySelectorAll('*').length).toBeLessThan(200);
  });

  it('moves focus with arrows, Page keys, Home and End; Space selects, Enter opens, Escape clears', async () => {
    render(VirtualGridHost, { props: { total: 100_000 } });
    const first = screen.getByRole('gridcell', { name: 'Cell 0' });
    expect(first).toHaveAttribute('tabindex', '0');
    expect(screen.getByRole('gridcell', { name: 'Cell 1' })).toHaveAttribute('tabindex', '-1');
    first.focus();
    const press = async (key: string, opts: KeyboardEventInit = {}) => {
      await fireEvent.keyDown(document.activeElement!, { key, ...opts });
      await new Promise((r) => setTimeout(r, 0));
    };
    const focused = () => Number((document.activeElement as HTMLElement).dataset.index);
    await press('ArrowRight');
    expect(focused()).toBe(1);
    await press('ArrowDown');
    expect(focused()).toBe(6);
    await press('ArrowLeft');
    await press('ArrowUp');
    expect(focused()).toBe(0);
    await press('ArrowUp');
    expect(focused()).toBe(0);
    await press('PageDown');
    expect(focused()).toBe(10); // two whole rows fit in 800 px
    await press('End');
    await waitFor(() => expect(focused()).toBe(99_999));
    expect(cells().length).toBeLessThanOrEqual(40);
    await press('Home');
    await waitFor(() => expect(focused()).toBe(0));

    await press(' ');
    expect(screen.getByRole('gridcell', { name: 'Cell 0' })).toHaveAttribute('aria-selected', 'true');
    await press('ArrowRight');
    await press(' ');
    await press('Enter');
    expect(screen.getByTestId('state')).toHaveTextContent('focus 1 · selected 0,1 · opened 1');
    await press('Escape');
    expect(screen.getByTestId('state')).toHaveTextContent('focus 1 · selected · opened 1');
    await press('a', { ctrlKey: true });
    expect(screen.getByTestId('state').textContent!.split(',')).toHaveLength(100_000);
  });
});

describe('the Browse view on a generated project', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = startEngine();
    await makeBigProject(1500, h.at('big'));
    await h.engine.invoke('project.open', { dir: h.at('big') });
  });
  afterAll(() => h.dispose());

  const card = (index: number) => cells()[index]!;
  const idOf = (cell: HTMLElement) => Number(within(cell).getByTestId('browse-card').dataset.imageId);

  it('shows counts, filters, selects with clicks and keys, tags and excludes in bulk', async () => {
    render(WithSession, { props: { bridge: h.bridge, view: BrowseView } });
    await waitFor(() => expect(screen.getByTestId('browse-count')).toHaveTextContent('1,500 images'));
    await waitFor(() => expect(within(cells()[0]!).queryByTestId('browse-card')).not.toBeNull());
    expect(cells().length).toBeLessThanOrEqual(40);

    // Filter by view: the count and the other facets follow, the view facet keeps its own counts.
    const sidebar = screen.getByTestId('filter-sidebar');
    const pa = within(screen.getByTestId('facet-view')).getByRole('checkbox', { name: /^PA/ });
    const paCount = Number(/([\d,]+)$/.exec(pa.closest('li')!.textContent!.trim())![1]!.replace(/,/g, ''));
    await fireEvent.click(pa);
    await waitFor(() =>
      expect(screen.getByTestId('browse-count')).toHaveTextContent(
        `${paCount.toLocaleString('en-US')} of 1,500 images`,
      ),
    );
    await waitFor(() => expect(within(cells()[0]!).getByTestId('browse-card')).toBeInTheDocument());
    const sexTotal = within(screen.getByTestId('facet-sex'))
      .getAllByRole('listitem')
      .reduce((n, li) => n + Number(/([\d,]+)$/.exec(li.textContent!.trim())![1]!.replace(/,/g, '')), 0);
    expect(sexTotal).toBe(paCount);
    expect(within(sidebar).getByRole('button', { name: 'Clear 1' })).toBeInTheDocument();

    // Ctrl-click toggles, Shift-click selects a range, Escape clears.
    await fireEvent.click(card(0), { ctrlKey: true });
    await fireEvent.click(card(2), { ctrlKey: true });
    expect(screen.getByTestId('selection-count')).toHaveTextContent('2 selected');
    await fireEvent.click(card(6), { shiftKey: true });
    await waitFor(() => expect(screen.getByTestId('selection-count')).toHaveTextContent('5 selected'));
    expect(card(4)).toHaveAttribute('aria-selected', 'true');
    expect(card(1)).toHaveAttribute('aria-selected', 'false');
    card(4).focus();
    await fireEvent.keyDown(card(4), { key: 'Escape' });
    expect(screen.queryByTestId('selection-bar')).toBeNull();

    // Space toggles the focused card; Select all N matching takes every PA image.
    card(3).focus();
    await fireEvent.keyDown(card(3), { key: ' ' });
    expect(screen.getByTestId('selection-count')).toHaveTextContent('1 selected');
    await fireEvent.click(
      screen.getByRole('button', { name: `Select all ${paCount.toLocaleString('en-US')} matching` }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('selection-count')).toHaveTextContent(
        `${paCount.toLocaleString('en-US')} selected`,
      ),
    );

    // Bulk tag: the engine has it on every selected image and the tags facet counts it.
    await fireEvent.click(screen.getByRole('button', { name: 'Tag…' }));
    await fireEvent.input(screen.getByLabelText(/^Tag [\d,]+ images$/), {
      target: { value: 'frontal-check' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Add tag' }));
    await waitFor(() =>
      expect(screen.getByTestId('browse-notice')).toHaveTextContent(
        `Tagged ${paCount.toLocaleString('en-US')} images`,
      ),
    );
    const tagged = await h.engine.invoke('browse.ids', { filters: { tags: ['frontal-check'] } });
    expect(tagged.ids).toHaveLength(paCount);
    await waitFor(() =>
      expect(
        within(screen.getByTestId('facet-tags')).getByRole('checkbox', { name: /^frontal-check/ }),
      ).toBeInTheDocument(),
    );

    // Bulk exclude with a reason, then include again.
    await fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    await fireEvent.click(card(1), { ctrlKey: true });
    const excludedId = idOf(card(1));
    await fireEvent.click(screen.getByRole('button', { name: 'Exclude…' }));
    await fireEvent.input(screen.getByPlaceholderText(/Reason/), { target: { value: 'rotated film' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Exclude' }));
    await waitFor(() => expect(screen.getByTestId('browse-notice')).toHaveTextContent('Excluded 1 image'));
    await waitFor(() => expect(card(1)).toHaveAccessibleName(/, excluded$/));
    const q = await h.engine.invoke('browse.query', {
      filters: { status: ['excluded'] },
      offset: 0,
      limit: 5,
    });
    expect(q.items.map((i) => [i.id, i.excludedReason])).toEqual([[excludedId, 'rotated film']]);
    await fireEvent.click(screen.getByRole('button', { name: 'Include' }));
    await waitFor(() => expect(screen.getByTestId('browse-notice')).toHaveTextContent('Included 1 image'));
    expect((await h.engine.invoke('browse.ids', { filters: { status: ['excluded'] } })).ids).toEqual([]);
  }, 30_000);

  it('sizes cards, selects everything from the toolbar, and says when no image matches', async () => {
    render(WithSession, { props: { bridge: h.bridge, view: BrowseView } });
    await waitFor(() => expect(screen.getByTestId('browse-count')).toHaveTextContent('1,500 images'));
    const grid = screen.getByRole('grid', { name: 'Images' });
    expect(grid).toHaveAttribute('aria-colcount', '5');
    await fireEvent.change(screen.getByLabelText('Cards'), { target: { value: '144' } });
    await waitFor(() => expect(grid).toHaveAttribute('aria-colcount', '6'));
    await fireEvent.change(screen.getByLabelText('Cards'), { target: { value: '248' } });
    await waitFor(() => expect(grid).toHaveAttribute('aria-colcount', '3'));
    expect(grid).toHaveAttribute('aria-rowcount', '500');

    await fireEvent.click(screen.getByRole('button', { name: 'Select all' }));
    await waitFor(() => expect(screen.getByTestId('selection-count')).toHaveTextContent('1,500 selected'));
    expect(screen.queryByRole('button', { name: 'Select all' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Clear' }));

    await fireEvent.click(within(screen.getByTestId('facet-view')).getByRole('checkbox', { name: /^LL/ }));
    await fireEvent.click(within(screen.getByTestId('facet-view')).getByRole('checkbox', { name: /^LL/ }));
    await fireEvent.click(
      within(screen.getByTestId('facet-status')).getByRole('checkbox', { name: /^Excluded by user/ }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('browse-empty')).toHaveTextContent('No images match these filters'),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(screen.getByTestId('browse-count')).toHaveTextContent('1,500 images'));
  });
});

describe('the Browse view of an empty project', () => {
  it('says there are no images yet instead of an empty grid', async () => {
    const h = startEngine();
    await h.engine.invoke('project.create', { dir: h.at('empty') });
    render(WithSession, { props: { bridge: h.bridge, view: BrowseView } });
    await waitFor(() =>
      expect(screen.getByTestId('browse-empty')).toHaveTextContent('No images in this project yet'),
    );
    expect(screen.queryByRole('grid')).toBeNull();
    cleanup();
    await h.dispose();
  });
});
