// Walks MLflow's web UI in headless Chromium (Debian's chromium, driven by playwright-core) against a
// tracking server that serves the UI: real MLflow 3.18 or mlflow-c. The data comes from seed.py.
//
//   node run.js --url http://127.0.0.1:5000 --seed seed.json --out DIR [--target mlflow|mlflow-c]
//               [--inventory requests.md] [--only name,name] [--chromium /usr/bin/chromium]
//
// Each scenario: a screenshot DIR/<scenario>.png, zero console errors, zero failed or >= 400 requests
// (except the few MLflow answers listed in ALLOWED, each with its reason), and a visible assertion of
// the scenario's outcome. DIR/results.json has every scenario's verdict and the requests that failed.
// With --inventory, every API request the UI made (method, path, query keys, body shape) is written
// there as markdown: the list of what a server must answer for this UI.
// Exit status: 0 when every scenario passed, 1 otherwise.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

function parseArgs(argv) {
  const a = { target: 'mlflow', chromium: '/usr/bin/chromium', only: null, inventory: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    a[k] = argv[++i];
  }
  if (!a.url || !a.seed || !a.out) {
    console.error('usage: node run.js --url URL --seed seed.json --out DIR [--target mlflow|mlflow-c] [--inventory FILE] [--only a,b]');
    process.exit(2);
  }
  a.url = a.url.replace(/\/$/, '');
  a.only = a.only ? a.only.split(',') : null;
  return a;
}

const args = parseArgs(process.argv.slice(2));
const seed = JSON.parse(fs.readFileSync(args.seed, 'utf8'));
fs.mkdirSync(args.out, { recursive: true });

