// The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core) loads the page against the fixture store, sees the grid and the curves, then
// the test finishes two trials and appends a curve line to a third, and waits for the page to
// show it all without a reload. Takes the screenshot of docs/dashboard.md when
// MEDTRANSFER_SCREENSHOT=1 (MEDTRANSFER_CHROMIUM: another browser binary).
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { type Dashboard, startDashboard } from './server';
import { EXPERIMENT, FAILED, FAILURE_MESSAGE, FINISHED, type FixtureStore, PENDING, RUNNING, fixtureCurve, writeFinished, writeFixtureStore } from './test-fixtures';

const CHROMIUM = process.env.MEDTRANSFER_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(__dirname, '../../../docs/img/dashboard.png');
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('serve: the page in headless Chromium', function () {
  this.timeout(30_000);
  let store: FixtureStore;
  let d: Dashboard;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  const errors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    (skipped: no ${CHROMIUM}; install Debian's chromium: apt-get install -y chromium)`);
      this.skip();
    }
    store = await writeFixtureStore();
    d = await startDashboard({ resultsDir: store.root, port: 0, intervalMs: 200 });
    profile = mkdtempSync(join(tmpdir(), 'medtransfer-chromium-'));
    // --headless comes from `headless`, --user-data-dir from the persistent context's folder
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1360, height: 1180 } });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  });
  after(async () => {
    await browser?.close();
    await d?.close();
    store?.lock.release();
    if (store) rmSync(store.base, { recursive: true, force: true });
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const cellState = (dir: string) => page.getAttribute(`td.cell[data-trial="${dir}"]`, 'data-state');

  it('shows the trial grid, the curves with bands and the rendered summary', async () => {
    await page.goto(`${d.url}#/e/${EXPERIMENT}`);
    await page.waitForSelector('#curves svg', { timeout: 15_000 });
    await page.waitForSelector('#live.on');
    expect(await cellState(FINISHED[0])).to.equal('finished');
    expect(await cellState(RUNNING)).to.equal('running');
    expect(await cellState(FAILED)).to.equal('failed');
    expect(await page.textContent(`td.cell[data-trial="${FAILED}"]`)).to.contain(FAILURE_MESSAGE);
    expect(await cellState('cbr-small_scratch_seed2')).to.equal('damaged');
    expect(await cellState(PENDING[1])).to.equal('pending');
    expect(await page.textContent(`td.cell[data-trial="${RUNNING}"]`)).to.match(/ETA ~\d+s/);
    expect(await page.getAttribute('#curves', 'data-trials')).to.equal(String(FINISHED.length + 1));
    expect(await page.textContent('main')).not.to.match(/\bnull\b|undefined|NaN/);
    // one band per group (area paths) and the summary's table inside its frame
    expect(await page.locator('#curves svg path').count()).to.be.greaterThan(4);
    const frame = page.frameLocator('iframe.summary');
    await frame.locator('table').first().waitFor();
    if (process.env.MEDTRANSFER_SCREENSHOT === '1') {
      mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: false });
    }
  });

  it('updates while the store changes: a running trial finishes, a pending one finishes', async () => {
    const updates = Number(await page.getAttribute('body', 'data-updates'));
    // a mark in the page's global scope: still there afterwards means the page was not reloaded
    await page.evaluate(() => ((globalThis as unknown as { mark: number }).mark = 1));
    store.lock.release();
    writeFinished(store, RUNNING, 4);
    writeFinished(store, PENDING[1]);
    await page.waitForSelector(`td.cell[data-trial="${RUNNING}"][data-state="finished"]`, { timeout: 10_000 });
    await page.waitForSelector(`td.cell[data-trial="${PENDING[1]}"][data-state="finished"]`, { timeout: 10_000 });
    await page.waitForSelector(`#curves[data-trials="${FINISHED.length + 3}"]`, { timeout: 10_000 });
    expect(Number(await page.getAttribute('body', 'data-updates'))).to.be.greaterThan(updates);
    expect(await page.evaluate(() => (globalThis as unknown as { mark?: number }).mark)).to.equal(1);
  });

  it('a curve line appended to a finished trial makes it damaged: shown with its message, dropped from the curves', async () => {
    const dir = FINISHED[0];
    appendFileSync(join(store.experimentDir, dir, 'curve.jsonl'), `${JSON.stringify({ ...fixtureCurve('scratch', 1, 'cbr-tiny', 9)[8] })}\n`);
    await page.waitForSelector(`td.cell[data-trial="${dir}"][data-state="damaged"]`, { timeout: 10_000 });
    expect(await page.textContent(`td.cell[data-trial="${dir}"]`)).to.contain('reaches step 90 but summary.json says the trial ran 80 steps');
    await page.waitForSelector(`#curves[data-trials="${FINISHED.length + 2}"]`, { timeout: 10_000 });
  });

  it("opens a trial's page with its failure", async () => {
    await page.goto(`${d.url}#/e/${EXPERIMENT}/t/${FAILED}`);
    await page.waitForSelector('pre');
    const text = await page.textContent('main');
    expect(text).to.contain(FAILURE_MESSAGE);
    expect(text).not.to.match(/\bnull\b|undefined/);
    expect(errors).to.deep.equal([]);
  });
});
