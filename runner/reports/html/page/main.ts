/* Start: draw everything once, then follow the URL's fragment. */

function refresh(): void {
  syncControls();
  filterGrids();
}
function fromHash(scroll: boolean): void {
  state = parseHash(location.hash);
  refresh();
  renderOpen(scroll);
}
(function start() {
  const main = document.getElementById('grids')!;
  buildProvenance();
  buildFilters();
  buildSummary(main);
  buildGate(main);
  buildCoverage(main);
  buildSuites(main);
  buildInterop(main);
  fromHash(true);
  window.addEventListener('hashchange', () => fromHash(true));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.open) {
      e.preventDefault();
      closePanel();
    }
  });
  document.body.setAttribute('data-ready', 'true');
})();