// Answers >= 400 that MLflow 3.18 itself gives to its own UI, on a server without auth. Narrow: method,
// exact path, status. Anything else that fails is a failure of the server under test.
const ALLOWED = [
  // the create-experiment dialog checks that the name is free: "not found" is the answer it wants
  { method: 'GET', path: '/ajax-api/2.0/mlflow/experiments/get-by-name', status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' },
  // the UI asks who the user is; without the auth app MLflow has no such route (Flask's 404 page)
  { method: 'GET', path: '/ajax-api/2.0/mlflow/users/current', status: 404 },
  // a server whose server-info says model_artifact_presigned_downloads_supported: false (mlflow-c) gets the
  // version's MLmodel from the source run's artifacts: for a runs:/<run>/model source that is <run>/artifacts/
  // model/MLmodel, which MLflow 3 never writes (log_model puts it in the logged model's artifacts); MLflow
  // 3.18 answers that request 404 RESOURCE_DOES_NOT_EXIST too, and the page draws without the schema
  { method: 'GET', pathRe: /^\/ajax-api\/2\.0\/mlflow-artifacts\/artifacts\/\d+\/[0-9a-f]{32}\/artifacts\/model\/MLmodel$/, status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' },
  // the model version page first asks for a presigned download of the MLmodel, then falls back to a plain one
  { method: 'GET', path: '/model-versions/get-artifact', status: 501, errorCode: 'NOT_IMPLEMENTED' },
];
// MLflow 3.18's own bug, tolerated only with --target mlflow: the assistant routes race a circular import
// of mlflow.server.auth on the first requests after start-up (AttributeError: partially initialized module
// 'mlflow.server.auth' has no attribute 'is_auth_enabled') and answer 500 now and then.
const ALLOWED_REFERENCE_ONLY = [
  { method: 'GET', path: '/ajax-api/3.0/mlflow/assistant/config', status: 500 },
  { method: 'GET', path: '/ajax-api/3.0/mlflow/assistant/providers', status: 500 },
  // with a database backend and proxied artifacts (mlflow-artifacts:/ sources), MLflow's model-version
  // download resolves the source through the tracking URI, which is the database: "When an mlflow-artifacts
  // URI was supplied, the tracking URI must be a valid http or https URI" (500). The page still draws.
  { method: 'GET', path: '/model-versions/get-artifact', status: 500, errorCode: 'INTERNAL_ERROR' },
];
const allowed = ALLOWED.concat(args.target === 'mlflow' ? ALLOWED_REFERENCE_ONLY : []);
const isAllowed = (method, p, status, errorCode) => allowed.some((x) => x.method === method
  && (x.path ? x.path === p : x.pathRe.test(p)) && x.status === status
  && (!x.errorCode || x.errorCode === errorCode));

// What counts as an API request (recorded in the inventory): everything but the UI's own files.
const origin = new URL(args.url).origin;
const isApi = (p) => !p.startsWith('/static-files/') && p !== '/' && !/^\/(favicon\.ico|manifest\.json)$/.test(p);

// ---- the inventory -------------------------------------------------------------------------------------
const inventory = new Map(); // key -> {method, path, queryKeys, body, scenarios:Set, statuses:Set}

// The shape of a JSON value: keys and types, arrays by their first element, strings as "string".
function shape(v, depth = 0) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length ? [shape(v[0], depth + 1)] : [];
  if (typeof v === 'object') {
    if (depth > 4) return 'object';
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = shape(v[k], depth + 1);
    return o;
  }
  return typeof v;
}

// Ids and names in paths become placeholders, so that one route is one line.
function normalizePath(p) {
  return p
    .replace(/\/m-[0-9a-f]{32}(?=\/|$)/g, '/{model_id}')
    .replace(/\/[0-9a-f]{32}(?=\/|$)/g, '/{run_id}')
    .replace(/(\/mlflow-artifacts\/artifacts)\/\d+\//, '$1/{experiment_id}/');
}

function bodyShape(req) {
  const post = req.postData();
  if (!post) return '';
  let j;
  try { j = JSON.parse(post); } catch (e) { return `(${(req.headers()['content-type'] || 'raw').split(';')[0]}, ${post.length} bytes)`; }
  if (j && typeof j.query === 'string' && req.url().endsWith('/graphql')) {
    // GraphQL: the operation, its fields' roots and directives, and the variables' shape
    const op = (j.query.match(/(query|mutation)\s+(\w+)/) || []).slice(1).join(' ');
    const directives = [...new Set(j.query.match(/@\w+/g) || [])].join(' ');
    return `graphql ${op || '(anonymous)'}${directives ? ' directives: ' + directives : ''} variables: ${JSON.stringify(shape(j.variables || {}))}`;
  }
  return JSON.stringify(shape(j));
}

function record(scenario, req, status) {
  const u = new URL(req.url());
  if (!/^https?:$/.test(u.protocol) || !isApi(u.pathname)) return; // blob: URLs are the page's own
  const byHarness = !!req.headers()['x-browser-harness'];
  const queryKeys = [...new Set([...u.searchParams.keys()])].sort().join(',');
  const entry = { method: req.method(), path: normalizePath(u.pathname), queryKeys, body: bodyShape(req) };
  const key = JSON.stringify(entry);
  if (!inventory.has(key)) inventory.set(key, { ...entry, scenarios: new Set(), statuses: new Set() });
  const e = inventory.get(key);
  e.scenarios.add(byHarness ? `${scenario} (sent by the harness, not the UI)` : scenario);
  e.statuses.add(status);
}

function writeInventory(file) {
  const rows = [...inventory.values()].sort((a, b) => (a.path + a.method + a.body).localeCompare(b.path + b.method + b.body));
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  const lines = [
    '# API requests of MLflow 3.18\'s web UI in the browser scenarios',
    '',
    'Generated by `tests/browser/run.js --inventory` (do not edit by hand): every request the UI made while',
    'walking the scenarios of tests/browser/run.js against the server at the time of generation, one line per',
    'method, path (ids as `{run_id}`, `{model_id}`, `{experiment_id}`), query keys and body shape. Statuses are the server\'s answers then.',
    `Server: ${args.target}. Distinct requests: ${rows.length}.`,
    '',
    '| method | path | query keys | body shape | status | scenarios |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.method} | \`${esc(r.path)}\` | ${esc(r.queryKeys)} | ${r.body ? '`' + esc(r.body) + '`' : ''} | ${[...r.statuses].sort().join(', ')} | ${[...r.scenarios].sort().join(', ')} |`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

// ---- the scenario harness -----------------------------------------------------------------------------
function expect(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

class Watch {
  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.inflight = new Map(); // request -> when it started
    this.last = Date.now();
    this.consoleErrors = [];
    this.failures = [];
    this.harnessRequests = new Set(); // requests the harness makes itself (page.evaluate fetch) are not the UI's
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const loc = m.location() || {};
      // "Failed to load resource" repeats an answer >= 400 of a same-origin request: the request
      // listeners below judge those (with the allowed list), so the console does not count them twice
      if (/Failed to load resource/.test(m.text()) && loc.url && new URL(loc.url).origin === origin) return;
      // the UI loads a few things from mlflow.org (docs videos); the tests run offline: not the server's
      if (/Failed to load resource/.test(m.text()) && loc.url && new URL(loc.url).origin !== origin) return;
      // Chromium's notice that a ResizeObserver callback resized again (the trace drawer's panes): layout,
      // not an error of the app or the server; MLflow 3.18 logs it too
      if (/ResizeObserver loop completed with undelivered notifications/.test(m.text())) return;
      this.consoleErrors.push(`${m.text().slice(0, 500)} (${loc.url || ''})`);
    });
    page.on('pageerror', (e) => this.consoleErrors.push('page error: ' + String(e.stack || e).slice(0, 800)));
    page.on('request', (r) => { this.inflight.set(r, Date.now()); this.last = Date.now(); });
    page.on('response', (r) => { this.inflight.delete(r.request()); this.last = Date.now(); });
    page.on('requestfinished', async (r) => {
      this.inflight.delete(r);
      const resp = await r.response().catch(() => null);
      const status = resp ? resp.status() : 0;
      const u = new URL(r.url());
      if (u.origin !== origin) return;
      record(this.name, r, status);
      if (status >= 400) {
        let body = '';
        try { body = await resp.text(); } catch (e) { /* gone with the page */ }
        let code;
        try { code = JSON.parse(body).error_code; } catch (e) { /* not JSON */ }
        if (!isAllowed(r.method(), u.pathname, status, code)) {
          this.failures.push({ method: r.method(), url: u.pathname + u.search, status, request: (r.postData() || '').slice(0, 300), answer: body.replace(/\s+/g, ' ').slice(0, 300) });
        }
      }
    });
    page.on('requestfailed', (r) => {
      this.inflight.delete(r); this.last = Date.now();
      const u = new URL(r.url());
      if (u.origin !== origin) return; // mlflow.org and such: offline here, and not the server under test
      const err = (r.failure() || {}).errorText || '';
      // a navigation away aborts what the old page still had in flight: that is the browser, not the server
      if (err === 'net::ERR_ABORTED') return;
      this.failures.push({ method: r.method(), url: u.pathname + u.search, status: 'failed', answer: err });
    });
  }

  // The UI keeps polling nothing; "network idle" from Playwright fires before the app's first API call,
  // so wait until no request has been in flight for `quiet` ms.
  // A request with no answer after 10 s (the telemetry worker's script load never reports one) does not
  // hold the page back.
  async settle(quiet = 1500, max = 30000) {
    const start = Date.now();
    await this.page.waitForTimeout(300);
    while (Date.now() - start < max) {
      const now = Date.now();
      const busy = [...this.inflight.values()].some((t) => now - t < 10000);
      if (!busy && now - this.last >= quiet) return;
      await this.page.waitForTimeout(200);
    }
  }
}

async function goto(page, w, hash) {
  await page.goto(`${args.url}/#${hash}`, { waitUntil: 'domcontentloaded' });
  await w.settle();
}

// A request the harness makes for what the UI cannot do (restore an experiment): same origin, JSON.
async function api(page, method, p, body) {
  return page.evaluate(async ([method, p, body]) => {
    const r = await fetch(p, { method, headers: { 'Content-Type': 'application/json', 'X-Browser-Harness': '1' }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, text: await r.text() };
  }, [method, p, body]);
}

const visible = (loc, timeout = 20000) => loc.first().waitFor({ state: 'visible', timeout });

// ---- the scenarios -------------------------------------------------------------------------------------
const scenarios = {};

scenarios['experiments-list'] = async (page, w) => {
  await goto(page, w, '/experiments');
  await visible(page.getByRole('link', { name: 'ui-alpha', exact: true }));
  // create
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const dlg = page.getByRole('dialog');
  await visible(dlg);
  const created = `ui-created-${Date.now().toString(36)}`; // unique: the harness may walk the same data again
  await dlg.getByRole('textbox').first().fill(created);
  await dlg.getByRole('button', { name: 'Create', exact: true }).click();
  await w.settle();
  await goto(page, w, '/experiments');
  await visible(page.getByRole('link', { name: created, exact: true }));
  // rename (the experiment page's header menu), and back, so that the data can be walked again
  await goto(page, w, `/experiments/${seed['ui-to-rename']}`);
  await renameExperiment(page, w, 'ui-renamed');
  await goto(page, w, '/experiments');
  await visible(page.getByRole('link', { name: 'ui-renamed', exact: true }));
  expect(await page.getByRole('link', { name: 'ui-to-rename', exact: true }).count() === 0, 'the old name is gone');
  await goto(page, w, `/experiments/${seed['ui-to-rename']}`);
  await renameExperiment(page, w, 'ui-to-rename');
  await goto(page, w, '/experiments');
  await visible(page.getByRole('link', { name: 'ui-to-rename', exact: true }));
  // delete (select its row, Delete, confirm)
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'ui-to-delete', exact: true }) });
  await row.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Delete', exact: true }).first().click();
  const confirm = page.getByRole('dialog');
  await visible(confirm);
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await w.settle();
  await page.getByRole('link', { name: 'ui-to-delete', exact: true }).waitFor({ state: 'detached', timeout: 15000 });
  // restore: the UI has no control for it (MLflow 3.18's UI never calls experiments/restore), so the
  // harness restores through the API and the list must show the experiment again
  const r = await api(page, 'POST', '/ajax-api/2.0/mlflow/experiments/restore', { experiment_id: seed['ui-to-delete'] });
  expect(r.status === 200, `restore answered ${r.status} ${r.text}`);
  await goto(page, w, '/experiments');
  await page.reload();
  await w.settle();
  await visible(page.getByRole('link', { name: 'ui-to-delete', exact: true }));
};

