<?php
/*
 * Guzzle with its cookie jar, the way its users drive it:
 *   new GuzzleHttp\Client([
 *       'cookies' => new GuzzleHttp\Cookie\CookieJar(),
 *       'proxy' => $proxy, 'verify' => $caFile,
 *       'allow_redirects' => true, 'http_errors' => false,
 *   ])
 *   $client->request($method, $url)
 * A new client with a new CookieJar (default: not strict) for each
 * cookies.fetch call, shared by all of its navigations. Guzzle's cookie
 * middleware does all the cookie work, and its redirect middleware follows
 * redirects with its defaults (at most 5; 303, and 301/302 of a non-GET,
 * become GET unless 'strict'). The HTTP handler is whichever Guzzle picks
 * (Utils::chooseHandler): cURL when PHP's curl extension is there, else PHP's
 * stream wrapper.
 *
 * The clock: Guzzle's SetCookie reads \time(), which is libc's time(). The
 * runner preloads libfaketime into this process (the manifest's clock), and
 * the adapter sets the process's clock by writing each navigation's time into
 * libfaketime's clock file before the request (runner/clock.ts).
 *
 * Speaks the conformatrix adapter contract (docs/adapter-contract.md): JSON-RPC
 * 2.0, one message per line, on stdin and stdout.
 */

declare(strict_types=1);

// PHP prints warnings on stdout by default in the CLI; stdout is the protocol.
ini_set('display_errors', 'stderr');
error_reporting(E_ALL);

$autoload = getenv('GUZZLE_AUTOLOAD') ?: 'GuzzleHttp/autoload.php';  // Debian: /usr/share/php/GuzzleHttp/autoload.php
require_once $autoload;

use GuzzleHttp\Client;
use GuzzleHttp\ClientInterface;
use GuzzleHttp\Cookie\CookieJar;

const CONTRACT = '1';

/** Guzzle states only its major version in code; the installed package knows the rest. */
function guzzle_version(): string
{
    $version = (string) ClientInterface::MAJOR_VERSION;
    $dpkg = @shell_exec("dpkg-query -W -f='\${Version}' php-guzzlehttp-guzzle 2>/dev/null");
    if (is_string($dpkg) && preg_match('/^(?:\d+:)?(\d+(?:\.\d+)+)/', $dpkg, $m) && strpos($m[1], $version . '.') === 0) {
        $version = $m[1];
    }
    return $version;
}

function handler_name(): string
{
    if (function_exists('curl_multi_exec') || function_exists('curl_exec')) {
        return 'curl handler';
    }
    return 'stream handler';
}

/** libfaketime's clock file, when the runner preloaded libfaketime into this process (runner/clock.ts); null otherwise. */
function clock_file(): ?string
{
    $file = getenv('FAKETIME_TIMESTAMP_FILE');
    if ($file === false || $file === '') {
        return null;
    }
    $maps = @file_get_contents('/proc/self/maps');
    return is_string($maps) && strpos($maps, 'libfaketime') !== false ? $file : null;
}

/**
 * Sets the process's clock to $ms since the epoch (an absolute time, which stands still), or back to
 * the real clock for null. The file is replaced whole, so that no time call reads half of it. '+0' is
 * the real clock (runner/clock.ts REAL_CLOCK: libfaketime keeps the last time on an empty file).
 */
function set_clock(string $file, ?int $ms): void
{
    $spec = '+0';
    if ($ms !== null) {
        $spec = gmdate('Y-m-d H:i:s', intdiv($ms, 1000)) . sprintf('.%03d', $ms % 1000);
    }
    if (file_put_contents($file . '.new', $spec) === false || !rename($file . '.new', $file)) {
        throw new \RuntimeException("cannot write the clock file $file");
    }
}

function hello($params): array
{
    return [
        'contract' => CONTRACT,
        'implementation' => [
            'name' => 'Guzzle CookieJar (' . handler_name() . ')',
            'version' => 'Guzzle ' . guzzle_version() . ', PHP ' . PHP_VERSION,
        ],
        'capabilities' => clock_file() !== null ? ['https', 'clock'] : ['https'],
    ];
}

/** An exception and the ones it wraps, outermost first. */
function describe(\Throwable $e): string
{
    $parts = [];
    for (; $e !== null; $e = $e->getPrevious()) {
        $parts[] = get_class($e) . ': ' . $e->getMessage();
    }
    return implode(' <- ', $parts);
}

function fetch($params): array
{
    $timeout = max(1.0, ($params['timeoutMs'] ?? 10000) / 1000.0);
    $client = new Client([
        'cookies' => new CookieJar(),
        'proxy' => $params['proxy'],
        'verify' => $params['ca']['file'],
        'allow_redirects' => true,
        'http_errors' => false,
        'timeout' => $timeout,
        'connect_timeout' => $timeout,
    ]);
    $navigations = [];
    $clock = clock_file();
    try {
        foreach ($params['navigations'] as $nav) {
            try {
                if ($clock !== null && isset($nav['now'])) {
                    set_clock($clock, (int) $nav['now']);
                }
                $response = $client->request($nav['method'], $nav['url']);
                $navigations[] = ['status' => $response->getStatusCode()];
            } catch (\Throwable $e) {
                $navigations[] = ['error' => describe($e)];
            }
        }
    } finally {
        if ($clock !== null) {
            set_clock($clock, null);
        }
    }
    $result = ['navigations' => $navigations];
    $notes = [];
    foreach ($navigations as $i => $n) {
        if (isset($n['error'])) {
            $notes[] = 'navigation ' . ($i + 1) . ': ' . $n['error'];
        }
    }
    if ($notes) {
        $result['notes'] = $notes;
    }
    return $result;
}

$methods = ['hello' => 'hello', 'cookies.fetch' => 'fetch'];

function reply(array $message): void
{
    $line = json_encode($message, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
    fwrite(STDOUT, $line . "\n");
    fflush(STDOUT);
}

while (($line = fgets(STDIN)) !== false) {
    if (trim($line) === '') {
        continue;
    }
    $message = json_decode($line, true);
    if (!is_array($message)) {
        reply(['jsonrpc' => '2.0', 'id' => null, 'error' => ['code' => -32700, 'message' => 'parse error']]);
        continue;
    }
    if (!array_key_exists('id', $message)) {
        continue;
    }
    $method = $methods[$message['method'] ?? ''] ?? null;
    if ($method === null) {
        reply(['jsonrpc' => '2.0', 'id' => $message['id'], 'error' => ['code' => -32601, 'message' => 'no such method']]);
        continue;
    }
    try {
        reply(['jsonrpc' => '2.0', 'id' => $message['id'], 'result' => $method($message['params'] ?? null)]);
    } catch (\Throwable $e) {
        reply(['jsonrpc' => '2.0', 'id' => $message['id'], 'error' => ['code' => -32000, 'message' => describe($e)]]);
    }
}
