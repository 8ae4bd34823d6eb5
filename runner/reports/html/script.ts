/**
 * The script of matrix.html, as text: plain browser JavaScript (no modules, no
 * network), run once when the page loads. It unpacks the embedded data, draws
 * the grids with DOM APIs only (text goes in with textContent, never as
 * markup), and keeps the filters and the open cell in location.hash.
 *
 * Written without backticks and "${" so that it can sit in String.raw.
 */

/** Unpacks the table written by packValue (runner/reports/html.ts). Evaluated by the tests too. */
export const UNPACK_SOURCE = String.raw`
function unpack(table) {
  var out = new Array(table.length);
  for (var i = 0; i < table.length; i++) {
    var e = table[i];
    if (!Array.isArray(e)) { out[i] = e; continue; }
    var j;
    if (e[0] === 0) {
      var a = new Array(e.length - 1);
      for (j = 1; j < e.length; j++) a[j - 1] = out[e[j]];
      out[i] = a;
    } else {
      var o = {};
      // defineProperty, not assignment: a key "__proto__" stays a plain key, as JSON.parse keeps it.
      for (j = 1; j < e.length; j += 2) Object.defineProperty(o, out[e[j]], { value: out[e[j + 1]], enumerable: true, writable: true, configurable: true });
      out[i] = o;
    }
  }
  return out[out.length - 1];
}
`;