async function renameExperiment(page, w, newName) {
  await page.getByRole('button', { name: 'Open header dropdown menu' }).click();
  await page.getByRole('menuitem', { name: 'Edit experiment' }).click();
  const dlg = page.getByRole('dialog', { name: 'Edit experiment' });
  await visible(dlg);
  await dlg.getByRole('textbox', { name: 'Experiment name' }).fill(newName);
  await dlg.getByRole('button', { name: 'Save', exact: true }).click();
  await w.settle();
}

scenarios['runs-table'] = async (page, w) => {
  await goto(page, w, `/experiments/${seed.big}/runs`);
  await visible(page.getByText('run-0999', { exact: true }));
  // filter with a search string: exactly one run has seed 123
  const search = page.getByRole('combobox', { name: /metrics.rmse/ });
  await search.fill('params.seed = "123"');
  await search.press('Enter');
  await w.settle();
  await visible(page.getByRole('link', { name: 'run-0123', exact: true }));
  await page.getByRole('link', { name: 'run-0999', exact: true }).waitFor({ state: 'detached', timeout: 10000 });
  await search.fill('');
  await search.press('Enter');
  await w.settle();
  await visible(page.getByRole('link', { name: 'run-0999', exact: true }));
  // sort by a metric: loss descending puts run-0000 (loss 1) first; sorted by creation it is not among
  // the first page of 100
  expect(await page.getByRole('link', { name: 'run-0000', exact: true }).count() === 0, 'run-0000 is not on the first page');
  await page.getByRole('button', { name: 'Sort: Created' }).click();
  await page.getByRole('menuitemcheckbox', { name: 'loss', exact: true }).click();
  await w.settle();
  await visible(page.getByRole('button', { name: 'Sort: loss' }));
  await visible(page.getByRole('link', { name: 'run-0000', exact: true }));
  // column selection: add the metric "accuracy" as a column (the button's role is not clickable: its text is)
  await page.getByText('Columns', { exact: true }).click();
  const pop = page.getByRole('dialog', { name: 'Popover content' });
  await visible(pop);
  await pop.getByText('accuracy', { exact: true }).click();
  await page.keyboard.press('Escape');
  await w.settle();
  await visible(page.getByRole('columnheader', { name: 'accuracy' }));
};

