#!/usr/bin/perl
# LWP::UserAgent with a cookie jar, the way its users drive it:
#   LWP::UserAgent->new(cookie_jar => JAR->new, ssl_opts => {SSL_ca_file => ...})
#   $ua->proxy(['http', 'https'], $proxy)
#   $ua->get($url) / $ua->post($url)
# A new user agent with a new jar for each cookies.fetch call, shared by all of
# its navigations. LWP follows redirects itself, with its default policy:
# requests_redirectable is GET and HEAD, and redirect_ok() checks the method of
# the request that got the redirect, so a POST is never redirected (the
# navigation ends with the 3xx status).
# The jar class does all the cookie work; this script never looks at a cookie.
#
# One script for two targets: the jar class is an argument.
#   perl adapter.pl                                 HTTP::Cookies (targets/perl-lwp)
#   perl adapter.pl --jar HTTP::CookieJar::LWP      HTTP::CookieJar (targets/perl-cookiejar)
#
# Clock: the jars read the time through Perl's time() (and HTTP::Date reads the
# current year through localtime for two-digit years). CORE::GLOBAL::time,
# ::localtime and ::gmtime are overridden below, before any module is
# compiled, so that the whole process sees the vector's time while one is set,
# as faketime does for a program. OpenSSL checks certificates against the
# system clock, which is left alone.
#
# Speaks the conformatrix adapter contract (docs/adapter-contract.md): JSON-RPC
# 2.0, one message per line, on stdin and stdout.
use strict;
use warnings;

our $NOW;    # the navigation's time in whole seconds since the epoch, or undef for the real time

BEGIN {
    *CORE::GLOBAL::time = sub () { defined $NOW ? $NOW : CORE::time() };
    *CORE::GLOBAL::localtime = sub (;$) {
        my $t = @_ ? $_[0] : defined $NOW ? $NOW : CORE::time();
        return wantarray ? CORE::localtime($t) : scalar CORE::localtime($t);
    };
    *CORE::GLOBAL::gmtime = sub (;$) {
        my $t = @_ ? $_[0] : defined $NOW ? $NOW : CORE::time();
        return wantarray ? CORE::gmtime($t) : scalar CORE::gmtime($t);
    };
}

use Getopt::Long qw(GetOptions);
use POSIX ();
use JSON::PP ();
use LWP ();
use LWP::UserAgent ();
use HTTP::Request ();

my $jar_class = 'HTTP::Cookies';
GetOptions('jar=s' => \$jar_class) or die "usage: $0 [--jar CLASS]\n";
die "unknown jar class $jar_class\n" unless $jar_class =~ /^[A-Za-z_][\w:]*$/;
(my $jar_file = "$jar_class.pm") =~ s{::}{/}g;
require $jar_file;

my $json = JSON::PP->new->utf8->canonical;
my $CONTRACT = '1';

sub module_version {
    my ($module) = @_;
    no strict 'refs';
    my $v = ${"${module}::VERSION"};
    return defined $v ? "$v" : 'unknown';
}

sub hello {
    # HTTP::CookieJar::LWP is a thin subclass; the jar's version is HTTP::CookieJar's.
    my $jar_module = $jar_class eq 'HTTP::CookieJar::LWP' ? 'HTTP::CookieJar' : $jar_class;
    my $name = "LWP::UserAgent with $jar_class";
    # HTTP::CookieJar checks Domain against the public suffix list only when
    # Mozilla::PublicSuffix can be loaded (it tries at load time).
    if ($jar_module eq 'HTTP::CookieJar') {
        $name .= $INC{'Mozilla/PublicSuffix.pm'} ? ' (with Mozilla::PublicSuffix)' : ' (no public suffix list)';
    }
    return {
        contract       => $CONTRACT,
        implementation => {
            name    => $name,
            version => sprintf('%s %s, LWP %s, perl %vd', $jar_module, module_version($jar_module), $LWP::VERSION, $^V),
        },
        capabilities => [ 'https', 'clock' ],
    };
}

sub fetch {
    my ($params) = @_;
    my $timeout = ($params->{timeoutMs} // 10000) / 1000;
    my $ua = LWP::UserAgent->new(
        cookie_jar => $jar_class->new,
        ssl_opts   => { SSL_ca_file => $params->{ca}{file} },
        timeout    => $timeout < 1 ? 1 : int($timeout),
    );
    $ua->proxy([ 'http', 'https' ], $params->{proxy});
    my @results;
    for my $nav (@{ $params->{navigations} }) {
        # time() counts whole seconds
        local $NOW = defined $nav->{now} ? POSIX::floor($nav->{now} / 1000) : undef;
        my $result = eval {
            my $method = $nav->{method};
            my $response =
                $method eq 'GET'  ? $ua->get($nav->{url})
              : $method eq 'POST' ? $ua->post($nav->{url})
              :                     $ua->request(HTTP::Request->new($method => $nav->{url}));
            my $warning = $response->header('Client-Warning') // '';
            if ($warning eq 'Internal response') {
                # LWP's own failure (connection, TLS, a header it could not
                # parse), reported as a made-up 500 response.
                my $why = $response->status_line;
                my ($detail) = grep { /\S/ && index($why, $_) < 0 }
                  split /\n/, ($response->decoded_content // $response->content // '');
                $why .= ": $detail" if defined $detail;
                +{ error => $why };
            }
            elsif (my $died = $response->header('X-Died')) {
                +{ error => "LWP: $died" };
            }
            else {
                +{ status => 0 + $response->code };
            }
        };
        if (!defined $result) {
            my $err = $@ || 'unknown failure';
            $err =~ s/\s+$//;
            $result = { error => "$err" };
        }
        push @results, $result;
    }
    my @notes = map { "navigation " . ($_ + 1) . ": $results[$_]{error}" } grep { exists $results[$_]{error} } 0 .. $#results;
    return { navigations => \@results, (@notes ? (notes => \@notes) : ()) };
}

my %METHODS = (hello => \&hello, 'cookies.fetch' => \&fetch);

$| = 1;
binmode STDIN;
binmode STDOUT;
while (my $line = <STDIN>) {
    next unless $line =~ /\S/;
    my $message = eval { $json->decode($line) };
    my $reply;
    if (!defined $message || ref $message ne 'HASH') {
        $reply = { jsonrpc => '2.0', id => undef, error => { code => -32700, message => 'parse error' } };
    }
    else {
        next unless exists $message->{id};
        my $method = $METHODS{ $message->{method} // '' };
        if (!$method) {
            $reply = { jsonrpc => '2.0', id => $message->{id}, error => { code => -32601, message => 'no such method' } };
        }
        else {
            my $result = eval { $method->($message->{params}) };
            if (defined $result) {
                $reply = { jsonrpc => '2.0', id => $message->{id}, result => $result };
            }
            else {
                my $err = $@ || 'unknown failure';
                $err =~ s/\s+$//;
                $reply = { jsonrpc => '2.0', id => $message->{id}, error => { code => -32000, message => "$err" } };
            }
        }
    }
    print STDOUT $json->encode($reply), "\n";
}