const MAIN = String.raw`
var payload = JSON.parse(document.getElementById('conformatrix-data').textContent);
if (payload.format !== 'conformatrix-html-data' || payload.version !== 1) throw new Error('matrix.html: unknown data format');
var DATA = unpack(payload.table);
var RUN = DATA.run;
var LAYOUT = DATA.layout;
var SYMBOL = LAYOUT.symbols;
var VERDICTS = LAYOUT.verdicts;
var LEVELS = LAYOUT.levels;
var SEP = '\u0000';

var vectorById = new Map();
RUN.vectors.forEach(function (v) { vectorById.set(v.id, v); });
var targetById = new Map();
RUN.targets.forEach(function (t) { targetById.set(t.id, t); });
var resultAt = new Map();
RUN.results.forEach(function (r) { resultAt.set(r.vectorId + SEP + r.targetId, r); });

/*
 * The verdict symbols are matrix.md's emoji. Where no font here draws one
 * (no emoji font installed), the page shows a plain stand-in in its place,
 * drawn by CSS from data-alt: the text of the page stays the symbol.
 */
var ALT_CHOICES = { pass: ['\u2713', 'P'], flaky: ['\u21bb', 'R'], fail: ['\u2717', 'F'], error: ['\u203c', 'E'], timeout: ['\u25d4', 'T'], unsupported: ['\u2013', 'U'], skipped: ['\u00b7', 'S'] };
var ALT = {};
(function () {
  var canvas = document.createElement('canvas');
  canvas.width = 40; canvas.height = 30;
  var ctx = canvas.getContext && canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return;
  ctx.font = '20px ' + getComputedStyle(document.documentElement).fontFamily;
  ctx.textBaseline = 'top';
  function pixels(ch) { ctx.clearRect(0, 0, 40, 30); ctx.fillStyle = '#000'; ctx.fillText(ch, 2, 2); return ctx.getImageData(0, 0, 40, 30).data; }
  var none = pixels('\udb80\udc00');
  function drawn(ch) {
    var p = pixels(ch), blank = true, same = true;
    for (var i = 3; i < p.length; i += 4) { if (p[i]) blank = false; if (p[i] !== none[i]) same = false; }
    return !blank && !same;
  }
  VERDICTS.forEach(function (v) {
    if (drawn(SYMBOL[v])) return;
    var c = ALT_CHOICES[v] || ['?'];
    ALT[v] = drawn(c[0]) ? c[0] : c[c.length - 1];
  });
})();
/** The symbol of a verdict, as text; data-alt where a stand-in must be drawn instead. */
function sym(v) { return el('span', { class: 'sym', 'aria-hidden': 'true', data: ALT[v] ? { alt: ALT[v] } : null, text: SYMBOL[v] }); }

/* ---------- DOM helpers: text always goes in as text ---------- */

function el(tag, props, children) {
  var e = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = String(v);
      else if (k === 'data') Object.keys(v).forEach(function (d) { e.setAttribute('data-' + d, String(v[d])); });
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    });
  }
  add(e, children);
  return e;
}
function add(parent, c) {
  if (c === undefined || c === null || c === false) return;
  if (Array.isArray(c)) { c.forEach(function (x) { add(parent, x); }); return; }
  parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
}
function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

/** A link only to http(s); anything else is shown as text. */
function extLink(url, text) {
  if (typeof url === 'string' && /^https?:\/\//i.test(url)) return el('a', { href: url, rel: 'noreferrer noopener', target: '_blank', text: text === undefined ? url : text });
  return el('span', { text: text === undefined ? String(url) : text });
}
/** A link to a file of the output folder: each segment URL-encoded, so that no scheme can come through. */
function fileLink(path, text) {
  var href = String(path).split('/').map(function (s) { return encodeURIComponent(s); }).join('/');
  return el('a', { href: href, text: text === undefined ? path : text });
}
function code(text, cls) { return el('code', { class: cls, text: text }); }
function ms(n) { return typeof n === 'number' ? (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toString()) + ' ms' : ''; }
function dl(pairs) {
  var d = el('dl', { class: 'kv' });
  pairs.forEach(function (p) {
    if (!p || p[1] === undefined || p[1] === null || p[1] === '') return;
    add(d, [el('dt', { text: p[0] }), el('dd', null, p[1])]);
  });
  return d;
}
function verdictBadge(v) { return el('span', { class: 'badge v-' + v, data: { verdict: v } }, [sym(v), ' ' + v]); }
function shorten(s, n) { s = String(s).replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }
function implText(t) {
  if (!t) return '';
  return t.implementation ? t.implementation.name + ' ' + t.implementation.version : t.name;
}

/* ---------- state: the filters and the open cell, kept in location.hash ---------- */

function emptyState() { return { targets: [], verdicts: [], levels: [], section: '', q: '', open: null }; }
var state = emptyState();

/** The fragment's key=value pairs, percent-decoded. Unlike URLSearchParams, a "+" stays a plus: interop target ids are "client+server". */
function hashPairs(hash) {
  var map = new Map();
  String(hash || '').replace(/^#/, '').split('&').forEach(function (part) {
    if (!part) return;
    var i = part.indexOf('=');
    var k = i < 0 ? part : part.slice(0, i), v = i < 0 ? '' : part.slice(i + 1);
    try { k = decodeURIComponent(k); v = decodeURIComponent(v); } catch (e) { return; }
    if (!map.has(k)) map.set(k, []);
    map.get(k).push(v);
  });
  return { getAll: function (k) { return map.get(k) || []; }, get: function (k) { return map.has(k) ? map.get(k)[0] : null; } };
}
function parseHash(hash) {
  var p = hashPairs(hash);
  var s = emptyState();
  s.targets = p.getAll('target').filter(Boolean);
  s.verdicts = p.getAll('verdict').filter(function (v) { return VERDICTS.indexOf(v) >= 0; });
  s.levels = p.getAll('level').filter(function (l) { return LEVELS.indexOf(l) >= 0; });
  s.section = p.get('section') || '';
  s.q = p.get('q') || '';
  var open = p.get('open');
  if (open) {
    var i = open.indexOf('|');
    if (i > 0) s.open = { vector: open.slice(0, i), target: open.slice(i + 1) };
  }
  return s;
}
/** encodeURIComponent, leaving the characters a fragment may hold as they are, for readable links. */
function enc(s) { return encodeURIComponent(s).replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%7C/g, '|').replace(/%40/g, '@').replace(/%2B/g, '+'); }
function formatHash(s) {
  var parts = [];
  s.targets.forEach(function (t) { parts.push('target=' + enc(t)); });
  s.verdicts.forEach(function (v) { parts.push('verdict=' + enc(v)); });
  if (s.section) parts.push('section=' + enc(s.section));
  s.levels.forEach(function (l) { parts.push('level=' + enc(l)); });
  if (s.q) parts.push('q=' + enc(s.q));
  if (s.open) parts.push('open=' + enc(s.open.vector + '|' + s.open.target));
  return parts.length ? '#' + parts.join('&') : '';
}
function writeHash() {
  var h = formatHash(state);
  var base = location.href.split('#')[0];
  if ((location.hash || '') !== h) history.replaceState(null, '', h ? base + h : base);
}

/* ---------- filters ---------- */

function sectionMatches(v) {
  if (!state.section) return true;
  var i = state.section.indexOf(':');
  if (i < 0) return false;
  var doc = state.section.slice(0, i), sec = state.section.slice(i + 1);
  return v.group.doc === doc && (v.group.section === sec || v.group.section.indexOf(sec + '.') === 0);
}
function vectorMatches(v) {
  if (state.levels.length && state.levels.indexOf(v.level) < 0) return false;
  if (!sectionMatches(v)) return false;
  if (state.q) {
    var hay = (v.id + '\n' + v.title).toLowerCase();
    var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0) return false;
  }
  return true;
}
function targetShown(id) { return state.targets.length === 0 || state.targets.indexOf(id) >= 0; }
function verdictShown(v) { return state.verdicts.length === 0 || state.verdicts.indexOf(v) >= 0; }

var controls = {};
function buildFilters() {
  var form = document.getElementById('filters');
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  function boxes(name, legend, values, label) {
    var fs = el('fieldset', { class: 'boxes', data: { filter: name } }, el('legend', { text: legend }));
    controls[name] = values.map(function (v) {
      var input = el('input', { type: 'checkbox', name: name, value: v });
      input.addEventListener('change', fromControls);
      add(fs, el('label', { title: label ? label(v).title : undefined }, [input, ' ', label ? label(v).text : v]));
      return input;
    });
    return fs;
  }
  var targetIds = RUN.targets.map(function (t) { return t.id; });
  var sel = el('select', { id: 'f-section', name: 'section' }, el('option', { value: '', text: 'all sections' }));
  LAYOUT.sections.forEach(function (s) { add(sel, el('option', { value: s.key, text: s.label })); });
  sel.addEventListener('change', fromControls);
  controls.section = sel;
  var q = el('input', { id: 'f-q', type: 'search', name: 'q', placeholder: 'vector id or title', autocomplete: 'off', spellcheck: 'false' });
  q.addEventListener('input', fromControls);
  controls.q = q;
  var reset = el('button', { type: 'button', class: 'reset', text: 'Clear filters' });
  reset.addEventListener('click', function () { var open = state.open; state = emptyState(); state.open = open; writeHash(); refresh(); });
  /*
   * The bar folds away: its summary line (what is shown, how many filters
   * are on) stays, sticky, and the controls open below it. Open at first on a
   * wide screen, folded on a narrow one (a phone), where they would take half
   * of the screen.
   */
  var box = el('details', { id: 'filter-box', open: window.matchMedia('(min-width: 900px)').matches ? true : undefined }, [
    el('summary', { title: 'No box checked in a group means no filter on it. The filters and the open cell are kept in the address: copy it to share this view.' }, [
      el('span', { class: 'f-title', text: 'Filters' }), ' ', el('span', { id: 'f-active', class: 'muted' }), ' ', el('span', { id: 'status', role: 'status', 'aria-live': 'polite' }),
    ]),
    el('div', { class: 'f-body' }, [
      boxes('target', 'Targets', targetIds, function (id) { var t = targetById.get(id); return { text: id, title: implText(t) + (t.status === 'available' ? '' : ' (unavailable)') }; }),
      boxes('verdict', 'Verdicts', VERDICTS, function (v) { return { text: [sym(v), ' ' + v], title: v }; }),
      boxes('level', 'Levels', LEVELS),
      el('div', { class: 'field' }, [el('label', { for: 'f-section', text: 'Section' }), sel]),
      el('div', { class: 'field' }, [el('label', { for: 'f-q', text: 'Text' }), q]),
      el('div', { class: 'field' }, reset),
    ]),
  ]);
  add(form, box);
  // The grids scroll inside boxes as tall as the screen below the bar, so that their column headers stay in view.
  var setBar = function () { document.documentElement.style.setProperty('--bar-h', form.offsetHeight + 'px'); };
  if (window.ResizeObserver) new ResizeObserver(setBar).observe(form);
  box.addEventListener('toggle', setBar);
  setBar();
}
/** How many filters are on, for the folded bar. */
function activeText() {
  var n = state.targets.length + state.verdicts.length + state.levels.length + (state.section ? 1 : 0) + (state.q ? 1 : 0);
  return n ? '(' + n + ' on)' : '(none on)';
}
function checked(list) { return list.filter(function (i) { return i.checked; }).map(function (i) { return i.value; }); }
function fromControls() {
  state.targets = checked(controls.target);
  state.verdicts = checked(controls.verdict);
  state.levels = checked(controls.level);
  state.section = controls.section.value;
  state.q = controls.q.value;
  writeHash();
  filterGrids();
}
function syncControls() {
  controls.target.forEach(function (i) { i.checked = state.targets.indexOf(i.value) >= 0; });
  controls.verdict.forEach(function (i) { i.checked = state.verdicts.indexOf(i.value) >= 0; });
  controls.level.forEach(function (i) { i.checked = state.levels.indexOf(i.value) >= 0; });
  controls.section.value = state.section;
  if (controls.section.value !== state.section) controls.section.value = '';
  if (controls.q.value !== state.q) controls.q.value = state.q;
}

/* ---------- the header: provenance ---------- */

function buildProvenance() {
  var r = RUN.run;
  document.title = 'Conformance matrix: ' + r.suites.join(', ') + ' (' + r.startedAt + ')';
  if (r.interrupted) {
    add(document.getElementById('banner'), el('p', { class: 'warn', role: 'alert', text: 'This run was interrupted before it finished: the results are partial.' }));
  }
  var span = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  var pairs = [
    ['Harness', r.harness.name + ' ' + r.harness.version],
    ['Suites', r.suites.join(', ')],
    ['Profile', r.profile],
    ['Started', r.startedAt],
    ['Finished', r.finishedAt + (isFinite(span) ? ' (' + (span / 1000).toFixed(1) + ' s)' : '')],
    ['Interrupted', r.interrupted ? 'yes: results are partial' : 'no'],
    ['Vector set hash', r.vectorSetHash !== undefined ? code(r.vectorSetHash) : undefined],
    ['Kernel', r.kernel],
    ['Seed', r.seed !== undefined ? String(r.seed) : undefined],
    ['Shard', r.shard ? r.shard.index + '/' + r.shard.count : undefined],
    ['Jobs', r.jobs !== undefined ? String(r.jobs) : undefined],
    ['Retries', r.retries !== undefined ? String(r.retries) : undefined],
    ['Expectations', r.expectations && r.expectations.length ? r.expectations.join(', ') : undefined],
    ['Merged from', r.mergedFrom && r.mergedFrom.length ? r.mergedFrom.join(', ') : undefined],
    ['Command', r.argv && r.argv.length ? code(r.argv.join(' ')) : undefined],
  ];
  var box = document.getElementById('provenance');
  var d = el('dl', { class: 'prov' });
  pairs.forEach(function (p) { if (p[1] !== undefined && p[1] !== '') add(d, el('div', { data: { field: p[0] } }, [el('dt', { text: p[0] }), el('dd', null, p[1])])); });
  add(box, d);
  add(box, el('p', { class: 'legend' }, ['Legend: '].concat(VERDICTS.map(verdictBadge))));
}

/* ---------- grid 1: suites x targets ---------- */

var summaryCols = [];
function passCount(c) {
  var applicable = 0;
  VERDICTS.forEach(function (v) { if (v !== 'skipped') applicable += c[v]; });
  return { pass: c.pass, applicable: applicable };
}
function countsLine(c) {
  var span = el('span', { class: 'counts' });
  VERDICTS.forEach(function (v) { if (c[v]) add(span, el('span', { class: 'count v-' + v, data: { verdict: v }, title: c[v] + ' ' + v }, [sym(v), el('span', { class: 'n', text: String(c[v]) })])); });
  return span;
}
function buildSummary(main) {
  var sec = el('section', { id: 'summary', 'aria-labelledby': 'summary-h' }, el('h2', { id: 'summary-h', text: 'Summary: suites \u00d7 targets' }));
  add(sec, el('p', { class: 'note', text: 'Each cell: passes / applicable vectors (skipped ones excluded), then the count of each verdict. The whole run: only the target filter applies here.' }));
  var table = el('table', { class: 'grid summary' });
  var head = el('tr', null, el('th', { scope: 'col', text: 'suite' }));
  RUN.targets.forEach(function (t, i) {
    var th = el('th', { scope: 'col', title: implText(t), data: { target: t.id } }, t.id);
    summaryCols[i] = [th];
    add(head, th);
  });
  add(table, el('thead', null, head));
  var body = el('tbody');
  LAYOUT.summary.forEach(function (row) {
    var interop = row.kind === 'interop';
    var head = el('th', { scope: 'row', text: row.suite }, interop ? el('span', { class: 'sub', text: 'interop pairs, as any role' }) : null);
    var tr = el('tr', { data: { suite: row.suite, kind: row.kind } }, head);
    RUN.targets.forEach(function (t, i) {
      var c = row.counts[t.id];
      var data = { suite: row.suite, target: t.id, kind: row.kind };
      var total = 0;
      if (c) VERDICTS.forEach(function (v) { total += c[v]; });
      var td;
      if (!c) td = el('td', { class: 'na', data: data, title: t.id + ' is not a ' + row.suite + ' target', text: '\u2014' });
      else if (t.status !== 'available') td = el('td', { class: 'na', data: data, title: t.reason || '', text: 'unavailable' });
      else if (!total) td = el('td', { class: 'na', data: data, title: 'no results', text: '\u2014' });
      else {
        var p = passCount(c);
        td = el('td', { data: data, title: interop ? 'the interop results ' + t.id + ' took part in' : undefined }, [el('strong', { class: 'pass-count', text: p.pass + '/' + p.applicable }), el('br'), countsLine(c)]);
      }
      summaryCols[i].push(td);
      add(tr, td);
    });
    add(body, tr);
  });
  add(table, body);
  add(sec, el('div', { class: 'scroll' }, table));
  LAYOUT.summary.forEach(function (row) {
    if (!row.interop) return;
    var p = passCount(row.interop);
    add(sec, el('p', { class: 'note', data: { interop: row.suite } }, ['All interop pairs (' + row.suite + '): ', el('strong', { text: p.pass + '/' + p.applicable }), ' ', countsLine(row.interop)]));
  });
  add(sec, buildTargetsTable());
  add(main, sec);
}
function buildTargetsTable() {
  var table = el('table', { class: 'targets' });
  add(table, el('thead', null, el('tr', null, ['target', 'implementation', 'driver', 'image', 'user agent', 'status', 'notes'].map(function (h) { return el('th', { scope: 'col', text: h }); }))));
  var body = el('tbody');
  RUN.targets.forEach(function (t) {
    add(body, el('tr', { data: { target: t.id } }, [
      el('th', { scope: 'row', text: t.id }),
      el('td', { text: implText(t) }),
      el('td', { text: t.driver }),
      el('td', null, t.imageId ? code(shorten(t.imageId, 24), 'id') : ''),
      el('td', { text: t.userAgentClass || '' }),
      el('td', { class: t.status === 'available' ? '' : 'bad', text: t.status + (t.reason ? ': ' + t.reason : '') }),
      el('td', { text: (t.notes || []).join(' \u00b7 ') }),
    ]));
  });
  add(table, body);
  return el('details', { class: 'targets-box' }, [el('summary', { text: 'Targets (' + RUN.targets.length + '): implementations, drivers, images' }), el('div', { class: 'scroll' }, table)]);
}

/* ---------- the gate: results against the expectations files ---------- */

function buildGate(main) {
  // The lists are made by the report writer (runner/reports/gate.ts), as indices into the results.
  if (!LAYOUT.gate) return;
  var pick = function (ids) { return ids.map(function (i) { return RUN.results[i]; }); };
  var lists = {
    newFailures: pick(LAYOUT.gate.newFailures),
    unexpectedPasses: pick(LAYOUT.gate.unexpectedPasses),
    flaky: pick(LAYOUT.gate.flaky),
    knownFailures: pick(LAYOUT.gate.knownFailures),
  };
  var files = RUN.run.expectations && RUN.run.expectations.length ? RUN.run.expectations.join(', ') : 'the expectations';
  var sec = el('section', { id: 'gate', 'aria-labelledby': 'gate-h' }, [
    el('h2', { id: 'gate-h', text: 'Gate' }),
    el('p', { class: 'gate-line', text: 'Against ' + files + ': ' + lists.newFailures.length + ' new failure(s), ' + lists.unexpectedPasses.length + ' unexpected pass(es), ' + lists.flaky.length + ' flaky, ' + lists.knownFailures.length + ' known failure(s) still failing.' }),
  ]);
  function list(key, title, open) {
    var rs = lists[key];
    if (!rs.length) return;
    var ul = el('ul', { class: 'gate-list' });
    rs.forEach(function (r) {
      var b = el('button', { type: 'button', class: 'link', data: { vector: r.vectorId, target: r.targetId } }, [sym(r.verdict), ' ', code(r.vectorId), ' on ' + r.targetId]);
      b.addEventListener('click', function () { openCell(r.vectorId, r.targetId, true); });
      var why = r.expectation && r.expectation.reason ? 'known as ' + r.expectation.reason : r.reason;
      add(ul, el('li', null, [b, why ? el('span', { class: 'note', text: ': ' + shorten(why, 300) }) : null]));
    });
    add(sec, el('details', { class: 'gate-box', data: { gate: key }, open: open }, [el('summary', { text: title + ' (' + rs.length + ')' }), ul]));
  }
  list('newFailures', 'New failures', true);
  list('unexpectedPasses', 'Unexpected passes', true);
  list('flaky', 'Flaky', true);
  list('knownFailures', 'Known failures still failing', false);
  add(main, sec);
}

/* ---------- cells ---------- */

var cellsByKey = new Map();
function cellButton(vectorId, targetId, r, label) {
  var title = label + ' \u00b7 ' + vectorId + ': ' + (r ? r.verdict + (r.reason ? ' \u2014 ' + shorten(r.reason, 200) : '') : 'no result');
  if (r && r.expectation) title += ' [expectation: ' + r.expectation.expected + ', ' + r.expectation.outcome + ']';
  var b = el('button', {
    type: 'button',
    class: 'cell ' + (r ? 'v-' + r.verdict : 'none') + (r && r.expectation ? ' exp exp-' + r.expectation.outcome : ''),
    title: title,
    'aria-label': title,
    'aria-haspopup': 'dialog',
    'aria-controls': 'panel',
    'aria-expanded': 'false',
    data: { vector: vectorId, target: targetId, verdict: r ? r.verdict : '' },
  }, r ? sym(r.verdict) : null);
  b.addEventListener('click', function () { openCell(vectorId, targetId, true); });
  var key = vectorId + SEP + targetId;
  if (!cellsByKey.has(key)) cellsByKey.set(key, []);
  cellsByKey.get(key).push(b);
  return b;
}

/* ---------- requirements coverage, per suite and section ---------- */

function buildCoverage(main) {
  if (!RUN.coverage || !RUN.coverage.length) return;
  var sec = el('section', { id: 'coverage', 'aria-labelledby': 'coverage-h' }, el('h2', { id: 'coverage-h', text: 'Requirements coverage' }));
  add(sec, el('p', { class: 'note', text: 'Per section of the document each suite is measured against: the testable requirements that at least one of this run\u2019s vectors cites, over all testable ones. Untestable requirements are counted apart. The whole selection of the run: the filters do not apply here.' }));
  RUN.coverage.forEach(function (c) {
    var title = c.suite + ': ' + c.doc + (c.profile ? ' (profile ' + c.profile + ')' : '');
    var box = el('div', { class: 'coverage', data: { suite: c.suite, doc: c.doc } }, el('h3', { text: title }));
    var levels = c.levels.map(function (l) { return l.level + ' ' + l.covered + '/' + l.testable; }).join(', ');
    add(box, el('p', { class: 'note totals' }, [el('strong', { class: 'cov-total', text: c.totals.covered + '/' + c.totals.testable }), ' testable requirements covered; ' + c.totals.untestable + ' untestable; by level: ' + levels + '.']));
    var table = el('table', { class: 'grid coverage', data: { suite: c.suite } });
    add(table, el('thead', null, el('tr', null, ['section', 'covered / testable', 'untestable', 'uncovered'].map(function (h) { return el('th', { scope: 'col', text: h }); }))));
    var body = el('tbody');
    c.sections.forEach(function (s) {
      var label = '\u00a7' + s.section + ' ' + s.title;
      var full = s.covered === s.testable;
      var uncovered = el('td', { class: 'uncovered' }, s.uncovered.map(function (id) { return code(id, 'rid'); }));
      add(body, el('tr', { class: full ? 'full' : 'partial', data: { section: c.doc + ':' + s.section } }, [
        el('th', { scope: 'row' }, s.url ? extLink(s.url, label) : el('span', { text: label })),
        el('td', { class: 'cov', text: s.covered + '/' + s.testable }),
        el('td', { class: 'untestable', text: String(s.untestable) }),
        uncovered,
      ]));
    });
    add(table, body);
    add(box, el('div', { class: 'scroll' }, table));
    add(sec, box);
  });
  add(main, sec);
}

/* ---------- grid 2: per suite, vectors by section x targets ---------- */

var suiteGrids = [];
function countCell() { return el('td', { class: 'total' }); }
function buildSuites(main) {
  LAYOUT.suites.forEach(function (s) {
    if (!s.groups.length) return;
    var sec = el('section', { class: 'suite', id: 'suite-' + s.name, data: { suite: s.name } }, el('h2', { text: 'Suite ' + s.name }));
    if (s.unavailable.length) add(sec, el('p', { class: 'note bad', text: 'Unavailable here: ' + s.unavailable.map(function (u) { return u.id + (u.reason ? ' (' + u.reason + ')' : ''); }).join('; ') }));
    var G = { suite: s.name, targets: s.targets, cols: s.targets.map(function () { return []; }), groups: [], total: [], section: sec, empty: null };
    var table = el('table', { class: 'grid matrix', data: { suite: s.name } });
    var head = el('tr', null, [el('th', { scope: 'col', class: 'vec', text: 'vector' }), el('th', { scope: 'col', text: 'level' })]);
    s.targets.forEach(function (id, i) {
      var th = el('th', { scope: 'col', class: 'tcol', title: implText(targetById.get(id)), data: { target: id } }, el('span', { text: id }));
      G.cols[i].push(th);
      add(head, th);
    });
    var totalRow = el('tr', { class: 'totals' }, [el('th', { scope: 'row', text: 'passed (rows shown)' }), el('td')]);
    s.targets.forEach(function (id, i) { var td = countCell(); td.setAttribute('data-target', id); G.total.push(td); G.cols[i].push(td); add(totalRow, td); });
    add(table, el('thead', null, [head, totalRow]));
    s.groups.forEach(function (g) {
      var body = el('tbody', { data: { section: g.key } });
      var label = g.url ? extLink(g.url, g.label) : el('span', { text: g.label });
      var gh = el('tr', { class: 'group' }, [el('th', { scope: 'rowgroup', colspan: '2' }, label)]);
      var grp = { key: g.key, body: body, counts: [], rows: [] };
      s.targets.forEach(function (id, i) { var td = countCell(); td.setAttribute('data-target', id); grp.counts.push(td); G.cols[i].push(td); add(gh, td); });
      add(body, gh);
      g.vectors.forEach(function (vid) {
        var v = vectorById.get(vid);
        var rowHead = el('th', { scope: 'row', class: 'vec' }, [code(v.id, 'vid'), el('span', { class: 'title', title: v.title, text: v.title })]);
        var tr = el('tr', { class: 'vrow', data: { vector: v.id } }, [rowHead, el('td', { class: 'level l-' + v.level, text: v.level })]);
        var row = { vector: v, tr: tr, cells: [] };
        s.targets.forEach(function (id, i) {
          var r = resultAt.get(v.id + SEP + id);
          var td = el('td', { class: 'c' + (r ? ' v-' + r.verdict : '') }, cellButton(v.id, id, r, id));
          row.cells.push({ td: td, r: r });
          G.cols[i].push(td);
          add(tr, td);
        });
        grp.rows.push(row);
        add(body, tr);
      });
      G.groups.push(grp);
      add(table, body);
    });
    add(sec, el('div', { class: 'scroll grid-box' }, table));
    G.empty = el('p', { class: 'note empty', hidden: true, text: 'No vector of this suite matches the filters.' });
    add(sec, G.empty);
    suiteGrids.push(G);
    add(main, sec);
  });
}

/* ---------- grid 3: interop scenarios, clients x servers ---------- */

var interopGrids = [];
function buildInterop(main) {
  if (!LAYOUT.interop.length) return;
  var sec = el('section', { id: 'interop', 'aria-labelledby': 'interop-h' }, el('h2', { id: 'interop-h', text: 'Interop scenarios' }));
  add(sec, el('p', { class: 'note', text: 'One grid per scenario, grouped by spec section: the first role\u2019s targets as rows, the other roles\u2019 as columns. A target filter keeps the cells any selected target takes part in.' }));
  var groupKey = null, holder = null, groupBox = null;
  LAYOUT.interop.forEach(function (sc) {
    if (sc.suite + ' ' + sc.group.key !== groupKey) {
      groupKey = sc.suite + ' ' + sc.group.key;
      groupBox = el('div', { class: 'scenario-group', data: { section: sc.group.key, suite: sc.suite } }, el('h3', null, sc.group.url ? extLink(sc.group.url, sc.group.label) : sc.group.label));
      holder = el('div', { class: 'scenarios' });
      add(groupBox, holder);
      add(sec, groupBox);
    }
    var v = vectorById.get(sc.vectorId);
    var box = el('div', { class: 'scenario', data: { vector: sc.vectorId } }, [
      el('h4', null, [code(v.id, 'vid'), ' ', el('span', { class: 'level l-' + v.level, text: v.level })]),
      el('p', { class: 'title', text: v.title }),
    ]);
    var table = el('table', { class: 'grid interop', data: { vector: sc.vectorId } });
    var head = el('tr', null, el('th', { scope: 'col', class: 'corner', text: sc.rowRole + ' \u2193 \u00b7 ' + sc.colRole + ' \u2192' }));
    var S = { vector: v, box: box, group: groupBox, colThs: [], rows: [], cols: sc.cols };
    sc.cols.forEach(function (c) { var th = el('th', { scope: 'col', data: { role: sc.colRole, target: c }, text: c }); S.colThs.push(th); add(head, th); });
    add(table, el('thead', null, head));
    var body = el('tbody');
    var at = {};
    sc.cells.forEach(function (c) { at[c[0] + ',' + c[1]] = c[2]; });
    sc.rows.forEach(function (rid, ri) {
      var tr = el('tr', { data: { role: sc.rowRole, target: rid } }, el('th', { scope: 'row', text: rid }));
      var row = { id: rid, tr: tr, cells: [] };
      sc.cols.forEach(function (cid, ci) {
        var tid = at[ri + ',' + ci];
        var r = tid !== undefined ? resultAt.get(sc.vectorId + SEP + tid) : undefined;
        var td = el('td', { class: 'c' + (r ? ' v-' + r.verdict : '') }, tid !== undefined ? cellButton(sc.vectorId, tid, r, sc.rowRole + ' ' + rid + ', ' + sc.colRole + ' ' + cid) : el('span', { class: 'none', title: 'not run', text: '' }));
        row.cells.push({ td: td, r: r, parts: [rid].concat(cid.split('+')), col: ci });
        add(tr, td);
      });
      S.rows.push(row);
      add(body, tr);
    });
    add(table, body);
    add(box, el('div', { class: 'scroll' }, table));
    interopGrids.push(S);
    add(holder, box);
  });
  add(main, sec);
}

/* ---------- applying the filters ---------- */

function setCount(td, pass, applicable) { td.textContent = applicable || pass ? pass + '/' + applicable : '\u2014'; }
function filterGrids() {
  var shown = 0, total = 0;
  RUN.targets.forEach(function (t, i) { var hide = !targetShown(t.id); summaryCols[i].forEach(function (c) { c.hidden = hide; }); });
  suiteGrids.forEach(function (G) {
    var colOn = G.targets.map(targetShown);
    var totals = G.targets.map(function () { return [0, 0]; });
    var any = false;
    G.groups.forEach(function (grp) {
      var counts = G.targets.map(function () { return [0, 0]; });
      var groupAny = false;
      grp.rows.forEach(function (row) {
        total++;
        var match = vectorMatches(row.vector);
        if (match && state.verdicts.length) {
          match = row.cells.some(function (c, i) { return colOn[i] && c.r && verdictShown(c.r.verdict); });
        }
        row.tr.hidden = !match;
        row.cells.forEach(function (c) { c.td.classList.toggle('dim', !!(c.r && !verdictShown(c.r.verdict))); });
        if (!match) return;
        shown++;
        groupAny = true;
        row.cells.forEach(function (c, i) {
          if (!c.r || c.r.verdict === 'skipped') return;
          counts[i][1]++;
          if (c.r.verdict === 'pass') counts[i][0]++;
        });
      });
      grp.body.hidden = !groupAny;
      if (groupAny) any = true;
      counts.forEach(function (c, i) { setCount(grp.counts[i], c[0], c[1]); totals[i][0] += c[0]; totals[i][1] += c[1]; });
    });
    totals.forEach(function (c, i) { setCount(G.total[i], c[0], c[1]); });
    G.cols.forEach(function (cells, i) { cells.forEach(function (c) { c.hidden = !colOn[i]; }); });
    G.empty.hidden = any;
    G.section.classList.toggle('nothing', !any);
  });
  interopGrids.forEach(function (S) {
    total++;
    var vmatch = vectorMatches(S.vector);
    var colOn = S.cols.map(function () { return false; });
    var anyMatch = false;
    S.rows.forEach(function (row) {
      var rowOn = false;
      row.cells.forEach(function (c) {
        var on = state.targets.length === 0 || c.parts.some(function (p) { return state.targets.indexOf(p) >= 0; });
        if (on && c.r) { rowOn = true; colOn[c.col] = true; }
        c.td.classList.toggle('off', !on);
        c.td.classList.toggle('dim', !!(on && c.r && !verdictShown(c.r.verdict)));
        if (on && c.r && verdictShown(c.r.verdict)) anyMatch = true;
      });
      row.tr.hidden = !rowOn;
    });
    S.rows.forEach(function (row) { row.cells.forEach(function (c) { c.td.hidden = !colOn[c.col]; }); });
    S.colThs.forEach(function (th, i) { th.hidden = !colOn[i]; });
    var visible = vmatch && anyMatch;
    S.box.hidden = !visible;
    if (visible) shown++;
  });
  var groups = new Map();
  interopGrids.forEach(function (S) { groups.set(S.group, (groups.get(S.group) || false) || !S.box.hidden); });
  groups.forEach(function (any, g) { g.hidden = !any; });
  var status = document.getElementById('status');
  status.textContent = shown + ' of ' + total + ' vectors shown';
  status.setAttribute('data-shown', String(shown));
  document.getElementById('f-active').textContent = activeText();
}

/* ---------- the detail panel ---------- */

var panel = document.getElementById('panel');
var opener = null;

function openCell(vectorId, targetId, fromClick) {
  state.open = { vector: vectorId, target: targetId };
  writeHash();
  renderOpen(!fromClick);
  var h = document.getElementById('panel-title');
  if (h) h.focus();
}
function closePanel() {
  if (!state.open) return;
  var key = state.open.vector + SEP + state.open.target;
  state.open = null;
  writeHash();
  renderOpen(false);
  var back = (cellsByKey.get(key) || []).filter(function (b) { return b.offsetParent !== null; })[0] || opener;
  if (back) back.focus();
}
function renderOpen(scroll) {
  document.querySelectorAll('button.cell.is-open').forEach(function (b) { b.classList.remove('is-open'); b.setAttribute('aria-expanded', 'false'); });
  clear(panel);
  if (!state.open) { panel.hidden = true; document.body.classList.remove('panel-open'); return; }
  var key = state.open.vector + SEP + state.open.target;
  var cells = cellsByKey.get(key) || [];
  cells.forEach(function (b) { b.classList.add('is-open'); b.setAttribute('aria-expanded', 'true'); });
  if (cells[0]) opener = cells[0];
  if (scroll && cells[0] && cells[0].scrollIntoView) cells[0].scrollIntoView({ block: 'center', inline: 'center' });
  fillPanel(state.open.vector, state.open.target);
  panel.hidden = false;
  document.body.classList.add('panel-open');
}

function section(title, content, cls) {
  return el('section', { class: 'p-sec' + (cls ? ' ' + cls : '') }, [el('h3', { text: title }), content]);
}
function fillPanel(vectorId, targetId) {
  var v = vectorById.get(vectorId);
  var r = resultAt.get(vectorId + SEP + targetId);
  var closeBtn = el('button', { type: 'button', class: 'close', title: 'Close (Escape)', 'aria-label': 'Close the panel (Escape)', text: '\u00d7' });
  closeBtn.addEventListener('click', closePanel);
  add(panel, el('div', { class: 'p-head' }, [
    el('h2', { id: 'panel-title', tabindex: '-1' }, [code(vectorId, 'vid'), el('span', { class: 'p-target', text: ' on ' + targetId })]),
    closeBtn,
  ]));
  var body = el('div', { class: 'p-body' });
  add(panel, body);
  if (v) add(body, el('p', { class: 'p-title', text: v.title }));
  if (!r) { add(body, el('p', { class: 'note bad', text: 'This run has no result for this vector on this target.' })); }
  if (r) {
    add(body, section('Result', dl([
      ['Verdict', verdictBadge(r.verdict)],
      ['Reason', r.reason !== undefined ? el('pre', { class: 'reason', text: r.reason }) : undefined],
      ['Duration', ms(r.durationMs)],
      ['Timing', r.timing ? Object.keys(r.timing).map(function (k) { return k + ' ' + ms(r.timing[k]); }).join(' \u00b7 ') : undefined],
    ]), 'p-result'));
    if (r.expectation) {
      var x = r.expectation;
      add(body, section('Expectation', dl([
        ['Expected', x.expected],
        ['Outcome', el('span', { class: 'outcome o-' + x.outcome, text: x.outcome })],
        ['Reason', x.reason],
        ['Link', x.link ? extLink(x.link) : undefined],
      ]), 'p-expectation'));
    }
  }
  add(body, section('Target', targetInfo(targetId, r), 'p-targetinfo'));
  if (v) add(body, section('Vector', vectorInfo(v), 'p-vector'));
  if (r) {
    add(body, section('Expected vs actual', diffView(r), 'p-diff'));
    var details = r.details && typeof r.details === 'object' ? r.details : null;
    if (details && Array.isArray(details.exchange)) add(body, section('Exchange', exchangeView(details.exchange, r), 'p-exchange'));
    var rest = {};
    var restAny = false;
    if (details) Object.keys(details).forEach(function (k) { if (k !== 'exchange' && !emptyDeep(details[k])) { rest[k] = details[k]; restAny = true; } });
    if (details && Array.isArray(details)) { rest = details; restAny = true; }
    if (restAny) add(body, section('Other details', el('pre', { class: 'json', text: JSON.stringify(rest, null, 2) }), 'p-details'));
    if (r.artifacts && Object.keys(r.artifacts).length) {
      var ul = el('ul', { class: 'artifacts' });
      Object.keys(r.artifacts).forEach(function (k) { add(ul, el('li', null, [k + ': ', fileLink(r.artifacts[k])])); });
      add(body, section('Artifacts', [ul, el('p', { class: 'note', text: 'Paths are relative to the output folder, where this page is written.' })], 'p-artifacts'));
    }
    if (r.logs && Object.keys(r.logs).length) add(body, section('Adapter stderr', logsView(r), 'p-logs'));
    if (r.attempts && r.attempts.length) add(body, section('Earlier attempts', attemptsView(r), 'p-attempts'));
    var rerun = LAYOUT.rerun && LAYOUT.rerun[vectorId + SEP + targetId];
    if (rerun) add(body, section('Run it again', [el('pre', { class: 'cmd', text: rerun }), el('p', { class: 'note', text: 'With the options of the original run that choose what runs and how; from the folder it was started in.' })], 'p-rerun'));
  }
  var link = el('a', { href: formatHash({ targets: [], verdicts: [], levels: [], section: '', q: '', open: { vector: vectorId, target: targetId } }), class: 'permalink', text: 'Link to this cell' });
  add(body, el('p', null, link));
}
function emptyDeep(x) {
  if (x === null || x === undefined || x === '') return true;
  if (Array.isArray(x)) return x.every(emptyDeep);
  if (typeof x === 'object') return Object.keys(x).every(function (k) { return emptyDeep(x[k]); });
  return false;
}
function targetInfo(targetId, r) {
  var ids = [];
  if (r && r.roles) {
    var v = vectorById.get(r.vectorId);
    var roles = v && v.roles && v.roles.length ? v.roles : Object.keys(r.roles);
    roles.forEach(function (role) { ids.push([role, r.roles[role]]); });
  } else ids.push(['', targetId]);
  return ids.map(function (p) {
    var t = targetById.get(p[1]);
    var head = p[0] ? el('h4', { text: p[0] + ': ' + p[1] }) : null;
    if (!t) return [head, el('p', { class: 'note', text: 'Target ' + p[1] + ' is not described in this run.' })];
    return [head, dl([
      ['Target', t.id],
      ['Name', t.name],
      ['Implementation', t.implementation ? t.implementation.name + ' ' + t.implementation.version : '(not reported)'],
      ['Driver', t.driver],
      ['Image', t.imageId ? code(t.imageId, 'id') : undefined],
      ['User agent', t.userAgentClass],
      ['Contract', t.contract],
      ['Capabilities', t.capabilities && t.capabilities.length ? t.capabilities.join(', ') : undefined],
      ['Status', t.status + (t.reason ? ': ' + t.reason : '')],
      ['Notes', t.notes && t.notes.length ? t.notes.join(' \u00b7 ') : undefined],
    ])];
  });
}
function vectorInfo(v) {
  var cites = el('ul', { class: 'cites' });
  (LAYOUT.citations[v.id] || []).forEach(function (c) {
    add(cites, el('li', null, [c.url ? extLink(c.url, c.label) : el('span', { text: c.label }), c.note ? el('span', { class: 'note', text: ' \u2014 ' + c.note }) : null]));
  });
  return dl([
    ['Id', code(v.id)],
    ['Title', v.title],
    ['Level', el('span', { class: 'level l-' + v.level, text: v.level })],
    ['Suite', v.suite],
    ['Section', v.group.url ? extLink(v.group.url, v.group.doc + ' \u00a7' + v.group.section + ' ' + v.group.title) : v.group.doc + ' \u00a7' + v.group.section + ' ' + v.group.title],
    ['Citations', cites],
    ['Roles', v.roles && v.roles.length ? v.roles.join(', ') : undefined],
    ['Flags', v.flags && v.flags.length ? v.flags.join(', ') : undefined],
    ['Source', code(v.source.file + '#' + v.source.pointer)],
  ]);
}
/** The tail of each adapter's stderr, kept with an error or timeout: by target, or by role for an interop pair. */
function logsView(r) {
  return Object.keys(r.logs).map(function (k) {
    var who = r.roles && r.roles[k] ? k + ': ' + r.roles[k] : k;
    return [el('h4', { text: who }), el('pre', { class: 'log', text: r.logs[k] })];
  });
}
function attemptsView(r) {
  var t = el('table', { class: 'attempts' }, el('thead', null, el('tr', null, ['#', 'verdict', 'reason', 'duration'].map(function (h) { return el('th', { scope: 'col', text: h }); }))));
  var b = el('tbody');
  r.attempts.forEach(function (a, i) {
    add(b, el('tr', null, [el('td', { text: String(i + 1) }), el('td', null, verdictBadge(a.verdict)), el('td', null, el('pre', { class: 'reason', text: a.reason || '' })), el('td', { text: ms(a.durationMs) })]));
  });
  add(b, el('tr', { class: 'last' }, [el('td', { text: String(r.attempts.length + 1) }), el('td', null, verdictBadge(r.verdict === 'flaky' ? 'pass' : r.verdict)), el('td', { text: 'the last attempt, whose values this panel shows' }), el('td', { text: ms(r.durationMs) })]));
  add(t, b);
  return t;
}

/* ---------- expected vs actual: side by side, line diff ---------- */

function pretty(v) { return v === undefined ? '(none)' : JSON.stringify(v, null, 2); }
/** Line operations turning a into b: an LCS over the lines between a common prefix and suffix. */
function diffLines(a, b) {
  var n = a.length, m = b.length, pre = 0, suf = 0, ops = [], i, j;
  while (pre < n && pre < m && a[pre] === b[pre]) pre++;
  while (suf < n - pre && suf < m - pre && a[n - 1 - suf] === b[m - 1 - suf]) suf++;
  for (i = 0; i < pre; i++) ops.push(['=', a[i], b[i]]);
  var A = a.slice(pre, n - suf), B = b.slice(pre, m - suf), N = A.length, M = B.length;
  if (N * M > 4000000) {
    A.forEach(function (x) { ops.push(['-', x, null]); });
    B.forEach(function (y) { ops.push(['+', null, y]); });
  } else {
    var W = M + 1, L = new Uint32Array((N + 1) * W);
    for (i = N - 1; i >= 0; i--) for (j = M - 1; j >= 0; j--) L[i * W + j] = A[i] === B[j] ? L[(i + 1) * W + j + 1] + 1 : Math.max(L[(i + 1) * W + j], L[i * W + j + 1]);
    i = 0; j = 0;
    while (i < N && j < M) {
      if (A[i] === B[j]) { ops.push(['=', A[i], B[j]]); i++; j++; }
      else if (L[(i + 1) * W + j] >= L[i * W + j + 1]) { ops.push(['-', A[i], null]); i++; }
      else { ops.push(['+', null, B[j]]); j++; }
    }
    for (; i < N; i++) ops.push(['-', A[i], null]);
    for (; j < M; j++) ops.push(['+', null, B[j]]);
  }
  for (i = n - suf; i < n; i++) ops.push(['=', a[i], b[i - n + m]]);
  return ops;
}
/** Rows of the side-by-side view: removed and added lines between two equal ones are paired. */
function diffRows(ops) {
  var rows = [], dels = [], adds = [];
  function flush() {
    for (var k = 0; k < Math.max(dels.length, adds.length); k++) rows.push({ kind: 'change', left: dels[k], right: adds[k] });
    dels = []; adds = [];
  }
  ops.forEach(function (op) {
    if (op[0] === '=') { flush(); rows.push({ kind: 'same', left: op[1], right: op[2] }); }
    else if (op[0] === '-') dels.push(op[1]);
    else adds.push(op[2]);
  });
  flush();
  return rows;
}
/** A line, with the part that differs from the other line marked. */
function lineCell(text, other, side) {
  var td = el('td', { class: 'code' });
  if (text === undefined) { td.className = 'code gap'; return td; }
  if (other === undefined) { td.className = 'code ' + side; add(td, el('mark', { text: text })); return td; }
  td.className = 'code ' + side;
  var p = 0, s = 0;
  while (p < text.length && p < other.length && text[p] === other[p]) p++;
  while (s < text.length - p && s < other.length - p && text[text.length - 1 - s] === other[other.length - 1 - s]) s++;
  add(td, [text.slice(0, p), el('mark', { text: text.slice(p, text.length - s) }), text.slice(text.length - s)]);
  return td;
}
function diffView(r) {
  var box = el('div', { class: 'diffbox' });
  if ((r.verdict === 'skipped' || r.verdict === 'unsupported') && r.expected === null && r.actual === null) {
    add(box, el('p', { class: 'note', text: 'No values: the vector did not run on this target (' + r.verdict + ').' }));
    return box;
  }
  if ((r.verdict === 'error' || r.verdict === 'timeout') && r.expected === null && r.actual === null) {
    add(box, el('p', { class: 'note no-verdict', text: 'No verdict: ' + (r.verdict === 'timeout' ? 'the vector timed out' : 'the adapter or the harness failed') + ' before the target gave a result to compare. The reason above' + (r.logs ? ' and the adapter\u2019s stderr below' : '') + ' say what happened.' }));
    return box;
  }
  if (isPacketResult(r)) return matcherView(r, box);
  var a = pretty(r.expected).split('\n'), b = pretty(r.actual).split('\n');
  var rows = diffRows(diffLines(a, b));
  var same = rows.every(function (x) { return x.kind === 'same'; });
  var table = el('table', { class: 'diff' + (same ? ' equal' : '') });
  add(table, el('colgroup', null, [el('col', { class: 'ln' }), el('col', { class: 'half' }), el('col', { class: 'ln' }), el('col', { class: 'half' })]));
  add(table, el('thead', null, el('tr', null, [el('th', { colspan: '2', scope: 'col', text: 'expected' }), el('th', { colspan: '2', scope: 'col', text: 'actual' })])));
  var body = el('tbody');
  var la = 0, lb = 0;
  rows.forEach(function (x) {
    var tr = el('tr', { class: x.kind === 'same' ? 'same' : 'changed' });
    if (x.kind === 'same') {
      la++; lb++;
      add(tr, [el('td', { class: 'ln', text: String(la) }), el('td', { class: 'code', text: x.left }), el('td', { class: 'ln', text: String(lb) }), el('td', { class: 'code', text: x.right })]);
    } else {
      add(tr, [el('td', { class: 'ln', text: x.left !== undefined ? String(++la) : '' }), lineCell(x.left, x.right, 'del'), el('td', { class: 'ln', text: x.right !== undefined ? String(++lb) : '' }), lineCell(x.right, x.left, 'add')]);
    }
    add(body, tr);
  });
  add(table, body);
  add(box, el('p', { class: 'note', text: same ? 'Expected and actual are equal.' : 'Lines that differ are highlighted: removed from expected on the left, in actual on the right.' }));
  add(box, el('div', { class: 'scroll' }, table));
  return box;
}

/*
 * A packet expectation is a pattern (the script step's expect) and the actual
 * value a whole decoded segment: a line diff of the two says nothing. The
 * matcher's own finding, in the reason ("differs in FIELD: expected X, got
 * Y"), is what differs; the pattern and the segment are shown beside it.
 */
function isPacketResult(r) {
  var ex = r.details && typeof r.details === 'object' ? r.details.exchange : null;
  return Array.isArray(ex) && ex.length > 0 && ex.every(function (e) { return e && typeof e === 'object' && 'packet' in e; });
}
function matcherView(r, box) {
  var reason = String(r.reason || '');
  var m = /^(step \d+ \(.*?\)): no matching segment.*?differs in (\S+): expected (.*), got (.*?)(?:; (\d+) other segment\(s\) did not match either)?$/.exec(reason);
  if (m) {
    add(box, el('table', { class: 'mismatch' }, [
      el('thead', null, el('tr', null, ['step', 'field', 'expected', 'got'].map(function (h) { return el('th', { scope: 'col', text: h }); }))),
      el('tbody', null, el('tr', null, [el('td', { text: m[1] }), el('td', null, code(m[2])), el('td', { class: 'del' }, code(m[3])), el('td', { class: 'add' }, code(m[4]))])),
    ]));
    if (m[5]) add(box, el('p', { class: 'note', text: m[5] + ' other segment(s) did not match either; the first one is compared.' }));
  } else add(box, el('p', { class: 'note mismatch-reason', text: 'The matcher found: ' + reason }));
  var pair = el('div', { class: 'pattern-pair' }, [
    el('div', null, [el('h4', { text: 'expected (the step\u2019s pattern)' }), el('pre', { class: 'json', text: pretty(r.expected) })]),
    el('div', null, [el('h4', { text: 'actual (the segment, decoded)' }), el('pre', { class: 'json', text: pretty(r.actual) })]),
  ]);
  add(box, pair);
  return box;
}

/* ---------- the recorded exchange ---------- */

/** A value as octets would be read: control characters made visible; {"hex": ...} decoded with \xNN for what is not printable ASCII. */
function octets(v) {
  if (v === null || v === undefined) return el('span', { class: 'muted', text: '(none)' });
  if (typeof v === 'object' && typeof v.hex === 'string') {
    var s = '';
    for (var i = 0; i + 1 < v.hex.length; i += 2) {
      var c = parseInt(v.hex.slice(i, i + 2), 16);
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\x' + v.hex.slice(i, i + 2).toLowerCase();
    }
    return el('span', null, [code(s, 'oct'), el('span', { class: 'muted', text: ' (octets)' })]);
  }
  if (typeof v === 'object' && v.absent === true) return el('span', { class: 'muted', text: '(no Cookie header field)' });
  if (typeof v !== 'string') return code(JSON.stringify(v), 'oct');
  var out = el('code', { class: 'oct' });
  var buf = '';
  for (var k = 0; k < v.length; k++) {
    var ch = v.charCodeAt(k);
    if (ch < 0x20 || ch === 0x7f || (ch >= 0x80 && ch < 0xa0)) {
      if (buf) { add(out, buf); buf = ''; }
      add(out, el('span', { class: 'ctl', title: 'control character U+' + ch.toString(16).toUpperCase().padStart(4, '0'), text: '\\x' + ch.toString(16).padStart(2, '0') }));
    } else buf += v[k];
  }
  if (buf) add(out, buf);
  return out;
}
function exchangeView(ex, r) {
  if (ex.length && ex.every(function (e) { return e && typeof e === 'object' && 'packet' in e; })) return packetsView(ex);
  if (ex.length && ex.every(function (e) { return e && typeof e === 'object' && 'url' in e; })) return httpView(ex, r);
  return el('pre', { class: 'json', text: JSON.stringify(ex, null, 2) });
}
function byRequest(list) {
  var m = new Map();
  if (Array.isArray(list)) list.forEach(function (x) { if (x && typeof x === 'object' && typeof x.request === 'number') m.set(x.request, x.cookie); });
  return m;
}
function httpView(ex, r) {
  var expected = byRequest(r.expected), actual = byRequest(r.actual);
  var hasNow = ex.some(function (e) { return e.now !== undefined; });
  var cols = ['#', 'request', 'Cookie sent', 'expected Cookie', 'Set-Cookie received'];
  if (hasNow) cols.push('time');
  var known = { url: 1, method: 1, cookie: 1, setCookie: 1, now: 1 };
  var extra = ex.some(function (e) { return Object.keys(e).some(function (k) { return !known[k]; }); });
  if (extra) cols.push('other');
  var t = el('table', { class: 'exchange http' }, el('thead', null, el('tr', null, cols.map(function (h) { return el('th', { scope: 'col', text: h }); }))));
  var b = el('tbody');
  ex.forEach(function (e, i) {
    var n = i + 1;
    var checked = expected.has(n);
    var bad = checked && r.verdict === 'fail' && actual.has(n) && JSON.stringify(expected.get(n)) !== JSON.stringify(actual.get(n));
    var sc = el('ul', { class: 'setcookie' });
    (Array.isArray(e.setCookie) ? e.setCookie : []).forEach(function (s) { add(sc, el('li', null, octets(s))); });
    var tr = el('tr', { class: (checked ? 'checked' : 'unchecked') + (bad ? ' mismatch' : ''), data: { request: n } }, [
      el('td', { class: 'num', text: String(n) }),
      el('td', null, [el('span', { class: 'method', text: String(e.method || '') }), ' ', code(String(e.url), 'url')]),
      el('td', { class: 'sent' }, octets(e.cookie)),
      el('td', { class: 'want' }, checked ? [bad ? el('span', { class: 'x', title: 'differs', text: '\u2717 ' }) : el('span', { class: 'ok', title: 'checked', text: '\u2713 ' }), octets(expected.get(n))] : el('span', { class: 'muted', text: 'not checked' })),
      el('td', null, e.setCookie && e.setCookie.length ? sc : el('span', { class: 'muted', text: '\u2014' })),
    ]);
    if (hasNow) add(tr, el('td', { class: 'time', text: e.now || '' }));
    if (extra) {
      var o = {};
      Object.keys(e).forEach(function (k) { if (!known[k]) o[k] = e[k]; });
      add(tr, el('td', null, Object.keys(o).length ? code(JSON.stringify(o)) : ''));
    }
    add(b, tr);
  });
  add(t, b);
  return [el('p', { class: 'note', text: 'Every request the client made, in order: the Cookie header it sent and the Set-Cookie fields of the response. Checked requests are compared with the vector\u2019s expected header.' }), el('div', { class: 'scroll' }, t)];
}
function packetsView(ex) {
  var t = el('table', { class: 'exchange packets' }, el('thead', null, el('tr', null, ['t', 'direction', 'packet'].map(function (h) { return el('th', { scope: 'col', text: h }); }))));
  var b = el('tbody');
  ex.forEach(function (e) {
    var from = String(e.from);
    var dir = from === 'peer' ? 'peer \u2192 SUT' : from === 'sut' ? 'SUT \u2192 peer' : from;
    add(b, el('tr', { class: 'from-' + (from === 'peer' || from === 'sut' ? from : 'other') }, [
      el('td', { class: 'num', text: e.t !== undefined ? e.t + ' ms' : '' }),
      el('td', { class: 'dir', text: dir }),
      el('td', null, code(typeof e.packet === 'string' ? e.packet : JSON.stringify(e.packet), 'pkt')),
    ]));
  });
  add(t, b);
  return [el('p', { class: 'note', text: 'The segments of the exchange, decoded, in order; t is milliseconds since the vector started. The harness plays the peer.' }), el('div', { class: 'scroll' }, t)];
}

/* ---------- start ---------- */

function refresh() { syncControls(); filterGrids(); }
function fromHash(scroll) {
  state = parseHash(location.hash);
  refresh();
  renderOpen(scroll);
}
var main = document.getElementById('grids');
buildProvenance();
buildFilters();
buildSummary(main);
buildGate(main);
buildCoverage(main);
buildSuites(main);
buildInterop(main);
fromHash(true);
window.addEventListener('hashchange', function () { fromHash(true); });
document.addEventListener('keydown', function (e) {
  if (e.key === 'Escape' && state.open) { e.preventDefault(); closePanel(); }
});
document.body.setAttribute('data-ready', 'true');
`;

export const PAGE_SCRIPT = `(function () {\n'use strict';\n${UNPACK_SOURCE}\n${MAIN}\n})();\n`;