scenarios['run-page'] = async (page, w) => {
  const base = `/experiments/${seed['ui-alpha']}/runs/${seed.artifact_run}`;
  await goto(page, w, base);
  await visible(page.getByText('artifact-run').first());
  await visible(page.getByText('alpha', { exact: true }));
  await visible(page.getByText('0.5', { exact: true }));
  await visible(page.getByText('score', { exact: true }));
  await visible(page.getByText('purpose', { exact: true }).or(page.getByText(/purpose/)));
  // description edit (the seeded one, or an earlier walk's edit)
  await visible(page.getByText(/seeded description|edited by the browser test/).first());
  const text = `edited by the browser test ${Date.now().toString(36)}`;
  await page.getByRole('button', { name: /edit description/i }).or(page.getByTestId('editable-note-edit-button')).first().click();
  const editor = page.locator('textarea').first();
  await editor.fill(text);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await w.settle();
  await visible(page.getByText(text));
};

scenarios['run-artifacts'] = async (page, w) => {
  const base = `/experiments/${seed['ui-alpha']}/runs/${seed.artifact_run}/artifacts`;
  await goto(page, w, base);
  await page.getByText('notes.txt', { exact: true }).click();
  await w.settle();
  await visible(page.getByText('hello from the browser seed'));
  await page.getByText('images', { exact: true }).click();
  await page.getByText('chart.png', { exact: true }).click();
  await w.settle();
  await visible(page.locator('img[src*="chart.png"], img[src^="blob:"]'));
  // MLflow 3's log_model makes a logged model: its MLmodel is under the logged model's artifacts
  await goto(page, w, `/experiments/${seed['ui-alpha']}/models/${seed.logged_model_id}/artifacts`);
  await page.getByText('MLmodel', { exact: true }).first().click();
  await w.settle();
  await visible(page.getByText(/python_function/));
};

