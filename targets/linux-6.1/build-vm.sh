#!/usr/bin/env bash
# Builds what the linux-6.1 target boots: the kernel of Debian bookworm's
# linux-image-amd64 package (6.1 LTS) and an initramfs with just enough to run
# the kernel agent in the guest: the virtio modules the VM needs, python3 with
# the few standard modules the agent and the guest init import, and iproute2's
# ip and nstat, procps's sysctl, with their libraries. Everything comes from
# the Debian packages installed on this machine (targets/install-packages.sh
# installs them from the manifest). Cached by the hash of every input, so a
# second run is a lookup:
#   targets/linux-6.1/build-vm.sh            prints the folder that holds vmlinuz, initramfs.cpio, info.json
#   targets/linux-6.1/build-vm.sh --check    only says whether the kernel is there (the manifest's probe)
# CONFORMATRIX_CACHE sets the cache folder (default ~/.cache/conformatrix);
# CONFORMATRIX_KERNEL_IMAGE and CONFORMATRIX_KERNEL_MODULES boot another kernel
# (docs/kernel-targets.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
agent="$here/../../suites/mptcp/net/kernel-agent.py"
cache="${CONFORMATRIX_CACHE:-${HOME:-/root}/.cache/conformatrix}/linux-6.1"
die() { echo "build-vm.sh: $*" >&2; exit 1; }

# The kernel: the image and modules of the package linux-image-amd64 depends on, or those given.
if [ -n "${CONFORMATRIX_KERNEL_IMAGE:-}" ]; then
  image="$CONFORMATRIX_KERNEL_IMAGE"
  modules="${CONFORMATRIX_KERNEL_MODULES:?CONFORMATRIX_KERNEL_MODULES: the /lib/modules/<release> folder of that kernel}"
  package="custom"
  version="$(basename "$modules")"
else
  version=$(dpkg-query -W -f '${Version}' linux-image-amd64 2>/dev/null) || die "linux-image-amd64 is not installed (targets/install-packages.sh linux-6.1)"
  package=$(dpkg-query -W -f '${Depends}' linux-image-amd64 | grep -o 'linux-image-[0-9][^ ,]*' | head -1)
  release=${package#linux-image-}
  image="/boot/vmlinuz-$release"
  modules="/lib/modules/$release"
fi
[ -r "$image" ] || die "no kernel image at $image"
[ -f "$modules/modules.dep" ] || die "no modules.dep in $modules"
command -v python3 >/dev/null || die "python3 is not installed"
[ "${1:-}" = "--check" ] && { echo "$image"; exit 0; }

# What the guest needs of the kernel's modules (MPTCP is built in: CONFIG_MPTCP=y), in load order, dependencies first.
wanted="virtio_pci virtio_net virtio_console"
mods=$(python3 - "$modules" $wanted <<'PY'
import sys
root, wanted = sys.argv[1], sys.argv[2:]
deps = {}
for line in open(root + "/modules.dep"):
    path, _, rest = line.partition(":")
    deps[path.rsplit("/", 1)[-1].split(".ko")[0].replace("-", "_")] = (path, rest.split())
order = []
def add(name):
    path, needs = deps[name]
    for n in needs:
        add(n.rsplit("/", 1)[-1].split(".ko")[0].replace("-", "_"))
    if path not in order:
        order.append(path)
for w in wanted:
    if w in deps:
        add(w)
print("\n".join(order))
PY
)

# The Python modules the guest imports, by file: asked of this machine's interpreter (the guest runs the same one).
imports="base64 ctypes hashlib importlib.util json os select signal socket struct subprocess sys threading fcntl"
pyfiles=$(/usr/bin/python3 -c "
import sys, $(echo $imports | tr ' ' ,)
for m in list(sys.modules.values()):
    f = getattr(m, '__file__', None)
    if f: print(f)
" | sort -u)
binaries="/usr/bin/python3 /usr/sbin/ip /usr/bin/nstat /usr/sbin/sysctl"
pyver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
libs=$(for b in $binaries $(echo "$pyfiles" | grep '\.so$'); do ldd "$b" | awk '/=>/ {print $3} /ld-linux/ {print $1}'; done | sort -u)

# The cache key: every input's content.
key=$( {
  sha256sum "$image" "$0" "$here/guest/init.py" "$agent"
  for m in $mods; do sha256sum "$modules/$m"; done
  dpkg-query -W -f '${Package} ${Version}\n' "python$pyver-minimal" "libpython$pyver-stdlib" iproute2 procps libc6 2>/dev/null
  echo "$pyfiles" "$libs"
} | sha256sum | cut -c1-16)
out="$cache/$key"
if [ -f "$out/info.json" ]; then echo "$out"; exit 0; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cfx-vm-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{proc,sys,dev,run,tmp,etc,opt/conformatrix,lib/modules}
# The guest's file system follows this machine's (merged /usr): /bin, /lib, /lib64 and /sbin are links into /usr.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
copy() { mkdir -p "$root$(dirname "$1")"; cp -L "$1" "$root$1"; }
# A file reached through a link of its own name (python3, libfoo.so.1) gets that link too, in its real folder.
for f in $binaries $libs; do
  real=$(readlink -f "$f")
  copy "$real"
  as="$(readlink -f "$(dirname "$f")")/$(basename "$f")"
  [ "$as" = "$real" ] || { mkdir -p "$root$(dirname "$as")"; ln -sfn "$real" "$root$as"; }
done
# Python modules with their compiled forms, so that the guest compiles nothing at start.
for f in $pyfiles; do
  copy "$f"
  case "$f" in *.py)
    c="$(dirname "$f")/__pycache__/$(basename "$f" .py).cpython-${pyver/./}.pyc"
    [ -f "$c" ] || /usr/bin/python3 -m py_compile "$f" 2>/dev/null || true
    [ -f "$c" ] && copy "$c";;
  esac
done
# Landmark files Python looks for to find its prefix.
copy "/usr/lib/python$pyver/os.py"
for m in $mods; do cp "$modules/$m" "$root/lib/modules/"; done
for m in $mods; do basename "$m"; done >"$root/lib/modules/load-order"
cp "$here/guest/init.py" "$root/init"
chmod 755 "$root/init"
cp "$agent" "$root/opt/conformatrix/kernel-agent.py"
# ip netns keeps its names under /run/netns; iproute2 reads nothing else from /etc that the guest needs.
# Made aside and moved into place whole: two runs building at once each make their own, and the first to finish wins.
mkdir -p "$cache"
made=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work" "$made"' EXIT
# Uncompressed: under TCG, the kernel's inflate of a compressed initramfs costs more than copying the larger file.
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null --create --format=newc --quiet --reproducible) >"$made/initramfs.cpio"
cp "$image" "$made/vmlinuz"
sha=$(sha256sum "$image" | cut -d' ' -f1)
python3 - "$made/info.json" "$package" "$version" "$sha" "$image" "$modules" <<'PY'
import json, sys
path, package, version, sha, image, modules = sys.argv[1:]
json.dump({"package": package, "packageVersion": version, "imageSha256": sha, "image": image, "modules": modules}, open(path, "w"), indent=2)
PY
chmod 755 "$made"
mv -T "$made" "$out" 2>/dev/null || [ -f "$out/info.json" ] || die "cannot move the build into $out"
echo "$out"
