// Command adapter drives Go's net/http/cookiejar the way users of the standard
// library drive it: an http.Client with a cookiejar.Jar, making real requests
// through the conformatrix origin server as a forward proxy, following
// redirects with the client's default policy (at most 10).
//
// One fresh jar and one fresh client (with its own Transport) per
// cookies.fetch call, shared by all of that call's navigations. The jar is
// made with cookiejar.New(nil): standard library only, so no public suffix
// list (golang.org/x/net/publicsuffix is not in the standard library). https
// is verified against the run's test CA. The jar reads time.Now() itself, so
// the adapter has no clock capability.
//
// Speaks the conformatrix adapter contract (docs/adapter-contract.md):
// JSON-RPC 2.0, one message per line, on stdin and stdout.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"runtime"
	"time"
)

const contract = "1"

type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  interface{}     `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

type fetchParams struct {
	Vector string `json:"vector"`
	Proxy  string `json:"proxy"`
	CA     struct {
		File string `json:"file"`
	} `json:"ca"`
	Navigations []struct {
		URL    string `json:"url"`
		Method string `json:"method"`
	} `json:"navigations"`
	TimeoutMs float64 `json:"timeoutMs"`
}

type navResult struct {
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

type fetchResult struct {
	Navigations []navResult `json:"navigations"`
	Notes       []string    `json:"notes,omitempty"`
}

// addCerts adds the PEM file's certificates to pool, and says why one cannot
// be parsed (x509.CertPool.AppendCertsFromPEM skips those silently).
func addCerts(pool *x509.CertPool, data []byte) error {
	found := 0
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return err
		}
		pool.AddCert(cert)
		found++
	}
	if found == 0 {
		return errors.New("the file holds no certificate")
	}
	return nil
}

func hello(json.RawMessage) (interface{}, error) {
	return map[string]interface{}{
		"contract": contract,
		"implementation": map[string]string{
			"name":    "Go net/http/cookiejar",
			"version": runtime.Version(),
		},
		"capabilities": []string{"https"},
	}, nil
}

func fetch(raw json.RawMessage) (interface{}, error) {
	var p fetchParams
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("bad params: %w", err)
	}
	proxy, err := url.Parse(p.Proxy)
	if err != nil {
		return nil, fmt.Errorf("bad proxy: %w", err)
	}
	caPEM, err := os.ReadFile(p.CA.File)
	if err != nil {
		return nil, fmt.Errorf("reading the test CA: %w", err)
	}
	// Trust the test CA and nothing else. A CA that crypto/x509 cannot parse
	// is not trusted; https navigations then fail in the TLS handshake, and
	// http ones still run.
	pool := x509.NewCertPool()
	var caNotes []string
	if err := addCerts(pool, caPEM); err != nil {
		caNotes = append(caNotes, "the test CA is not trusted: "+err.Error())
	}

	// What a user of the standard library alone writes.
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		Proxy:           http.ProxyURL(proxy),
		TLSClientConfig: &tls.Config{RootCAs: pool},
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Jar: jar, Transport: transport}

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(p.TimeoutMs)*time.Millisecond)
	defer cancel()

	out := fetchResult{Navigations: make([]navResult, 0, len(p.Navigations))}
	for i, nav := range p.Navigations {
		r := navigate(ctx, client, nav.Method, nav.URL)
		out.Navigations = append(out.Navigations, r)
		// A navigation can fail after its requests reached the server: say
		// so, since the verdict then compares only the Cookie headers.
		if r.Error != "" {
			out.Notes = append(out.Notes, fmt.Sprintf("navigation %d (%s): %s", i+1, nav.URL, r.Error))
		}
	}
	if len(out.Notes) > 0 {
		out.Notes = append(caNotes, out.Notes...)
	}
	return out, nil
}

func navigate(ctx context.Context, client *http.Client, method, target string) (r navResult) {
	defer func() {
		if v := recover(); v != nil {
			r = navResult{Error: fmt.Sprintf("panic in net/http: %v", v)}
		}
	}()
	// A nil body: POST goes out with Content-Length: 0.
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return navResult{Error: err.Error()}
	}
	resp, err := client.Do(req)
	if err != nil {
		return navResult{Error: err.Error()}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return navResult{Status: resp.StatusCode}
}

var methods = map[string]func(json.RawMessage) (interface{}, error){
	"hello":         hello,
	"cookies.fetch": fetch,
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			if reply := handle(line); reply != nil {
				enc.Encode(reply) // Encode ends the message with a newline
				out.Flush()
			}
		}
		if err != nil {
			return // stdin closed
		}
	}
}

func handle(line []byte) *response {
	empty := true
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			empty = false
			break
		}
	}
	if empty {
		return nil
	}
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return &response{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: &rpcError{-32700, "parse error"}}
	}
	if len(req.ID) == 0 {
		return nil // a notification
	}
	method, ok := methods[req.Method]
	if !ok {
		return &response{JSONRPC: "2.0", ID: req.ID, Error: &rpcError{-32601, "no such method: " + req.Method}}
	}
	result, err := call(method, req.Params)
	if err != nil {
		return &response{JSONRPC: "2.0", ID: req.ID, Error: &rpcError{-32000, err.Error()}}
	}
	return &response{JSONRPC: "2.0", ID: req.ID, Result: result}
}

func call(method func(json.RawMessage) (interface{}, error), params json.RawMessage) (result interface{}, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return method(params)
}
