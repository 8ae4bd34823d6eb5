/*
 * Java's java.net.http.HttpClient with a java.net.CookieManager, driven the
 * way its users drive it: one HttpClient with a new CookieManager (default
 * policy, in-memory store) per cookies.fetch call, shared by all of that
 * call's navigations; every request through the conformatrix origin server as
 * the client's proxy (ProxySelector.of); https verified against the run's
 * test CA through an SSLContext whose trust store holds only that CA;
 * redirects followed by the client itself (Redirect.ALWAYS, because NORMAL
 * refuses https to http redirects). The CookieManager decides everything
 * about cookies. It reads System.currentTimeMillis(), a libc clock_gettime
 * call: the runner preloads libfaketime into the JVM (the manifest's clock),
 * and the adapter sets the JVM's clock by writing each navigation's time into
 * libfaketime's clock file before the request (runner/clock.ts).
 *
 * Run as a single-file source program (JEP 330): java Adapter.java
 *
 * Speaks the conformatrix adapter contract (docs/adapter-contract.md):
 * JSON-RPC 2.0, one message per line, on stdin and stdout.
 */

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class Adapter {
    static final String CONTRACT = "1";

    /** libfaketime's clock file, when the runner preloaded libfaketime into this JVM (runner/clock.ts); null otherwise. */
    static final Path CLOCK = clockFile();

    static Path clockFile() {
        String file = System.getenv("FAKETIME_TIMESTAMP_FILE");
        if (file == null) return null;
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libfaketime") ? Path.of(file) : null;
        } catch (Exception e) {
            return null;
        }
    }

    static final DateTimeFormatter FAKETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    /**
     * Sets the JVM's clock to ms since the epoch (an absolute time, which stands still), or back to
     * the real clock for null ("+0": runner/clock.ts REAL_CLOCK; libfaketime keeps the last time on an
     * empty file). The file is replaced whole, so that no time call reads half of it.
     */
    static void setClock(Long ms) throws Exception {
        Path next = CLOCK.resolveSibling(CLOCK.getFileName() + ".new");
        Files.writeString(next, ms == null ? "+0" : FAKETIME.format(Instant.ofEpochMilli(ms)));
        Files.move(next, CLOCK, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            Map<String, Object> reply = handle(line);
            if (reply == null) continue;
            out.print(Json.write(reply));
            out.print('\n');
            out.flush();
        }
    }

    static Map<String, Object> handle(String line) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("jsonrpc", "2.0");
        Object message;
        try {
            message = Json.parse(line);
        } catch (RuntimeException e) {
            reply.put("id", null);
            reply.put("error", error(-32700, "parse error: " + e.getMessage()));
            return reply;
        }
        if (!(message instanceof Map)) {
            reply.put("id", null);
            reply.put("error", error(-32600, "not a JSON-RPC message"));
            return reply;
        }
        Map<?, ?> m = (Map<?, ?>) message;
        if (!m.containsKey("id")) return null; // a notification
        reply.put("id", m.get("id"));
        Object method = m.get("method");
        try {
            if ("hello".equals(method)) {
                reply.put("result", hello());
            } else if ("cookies.fetch".equals(method)) {
                reply.put("result", fetch((Map<?, ?>) m.get("params")));
            } else {
                reply.put("error", error(-32601, "no such method: " + method));
            }
        } catch (Throwable e) { // a failure is this vector's error, never the adapter's crash
            reply.remove("result");
            reply.put("error", error(-32000, e.toString()));
        }
        return reply;
    }

    static Map<String, Object> error(int code, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", code);
        e.put("message", message);
        return e;
    }

    static Map<String, Object> hello() {
        Map<String, Object> impl = new LinkedHashMap<>();
        impl.put("name", "Java java.net.http.HttpClient with java.net.CookieManager (" + System.getProperty("java.vm.name") + ")");
        impl.put("version", Runtime.version().toString());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("contract", CONTRACT);
        r.put("implementation", impl);
        r.put("capabilities", CLOCK != null ? List.of("https", "clock") : List.of("https"));
        return r;
    }

    /** An SSLContext that trusts the certificates of one PEM file, and nothing else. */
    static SSLContext trusting(String caFile) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream pem = new FileInputStream(caFile)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(pem);
            int i = 0;
            for (Certificate c : certs) store.setCertificateEntry("conformatrix-test-ca-" + i++, c);
            if (i == 0) throw new IllegalArgumentException("no certificate in " + caFile);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    static Map<String, Object> fetch(Map<?, ?> params) throws Exception {
        URI proxy = URI.create((String) params.get("proxy"));
        SSLContext ssl = trusting((String) ((Map<?, ?>) params.get("ca")).get("file"));
        long deadline = System.nanoTime() + (long) (((Number) params.get("timeoutMs")).doubleValue() * 1_000_000L);

        // A pool of our own, shut down after the vector: each vector's client would otherwise keep its
        // threads until the collector finds it, and a container's pids limit is reached.
        ExecutorService executor = Executors.newCachedThreadPool();
        HttpClient client = HttpClient.newBuilder()
                .executor(executor)
                .cookieHandler(new CookieManager())
                .proxy(ProxySelector.of(new InetSocketAddress(proxy.getHost(), proxy.getPort())))
                .sslContext(ssl)
                .followRedirects(HttpClient.Redirect.ALWAYS)
                .build();

        List<Object> results = new ArrayList<>();
        List<Object> notes = new ArrayList<>();
        try {
            for (Object o : (List<?>) params.get("navigations")) {
                Map<?, ?> nav = (Map<?, ?>) o;
                Map<String, Object> r = new LinkedHashMap<>();
                try {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) throw new java.net.http.HttpTimeoutException("no time left for this navigation");
                    if (CLOCK != null && nav.get("now") != null) setClock(((Number) nav.get("now")).longValue());
                    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create((String) nav.get("url")))
                            .timeout(Duration.ofNanos(left));
                    String method = (String) nav.get("method");
                    if ("GET".equals(method)) builder.GET();
                    else if ("POST".equals(method)) builder.POST(HttpRequest.BodyPublishers.noBody());
                    else builder.method(method, HttpRequest.BodyPublishers.noBody());
                    HttpResponse<Void> response = client.send(builder.build(), HttpResponse.BodyHandlers.discarding());
                    r.put("status", response.statusCode());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    r.put("error", e.toString());
                } catch (Exception e) {
                    r.put("error", e.toString());
                }
                results.add(r);
                // A navigation can fail after its requests reached the server (the
                // JDK refuses a response whose header holds a control character):
                // say so, since the verdict then compares only the Cookie headers.
                if (r.containsKey("error")) notes.add("navigation " + results.size() + " (" + nav.get("url") + "): " + r.get("error"));
            }
        } finally {
            if (CLOCK != null) setClock(null);
        }
        executor.shutdownNow();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("navigations", results);
        if (!notes.isEmpty()) result.put("notes", notes);
        return result;
    }

    /** Just enough JSON for JSON-RPC messages. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json p = new Json(text);
            Object v = p.value();
            p.ws();
            if (p.i != text.length()) throw new IllegalArgumentException("trailing characters at " + p.i);
            return v;
        }

        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        }

        private char peek() {
            if (i >= s.length()) throw new IllegalArgumentException("unexpected end");
            return s.charAt(i);
        }

        private void expect(String word) {
            if (!s.startsWith(word, i)) throw new IllegalArgumentException("expected " + word + " at " + i);
            i += word.length();
        }

        private Object value() {
            ws();
            char c = peek();
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (peek() == '}') { i++; return m; }
                    while (true) {
                        ws();
                        if (peek() != '"') throw new IllegalArgumentException("expected a key at " + i);
                        String k = string();
                        ws();
                        expect(":");
                        m.put(k, value());
                        ws();
                        if (peek() == ',') { i++; continue; }
                        expect("}");
                        return m;
                    }
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (peek() == ']') { i++; return l; }
                    while (true) {
                        l.add(value());
                        ws();
                        if (peek() == ',') { i++; continue; }
                        expect("]");
                        return l;
                    }
                }
                case '"':
                    return string();
                case 't': expect("true"); return Boolean.TRUE;
                case 'f': expect("false"); return Boolean.FALSE;
                case 'n': expect("null"); return null;
                default: {
                    int start = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
                    String n = s.substring(start, i);
                    if (n.isEmpty()) throw new IllegalArgumentException("unexpected " + c + " at " + start);
                    if (n.matches("-?[0-9]+")) {
                        try { return Long.parseLong(n); } catch (NumberFormatException e) { /* fall through */ }
                    }
                    return Double.parseDouble(n);
                }
            }
        }

        private String string() {
            i++; // the opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = peek();
                i++;
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                char e = peek();
                i++;
                switch (e) {
                    case '"': b.append('"'); break;
                    case '\\': b.append('\\'); break;
                    case '/': b.append('/'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    case 't': b.append('\t'); break;
                    case 'u':
                        if (i + 4 > s.length()) throw new IllegalArgumentException("bad \\u escape");
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                        break;
                    default: throw new IllegalArgumentException("bad escape \\" + e);
                }
            }
        }

        static String write(Object v) {
            StringBuilder b = new StringBuilder();
            write(b, v);
            return b.toString();
        }

        private static void write(StringBuilder b, Object v) {
            if (v == null) {
                b.append("null");
            } else if (v instanceof String) {
                quote(b, (String) v);
            } else if (v instanceof Double || v instanceof Float) {
                double d = ((Number) v).doubleValue();
                if (d == Math.rint(d) && Math.abs(d) < 1e15) b.append((long) d); else b.append(d);
            } else if (v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else if (v instanceof Map) {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    if (!first) b.append(',');
                    first = false;
                    quote(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            } else if (v instanceof List) {
                b.append('[');
                boolean first = true;
                for (Object o : (List<?>) v) {
                    if (!first) b.append(',');
                    first = false;
                    write(b, o);
                }
                b.append(']');
            } else {
                quote(b, v.toString());
            }
        }

        private static void quote(StringBuilder b, String s) {
            b.append('"');
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                switch (c) {
                    case '"': b.append("\\\""); break;
                    case '\\': b.append("\\\\"); break;
                    case '\n': b.append("\\n"); break;
                    case '\r': b.append("\\r"); break;
                    case '\t': b.append("\\t"); break;
                    default:
                        if (c < 0x20 || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
                        else b.append(c);
                }
            }
            b.append('"');
        }
    }
}
