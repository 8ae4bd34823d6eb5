/**
 * The preferences of the Firefox profile the adapter makes, written to its
 * user.js. Two kinds, and nothing else, so that the cookie behaviour under test
 * is Firefox's as shipped (its default cookieBehavior, SameSite and
 * third-party rules stay as they are):
 * - what keeps Firefox off the network: every background service that would
 *   make a request of its own (updates, telemetry, safe browsing, remote
 *   settings, captive-portal and connectivity checks, DNS over HTTPS,
 *   speculative connections) is turned off, and the global proxy is a closed
 *   port of the loopback, so that a request nobody thought of fails on the
 *   machine. A vector's requests go through the origin server, which is the
 *   proxy of the vector's user context (set over WebDriver BiDi);
 * - what keeps the vectors' requests as written: no HTTPS-First upgrade of an
 *   http URL, no proxy bypass for localhost.
 */

/** A loopback port that nothing listens on: the global proxy, which only background requests would use. */
export const CLOSED_PROXY = { host: '127.0.0.1', port: 9 };

export const FIREFOX_PREFS: Record<string, string | number | boolean> = {
  // The proxy for everything outside a vector's user context: refused on the loopback.
  'network.proxy.type': 1,
  'network.proxy.http': CLOSED_PROXY.host,
  'network.proxy.http_port': CLOSED_PROXY.port,
  'network.proxy.ssl': CLOSED_PROXY.host,
  'network.proxy.ssl_port': CLOSED_PROXY.port,
  'network.proxy.share_proxy_settings': true,
  'network.proxy.no_proxies_on': '',
  // Vectors request http://localhost: it goes through the proxy like any other host.
  'network.proxy.allow_hijacking_localhost': true,
  // A browser request (not a page's) whose proxy refuses the connection is otherwise retried without the proxy: the
  // remote-settings client of Firefox's Rust components resolved firefox.settings.services.mozilla.com that way
  // (seen with strace, test/cookies/firefox.test.ts).
  'network.proxy.failover_direct': false,
  // Nothing is ever resolved: a proxied request hands the host name to the proxy, and a request that would need the
  // resolver fails on the machine.
  'network.dns.disabled': true,
  // No DNS over HTTPS, no prefetching, no speculative or predicted connections.
  'network.trr.mode': 5,
  'network.dns.disablePrefetch': true,
  'network.dns.disablePrefetchFromHTTPS': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.http.speculative-parallel-limit': 0,
  'browser.urlbar.speculativeConnect.enabled': false,
  'browser.places.speculativeConnect.enabled': false,
  // No connectivity, captive-portal or time checks.
  'network.connectivity-service.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.sntp.pools': '',
  'network.manage-offline-status': false,
  // No OCSP requests and no certificate-revocation downloads (the test CA's certificates name no responder anyway).
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'security.certerrors.mitm.priming.enabled': false,
  // No updates of Firefox, its add-ons, search engines or remote settings.
  'app.update.disabledForTesting': true,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'app.normandy.api_url': '',
  'app.shield.optoutstudies.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'browser.search.update': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  // No telemetry, health report, pings or crash reports.
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': '',
  'toolkit.telemetry.archive.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.usage.uploadEnabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.crashReports.unsubmittedCheck.autoSubmit2': false,
  // No safe-browsing lists, no tracking-protection list downloads (the cookie rules that do not need a list are kept).
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.google.updateURL': '',
  // No new-tab page content, first-run pages or messaging.
  'browser.newtabpage.enabled': false,
  'browser.newtabpage.activity-stream.feeds.system.topstories': false,
  'browser.newtabpage.activity-stream.feeds.section.topstories': false,
  'browser.newtabpage.activity-stream.feeds.snippets': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.startup.homepage': 'about:blank',
  'browser.startup.page': 0,
  'browser.startup.homepage_override.mstone': 'ignore',
  'startup.homepage_welcome_url': 'about:blank',
  'browser.aboutwelcome.enabled': false,
  'browser.messaging-system.whatsNewPanel.enabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.translations.enable': false,
  'browser.contentanalysis.enabled': false,
  'browser.ml.enable': false,
  'geo.provider.network.url': '',
  'browser.uitour.enabled': false,
  'identity.fxaccounts.enabled': false,
  // http vectors stay http: no HTTPS-First upgrade of a typed or schemeless http URL.
  'dom.security.https_first': false,
  'dom.security.https_first_schemeless': false,
  'dom.security.https_only_mode': false,
  // WebDriver BiDi: no file-picker or session-restore interference.
  'browser.sessionstore.resume_from_crash': false,
  'browser.tabs.warnOnClose': false,
  'browser.warnOnQuit': false,
};

/** The user.js text of these preferences. */
export function userJs(prefs: Record<string, string | number | boolean>): string {
  return Object.entries(prefs)
    .map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`)
    .join('');
}