scenarios['metric-chart'] = async (page, w) => {
  await goto(page, w, `/experiments/${seed['ui-alpha']}/runs/${seed.long_metric_run}/model-metrics`);
  await visible(page.getByText('curve', { exact: true }));
  // plotly draws the line as an svg path with many points
  // the line is an svg path of many points (the UI samples the history), and the step axis reaches 8k
  await page.waitForFunction(() => [...document.querySelectorAll('svg path.js-line')].some((p) => (p.getAttribute('d') || '').length > 300), null, { timeout: 30000 });
  await visible(page.getByText('8k', { exact: true }));
};

scenarios['compare-runs'] = async (page, w) => {
  const runs = encodeURIComponent(JSON.stringify(seed.compare_runs));
  const exps = encodeURIComponent(JSON.stringify([seed.big]));
  await goto(page, w, `/compare-runs?runs=${runs}&experiments=${exps}`);
  for (const n of ['run-0000', 'run-0001', 'run-0002', 'run-0003', 'run-0004']) await visible(page.getByText(n).first());
  await visible(page.getByText('optimizer').first());
};

scenarios['model-registry'] = async (page, w) => {
  await goto(page, w, '/models');
  await visible(page.getByRole('link', { name: 'ui-model', exact: true }));
  await goto(page, w, `/models/${seed.model}`);
  await visible(page.getByText('seeded model'));
  await goto(page, w, `/models/${seed.model}/versions/${seed.model_versions[0]}`);
  await visible(page.getByText('champion').first());
  const sfx = Date.now().toString(36); // unique names: the harness may walk the same data again
  // set an alias
  await page.getByRole('button', { name: 'Edit aliases' }).click();
  const dlg = page.getByRole('dialog', { name: /alias/ });
  await visible(dlg);
  await dlg.getByRole('combobox').fill(`ui_${sfx}`);
  await dlg.getByRole('combobox').press('Enter');
  await dlg.getByRole('button', { name: 'Save aliases' }).click();
  await w.settle();
  await visible(page.getByRole('status', { name: `ui_${sfx}` }));
  // transition the stage: stages are behind the "New model registry UI" switch (on by default)
  const sw = page.getByRole('switch', { name: 'New model registry UI' });
  if (await sw.isChecked()) {
    await sw.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  }
  const current = (await page.getByRole('status').filter({ hasText: /^(None|Staging|Production|Archived)$/ }).first().innerText()).trim();
  const target = current === 'Production' ? 'Staging' : 'Production';
  await page.getByRole('status').filter({ hasText: current }).first().click();
  await page.getByRole('menuitem').filter({ hasText: target }).click();
  const t = page.getByRole('dialog', { name: 'Stage transition' });
  await visible(t);
  await t.getByRole('button', { name: 'OK', exact: true }).click();
  await w.settle();
  await t.waitFor({ state: 'detached' });
  await visible(page.getByRole('status').filter({ hasText: new RegExp(`^${target}$`) }));
  // a tag
  await page.getByRole('textbox', { name: 'tag name' }).fill(`reviewed_${sfx}`);
  await page.getByRole('textbox', { name: 'tag value' }).fill('yes');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await w.settle();
  await visible(page.getByRole('cell', { name: `reviewed_${sfx}` }));
};

