#!/bin/sh
# Chromium in a network namespace of its own (targets/chromium/netns.ts): playwright starts this script as the browser,
# with the browser's arguments; the adapter sets the environment. netns-launch.js brings up the namespace's loopback,
# bridges the proxy's port to the adapter, and starts the real browser.
exec unshare $CONFORMATRIX_UNSHARE -- "$CONFORMATRIX_NODE" "$CONFORMATRIX_NETNS_LAUNCHER" "$@"
