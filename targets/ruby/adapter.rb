# Ruby's Net::HTTP with the http-cookie gem's HTTP::CookieJar, the way the
# gem's documentation tells users to combine them: Net::HTTP keeps no cookies,
# so before each request the jar's cookies for the URL go into the Cookie header
#   HTTP::Cookie.cookie_value(jar.cookies(uri))      (when not empty)
# and after each response every Set-Cookie field, as received, goes to
#   jar.parse(value, uri)
# A new jar per cookies.fetch call, shared by all of its navigations; a new
# Net::HTTP connection per request, through the origin server as its proxy
# (Net::HTTP.new(host, port, proxy_host, proxy_port)), https verified against
# the run's CA (use_ssl, ca_file, VERIFY_PEER).
#
# Net::HTTP does not follow redirects, so this adapter does it the way a user
# would write it and the way browsers do (Fetch, "HTTP-redirect fetch"): on 301,
# 302, 303, 307 and 308 with a Location, the Location resolved against the
# request URL is requested next; 303 turns any method but HEAD into GET, 301
# and 302 turn POST into GET; 307 and 308 keep the method. At most 20
# redirects. Every response, redirect or not, is handed to the jar first.
#
# Clock: http-cookie reads the time through Time.now only. Time.now is
# replaced (prepended on Time's singleton class) to return the navigation's
# time while one is set, for the whole process, as faketime would. OpenSSL
# checks certificates against the system clock, which is left alone.
#
# Speaks the conformatrix adapter contract (docs/adapter-contract.md): JSON-RPC
# 2.0, one message per line, on stdin and stdout.
require 'json'
require 'net/http'
require 'openssl'
require 'uri'
require 'http-cookie'

CONTRACT = '1'
MAX_REDIRECTS = 20

module ConformatrixClock
  class << self
    # The navigation's time in ms since the epoch, or nil for the real clock.
    attr_accessor :now_ms
  end

  module TimeNow
    def now(*args, **kwargs)
      ms = ConformatrixClock.now_ms
      return super if ms.nil?
      t = Time.at(Rational(ms.to_i, 1000))
      kwargs[:in] ? t.localtime(kwargs[:in]) : t
    end
  end
end
Time.singleton_class.prepend(ConformatrixClock::TimeNow)

# Error messages go into JSON; they may quote header octets.
def text(s)
  s.to_s.dup.force_encoding(Encoding::UTF_8).scrub('?')
end

def hello(_params)
  {
    contract: CONTRACT,
    implementation: {
      name: 'Ruby Net::HTTP with http-cookie',
      version: "http-cookie #{HTTP::Cookie::VERSION}, ruby #{RUBY_VERSION}"
    },
    capabilities: %w[https clock]
  }
end

def new_request(method, uri)
  klass = {
    'GET' => Net::HTTP::Get, 'POST' => Net::HTTP::Post, 'HEAD' => Net::HTTP::Head,
    'PUT' => Net::HTTP::Put, 'DELETE' => Net::HTTP::Delete, 'PATCH' => Net::HTTP::Patch,
    'OPTIONS' => Net::HTTP::Options
  }[method]
  request = klass ? klass.new(uri) : Net::HTTPGenericRequest.new(method, true, true, uri)
  request.body = '' if request.request_body_permitted?
  request
end

def fetch_one(jar, url, method, proxy, params)
  uri = URI(url)
  timeout = [(params['timeoutMs'] || 10_000) / 1000.0, 1].max
  redirects = 0
  loop do
    # uri.hostname, not uri.host: for an IPv6 literal, uri.host keeps the
    # brackets and Net::HTTP adds its own, asking the proxy for http://[[::1]]/.
    http = Net::HTTP.new(uri.hostname, uri.port, proxy.host, proxy.port)
    http.open_timeout = timeout
    http.read_timeout = timeout
    http.write_timeout = timeout
    if uri.scheme == 'https'
      http.use_ssl = true
      http.ca_file = params['ca']['file']
      http.verify_mode = OpenSSL::SSL::VERIFY_PEER
    end
    request = new_request(method, uri)
    cookie = HTTP::Cookie.cookie_value(jar.cookies(uri))
    request['Cookie'] = cookie unless cookie.empty?
    response = http.start { |h| h.request(request) }
    (response.get_fields('set-cookie') || []).each { |value| jar.parse(value, uri) }

    status = response.code.to_i
    location = response['location']
    return { status: status } unless [301, 302, 303, 307, 308].include?(status) && location
    redirects += 1
    return { error: "more than #{MAX_REDIRECTS} redirects" } if redirects > MAX_REDIRECTS
    uri = uri + location
    method = 'GET' if (status == 303 && method != 'HEAD') || ([301, 302].include?(status) && method == 'POST')
  end
end

def fetch(params)
  proxy = URI(params['proxy'])
  jar = HTTP::CookieJar.new
  navigations = params['navigations'].map do |nav|
    ConformatrixClock.now_ms = nav['now']
    begin
      fetch_one(jar, nav['url'], nav['method'], proxy, params)
    rescue StandardError => e
      { error: text("#{e.class}: #{e.message}") }
    ensure
      ConformatrixClock.now_ms = nil
    end
  end
  notes = navigations.each_with_index.filter_map { |n, i| "navigation #{i + 1}: #{n[:error]}" if n[:error] }
  notes.empty? ? { navigations: navigations } : { navigations: navigations, notes: notes }
end

METHODS = { 'hello' => method(:hello), 'cookies.fetch' => method(:fetch) }.freeze

$stdout.sync = true
$stdin.set_encoding(Encoding::UTF_8)
$stdin.each_line do |line|
  next if line.strip.empty?
  begin
    message = JSON.parse(line)
  rescue JSON::ParserError
    puts JSON.generate({ jsonrpc: '2.0', id: nil, error: { code: -32700, message: 'parse error' } })
    next
  end
  next unless message.is_a?(Hash) && message.key?('id')
  handler = METHODS[message['method']]
  reply =
    if handler.nil?
      { jsonrpc: '2.0', id: message['id'], error: { code: -32601, message: 'no such method' } }
    else
      begin
        { jsonrpc: '2.0', id: message['id'], result: handler.call(message['params']) }
      rescue StandardError => e
        { jsonrpc: '2.0', id: message['id'], error: { code: -32000, message: text("#{e.class}: #{e.message}") } }
      end
    end
  puts JSON.generate(reply)
end