scenarios['traces-empty'] = async (page, w) => {
  await goto(page, w, `/experiments/${seed['ui-alpha']}/traces`);
  // MLflow's empty state (a set-up guide), not an error box
  await visible(page.getByText('Start tracing your LLM application', { exact: true }));
  expect(await page.getByText(/^(404 )?Not Found$|Something went wrong|Couldn't load traces/).count() === 0, 'no error box on the traces tab');
};

// The GenAI pages: the UI's GenAI mode (the context's init script sets the classic mode; a page's own
// init script runs after it), the "Detect Issues" tour popover closed when it shows (a server with the
// AI gateway on: MLflow 3.18), so that it does not cover the rows.
async function genaiMode(page) {
  await page.addInitScript(() => localStorage.setItem('mlflow.workflowType_v1', '"genai"'));
}
async function closeTour(page) {
  const gotIt = page.getByRole('button', { name: 'Got it', exact: true });
  if (await gotIt.count()) await gotIt.first().click();
}

scenarios['traces'] = async (page, w) => {
  await genaiMode(page);
  await goto(page, w, `/experiments/${seed.genai}/traces`);
  await closeTour(page);
  // both traces logged by the SDK, with their request and response, and the feedback's column
  await visible(page.getByText('{"question": "what is mlflow-c"}', { exact: true }));
  await visible(page.getByText('"answer to what is mlflow-c from 1 doc"', { exact: true }));
  await visible(page.getByText('{"x": 21}', { exact: true }));
  await visible(page.getByText('2 of 2 traces'));
  await visible(page.getByRole('columnheader', { name: 'ui_helpfulness' }));
  // open the trace: the drawer's span tree (the root and its two nested spans) and its inputs
  await page.getByText('{"question": "what is mlflow-c"}', { exact: true }).click();
  await w.settle();
  expect(page.url().includes(`traceId=${seed.trace_id}`), `the URL names the trace (${page.url()})`);
  const drawer = page.getByRole('dialog');
  await visible(drawer);
  await visible(drawer.getByText('ui_answer_question', { exact: true }));
  await visible(drawer.getByText('ui_retrieve', { exact: true }));
  await visible(drawer.getByText('ui_generate', { exact: true }));
  await visible(drawer.getByText('what is mlflow-c', { exact: true }));
  // the feedback: the assessments pane of the trace (its name, value and rationale)
  await drawer.getByRole('button', { name: /^Assess/ }).first().click();
  await w.settle();
  await visible(drawer.getByText('ui_helpfulness').first());
};

// Pages of features other branches port (datasets, judges/scorers, prompts): MLflow's own content or
// empty state, no error box, no failed request.
scenarios['genai-pages'] = async (page, w) => {
  await genaiMode(page);
  const noError = async (where) => expect(await page.getByText(/Something went wrong|Unable to load|Couldn't load|^(404 )?Not Found$|Error loading/).count() === 0, `no error box on ${where}`);
  for (const exp of [seed.genai_empty, seed.genai]) {
    await goto(page, w, `/experiments/${exp}/datasets`);
    await visible(page.getByText('Create an evaluation dataset', { exact: true }));
    await noError(`datasets of ${exp}`);
  }
  // the judges page lists the experiment's scorers with the AI gateway on (MLflow 3.18); without it
  // (mlflow-c: server-info's features_enabled.gateway is false) it shows its "Create and manage judges" page
  const info = JSON.parse((await api(page, 'GET', '/ajax-api/3.0/mlflow/server-info')).text);
  await goto(page, w, `/experiments/${seed.genai_empty}/judges`);
  await visible(page.getByText(info.features_enabled && info.features_enabled.gateway
    ? 'Add a judge to your experiment to measure your GenAI app quality' : 'Create and manage judges', { exact: true }));
  await noError('judges');
  await goto(page, w, '/prompts');
  await visible(page.getByText('Create your first prompt', { exact: true }));
  await noError('prompts');
  await goto(page, w, `/experiments/${seed.genai}/prompts`);
  await visible(page.getByText('Create your first prompt', { exact: true }));
  await noError('prompts of an experiment');
};

// ---- main ----------------------------------------------------------------------------------------------
(async () => {
  const browser = await chromium.launch({
    executablePath: args.chromium,
    args: ['--no-sandbox', '--headless=new', '--run-all-compositor-stages-before-draw'],
  });
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  // The UI opens in its GenAI mode with an assistant panel; the classic pages the scenarios walk are the
  // "Model training" mode. Both choices live in localStorage: set them before the app starts.
  await context.addInitScript(() => {
    localStorage.setItem('mlflow.workflowType_v1', '"machine_learning"');
    localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');
    localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true');
  });
  const results = [];
  const names = Object.keys(scenarios).filter((n) => !args.only || args.only.includes(n));
  for (const name of names) {
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const w = new Watch(page, name);
    const t0 = Date.now();
    let error = null;
    try {
      await scenarios[name](page, w);
      await w.settle();
    } catch (e) {
      error = String(e.message || e).split('\n').slice(0, 6).join('\n');
    }
    await page.screenshot({ path: path.join(args.out, `${name}.png`), fullPage: false }).catch(() => {});
    const ok = !error && w.consoleErrors.length === 0 && w.failures.length === 0;
    results.push({ name, ok, seconds: (Date.now() - t0) / 1000, error, consoleErrors: w.consoleErrors, failures: w.failures });
    console.log(`${ok ? 'PASS' : 'FAIL'} ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    if (error) console.log('  ' + error.replace(/\n/g, '\n  '));
    for (const c of w.consoleErrors) console.log('  console: ' + c);
    for (const f of w.failures) console.log(`  request: ${f.method} ${f.url} -> ${f.status} ${f.answer}`);
    await page.close();
  }
  await browser.close();
  fs.writeFileSync(path.join(args.out, 'results.json'), JSON.stringify(results, null, 1));
  if (args.inventory) writeInventory(args.inventory);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
