/** The stylesheet of matrix.html, as text. No fonts, images or anything else by URL. */
export const PAGE_STYLE = String.raw`
:root {
  --bg: #ffffff; --fg: #1d2329; --muted: #5d6873; --line: #d5dbe1; --head: #f3f5f7; --accent: #0b5cc4; --focus: #0b5cc4;
  --pass: #d9f2dc; --flaky: #fbecb8; --fail: #ffd6d3; --error: #f0d3f5; --timeout: #ffdfbd; --unsupported: #e6e8eb; --skipped: #f5f6f7;
  --del: #ffe9e7; --add: #e3f6e5; --mark-del: #ffb9b2; --mark-add: #a8e2b0; --warn: #fff1c6; --bad: #9d1c12;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15191d; --fg: #e3e7eb; --muted: #9aa5b0; --line: #333b43; --head: #1f252b; --accent: #6ea8ff; --focus: #6ea8ff;
    --pass: #1f4427; --flaky: #4d4217; --fail: #5a2420; --error: #4c2456; --timeout: #56391a; --unsupported: #2c3137; --skipped: #1d2126;
    --del: #3d2220; --add: #1d3a23; --mark-del: #7a2f28; --mark-add: #2f6b3a; --warn: #4a3f14; --bad: #ff9c92;
  }
}
* { box-sizing: border-box; }
html { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; background: var(--bg); color: var(--fg); }
body { margin: 0; padding: 0 1.2rem 3rem; }
body.panel-open { padding-right: min(46rem, 48vw); }
a { color: var(--accent); }
code, pre, .code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; }
h1 { font-size: 1.5rem; margin: 1rem 0 .4rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .3rem .6rem; z-index: 10; }
.noscript, .warn { background: var(--warn); border: 1px solid var(--line); padding: .5rem .8rem; font-weight: 600; }
.note { color: var(--muted); margin: .3rem 0; }
.muted { color: var(--muted); }
.bad { color: var(--bad); }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }

dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .9rem; margin: .3rem 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
dl.prov { display: flex; flex-wrap: wrap; gap: .2rem 1.6rem; margin: .3rem 0; }
dl.prov > div { display: flex; gap: .4rem; min-width: 0; }
dl.prov dt { color: var(--muted); white-space: nowrap; }
dl.prov dd { margin: 0; overflow-wrap: anywhere; }
.sym[data-alt] { font-size: 0; }
.sym[data-alt]::before { content: attr(data-alt); font-size: var(--sym-size, 1rem); font-weight: 700; }
.badge, .count, #filters label { --sym-size: .9rem; }
.count { --sym-size: .8rem; }
.count .n { margin-left: .15rem; }
.legend .badge { margin-right: .35rem; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .6rem; border: 1px solid var(--line); white-space: nowrap; }

#filters { position: sticky; top: 0; z-index: 5; background: var(--bg); border-bottom: 1px solid var(--line); padding: .2rem 0; max-width: 100%; }
#filters summary { cursor: pointer; padding: .1rem 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#filters .f-title { font-weight: 600; }
#filters .f-body { display: flex; flex-wrap: wrap; gap: .2rem .8rem; align-items: flex-end; padding: .2rem 0; font-size: .9rem; }
#filters fieldset { border: 1px solid var(--line); border-radius: .3rem; margin: 0; padding: 0 .4rem .15rem; max-width: 100%; }
#filters fieldset[data-filter=target] { max-height: 4.6rem; overflow-y: auto; }
#filters legend { color: var(--muted); font-size: .8rem; padding: 0 .2rem; }
#filters fieldset label { display: inline-block; margin-right: .5rem; white-space: nowrap; }
#filters .field { display: flex; align-items: center; gap: .3rem; max-width: 100%; }
#filters .field label { color: var(--muted); font-size: .8rem; }
#filters select { max-width: min(18rem, 100%); }
#filters input[type=search] { width: 14rem; max-width: 100%; }
#status { color: var(--muted); font-size: .85rem; margin-left: .4rem; }

.scroll { overflow-x: auto; max-width: 100%; }
/* A grid scrolls in a box no taller than the screen below the filter bar, so that its sticky column headers stay in view. */
.grid-box { overflow: auto; max-height: calc(100vh - var(--bar-h, 2.2rem) - .5rem); overscroll-behavior: auto; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: .15rem .35rem; vertical-align: top; }
thead th { background: var(--head); }
.grid-box thead { position: sticky; top: 0; z-index: 2; }
.grid-box table.matrix tr.vrow th.vec { position: sticky; left: 0; background: var(--bg); z-index: 1; }
table.grid th[scope=col] { font-weight: 600; font-size: .85rem; }
table.summary td { text-align: center; min-width: 6.5rem; }
table.summary td.na, td.na { color: var(--muted); }
table.summary th .sub { display: block; font-weight: normal; font-size: .75rem; color: var(--muted); }
#gate .gate-line { font-weight: 600; }
ul.gate-list { margin: .2rem 0 .6rem; padding-left: 1.2rem; }
button.link { border: 0; background: none; padding: 0; font: inherit; color: var(--accent); cursor: pointer; text-align: left; }
button.link:hover { text-decoration: underline; }
.pass-count { font-size: 1rem; }
.counts { display: inline-flex; flex-wrap: wrap; gap: .1rem .35rem; justify-content: center; font-size: .8rem; }
.count { padding: 0 .25rem; border-radius: .3rem; white-space: nowrap; }
.targets-box { margin: .8rem 0; }
table.targets td, table.targets th { font-size: .85rem; }
details.coverage > summary { cursor: pointer; }
details.coverage > summary > h3, details.coverage > summary > p { display: inline; margin: 0 .6rem 0 0; }
table.coverage th[scope=row] { text-align: left; font-weight: normal; }
table.coverage td.cov { text-align: center; white-space: nowrap; }
table.coverage tr.partial td.cov { color: var(--bad); font-weight: 600; }
table.coverage td.uncovered code { display: inline-block; margin-right: .4rem; font-size: .8rem; }

table.matrix th.tcol { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; text-align: left; padding: .4rem .1rem; min-width: 2.1rem; }
table.matrix th.vec { text-align: left; font-weight: normal; }
table.matrix th.vec .vid { display: block; white-space: nowrap; }
table.matrix th.vec .title { display: block; color: var(--muted); font-size: .78rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 30rem; }
table.matrix tr.group th { text-align: left; background: var(--head); font-weight: 600; }
table.matrix tr.group td, table.matrix tr.totals td { background: var(--head); text-align: center; font-size: .75rem; white-space: nowrap; }
table.matrix tr.totals th { text-align: left; font-weight: 600; font-size: .85rem; }
td.level { font-size: .75rem; text-align: center; }
.level.l-MUST { font-weight: 700; }
.level.l-MAY { color: var(--muted); }
td.c { padding: 0; text-align: center; }
td.c.dim { opacity: .25; }
td.c.off { visibility: hidden; }
button.cell { display: block; width: 100%; min-width: 2.1rem; min-height: 1.7rem; border: 0; margin: 0; padding: .1rem; font: inherit; font-size: 1rem; cursor: pointer; color: inherit; }
button.cell.none { background: transparent; }
button.cell:hover { filter: brightness(.93); outline: 1px solid var(--muted); }
button.cell.is-open { outline: 3px solid var(--focus); outline-offset: -3px; }
button.cell.exp::after { content: ""; display: inline-block; width: .4rem; height: .4rem; border-radius: 50%; margin-left: .15rem; vertical-align: top; background: var(--muted); }
button.cell.exp-new-failure::after { background: #d0241a; }
button.cell.exp-unexpected-pass::after { background: #d08a00; }
.v-pass { background: var(--pass); }
.v-flaky { background: var(--flaky); }
.v-fail { background: var(--fail); }
.v-error { background: var(--error); }
.v-timeout { background: var(--timeout); }
.v-unsupported { background: var(--unsupported); }
.v-skipped { background: var(--skipped); }
.scenarios { display: flex; flex-wrap: wrap; gap: .4rem 2rem; align-items: flex-start; }
.scenario { margin: .2rem 0 .8rem; max-width: 34rem; }
.scenario h4 { margin: .3rem 0 .1rem; }
.scenario .title { margin: .1rem 0 .4rem; color: var(--muted); font-size: .9rem; }
table.interop th.corner { font-weight: normal; color: var(--muted); font-size: .8rem; }
table.interop td.c { min-width: 4rem; }

#panel { position: fixed; top: 0; right: 0; bottom: 0; width: min(46rem, 48vw); background: var(--bg); border-left: 2px solid var(--line); box-shadow: -4px 0 16px rgba(0,0,0,.12); overflow-y: auto; z-index: 20; }
@media (max-width: 900px) { #panel { width: 100vw; } body.panel-open { padding-right: 1.2rem; } }
#panel .p-head { position: sticky; top: 0; background: var(--head); border-bottom: 1px solid var(--line); display: flex; align-items: flex-start; gap: .5rem; padding: .5rem .8rem; z-index: 1; }
#panel .p-head h2 { margin: 0; font-size: 1rem; flex: 1; overflow-wrap: anywhere; }
#panel .p-target { font-weight: normal; color: var(--muted); }
#panel .close { font-size: 1.3rem; line-height: 1; border: 1px solid var(--line); background: var(--bg); color: inherit; border-radius: .3rem; padding: .1rem .5rem; cursor: pointer; }
#panel .p-body { padding: .3rem .8rem 2rem; }
#panel .p-title { font-weight: 600; margin: .4rem 0; }
#panel h3 { border-bottom: 1px solid var(--line); padding-bottom: .15rem; }
#panel h4 { margin: .5rem 0 .1rem; }
pre.reason { font-size: 12px; }
ul.cites, ul.artifacts { margin: 0; padding-left: 1.1rem; }
table.diff { width: 100%; table-layout: fixed; }
table.diff col.ln { width: 2.6rem; }
table.diff td.ln { color: var(--muted); text-align: right; font-size: 11px; user-select: none; }
table.diff td.code { white-space: pre-wrap; word-break: break-all; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
table.diff td.del { background: var(--del); }
table.diff td.add { background: var(--add); }
table.diff td.gap { background: var(--head); }
table.diff td.del mark { background: var(--mark-del); color: inherit; }
table.diff td.add mark { background: var(--mark-add); color: inherit; }
/* The suites' views of a result (runner/view.ts): generic parts, coloured by tone, never by what a suite names them. */
table.view { font-size: 12.5px; width: 100%; }
table.view td.num { text-align: right; color: var(--muted); white-space: nowrap; }
table.view code.vcode { word-break: break-all; }
code.bytes { white-space: pre-wrap; word-break: break-all; background: var(--head); padding: 0 .15rem; }
.ctl { background: var(--mark-del); border-radius: .2rem; }
ul.vlist { margin: 0; padding-left: 0; list-style: none; }
.strong { font-weight: 600; }
.t-bad { color: var(--bad); }
.t-bad.strong { font-weight: 700; }
.t-good { color: #2a7a35; }
.t-muted { color: var(--muted); }
.t-accent { color: var(--accent); }
td.t-del { background: var(--del); color: inherit; }
td.t-add { background: var(--add); color: inherit; }
.vcolumns { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: .6rem; }
.vcolumns > div { min-width: 0; }
pre.json { background: var(--head); padding: .4rem; max-height: 24rem; overflow: auto; }
.outcome.o-new-failure, .outcome.o-unexpected-pass { font-weight: 700; color: var(--bad); }
table.attempts td { font-size: 12.5px; }
pre.log, pre.cmd { background: var(--head); padding: .4rem; max-height: 20rem; overflow: auto; font-size: 12px; }
.no-verdict { font-weight: 600; }
@media (max-width: 600px) {
  body { padding: 0 .5rem 2rem; }
  table.matrix th.vec .title { max-width: 12rem; }
  #filters summary { font-size: .9rem; }
}
`;
